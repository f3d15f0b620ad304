"""core.middleware: pages keep their page machinery (CSRF, framing, the policy, messages); the JSON API
steps around it but keeps what matters for it: CSRF for cookie sessions (ninja's own check), the
Host check, the language choice, Content-Length."""

import pytest
from django.conf import settings
from django.test import Client, override_settings


@pytest.mark.django_db
def test_pages_carry_the_policy_and_json_does_not() -> None:
    client = Client()
    # a page and the API's documentation page are documents: they get the policy
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert "default-src 'self'" in page["Content-Security-Policy"]
    assert page["X-Frame-Options"] == "DENY"
    docs = client.get("/api/v1/docs")
    assert "Content-Security-Policy" in docs
    assert docs["X-Frame-Options"] == "DENY"
    # a JSON answer loads nothing: no policy to build, and no messages storage on the request
    answer = client.get("/api/v1/tasks?lat=26.08&lon=119.30")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/json")
    assert "Content-Security-Policy" not in answer
    assert answer["Content-Length"] == str(len(answer.content))
    assert answer["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware still runs for the API
    assert not hasattr(answer.wsgi_request, "_messages")
    assert hasattr(page.wsgi_request, "_messages")


@pytest.mark.django_db
def test_api_with_a_session_cookie_still_needs_the_csrf_token(make_user) -> None:
    user = make_user()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    refused = client.patch("/api/v1/me", {"display_name": "Forged"}, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    user.refresh_from_db()
    assert user.display_name != "Forged"

    assert client.get("/tasks/").status_code == 200  # a page hands out the CSRF cookie (its forms use it)
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    accepted = client.patch(
        "/api/v1/me", {"display_name": "Mine"}, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 200, accepted.content
    user.refresh_from_db()
    assert user.display_name == "Mine"


@pytest.mark.django_db
def test_api_answers_in_the_language_django_would_choose() -> None:
    client = Client()
    english = client.get("/api/v1/rewards/999999", headers={"Accept-Language": "en-GB,en;q=0.9"})
    chinese = client.get("/api/v1/rewards/999999", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    fallback = client.get("/api/v1/rewards/999999", headers={"Accept-Language": "fr-FR,de;q=0.5"})
    assert english.status_code == chinese.status_code == fallback.status_code == 404
    assert english["Content-Language"] == "en"
    assert chinese["Content-Language"] == "zh-hans"
    assert fallback["Content-Language"] == settings.LANGUAGE_CODE
    assert "Accept-Language" in english["Vary"]
    assert english.json()["code"] == chinese.json()["code"]
    assert english.json()["message"] != chinese.json()["message"]
    assert english.json()["message"].isascii()
    # the language cookie (the switcher on the pages) comes before the header, as on pages
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    chosen = client.get("/api/v1/rewards/999999", headers={"Accept-Language": "zh-CN"})
    assert chosen["Content-Language"] == "en"
    assert chosen.json()["message"] == english.json()["message"]


@pytest.mark.django_db
def test_api_refuses_a_host_outside_allowed_hosts() -> None:
    answer = Client().get("/api/v1/rewards", headers={"Host": "evil.example"})
    assert answer.status_code == 400


@pytest.mark.django_db
def test_the_remembered_language_follows_changed_settings() -> None:
    client = Client()
    assert client.get("/api/v1/rewards/1", headers={"Accept-Language": "fr"})["Content-Language"] == "zh-hans"
    with override_settings(LANGUAGE_CODE="en"):
        assert client.get("/api/v1/rewards/1", headers={"Accept-Language": "fr"})["Content-Language"] == "en"
