"""Sign-up, tokens, /me, and the login rate limit — through the real HTTP endpoints."""

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import Role
from conftest import ApiClient


def signup(client: Client, email: str, password: str):
    return client.post(
        "/_allauth/app/v1/auth/signup", {"email": email, "password": password}, content_type="application/json"
    )


@pytest.mark.django_db
def test_signup_gives_a_token_that_opens_me() -> None:
    # given a new visitor
    client = Client()
    # when they sign up through the app API
    response = signup(client, "new.citizen@example.com", "a-long-enough-passphrase-42")
    # then the answer carries a session token that authenticates /me
    assert response.status_code == 200, response.content
    token = response.json()["meta"]["session_token"]
    me = ApiClient(token).get("/me")
    assert me.status_code == 200
    body = me.json()
    assert body["email"] == "new.citizen@example.com"
    assert body["roles"] == [Role.CITIZEN]
    assert body["agency_ids"] == []
    assert body["grid_ids"] == []
    assert {"level", "badges", "streak_days", "display_name"} <= body.keys()


@pytest.mark.django_db
def test_me_without_token_is_401_in_the_contract_shape() -> None:
    response = ApiClient().get("/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.json()["message"] == "Authentication is required: log in first."


@pytest.mark.django_db
def test_me_with_a_bogus_token_is_401() -> None:
    response = ApiClient("not-a-real-token").get("/me")
    assert response.status_code == 401


@pytest.mark.django_db
def test_login_with_token_then_me_shows_memberships(make_user, api_as) -> None:
    from accounts.services import agency_membership_add
    from accounts.tests.factories import AgencyFactory

    user = make_user()
    agency = AgencyFactory()
    agency_membership_add(user=user, agency=agency)
    body = api_as(user).get("/me").json()
    assert body["agency_ids"] == [agency.id]
    assert Role.AGENCY_STAFF in body["roles"]


@pytest.mark.django_db
def test_patch_me_changes_language_and_name(make_user, api_as) -> None:
    user = make_user()
    response = api_as(user).patch("/me", {"display_name": "小王", "preferred_language": "en"})
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.display_name, user.preferred_language) == ("小王", "en")


@pytest.mark.django_db
def test_malformed_json_is_400_in_the_contract_shape(make_user, api_as) -> None:
    client = api_as(make_user())
    response = client.client.patch(
        "/api/v1/me", "{not json", content_type="application/json", headers={"X-Session-Token": client.token}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "malformed_request"
    assert body["message"] == "The request body could not be parsed: send valid JSON."
    assert "details" in body


@pytest.mark.django_db
def test_invalid_values_are_422_with_field_details(make_user, api_as) -> None:
    response = api_as(make_user()).patch("/me", {"preferred_language": "klingon", "display_name": ""})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    fields = {error["field"] for error in body["details"]["errors"]}
    assert {"preferred_language", "display_name"} <= fields


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["\x00", "Tab\there", "bell\x07", "del\x7f"])
def test_a_display_name_with_control_characters_is_422_and_changes_nothing(make_user, api_as, name) -> None:
    user = make_user(display_name="Before")
    response = api_as(user).patch("/me", {"display_name": name})
    assert response.status_code == 422, response.content
    assert response.json()["details"]["errors"][0]["field"] == "display_name"
    user.refresh_from_db()
    assert user.display_name == "Before"


@pytest.mark.django_db
def test_unknown_api_path_is_a_json_404() -> None:
    response = Client().get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_repeated_wrong_passwords_answer_429(make_user) -> None:
    # given a user and a clean rate-limit cache
    cache.clear()
    user = make_user()
    client = Client()
    statuses = []
    # when someone guesses passwords repeatedly
    for attempt in range(8):
        response = client.post(
            "/_allauth/app/v1/auth/login",
            {"email": user.email, "password": f"wrong-{attempt}"},
            content_type="application/json",
        )
        statuses.append(response.status_code)
    # then the first guesses are refused as wrong and the later ones are rate limited
    assert statuses[0] == 400
    assert 429 in statuses
    # and even the right password is refused while the limit holds
    right = client.post(
        "/_allauth/app/v1/auth/login",
        {"email": user.email, "password": "correct-horse-battery-9"},
        content_type="application/json",
    )
    assert right.status_code == 429
    cache.clear()
