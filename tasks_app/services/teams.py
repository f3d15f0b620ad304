"""Teams: agencies make them, citizens join open ones or accept an invitation, staff remove members.

A team is a list of people and moves no points; rota shifts and online tasks name a team to say who
may see and claim them (tasks_app.selectors.task_audience_allows).
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Agency, AgencyMembership, Role, User
from tasks_app.errors import (
    AlreadyMemberError,
    InvitationClosedError,
    InvitationRequiredError,
    InviteeInvalidError,
    NotCitizenError,
    OwnAgencyTeamError,
    TeamMemberNotFoundError,
    TeamNameTakenError,
)
from tasks_app.models import InvitationStatus, Team, TeamInvitation, TeamMembership


def team_create(
    *, agency: Agency, created_by: User | None, name: str, description: str = "", is_open: bool = True
) -> Team:
    """A new team of the agency. Raises TeamNameTakenError (409) when the agency has one of that name."""
    try:
        with transaction.atomic():
            return Team.objects.create(
                agency=agency, created_by=created_by, name=name.strip(), description=description, is_open=is_open
            )
    except IntegrityError:
        raise TeamNameTakenError(name=name) from None


def _is_agency_staff(*, user: User, agency_id: int) -> bool:
    return AgencyMembership.objects.filter(user=user, agency_id=agency_id).exists()


def _refuse_non_volunteer(*, team: Team, user: User) -> None:
    """Members are citizens who are not staff of the team's agency (staff cannot claim its tasks)."""
    if not user.has_role(Role.CITIZEN):
        raise NotCitizenError()
    if _is_agency_staff(user=user, agency_id=team.agency_id):
        raise OwnAgencyTeamError(team_id=team.pk)


def _membership_add(*, team: Team, user: User) -> TeamMembership:
    # ON CONFLICT DO NOTHING: two racing joins of one citizen leave one row and both succeed.
    TeamMembership.objects.bulk_create([TeamMembership(team=team, user=user)], ignore_conflicts=True)
    return TeamMembership.objects.get(team=team, user=user)


@transaction.atomic
def team_join(*, team: Team, user: User) -> TeamMembership:
    """Join an open team (or a closed one the citizen is invited to: the invitation is accepted).

    Joining again changes nothing. Raises NotCitizenError, OwnAgencyTeamError, InvitationRequiredError.
    """
    _refuse_non_volunteer(team=team, user=user)
    pending = TeamInvitation.objects.filter(team=team, user=user, status=InvitationStatus.PENDING)
    is_member = TeamMembership.objects.filter(team=team, user=user).exists()
    if not team.is_open and not is_member and not pending.exists():
        raise InvitationRequiredError(team_id=team.pk)
    pending.update(status=InvitationStatus.ACCEPTED, answered_at=timezone.now(), updated_at=timezone.now())
    return _membership_add(team=team, user=user)


@transaction.atomic
def team_invite(*, team: Team, invited_by: User, user: User) -> TeamInvitation:
    """Invite a citizen into the team; inviting someone already invited returns that invitation.

    Raises InviteeInvalidError (422) for a non-citizen or the agency's own staff, AlreadyMemberError.
    """
    if not user.has_role(Role.CITIZEN) or _is_agency_staff(user=user, agency_id=team.agency_id):
        raise InviteeInvalidError(field="user_id")
    if TeamMembership.objects.filter(team=team, user=user).exists():
        raise AlreadyMemberError(team_id=team.pk, user_id=user.pk)
    TeamInvitation.objects.bulk_create(
        [TeamInvitation(team=team, user=user, invited_by=invited_by)], ignore_conflicts=True
    )
    return TeamInvitation.objects.select_related("team").get(team=team, user=user, status=InvitationStatus.PENDING)


def _invitation_answer(*, invitation: TeamInvitation, user: User, status: str) -> TeamInvitation:
    """Record the invitee's answer under the invitation's row lock (accepting adds the membership).

    The same answer again changes nothing; the other one raises InvitationClosedError.
    """
    invitation = TeamInvitation.objects.select_for_update().select_related("team", "user").get(pk=invitation.pk)
    if invitation.status == status:
        return invitation
    if invitation.status != InvitationStatus.PENDING:
        raise InvitationClosedError(status=invitation.status)
    if status == InvitationStatus.ACCEPTED:
        _refuse_non_volunteer(team=invitation.team, user=user)
        _membership_add(team=invitation.team, user=user)
    invitation.status = status
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["status", "answered_at", "updated_at"])
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: TeamInvitation, user: User) -> TeamInvitation:
    """The invitee joins the team. Accepting twice changes nothing; a declined one: InvitationClosedError."""
    return _invitation_answer(invitation=invitation, user=user, status=InvitationStatus.ACCEPTED)


@transaction.atomic
def invitation_decline(*, invitation: TeamInvitation, user: User) -> TeamInvitation:
    """The invitee says no. Declining twice changes nothing; an accepted one: InvitationClosedError."""
    return _invitation_answer(invitation=invitation, user=user, status=InvitationStatus.DECLINED)


@transaction.atomic
def team_member_remove(*, team: Team, user_id: int) -> None:
    """Take one member off the team (staff removing them, or the member leaving).

    Claims already taken stay; the team's shifts and online tasks are no longer theirs to claim.
    Raises TeamMemberNotFoundError.
    """
    deleted, _rows = TeamMembership.objects.filter(team=team, user_id=user_id).delete()
    if not deleted:
        raise TeamMemberNotFoundError(team_id=team.pk, user_id=user_id)
