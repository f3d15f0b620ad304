"""`next=` sends the browser only within our own site (issue 13, hole 10): every place that honours
a next parameter — our staff task actions, allauth's login and logout, Django's language switcher —
falls back to its own default for another host, whether written https://evil.example/ or
//evil.example (a scheme-relative URL the browser would also follow off-site)."""

import pytest
from django.test import Client

from accounts.services import agency_membership_add
from accounts.tests.factories import AgencyFactory
from core.redirects import safe_next_url
from tasks_app import services as task_services
from tasks_app.tests.conftest import fund, task_fields

pytestmark = pytest.mark.django_db

EVIL = ["https://evil.example/", "//evil.example", "///evil.example/", "https:/evil.example", "/\\evil.example"]


@pytest.fixture
def staff_and_draft(make_user):
    agency = AgencyFactory()
    fund(agency)
    staff = make_user(display_name="Officer Wang")
    agency_membership_add(user=staff, agency=agency)
    task = task_services.task_create(agency=agency, created_by=staff, **task_fields())
    client = Client()
    client.force_login(staff)
    return client, task


@pytest.mark.parametrize("target", EVIL)
def test_a_staff_task_action_does_not_redirect_off_site(staff_and_draft, target) -> None:
    # given a staff member's draft task
    client, task = staff_and_draft
    # when a forged form publishes it with next pointing at another host
    response = client.post(f"/staff/tasks/{task.id}/publish/", {"next": target})
    # then the browser goes back to the task page, not to the other host
    assert response.status_code == 302
    assert response["Location"] == f"/staff/tasks/{task.id}/"


def test_a_refused_staff_action_does_not_redirect_off_site(staff_and_draft) -> None:
    client, _task = staff_and_draft
    response = client.post("/staff/tasks/999999/publish/", {"next": "//evil.example"})
    assert response.status_code == 302
    assert response["Location"] == "/staff/tasks/"


def test_a_staff_task_action_still_follows_a_next_on_our_own_site(staff_and_draft) -> None:
    client, task = staff_and_draft
    response = client.post(f"/staff/tasks/{task.id}/publish/", {"next": "/staff/tasks/"})
    assert response["Location"] == "/staff/tasks/"


@pytest.mark.parametrize("target", EVIL)
def test_login_does_not_redirect_off_site(make_user, password, target) -> None:
    user = make_user()
    response = Client().post(f"/accounts/login/?next={target}", {"login": user.email, "password": password})
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("target", EVIL)
def test_login_with_next_in_the_form_does_not_redirect_off_site(make_user, password, target) -> None:
    user = make_user()
    response = Client().post("/accounts/login/", {"login": user.email, "password": password, "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("target", EVIL)
def test_the_language_switcher_does_not_redirect_off_site(target) -> None:
    response = Client().post("/i18n/setlang/", {"language": "en", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("target", EVIL)
def test_logout_does_not_redirect_off_site(make_user, target) -> None:
    client = Client()
    client.force_login(make_user())
    response = client.post("/accounts/logout/", {"next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_safe_next_url_keeps_paths_of_our_host_and_refuses_the_rest(rf) -> None:
    request = rf.get("/", HTTP_HOST="testserver")
    assert safe_next_url(request, "/tips/?x=1", default="/") == "/tips/?x=1"
    assert safe_next_url(request, "http://testserver/tips/", default="/") == "http://testserver/tips/"
    for target in [*EVIL, "javascript:alert(1)", "", None]:
        assert safe_next_url(request, target, default="/home/") == "/home/"
