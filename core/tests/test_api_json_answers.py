"""Every answer under /api/ is the contract's JSON (issue 13, hole 10): an unknown path is 404
not_found for every method, with or without a session cookie (it used to be Django's HTML CSRF
page for a POST), and a method a path does not take is a JSON 405."""

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}
NOT_FOUND = {"code": "not_found", "message": "No such API endpoint.", "details": {}}


@pytest.fixture
def cookie_client(make_user) -> Client:
    """A browser with a session cookie and CSRF checks on, as a real one is."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user())
    return client


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing", "/api/v1/tips/nope/deeper", "/api/nope", "/api/"])
def test_a_post_to_an_unknown_api_path_is_a_json_404_not_a_csrf_page(path) -> None:
    response = Client(enforce_csrf_checks=True).post(path, {"x": "1"}, headers=EN)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == NOT_FOUND


def test_a_post_to_an_unknown_api_path_with_a_session_cookie_is_a_json_404(cookie_client) -> None:
    response = cookie_client.post("/api/v1/no-such-thing", {"x": "1"}, headers=EN)
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_other_methods_on_an_unknown_api_path_are_json_404s(cookie_client, method) -> None:
    response = getattr(cookie_client, method)("/api/v1/no-such-thing", headers=EN)
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_the_api_root_itself_is_a_json_404() -> None:
    response = Client().get("/api/", headers=EN)
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_a_method_a_path_does_not_take_is_a_json_405(cookie_client) -> None:
    # GET /tasks exists; DELETE does not
    response = cookie_client.delete("/api/v1/tasks", headers=EN)
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert response["Allow"] == "GET, POST"
    assert response.json() == {
        "code": "method_not_allowed",
        "message": "This endpoint does not take this method; it takes GET, POST.",
        "details": {"allowed": ["GET", "POST"]},
    }
    assert response["Content-Length"] == str(len(response.content))


def test_a_method_a_path_does_not_take_is_a_json_405_without_a_cookie() -> None:
    response = Client().put("/api/v1/tips/categories", headers=EN)
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


@override_settings(DEBUG=False)
def test_the_404_handler_answers_json_under_api_and_a_page_elsewhere(rf) -> None:
    from django.http import Http404

    from config.urls import page_not_found

    api = page_not_found(rf.get("/api/v1/whatever"), Http404())
    page = page_not_found(rf.get("/no-such-page/"), Http404())
    assert (api.status_code, api["Content-Type"]) == (404, "application/json")
    assert api.content.startswith(b'{"code": "not_found"')
    assert (page.status_code, page["Content-Type"]) == (404, "text/html; charset=utf-8")


def test_pages_outside_the_api_keep_html_errors() -> None:
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"login": "a@b.c", "password": "x"})
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
