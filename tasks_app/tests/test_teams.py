"""Teams (issue 18): agencies' named teams; citizens join open ones or accept invitations; staff remove.

Personas: the agency's staff, staff of another agency, a member, a citizen outside the team, anonymous.
"""

import pytest

from accounts.tests.factories import UserFactory
from tasks_app import selectors
from tasks_app.models import Team, TeamInvitation, TeamMembership
from tasks_app.services import teams as team_services
from tasks_app.tests.conftest import race_outcomes

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_team(agency, staff):
    return team_services.team_create(agency=agency, created_by=staff, name="Night owls", is_open=True)


@pytest.fixture
def closed_team(agency, staff):
    return team_services.team_create(agency=agency, created_by=staff, name="West gate", is_open=False)


@pytest.fixture
def member(closed_team, open_team):
    user = UserFactory(display_name="Member Li")
    TeamMembership.objects.create(team=closed_team, user=user)
    TeamMembership.objects.create(team=open_team, user=user)
    return user


def delete(client, path: str):
    return client.client.delete(f"/api/v1{path}", headers=client._headers(None))


def test_staff_create_a_team_and_a_second_of_the_same_name_is_refused(api_as, agency, staff) -> None:
    client = api_as(staff)
    created = client.post("/teams", {"name": "Riverside", "description": "Evenings", "is_open": False})
    assert created.status_code == 201
    assert created.json() | {"id": 0} == {
        "id": 0,
        "name": "Riverside",
        "description": "Evenings",
        "is_open": False,
        "agency": {"id": agency.id, "name": agency.name},
        "member_count": 0,
        "is_member": False,
        "is_invited": False,
    }
    again = client.post("/teams", {"name": "Riverside"})
    assert (again.status_code, again.json()["code"]) == (409, "team_name_taken")
    assert Team.objects.filter(agency=agency).count() == 1


def test_only_staff_create_teams(api_as, citizen) -> None:
    assert api_as(citizen).post("/teams", {"name": "Mine"}).json()["code"] == "forbidden"
    assert api_as(None).post("/teams", {"name": "Mine"}).status_code == 401
    assert Team.objects.count() == 0


def test_a_citizen_joins_an_open_team_once_and_sees_it_among_theirs(api_as, citizen, open_team) -> None:
    client = api_as(citizen)
    first = client.post(f"/teams/{open_team.id}/join")
    second = client.post(f"/teams/{open_team.id}/join")
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["team_id"] == open_team.id
    assert TeamMembership.objects.filter(team=open_team, user=citizen).count() == 1
    mine = client.get("/teams", {"mine": "true"}).json()
    assert [(t["id"], t["is_member"], t["member_count"]) for t in mine["items"]] == [(open_team.id, True, 1)]


def test_a_closed_team_needs_an_invitation_and_is_hidden_from_outsiders(api_as, citizen, closed_team) -> None:
    client = api_as(citizen)
    joined = client.post(f"/teams/{closed_team.id}/join")
    assert (joined.status_code, joined.json()["code"]) == (403, "invitation_required")
    assert client.get(f"/teams/{closed_team.id}").status_code == 404
    assert closed_team.id not in [t["id"] for t in client.get("/teams").json()["items"]]
    assert not TeamMembership.objects.filter(team=closed_team).exists()


def test_invited_citizen_accepts_and_becomes_a_member(api_as, staff, citizen, closed_team) -> None:
    # given the agency invites a citizen by email address
    invited = api_as(staff).post(f"/teams/{closed_team.id}/invitations", {"email": citizen.email.upper()})
    assert invited.status_code == 201
    invitation_id = invited.json()["id"]
    # when the citizen lists and accepts it
    client = api_as(citizen)
    assert [i["id"] for i in client.get("/invitations").json()["items"]] == [invitation_id]
    accepted = client.post(f"/invitations/{invitation_id}/accept")
    # then they are a member, see the team, and accepting again changes nothing
    assert (accepted.status_code, accepted.json()["status"]) == (200, "accepted")
    assert client.post(f"/invitations/{invitation_id}/accept").status_code == 200
    assert selectors.team_member_ids(team=closed_team) == [citizen.id]
    assert client.get(f"/teams/{closed_team.id}").json()["is_member"] is True
    assert client.get("/invitations").json()["count"] == 0
    declined = client.post(f"/invitations/{invitation_id}/decline")
    assert (declined.status_code, declined.json()["code"]) == (409, "invitation_closed")


def test_an_invitation_is_answered_only_by_its_invitee(api_as, staff, other_staff, citizen, member, closed_team):
    invitation = team_services.team_invite(team=closed_team, invited_by=staff, user=citizen)
    for persona in (staff, other_staff, member):
        response = api_as(persona).post(f"/invitations/{invitation.id}/accept")
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert api_as(None).post(f"/invitations/{invitation.id}/accept").status_code == 401
    declined = api_as(citizen).post(f"/invitations/{invitation.id}/decline")
    assert declined.json()["status"] == "declined"
    assert not TeamMembership.objects.filter(team=closed_team, user=citizen).exists()


def test_inviting_twice_keeps_one_invitation_and_members_cannot_be_invited(api_as, staff, citizen, member, closed_team):
    client = api_as(staff)
    first = client.post(f"/teams/{closed_team.id}/invitations", {"user_id": citizen.id})
    second = client.post(f"/teams/{closed_team.id}/invitations", {"user_id": citizen.id})
    assert first.json()["id"] == second.json()["id"]
    again = client.post(f"/teams/{closed_team.id}/invitations", {"user_id": member.id})
    assert (again.status_code, again.json()["code"]) == (409, "already_member")
    nobody = client.post(f"/teams/{closed_team.id}/invitations", {"email": "nobody@example.com"})
    assert (nobody.status_code, nobody.json()["code"]) == (422, "invalid")
    own = client.post(f"/teams/{closed_team.id}/invitations", {"user_id": staff.id})
    assert (own.status_code, own.json()["code"]) == (422, "invalid")
    assert TeamInvitation.objects.filter(team=closed_team).count() == 1


def test_other_agency_staff_and_citizens_cannot_invite(api_as, other_staff, citizen, closed_team) -> None:
    other = api_as(other_staff).post(f"/teams/{closed_team.id}/invitations", {"user_id": citizen.id})
    assert (other.status_code, other.json()["code"]) == (404, "not_found")
    own = api_as(citizen).post(f"/teams/{closed_team.id}/invitations", {"user_id": citizen.id})
    assert (own.status_code, own.json()["code"]) == (403, "forbidden")
    assert not TeamInvitation.objects.exists()


def test_staff_cannot_join_their_own_agencys_team(api_as, staff, other_staff, open_team) -> None:
    own = api_as(staff).post(f"/teams/{open_team.id}/join")
    assert (own.status_code, own.json()["code"]) == (403, "own_agency_team")
    assert api_as(other_staff).post(f"/teams/{open_team.id}/join").status_code == 200  # a volunteer elsewhere
    assert selectors.team_member_ids(team=open_team) == [other_staff.id]


def test_staff_see_members_others_see_a_count(api_as, staff, other_staff, member, closed_team, open_team) -> None:
    seen = api_as(staff).get(f"/teams/{closed_team.id}").json()
    assert [(m["user_id"], m["display_name"]) for m in seen["members"]] == [(member.id, "Member Li")]
    as_member = api_as(member).get(f"/teams/{closed_team.id}").json()
    assert (as_member["members"], as_member["member_count"]) == (None, 1)
    assert api_as(other_staff).get(f"/teams/{closed_team.id}").status_code == 404
    assert api_as(other_staff).get(f"/teams/{open_team.id}").json()["members"] is None


def test_staff_remove_a_member_and_a_member_may_leave(
    api_as, staff, other_staff, citizen, member, closed_team, open_team
):
    # outsiders: another agency's staff do not find it, a citizen may never remove someone else
    other = delete(api_as(other_staff), f"/teams/{closed_team.id}/members/{member.id}")
    assert (other.status_code, other.json()["code"]) == (404, "not_found")
    outsider = delete(api_as(citizen), f"/teams/{closed_team.id}/members/{member.id}")
    assert (outsider.status_code, outsider.json()["code"]) == (403, "forbidden")
    assert delete(api_as(None), f"/teams/{closed_team.id}/members/{member.id}").status_code == 401
    # the agency's staff remove them from one team; they leave the other themselves
    assert delete(api_as(staff), f"/teams/{closed_team.id}/members/{member.id}").status_code == 204
    assert delete(api_as(member), f"/teams/{open_team.id}/members/{member.id}").status_code == 204
    gone = delete(api_as(staff), f"/teams/{closed_team.id}/members/{member.id}")
    assert (gone.status_code, gone.json()["code"]) == (404, "not_found")
    assert not TeamMembership.objects.filter(user=member).exists()


@pytest.mark.django_db(transaction=True)
def test_two_racing_joins_leave_one_membership(open_team, citizen) -> None:
    # when two real connections join the same team for the same citizen at once
    outcomes = race_outcomes([lambda: team_services.team_join(team=open_team, user=citizen)] * 2)
    # then both succeed and there is one membership
    assert outcomes == ["ok", "ok"]
    assert TeamMembership.objects.filter(team=open_team, user=citizen).count() == 1
