"""A passer-by scans a door plate (opens its URL) at phone size, without an account: reports with a
photo and a phone number proven by a texted code, lands on the case's tracking page, and sees the
grid's staff accept it (issue 18)."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from accounts import sms
from accounts.models import AgencyKind
from accounts.services import grid_membership_add
from accounts.tests.factories import AgencyFactory, GridFactory, box
from accounts.tests.phone import last_code
from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def photo_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (160, 90, 30)).save(out, "JPEG", quality=80)
    return out.getvalue()


def test_a_guest_reports_at_a_door_plate_and_follows_the_case(new_page, make_user) -> None:
    from tips.models import PlaceCode, Tip
    from tips.services import case_transition, categories_ensure

    # given a community grid with its staff and a printed door plate
    categories_ensure()
    centre = AgencyFactory(name="Grid Centre", kind=AgencyKind.GRID_CENTRE)
    district = GridFactory(
        code="p-district", level="district", boundary=box(26.0, 119.2, 26.2, 119.4), handling_agency=centre
    )
    staff = make_user(display_name="Grid Li")
    grid_membership_add(user=staff, grid=district)
    PlaceCode.objects.create(code="gulou-gate-3", name="鼓楼小学 3 号门", lat=26.081, lon=119.301, grid=district)
    sms.outbox.clear()

    # when a passer-by opens the plate's URL on their phone, without an account
    phone = new_page(locale="zh-CN")
    phone.goto("/p/gulou-gate-3/")
    expect(phone.get_by_test_id("tip-place")).to_contain_text("鼓楼小学 3 号门")
    phone.get_by_test_id("tip-category").select_option("urban_management")
    phone.get_by_test_id("tip-description").fill("校门口的栏杆断了，孩子容易摔倒")
    phone.get_by_test_id("tip-photos").set_input_files(
        files=[{"name": "IMG_0002.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}]
    )
    # and gives a phone number, typing back the code texted to it
    phone.get_by_test_id("plate-phone-number").fill("13900139000")
    phone.get_by_test_id("plate-phone-send").click()
    expect(phone.get_by_test_id("plate-phone-status")).to_contain_text("+86139****9000")
    phone.get_by_test_id("plate-phone-code").fill(last_code("+8613900139000"))
    screenshot(phone, "door-plate-guest-form")
    phone.get_by_test_id("tip-submit").click()

    # then they land on the case's tracking page, and the report is the plate's, with the photo
    phone.wait_for_url(re.compile(r"/tips/track/[\w-]{43}/$"))
    tip = Tip.objects.get()
    assert (tip.place_code.code, tip.source, tip.anonymous, tip.guest_phone) == (
        "gulou-gate-3",
        "door_plate",
        True,
        "+8613900139000",
    )
    assert tip.photos.count() == 1
    expect(phone.get_by_test_id("tip-reference")).to_have_text(tip.reference)
    expect(phone.get_by_test_id("tip-status")).to_have_attribute("data-status", "submitted")

    # when the grid's staff accept the case, the tracking page shows it and a text goes to the guest
    case_transition(actor=staff, tip=tip, action="accept")
    phone.reload()
    expect(phone.get_by_test_id("tip-status")).to_have_attribute("data-status", "accepted")
    expect(phone.get_by_test_id("tip-status")).to_have_text("已受理")
    screenshot(phone, "door-plate-track")
