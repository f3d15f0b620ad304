"""The teams API (docs/api.md "Teams"): agencies' named teams, joining, invitations, removing members."""

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from accounts.selectors import agency_get_for_staff
from core.pagination import paginate
from tasks_app import selectors
from tasks_app.services import teams as team_services
from tasks_app.team_schemas import (
    TeamDetailOut,
    TeamIn,
    TeamInvitationIn,
    TeamInvitationOut,
    TeamMembershipOut,
    TeamOut,
)

router = Router(tags=["teams"])


class TeamList(Schema):
    items: list[TeamOut]
    count: int


class TeamInvitationList(Schema):
    items: list[TeamInvitationOut]
    count: int


class TeamQuery(Schema):
    limit: int = 50
    offset: int = 0
    agency_id: int | None = None  # staff: one of their agencies' teams only
    mine: bool = False  # only the teams I am a member of


@router.get("/teams", response=TeamList)
def team_list_api(request: HttpRequest, query: Query[TeamQuery]) -> dict:
    """Teams I may see: my agencies' (staff), mine, those I am invited to, and open ones."""
    qs = selectors.teams_visible(user=request.auth)
    if query.agency_id is not None:
        qs = qs.filter(agency_id=query.agency_id)
    if query.mine:
        qs = qs.filter(is_member=True)
    return paginate(qs, limit=query.limit, offset=query.offset)


@router.post("/teams", response={201: TeamOut})
def team_create_api(request: HttpRequest, payload: TeamIn) -> Status:
    """A new team of my agency (409 team_name_taken)."""
    selectors.staff_agency_ids(user=request.auth)
    agency = agency_get_for_staff(user=request.auth, agency_id=payload.agency_id)
    team = team_services.team_create(
        agency=agency,
        created_by=request.auth,
        name=payload.name,
        description=payload.description,
        is_open=payload.is_open,
    )
    return Status(201, selectors.team_get_for_staff(user=request.auth, team_id=team.pk))


@router.get("/teams/{team_id}", response=TeamDetailOut)
def team_detail_api(request: HttpRequest, team_id: int) -> object:
    """One team; its members are listed to its agency's staff only."""
    team = selectors.team_get_visible(user=request.auth, team_id=team_id)
    if team.agency_id in set(request.auth.agency_memberships.values_list("agency_id", flat=True)):
        team.members = list(selectors.team_members(team=team))
    return team


@router.post("/teams/{team_id}/join", response=TeamMembershipOut)
def team_join_api(request: HttpRequest, team_id: int) -> object:
    """Join an open team, or a closed one I am invited to (403 invitation_required, own_agency_team)."""
    team = selectors.team_get(team_id=team_id)
    return team_services.team_join(team=team, user=request.auth)


@router.get("/teams/{team_id}/invitations", response=TeamInvitationList)
def team_invitation_list_api(request: HttpRequest, team_id: int, query: Query[TeamQuery]) -> dict:
    """The team's invitations waiting for an answer (its agency's staff)."""
    team = selectors.team_get_for_staff(user=request.auth, team_id=team_id)
    return paginate(selectors.team_invitations_pending(team=team), limit=query.limit, offset=query.offset)


@router.post("/teams/{team_id}/invitations", response={201: TeamInvitationOut})
def team_invite_api(request: HttpRequest, team_id: int, payload: TeamInvitationIn) -> Status:
    """Invite a citizen by id or email address (its agency's staff; 409 already_member)."""
    team = selectors.team_get_for_staff(user=request.auth, team_id=team_id)
    invitee = selectors.invitee_get(user_id=payload.user_id, email=payload.email)
    return Status(201, team_services.team_invite(team=team, invited_by=request.auth, user=invitee))


@router.delete("/teams/{team_id}/members/{user_id}", response={204: None})
def team_member_remove_api(request: HttpRequest, team_id: int, user_id: int) -> Status:
    """Its agency's staff remove a member; a member removes themselves (leaves)."""
    if user_id == request.auth.pk and team_id in selectors.user_team_ids(user=request.auth):
        team = selectors.team_get_visible(user=request.auth, team_id=team_id)
    else:
        team = selectors.team_get_for_staff(user=request.auth, team_id=team_id)
    team_services.team_member_remove(team=team, user_id=user_id)
    return Status(204, None)


@router.get("/invitations", response=TeamInvitationList)
def invitation_list_api(request: HttpRequest, query: Query[TeamQuery]) -> dict:
    """Invitations into teams sent to me, waiting for my answer."""
    return paginate(selectors.invitation_list_for_user(user=request.auth), limit=query.limit, offset=query.offset)


@router.post("/invitations/{invitation_id}/accept", response=TeamInvitationOut)
def invitation_accept_api(request: HttpRequest, invitation_id: int) -> object:
    """Accept an invitation: I join the team (409 invitation_closed when declined)."""
    invitation = selectors.invitation_get_for_invitee(user=request.auth, invitation_id=invitation_id)
    return team_services.invitation_accept(invitation=invitation, user=request.auth)


@router.post("/invitations/{invitation_id}/decline", response=TeamInvitationOut)
def invitation_decline_api(request: HttpRequest, invitation_id: int) -> object:
    """Decline an invitation (409 invitation_closed when accepted)."""
    invitation = selectors.invitation_get_for_invitee(user=request.auth, invitation_id=invitation_id)
    return team_services.invitation_decline(invitation=invitation, user=request.auth)
