"""Who sees a quiz: everyone's, a grid's (citizens whose home community lies inside it) and a team's
(its members); to anyone else it does not exist (404)."""

import pytest

from accounts.models import GridLevel
from accounts.tests.factories import GridFactory, box
from core.errors import InvalidError
from engagement.models import EngagementProfile
from tasks_app.models import Team
from tasks_app.services import teams as team_services

pytestmark = pytest.mark.django_db


def _ids(client) -> list[int]:
    return [item["id"] for item in client.get("/quizzes").json()["items"]]


def test_a_grids_quiz_reaches_the_communities_inside_it(api_as, make_user, make_quiz):
    # given a street with a community inside it, and another street
    street = GridFactory(code="q-street", level=GridLevel.STREET, boundary=box(26.0, 119.0, 26.1, 119.1))
    community = GridFactory(
        code="q-community", level=GridLevel.COMMUNITY, boundary=box(26.0, 119.0, 26.05, 119.05), parent=street
    )
    elsewhere = GridFactory(code="q-else", level=GridLevel.STREET, boundary=box(30.0, 120.0, 30.1, 120.1))
    inside, outside = make_user(), make_user()
    EngagementProfile.objects.create(user=inside, home_grid=community)
    EngagementProfile.objects.create(user=outside, home_grid=elsewhere)
    everyone = make_quiz()
    for_street = make_quiz(grid_id=street.pk)

    # when each lists the quizzes and starts the street's
    inside_client, outside_client = api_as(inside), api_as(outside)

    # then only the citizen of the street's community sees and plays it
    assert _ids(inside_client) == [for_street.pk, everyone.pk]
    assert _ids(outside_client) == [everyone.pk]
    assert inside_client.post(f"/quizzes/{for_street.pk}/attempts").status_code == 201
    refused = outside_client.post(f"/quizzes/{for_street.pk}/attempts")
    assert (refused.status_code, refused.json()["code"]) == (404, "not_found")


def test_a_teams_quiz_reaches_its_members_only(api_as, make_user, make_quiz, agency, staff):
    team = team_services.team_create(agency=agency, created_by=staff, name="防诈宣传队")
    member, other = make_user(), make_user()
    team_services.team_join(team=team, user=member)
    quiz = make_quiz(team_id=team.pk)

    assert _ids(api_as(member)) == [quiz.pk]
    assert _ids(api_as(other)) == []
    assert api_as(other).post(f"/quizzes/{quiz.pk}/attempts").status_code == 404
    assert api_as(member).post(f"/quizzes/{quiz.pk}/attempts").status_code == 201


def test_another_agencys_team_is_refused(make_quiz, make_user):
    from accounts.tests.factories import AgencyFactory

    foreign = Team.objects.create(agency=AgencyFactory(), name="Someone else's team")

    with pytest.raises(InvalidError) as refused:
        make_quiz(team_id=foreign.pk)
    assert refused.value.details == {"field": "team_id"}
