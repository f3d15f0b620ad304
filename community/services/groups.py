"""Groups and who is in them: joining, circles made by staff, invitations, officers."""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Agency, AgencyMembership, Grid, Role, User
from community.errors import InvitationRequiredError, NotCitizenError, NotYourCommunityError, RemovedFromGroupError
from community.models import DeskShift, DutyDesk, Group, GroupKind, Invitation, MemberRole, Membership
from core.errors import ForbiddenError, InvalidError, NotFoundError


@transaction.atomic
def group_join(*, group: Group, user: User) -> Membership:
    """Join a group: a community group is open to citizens, a circle only with an invitation.
    Joining again changes nothing.

    Raises NotCitizenError, InvitationRequiredError, RemovedFromGroupError (403).
    """
    User.objects.select_for_update().filter(pk=user.pk).exists()  # one join of this person at a time
    existing = Membership.objects.select_for_update().filter(group=group, user=user).first()
    if existing is not None and existing.removed_at is not None:
        raise RemovedFromGroupError()
    if existing is not None:
        return existing
    invited = Invitation.objects.filter(group=group, user=user).exists()
    if group.kind == GroupKind.CIRCLE:
        if not invited:
            raise InvitationRequiredError()
    elif not user.has_role(Role.CITIZEN):
        raise NotCitizenError()
    elif not invited:
        _one_community_check(group=group, user=user)
    try:
        with transaction.atomic():
            return Membership.objects.create(group=group, user=user, role=MemberRole.MEMBER)
    except IntegrityError:  # a twin request joined first
        return Membership.objects.get(group=group, user=user)


def _one_community_check(*, group: Group, user: User) -> None:
    """A resident is a member of the group of one community, the one they live in (an officer's
    invitation lets them into another). Raises NotYourCommunityError naming the group they are in."""
    other = (
        Membership.objects.filter(
            user=user, role=MemberRole.MEMBER, removed_at__isnull=True, group__kind=GroupKind.COMMUNITY
        )
        .exclude(group=group)
        .select_related("group")
        .first()
    )
    if other is not None:
        raise NotYourCommunityError(
            _("You are in the group of %(name)s: leave it first to join this one.") % {"name": other.group.name},
            group_id=other.group_id,
        )


@transaction.atomic
def group_leave(*, group: Group, user: User) -> None:
    """Leave a group I am a member of (a resident who moved); officers are changed by staff, and a
    removed member's row stays for the record. Raises NotFoundError, ForbiddenError."""
    membership = Membership.objects.select_for_update().filter(group=group, user=user, removed_at__isnull=True).first()
    if membership is None:
        raise NotFoundError(_("You are not in this group."), group_id=group.pk)
    if membership.role != MemberRole.MEMBER:
        raise ForbiddenError(_("An officer leaves a group when staff name another."))
    membership.delete()


def community_group_ensure(*, grid: Grid, station_id: int | None = None) -> Group:
    """The community grid's group, made when missing (one per community grid)."""
    group, _created = Group.objects.get_or_create(
        grid=grid, kind=GroupKind.COMMUNITY, defaults={"name": grid.name, "station_id": station_id}
    )
    return group


@transaction.atomic
def circle_create(*, name: str, creator: User, station_id: int | None = None) -> Group:
    """A circle made by staff (merchants and guards, a school gate, a patrol team); its maker is its
    first officer and invites the others.

    Raises ForbiddenError (not agency or grid-centre staff), NotFoundError (a station not theirs).
    """
    staff = creator.agency_memberships.exists() or creator.grid_memberships.exists()
    if not staff:
        raise ForbiddenError("Only staff make circles.")
    if station_id is not None and not creator.agency_memberships.filter(agency_id=station_id).exists():
        raise NotFoundError("No such station among yours.", station_id=station_id)
    group = Group.objects.create(name=name, kind=GroupKind.CIRCLE, station_id=station_id, created_by=creator)
    Membership.objects.create(group=group, user=creator, role=MemberRole.OFFICER)
    return group


def officer_set(*, group: Group, user: User) -> Membership:
    """Make this person an officer of the group (a member first if they were not)."""
    membership, _created = Membership.objects.update_or_create(
        group=group, user=user, defaults={"role": MemberRole.OFFICER, "removed_at": None}
    )
    return membership


def invitation_by_email(*, reader, email: str, invited_by: User) -> Invitation:
    """An officer invites a person by their email address (the person gives it to the officer; it is
    never shown to anyone). Raises NotOfficerError (403), NotFoundError (no such active account)."""
    from community.errors import NotOfficerError

    if not reader.is_staff_side:
        raise NotOfficerError()
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        raise NotFoundError("No account with this email address.", field="email")
    return invitation_create(group=reader.group, user=user, invited_by=invited_by)


def invitation_create(*, group: Group, user: User, invited_by: User) -> Invitation:
    """Invite a person into a group (idempotent per group and person)."""
    invitation, _created = Invitation.objects.get_or_create(group=group, user=user, defaults={"invited_by": invited_by})
    return invitation


MAX_SHIFT = timedelta(hours=24)


@transaction.atomic
def desk_shift_add(*, station_id: int, by: User, user_id: int, starts_at: datetime, ends_at: datetime) -> DeskShift:
    """Put a staff member of the station on its duty desk's roster (its staff only; the desk is made
    on first use). Raises NotFoundError (not your station), InvalidError (not the station's staff, a
    shift that ends before it starts or lasts more than a day)."""
    if not AgencyMembership.objects.filter(user=by, agency_id=station_id).exists():
        raise NotFoundError("No such station among yours.", station_id=station_id)
    if not AgencyMembership.objects.filter(user_id=user_id, agency_id=station_id).exists():
        raise InvalidError("Only the station's own staff go on its roster.", field="user_id")
    if not starts_at < ends_at <= starts_at + MAX_SHIFT:
        raise InvalidError("A shift ends after it starts, within a day.", field="ends_at")
    station = Agency.objects.get(pk=station_id)
    desk, _created = DutyDesk.objects.get_or_create(station=station, defaults={"name": station.name})
    return DeskShift.objects.create(desk=desk, user_id=user_id, starts_at=starts_at, ends_at=ends_at)
