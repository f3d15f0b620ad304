"""Editions: made by the grid centre's staff, published by a background job into a frozen snapshot
that late tips never change, refused changes once published (409), a public page with the previous
edition beside it, and a PDF with the charts in it."""

import io
import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import IntegrityError, ProgrammingError, transaction
from django.test import Client, override_settings
from pypdf import PdfReader

from accounts.tests.factories import GridFactory, box
from insight import compute
from insight.models import Edition, EditionStatus
from insight.tests.conftest import NORTH, SOUTH, city, frozen, public_tip
from tips import services as tip_services

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def publish(api, town: dict, year: int, half: int, capture) -> dict:
    created = api.post("/editions", {"grid_id": town["district"].pk, "year": year, "half": half, "title": "半年报"})
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "draft"
    with capture(execute=True):  # the outbox runs the compute job after commit, then the PDF job
        response = api.post(f"/editions/{created.json()['id']}/publish")
    assert response.status_code == 202
    return response.json()


def pdf_text(edition_id: int) -> str:
    data = bytes(Edition.objects.get(pk=edition_id).pdf)
    reader = PdfReader(io.BytesIO(data))
    # pypdf reads fpdf2's two-byte codes with a NUL beside each character: NULs and spaces go
    return re.sub(r"[\s\x00]+", "", "".join(page.extract_text() for page in reader.pages))


@override_settings(FUBI_SAFETY_INDEX_K=2)
def test_an_edition_is_frozen_while_late_tips_arrive(town, api_as, django_capture_on_commit_callbacks) -> None:
    staff = api_as(town["staff"])
    for _ in range(3):
        public_tip(town, at=city(2026, 2, 10, 22), where=NORTH, category="fire_hazard", description="南后街飞线充电")
    late = public_tip(town, at=city(2026, 3, 1), where=NORTH, category="fire_hazard", step="none")
    # when staff publish the first half of 2026
    edition = publish(staff, town, 2026, 1, django_capture_on_commit_callbacks)
    stored = Edition.objects.get(pk=edition["id"])
    assert stored.status == EditionStatus.PUBLISHED
    frozen_snapshot = stored.snapshot
    assert frozen_snapshot["totals"]["tips"] == 3
    # then a tip of that half accepted afterwards, and new tips, leave the edition as it was
    tip_services.case_transition(tip=late, actor=town["staff"], action="accept")
    for _ in range(2):
        public_tip(town, at=city(2026, 6, 30, 23), where=SOUTH, category="fire_hazard")
    assert compute.edition_snapshot(grid=town["district"], year=2026, half=1)["totals"]["tips"] == 6  # live: moved
    public = api_as(None).get(f"/editions/{edition['id']}").json()
    assert public["snapshot"] == frozen_snapshot
    assert public["snapshot"]["totals"]["tips"] == 3
    # and the job delivered again computes nothing
    from insight import services

    assert services.edition_compute(edition_id=edition["id"]) is False
    assert Edition.objects.get(pk=edition["id"]).snapshot == frozen_snapshot


@override_settings(FUBI_SAFETY_INDEX_K=2)
def test_a_published_edition_cannot_be_changed(town, api_as, django_capture_on_commit_callbacks) -> None:
    staff = api_as(town["staff"])
    edition = publish(staff, town, 2026, 1, django_capture_on_commit_callbacks)
    path = f"/editions/{edition['id']}"
    response = staff.patch(path, {"title": "改过"})
    assert (response.status_code, response.json()["code"]) == (409, "edition_published")
    response = staff.post(f"{path}/publish")
    assert (response.status_code, response.json()["code"]) == (409, "edition_published")
    again = staff.post("/editions", {"grid_id": town["district"].pk, "year": 2026, "half": 1})
    assert (again.status_code, again.json()["code"]) == (409, "edition_exists")
    assert Edition.objects.get(pk=edition["id"]).title == "半年报"
    # and PostgreSQL itself refuses to change its figures or delete it
    for change in ({"snapshot": {"totals": {"tips": 999}}}, {"title": "x"}, {"status": "draft"}):
        with pytest.raises(ProgrammingError, match="Cannot update"), transaction.atomic():
            Edition.objects.filter(pk=edition["id"]).update(**change)
    with pytest.raises(ProgrammingError, match="Cannot delete"), transaction.atomic():
        Edition.objects.filter(pk=edition["id"]).delete()
    Edition.objects.filter(pk=edition["id"]).update(pdf_made_at=None)  # the PDF's own columns may change


def test_drafts_change_and_who_may_make_editions(town, api_as, make_user) -> None:
    staff = api_as(town["staff"])
    draft = staff.post("/editions", {"grid_id": town["north"].pk, "year": 2026, "half": 1}).json()
    response = staff.patch(f"/editions/{draft['id']}", {"title": "北区", "foreword": "感谢居民"})
    assert (response.status_code, response.json()["title"], response.json()["foreword"]) == (200, "北区", "感谢居民")
    # a draft is nobody else's business: not public, 404 to another grid's staff, 403 to citizens
    assert api_as(None).get(f"/editions/{draft['id']}").status_code == 404
    assert Client().get(f"/safety-index/editions/{draft['id']}/").status_code == 404
    other = make_user(roles=["grid_staff"])
    from accounts.services import grid_membership_add

    grid_membership_add(user=other, grid=GridFactory(code="i-far", boundary=box(30.0, 120.0, 30.1, 120.1)))
    response = api_as(other).patch(f"/editions/{draft['id']}", {"title": "x"})
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    response = api_as(other).post("/editions", {"grid_id": town["district"].pk, "year": 2026, "half": 1})
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    response = api_as(make_user()).post("/editions", {"grid_id": town["district"].pk, "year": 2026, "half": 1})
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    # a half year that has not begun, or a half that does not exist, is refused
    with frozen(city(2026, 12, 7)):
        response = staff.post("/editions", {"grid_id": town["district"].pk, "year": 2027, "half": 1})
    assert (response.status_code, response.json()["code"]) == (422, "invalid")
    response = staff.post("/editions", {"grid_id": town["district"].pk, "year": 2026, "half": 3})
    assert response.status_code == 422
    assert Edition.objects.count() == 1
    listed = staff.get("/staff/editions").json()
    assert [(item["id"], item["status"], item["page_url"]) for item in listed["items"]] == [
        (draft["id"], "draft", None)
    ]


@override_settings(FUBI_SAFETY_INDEX_K=2)
def test_the_page_shows_the_previous_edition_beside_and_the_pdf_has_the_charts(
    town, api_as, django_capture_on_commit_callbacks
) -> None:
    staff = api_as(town["staff"])
    for _ in range(2):
        public_tip(town, at=city(2025, 10, 3, 23), where=SOUTH, category="fire_hazard", description="东街口冒充客服")
    for _ in range(4):
        public_tip(town, at=city(2026, 2, 10, 22), where=NORTH, category="fire_hazard", description="南后街飞线充电")
    for _ in range(2):
        public_tip(town, at=city(2026, 2, 11, 10), where=SOUTH, category="fire_hazard", description="南后街飞线充电")
    first = publish(staff, town, 2025, 2, django_capture_on_commit_callbacks)
    second = publish(staff, town, 2026, 1, django_capture_on_commit_callbacks)
    assert second["status"] == "computing"  # answered before the job ran
    second = api_as(None).get(f"/editions/{second['id']}").json()
    assert (second["status"], second["previous_id"]) == ("published", first["id"])
    assert second["page_url"] == f"/safety-index/editions/{second['id']}/"
    listed = api_as(None).get("/editions").json()
    assert [item["label"] for item in listed["items"]] == ["2026-H1", "2025-H2"]
    html = Client(HTTP_ACCEPT_LANGUAGE="en").get(second["page_url"]).content.decode()
    assert 'data-testid="this-total">6<' in html
    assert 'data-testid="previous-total">2<' in html
    assert 'data-testid="previous-edition"' in html
    assert "Only tips that staff have checked are counted" in html
    assert 'data-band="night"' in html
    # the PDF, made by the second job, carries the charts' titles and their labels
    text = pdf_text(second["id"])
    for expected in (
        "平安指数Safetyindex2026-H1",
        "分类统计Reportsbycategory",
        "消防安全隐患",
        "夜间地图Nightmap21:00–03:00",
        "时段×星期Hour×weekday",
        "词频分析Topterms",
        "南后街",
        "飞线充电",
        "词云Wordcloud",
        "1.South社区2‰·2",  # ranked first: 2 per 1,000 residents against North's 1
        "2.North社区1‰·4",
    ):
        assert expected in text, expected
    pdf = Client().get(second["pdf_url"])
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert bytes(pdf.content).startswith(b"%PDF")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "insight-edition.pdf").write_bytes(pdf.content)  # for people to look at


def test_one_edition_per_grid_and_half_in_the_database(town) -> None:
    Edition.objects.create(grid=town["district"], year=2026, half=1, created_by=town["staff"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Edition.objects.create(grid=town["district"], year=2026, half=1, created_by=town["staff"])


@override_settings(FUBI_SAFETY_INDEX_K=2)
def test_the_page_body_is_drawn_once_and_then_read_from_the_cache(town, api_as, django_capture_on_commit_callbacks):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        public_tip(town, at=city(2026, 2, 10, 22), where=NORTH, category="fire_hazard", description="南后街飞线充电")
    edition = publish(api_as(town["staff"]), town, 2026, 1, django_capture_on_commit_callbacks)
    path = f"/safety-index/editions/{edition['id']}/"
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    with CaptureQueriesContext(connection) as first:
        html = client.get(path).content.decode()
    with CaptureQueriesContext(connection) as second:
        again = client.get(path).content.decode()
    token = re.compile(r'value="[A-Za-z0-9]{64}"')  # the language form's CSRF token is per response
    assert token.sub("", again) == token.sub("", html)
    assert any('"snapshot"' in query["sql"] for query in first.captured_queries)
    assert not any("insight_edition" in query["sql"] for query in second.captured_queries)  # no query at all
    # the other language is drawn on its own
    assert "本期" in Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(path).content.decode()
    # and a newer edition published later shows this one beside it, and this page is drawn again
    from insight import pagecache

    version = cache.get(pagecache.PAGE_VERSION_KEY)
    later = publish(api_as(town["staff"]), town, 2026, 2, django_capture_on_commit_callbacks)
    assert cache.get(pagecache.PAGE_VERSION_KEY) == version + 2  # published, then its PDF
    beside = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/safety-index/editions/{later['id']}/").content.decode()
    assert f'href="/safety-index/editions/{edition["id"]}/"' in beside
