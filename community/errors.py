"""What the community app refuses, with the contract's codes."""

from core.errors import ConflictError, ForbiddenError, InvalidError


class InvitationRequiredError(ForbiddenError):
    code = "invitation_required"
    default_message = "This group is by invitation only."


class NotYourCommunityError(ConflictError):
    """A resident belongs to the group of one community: the one they live in (409, with its name)."""

    code = "not_your_community"
    default_message = "You are in the group of another community: leave it first to join this one."


class RemovedFromGroupError(ForbiddenError):
    code = "removed_from_group"
    default_message = "You were removed from this group by its officer."


class MutedError(ForbiddenError):
    code = "muted"
    default_message = "You are muted in this group for now."


class NotCitizenError(ForbiddenError):
    code = "forbidden"
    default_message = "Only citizens can join a community group."


class NotOfficerError(ForbiddenError):
    code = "forbidden"
    default_message = "Only the group's officers or the duty desk can do this."


class RequestStateError(ConflictError):
    code = "invalid_transition"
    default_message = "The request is not in a state that allows this."


class AlreadyRatedError(ConflictError):
    code = "already_rated"
    default_message = "You have rated this request already."


class AlreadyForwardedError(ConflictError):
    code = "already_forwarded"
    default_message = "This request has been forwarded to the case queue already."


class EmptyPostError(InvalidError):
    default_message = "Write something or add a photo."


class NoBroadcastTargetError(InvalidError):
    code = "no_groups"
    default_message = "None of these grids has a group you may send to."
