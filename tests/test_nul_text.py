"""Text with the NUL character, which no PostgreSQL text column can hold, is refused for every API
endpoint at once (config.api.FubiParser): 422 `invalid` naming the field, before any view runs, so
nothing is written and no request meets the database's DataError as a 500 (the API fuzz test's find:
POST /agency/quizzes with "\\u0000" in a question's choice)."""

import pytest

from accounts.services import agency_membership_add
from accounts.tests.factories import AgencyFactory
from quizzes.models import Question
from tips.models import Tip

pytestmark = pytest.mark.django_db

MESSAGE = "Text cannot contain the NUL character (\\u0000)."


@pytest.fixture
def staff(make_user):
    user = make_user()
    agency_membership_add(user=user, agency=AgencyFactory())
    return user


def question(**changes) -> dict:
    body = {
        "tag": "scam",
        "text": "Who asks for your bank code?",
        "explanation": "Nobody honest does.",
        "choices": [{"text": "A scammer", "correct": True}, {"text": "The police"}],
    }
    return {**body, **changes}


def test_nul_deep_inside_a_json_body_is_422_naming_the_field_and_writes_nothing(staff, api_as) -> None:
    body = question(choices=[{"text": "A scammer", "correct": True}, {"text": "The\x00police"}])
    response = api_as(staff).post("/agency/quiz-questions", body)
    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid",
        "message": f"choices.1.text: {MESSAGE}",
        "details": {"errors": [{"field": "choices.1.text", "message": MESSAGE}]},
    }
    assert Question.objects.count() == 0


def test_nul_in_a_json_key_is_not_a_field_but_its_value_is(staff, api_as) -> None:
    response = api_as(staff).post("/agency/quiz-questions", question(tag="fraud\x00"))
    assert response.status_code == 422
    assert response.json()["details"]["errors"] == [{"field": "tag", "message": MESSAGE}]


def test_the_same_body_without_nul_is_created(staff, api_as) -> None:
    response = api_as(staff).post("/agency/quiz-questions", question())
    assert response.status_code == 201
    assert Question.objects.count() == 1


def test_nul_in_a_query_string_is_422_naming_the_parameter(make_user, api_as) -> None:
    response = api_as(make_user()).get("/tasks?lat=26.08&lon=119.3&category=patrol%00")
    assert response.status_code == 422
    assert response.json()["details"]["errors"] == [{"field": "category", "message": MESSAGE}]


def test_nul_in_a_multipart_form_is_422_naming_the_field(make_user, api_as) -> None:
    form = {"category": "litter", "description": "bins\x00", "lat": "26.08", "lon": "119.30"}
    response = api_as(make_user()).post("/tips", data=form)
    assert response.status_code == 422
    assert response.json()["details"]["errors"] == [{"field": "description", "message": MESSAGE}]
    assert Tip.objects.count() == 0
