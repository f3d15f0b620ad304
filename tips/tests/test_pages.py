"""The HTML pages: the tip form (place codes pre-fill it), my tips, the staff's board, case page and
QR sheet — and who may open them. Also the demo data."""

import pytest
from django.test import Client

from tips import services
from tips.models import PlaceCode, Tip, TipStatus
from tips.tests.conftest import jpeg_bytes, stored_files, upload

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_tip_form_is_prefilled_from_a_place_code_and_submits(world) -> None:
    services.place_code_create(actor=world["district_staff"], code="gate-9", name="North gate", lat=26.071, lon=119.251)
    client = client_for(world["citizen"])
    page = client.get("/tips/new/?place=gate-9").content.decode()
    assert "North gate" in page
    assert 'value="26.071000"' in page
    assert 'name="place_code" value="gate-9"' in page
    response = client.post(
        "/tips/new/",
        {
            "category": "urban_management",
            "description": "Gate broken",
            "place_code": "gate-9",
            "photos": upload(jpeg_bytes()),
        },
    )
    tip = Tip.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/tips/{tip.id}/"
    assert tip.place_code.code == "gate-9"
    assert tip.photos.count() == 1
    detail = client.get(f"/tips/{tip.id}/").content.decode()
    assert tip.reference in detail
    assert 'data-testid="timeline"' in detail
    assert tip.reference in client.get("/tips/").content.decode()


def test_the_tip_form_shows_a_refusal_and_stores_nothing(world) -> None:
    client = client_for(world["citizen"])
    before = len(stored_files())
    response = client.post(
        "/tips/new/",
        {"category": "other", "description": "x", "lat": "26.07", "lon": "119.25", "photos": upload(b"MZ\x90\x00")},
    )
    assert response.status_code == 415
    # the refusal in the page's language (Chinese by default), without a byte count or English
    assert "第 1 张照片不是 JPEG、PNG 或 WebP 图片。" in response.content.decode()
    assert Tip.objects.count() == 0
    assert len(stored_files()) == before


def test_pages_need_login_and_the_right_role(world) -> None:
    tip = services.tip_submit(reporter=world["citizen"], category_code="other", description="x", lat=26.07, lon=119.25)
    assert Client().get("/tips/new/").status_code == 302
    assert client_for(world["citizen2"]).get(f"/tips/{tip.id}/").status_code == 404
    assert client_for(world["citizen"]).get("/staff/cases/").status_code == 404
    assert client_for(world["other_staff"]).get(f"/staff/cases/{tip.id}/").status_code == 404
    assert client_for(world["auditor"]).get("/staff/place-codes/").status_code == 404


def test_staff_work_a_case_from_the_board(world) -> None:
    tip = services.tip_submit(
        reporter=world["citizen"], category_code="fighting", description="Fight", lat=26.07, lon=119.25, kind="sos"
    )
    calm = services.tip_submit(
        reporter=world["citizen"], category_code="other", description="Calm", lat=26.07, lon=119.25
    )
    client = client_for(world["district_staff"])
    board = client.get("/staff/cases/").content.decode()
    assert board.index(tip.reference) < board.index(calm.reference)  # SOS first
    assert "case-sos" in board
    filtered = client.get("/staff/cases/?category=other").content.decode()
    assert calm.reference in filtered
    assert tip.reference not in filtered
    page = client.get(f"/staff/cases/{tip.id}/").content.decode()
    assert 'data-testid="action-accept"' in page
    assert 'data-testid="action-verify"' not in page
    for action in ("accept", "assign"):
        response = client.post(f"/staff/cases/{tip.id}/transition/", {"action": action, "note": "on it"})
        assert response.status_code == 302
    client.post(f"/staff/cases/{tip.id}/transition/", {"action": "verify", "reward_points": "150"})
    tip.refresh_from_db()
    assert (tip.status, tip.reward_points) == (TipStatus.VERIFIED, 150)
    # an invalid action shows the refusal instead of failing
    response = client.post(f"/staff/cases/{tip.id}/transition/", {"action": "accept"}, follow=True)
    assert "Cannot accept" in response.content.decode()


def test_the_place_code_sheet_prints_qr_codes_linking_to_the_form(world) -> None:
    client = client_for(world["district_staff"])
    response = client.post(
        "/staff/place-codes/", {"code": "shop-1", "name": "Corner shop", "lat": "26.07", "lon": "119.25"}
    )
    assert response.status_code == 302
    place = PlaceCode.objects.get(code="shop-1")
    assert place.grid == world["community"]
    sheet = client.get("/staff/place-codes/").content.decode()
    assert "Corner shop" in sheet
    assert sheet.count("data:image/svg+xml;base64,") == 1
    outside = client.post("/staff/place-codes/", {"code": "far", "name": "Far", "lat": "10", "lon": "10"}, follow=True)
    assert "outside" in outside.content.decode()
    assert not PlaceCode.objects.filter(code="far").exists()


def test_demo_data_has_tips_in_every_state_and_is_idempotent(db) -> None:
    from accounts import demo as accounts_demo
    from ledger import demo as ledger_demo
    from tips import demo as tips_demo

    for _ in range(2):
        ctx: dict = {}
        accounts_demo.seed(ctx)
        ledger_demo.seed(ctx)
        tips_demo.seed(ctx)
    assert set(Tip.objects.values_list("status", flat=True)) == set(TipStatus.values)
    assert Tip.objects.count() == len(tips_demo.DEMO_TIPS)
    assert len({tip.grid_id for tip in Tip.objects.all()}) == 5
    verified = Tip.objects.get(status=TipStatus.VERIFIED)
    assert verified.reward_paid_at is not None
    assert verified.reward_points == 10_000
    grid_staff = client_for(ctx["users"]["grid@example.com"])
    assert grid_staff.get("/staff/cases/").status_code == 200
