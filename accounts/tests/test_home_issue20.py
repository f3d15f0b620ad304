"""The home page greets a first visit as one, and sends staff to their workspace (issue 20 items 8-9)."""

import pytest
from django.test import Client

from accounts.models import Role
from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def login(email: str) -> Client:
    client = Client(headers={"accept-language": "en"})
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_a_first_login_is_greeted_as_new_and_a_later_one_as_a_return(make_user) -> None:
    user = make_user(display_name="Lin")
    first = login(user.email).get("/").content.decode()
    assert "Welcome to Fubi, Lin! Start with a task near you or report a problem." in first
    assert "Welcome back" not in first
    again = login(user.email).get("/").content.decode()
    assert "Welcome back, Lin" in again


@pytest.mark.parametrize(
    ("roles", "home"),
    [([Role.CITIZEN, Role.AUDITOR], "/audit/"), ([Role.CITIZEN, Role.CLERK], "/staff/fulfil/")],
)
def test_staff_are_sent_to_their_workspace_after_login_and_from_home(make_user, roles, home) -> None:
    user = make_user(roles=roles)
    client = Client()
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, home)
    response = client.get("/")
    assert (response.status_code, response["Location"]) == (302, home)


def test_the_citizen_view_is_kept_until_staff_switch_back(make_user) -> None:
    client = Client()
    client.force_login(make_user(roles=[Role.CITIZEN, Role.AUDITOR]))
    assert client.get("/?view=citizen").status_code == 200
    assert client.get("/").status_code == 200
    response = client.get("/?view=workspace")
    assert (response.status_code, response["Location"]) == (302, "/audit/")


def test_a_login_with_next_still_goes_to_next(make_user) -> None:
    user = make_user(roles=[Role.CITIZEN, Role.AUDITOR])
    response = Client().post("/accounts/login/?next=/wallet/", {"login": user.email, "password": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, "/wallet/")
