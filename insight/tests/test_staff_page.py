"""The grid centre's editions page: draft an edition, publish it from the page (computed and frozen
by its job), and find its public page; refusals show their reason; others get 404."""

import pytest
from django.test import Client

from insight.models import Edition

pytestmark = pytest.mark.django_db


def desk(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_draft_and_publish_an_edition_from_the_page(town, django_capture_on_commit_callbacks):
    client = desk(town["staff"])
    empty = client.get("/staff/editions/")
    assert 'data-testid="editions-empty"' in empty.content.decode()
    assert 'data-testid="nav-editions"' in empty.content.decode()

    drafted = client.post("/staff/editions/", {"grid": town["district"].pk, "year": 2026, "half": 1, "title": "上半年"})
    edition = Edition.objects.get()
    assert (drafted.status_code, drafted["Location"]) == (302, "/staff/editions/")
    assert (edition.grid, edition.year, edition.half, edition.title, edition.status) == (
        town["district"],
        2026,
        1,
        "上半年",
        "draft",
    )

    with django_capture_on_commit_callbacks(execute=True):  # the compute job runs after commit
        published = client.post(f"/staff/editions/{edition.pk}/publish/")
    edition.refresh_from_db()
    assert (published.status_code, edition.status, edition.snapshot is not None) == (302, "published", True)
    page = client.get("/staff/editions/").content.decode()
    assert f'href="/safety-index/editions/{edition.pk}/"' in page


def test_a_second_edition_of_the_same_half_is_refused_with_the_reason(town):
    client = desk(town["staff"])
    form = {"grid": town["district"].pk, "year": 2026, "half": 1}
    client.post("/staff/editions/", form)

    again = client.post("/staff/editions/", form)

    assert again.status_code == 409
    # the first draft's success (not yet shown: no page was read since), then the refusal
    assert [message.level_tag for message in again.context["messages"]] == ["success", "error"]
    assert Edition.objects.count() == 1


def test_a_citizen_and_staff_of_another_grid_get_404(town, make_user):
    edition = Edition.objects.create(grid=town["district"], year=2026, half=1, created_by=town["staff"])

    assert desk(town["reporter"]).get("/staff/editions/").status_code == 404
    assert desk(town["reporter"]).post(f"/staff/editions/{edition.pk}/publish/").status_code == 404
    assert Edition.objects.get().status == "draft"
