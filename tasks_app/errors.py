"""The tasks app's domain errors; config/api.py maps them to the contract's status and body."""

from django.utils.translation import gettext_lazy as _

from core.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError, RateLimitedError


class TaskNotFoundError(NotFoundError):
    code = "not_found"
    default_message = _("No such task.")


class ClaimNotFoundError(NotFoundError):
    code = "not_found"
    default_message = _("No such claim.")


class OfferNotFoundError(NotFoundError):
    code = "not_found"
    default_message = _("No such offer.")


class NotAgencyStaffError(ForbiddenError):
    code = "forbidden"
    default_message = _("Only agency staff may do this.")


class NotCitizenError(ForbiddenError):
    code = "forbidden"
    default_message = _("Only citizens may take part in tasks.")


class OwnAgencyTaskError(ForbiddenError):
    code = "own_agency_task"
    default_message = _("Staff cannot claim their own agency's tasks.")


class OwnClaimError(ForbiddenError):
    # Staff never decide on their own claim (one made before they joined the agency, say).
    code = "own_claim"
    default_message = _("This is your own claim: another staff member of the agency must decide on it.")


class TaskFullError(ConflictError):
    code = "task_full"
    default_message = _("Every place on this task is taken.")


class AlreadyClaimedError(ConflictError):
    code = "already_claimed"
    default_message = _("You already hold a place on this task.")


class DailyClaimLimitError(RateLimitedError):
    code = "rate_limited"
    default_message = _("You have taken as many places as one person may in a day; claim again tomorrow.")


class TaskNotOpenError(ConflictError):
    code = "task_not_open"
    default_message = _("This task is not open for claims.")


class TaskNotDraftError(ConflictError):
    code = "task_not_draft"
    default_message = _("Only a draft task can be published.")


class TaskNotCancellableError(ConflictError):
    code = "task_not_cancellable"
    default_message = _("This task can no longer be cancelled.")


class TaskWindowOverError(ConflictError):
    code = "task_window_over"
    default_message = _("This task's time window is over.")


class InvalidClaimStateError(ConflictError):
    code = "invalid_claim_state"
    default_message = _("The claim is not in a state that allows this.")


class ClaimNotCancellableError(ConflictError):
    code = "claim_not_cancellable"
    default_message = _("A claim can be cancelled only before the task starts and before checking in.")


class ClaimNotCompletedError(ConflictError):
    code = "claim_not_completed"
    default_message = _("Only a completed claim can be approved.")


class OutsideTimeWindowError(ConflictError):
    code = "outside_time_window"
    default_message = _("Check-ins are accepted from 30 minutes before the start until the end of the task.")


class OutsideGeofenceError(InvalidError):
    code = "outside_geofence"
    default_message = _("You are outside the task's area.")


class TooShortOnSiteError(InvalidError):
    code = "too_short_on_site"
    default_message = _("You have not been on site long enough to check out.")


class TaskInvalidError(InvalidError):
    code = "invalid"


class OfferClosedError(ConflictError):
    code = "offer_closed"
    default_message = _("This offer is no longer open.")


class NotOnCallError(ConflictError):
    code = "not_on_call"
    default_message = _("Go on call and share your position first.")


class TaskNotUrgentError(ConflictError):
    code = "task_not_urgent"
    default_message = _("Only an urgent, open task can be dispatched.")


class TeamNotFoundError(NotFoundError):
    code = "not_found"
    default_message = _("No such team.")


class InvitationNotFoundError(NotFoundError):
    code = "not_found"
    default_message = _("No such invitation.")


class TeamMemberNotFoundError(NotFoundError):
    code = "not_found"
    default_message = _("No such member of this team.")


class TeamNameTakenError(ConflictError):
    code = "team_name_taken"
    default_message = _("The agency already has a team of this name.")


class InvitationRequiredError(ForbiddenError):
    code = "invitation_required"
    default_message = _("This team takes members by invitation only.")


class OwnAgencyTeamError(ForbiddenError):
    code = "own_agency_team"
    default_message = _("Staff cannot join their own agency's teams as volunteers.")


class AlreadyMemberError(ConflictError):
    code = "already_member"
    default_message = _("This person is already a member of the team.")


class InvitationClosedError(ConflictError):
    code = "invitation_closed"
    default_message = _("This invitation has already been answered.")


class InviteeInvalidError(InvalidError):
    code = "invalid"
    default_message = _("Only a citizen who is not staff of the agency can be invited.")


class RotaNotFoundError(NotFoundError):
    code = "not_found"
    default_message = _("No such rota.")


class RotaInvalidError(InvalidError):
    code = "invalid"


class RotaEndedError(ConflictError):
    code = "rota_ended"
    default_message = _("This rota has ended.")


class TaskOnlineError(ConflictError):
    code = "task_online"
    default_message = _("This task is done online: send its proof instead of a check-in.")


class TaskNotOnlineError(ConflictError):
    code = "task_not_online"
    default_message = _("This task is done on site: check in and out there.")
