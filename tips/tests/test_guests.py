"""Door plates anyone can scan (issue 18): a passer-by reports without an account, follows the case
at a secret URL, and — when they proved a phone number by SMS — hears of it by text and collects
the reward with an account that verifies that number."""

import pytest
from django.test import Client

from accounts import sms
from accounts.tests.phone import last_code, verify_phone
from core.models import OutboxMessage
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from ledger.reconciliation import reconciliation_report
from tips.models import PlaceCode, Tip, TipSource
from tips.services import guest_account
from tips.tests.conftest import IN_COMMUNITY, jpeg_bytes, upload
from tips.tests.test_anonymous_reward import act

pytestmark = pytest.mark.django_db

PHONE = "+8613900139000"


@pytest.fixture(autouse=True)
def texts():
    sms.outbox.clear()
    return sms.outbox


@pytest.fixture
def plate(world) -> PlaceCode:
    return PlaceCode.objects.create(
        code="gate-9", name="School gate 9", lat=IN_COMMUNITY[0], lon=IN_COMMUNITY[1], grid=world["community"]
    )


def guest_post(api_as, **fields):
    form = {"category": "urban_management", "description": "Broken railing", "place_code": "gate-9", **fields}
    return api_as(None).post("/tips", data=form)


@pytest.fixture
def guest_code(api_as, django_capture_on_commit_callbacks):
    """guest_code() → the verification id of a code texted to the guest's number (sent, as after commit)."""

    def send(phone: str = PHONE) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            response = api_as(None).post("/tips/guest-phone-codes", {"phone": phone})
        assert response.status_code == 201, response.content
        return response.json()["verification_id"]

    return send


def balance(user) -> int:
    return ledger_selectors.account_balance(ledger_services.citizen_account(user))["balance"]


def test_a_guest_reports_at_a_plate_and_follows_it_at_the_track_url(api_as, plate):
    response = guest_post(api_as, photos=[upload(jpeg_bytes())])

    assert response.status_code == 201, response.content
    body = response.json()
    tip = Tip.objects.get()
    assert (tip.reporter, tip.anonymous, tip.source, tip.place_code) == (guest_account(), True, "door_plate", plate)
    assert (tip.lat, tip.lon, tip.grid.code, tip.photos.count()) == (*IN_COMMUNITY, "t-community", 1)
    assert body["track_url"] == f"http://127.0.0.1:8000/tips/track/{tip.track_token}/"
    tracked = api_as(None).get(f"/tips/track/{tip.track_token}").json()
    assert (tracked["reference"], tracked["status"], tracked["place"]) == (tip.reference, "submitted", "School gate 9")
    assert [step["status"] for step in tracked["timeline"]] == ["submitted"]


def test_a_guest_without_a_plate_must_sign_in_and_an_unknown_plate_is_refused(api_as, plate):
    without = api_as(None).post("/tips", data={"category": "other", "description": "x", "lat": 26.07, "lon": 119.25})
    unknown = guest_post(api_as, place_code="gate-404")
    plate.is_active = False
    plate.save()
    retired = guest_post(api_as)

    assert (without.status_code, without.json()["code"]) == (401, "not_authenticated")
    assert (unknown.status_code, unknown.json()["code"]) == (422, "unknown_place_code")
    assert (retired.status_code, retired.json()["code"]) == (422, "unknown_place_code")
    assert Tip.objects.count() == 0


def test_a_guest_report_is_an_ordinary_normal_tip_whatever_kind_it_asks_for(api_as, plate):
    response = guest_post(api_as, kind="sos", anonymous="false")

    assert response.status_code == 201
    assert Tip.objects.values_list("kind", "anonymous").get() == ("normal", True)


def test_guests_are_limited_per_address_and_per_plate(api_as, plate, settings):
    limits = {"guest_tips_per_address": "2/h", "guest_tips_per_code": "3/h"}
    settings.FUBI_RATE_LIMITS = {**settings.FUBI_RATE_LIMITS, **limits}
    by_address = [guest_post(api_as).status_code for _ in range(3)]
    # a larger budget per address (a new counter); the plate's counter holds the two reports made
    settings.FUBI_RATE_LIMITS = {**settings.FUBI_RATE_LIMITS, "guest_tips_per_address": "100/h"}
    by_plate = [guest_post(api_as) for _ in range(2)]

    assert by_address == [201, 201, 429]
    assert [response.status_code for response in by_plate] == [201, 429]
    assert by_plate[1].json()["code"] == "rate_limited"
    assert int(by_plate[1]["Retry-After"]) > 0
    assert Tip.objects.count() == 3


def test_a_wrong_phone_code_refuses_the_report_and_writes_nothing(api_as, plate, guest_code):
    verification = guest_code()
    wrong = "000000" if last_code(PHONE) != "000000" else "111111"

    response = guest_post(api_as, phone_verification_id=verification, phone_code=wrong)

    assert (response.status_code, response.json()["code"]) == (422, "wrong_code")
    assert Tip.objects.count() == 0


def test_a_proven_phone_is_texted_each_status_and_never_shown_to_staff(api_as, world, plate, texts, guest_code):
    verification = guest_code()
    response = guest_post(api_as, phone_verification_id=verification, phone_code=last_code(PHONE))
    tip = Tip.objects.get()
    assert (response.status_code, tip.guest_phone) == (201, PHONE)

    assert act(api_as(world["district_staff"]), tip.id, "accept").status_code == 200

    case = api_as(world["district_staff"]).get(f"/cases/{tip.id}")
    assert case.status_code == 200
    assert PHONE not in case.content.decode()
    assert "139****9000" not in case.content.decode()
    assert case.json()["reporter"] is None
    message = OutboxMessage.objects.get(key=f"tips.guest_text:{tip.id}:accepted")
    assert message.args[0] == PHONE
    assert tip.reference in message.args[1]
    assert f"/tips/track/{tip.track_token}/" in message.args[1]


def test_a_guests_reward_waits_for_an_account_that_verifies_the_number(
    api_as, world, plate, make_user, guest_code, django_capture_on_commit_callbacks, settings
):
    settings.FUBI_PHONE_CODE_RESEND_SECONDS = 0  # the citizen asks for a code to the guest's number
    # given a guest's report with a proven number, verified by staff with a reward
    verification = guest_code()
    guest_post(api_as, phone_verification_id=verification, phone_code=last_code(PHONE))
    tip = Tip.objects.get()
    staff = api_as(world["district_staff"])
    for action in ("accept", "assign"):
        assert act(staff, tip.id, action).status_code == 200
    assert act(staff, tip.id, "verify", reward_points=50).status_code == 200
    tip.refresh_from_db()
    # then nothing is paid (the shared guest account is never paid), and the track page says so
    assert (tip.reward_points, tip.reward_paid_at, balance(guest_account())) == (50, None, 0)
    tracked = api_as(None).get(f"/tips/track/{tip.track_token}").json()
    assert (tracked["reward_points"], tracked["reward_paid"], tracked["reward_waits_for_account"]) == (50, False, True)
    # when a citizen verifies that number on their account
    citizen = make_user(display_name="Passer-by")
    verify_phone(citizen, django_capture_on_commit_callbacks, phone=PHONE)
    # then the report is theirs and the reward is paid to them, once
    tip.refresh_from_db()
    assert (tip.reporter, tip.reward_paid_at is not None, balance(citizen)) == (citizen, True, 50)
    assert api_as(citizen).get(f"/tips/{tip.id}").json()["reward_paid"] is True
    assert reconciliation_report()["ok"] is True


def test_a_number_an_account_already_holds_makes_the_report_that_accounts_at_once(
    api_as, plate, make_user, guest_code, django_capture_on_commit_callbacks, settings
):
    settings.FUBI_PHONE_CODE_RESEND_SECONDS = 0
    citizen = make_user(display_name="Known neighbour")
    verify_phone(citizen, django_capture_on_commit_callbacks, phone=PHONE)
    sms.outbox.clear()

    verification = guest_code()
    guest_post(api_as, phone_verification_id=verification, phone_code=last_code(PHONE))

    tip = Tip.objects.get()
    assert (tip.reporter, tip.anonymous, tip.source) == (citizen, True, TipSource.DOOR_PLATE)


def test_guest_phone_codes_wait_between_sends_to_one_number(api_as, plate, guest_code):
    guest_code()
    again = api_as(None).post("/tips/guest-phone-codes", {"phone": PHONE})
    bad = api_as(None).post("/tips/guest-phone-codes", {"phone": "12345"})

    assert (again.status_code, again.json()["code"]) == (429, "rate_limited")
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_phone")
    assert len(sms.outbox) == 1


def test_an_unknown_track_token_is_not_found(api_as, plate):
    guest_post(api_as)

    response = api_as(None).get("/tips/track/" + "x" * 43)

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


# --- pages ---------------------------------------------------------------------------------------


def test_the_plate_page_takes_a_guest_report_and_sends_them_to_the_track_page(plate):
    client = Client()
    page = client.get("/p/gate-9/")
    assert page.status_code == 200
    assert "School gate 9" in page.content.decode()

    response = client.post("/p/gate-9/", {"category": "urban_management", "description": "Broken railing"})

    tip = Tip.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/tips/track/{tip.track_token}/")
    track = client.get(response["Location"])
    assert track.status_code == 200
    assert tip.reference in track.content.decode()
    assert track["Referrer-Policy"] == "no-referrer"


def test_scanning_the_old_form_url_as_a_guest_opens_the_plate_page(plate):
    assert Client().get("/tips/new/?place=gate-9")["Location"] == "/p/gate-9/"
    assert Client().get("/tips/new/")["Location"].startswith("/accounts/login/")


def test_a_signed_in_citizen_at_a_plate_gets_the_ordinary_form(plate, world, client):
    client.force_login(world["citizen"])

    assert client.get("/p/gate-9/")["Location"] == "/tips/new/?place=gate-9"


def test_an_unknown_plate_or_token_page_is_404(plate):
    assert Client().get("/p/gate-404/").status_code == 404
    assert Client().get("/tips/track/nothing-here-at-all-for-anyone/").status_code == 404
