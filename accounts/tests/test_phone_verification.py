"""Accounts that matter are real people (issue 13, hole 9): a mobile number verified by a one-time SMS
code, through the API and the /me/phone/ page, with its limits written as the attacks they stop."""

from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from accounts import sms
from accounts.models import PhoneVerification
from accounts.tests.phone import last_code

pytestmark = pytest.mark.django_db

NUMBER = "+8613800138000"


@pytest.fixture(autouse=True)
def empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def send(api_as, django_capture_on_commit_callbacks):
    """send(user, phone, headers=None) → the POST /me/phone response, the SMS sent after commit."""

    def run(user, phone: str = NUMBER, headers: dict | None = None):
        with django_capture_on_commit_callbacks(execute=True):
            return api_as(user).post("/me/phone", {"phone": phone}, headers=headers)

    return run


def verify(api, code: str, headers: dict | None = None):
    return api.post("/me/phone/verify", {"code": code}, headers=headers)


def later(seconds: float):
    return mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(seconds=seconds))


def test_a_citizen_verifies_their_phone_with_the_code_sent_by_sms(make_user, api_as, send) -> None:
    # given a citizen without a verified phone
    user = make_user()
    api = api_as(user)
    assert (api.get("/me").json()["phone"], api.get("/me").json()["phone_verified"]) == (None, False)
    # when they ask for a code for a number typed the Chinese way, then send it back
    sent = send(user, "138 0013 8000")
    assert sent.status_code == 202
    assert sent.json()["phone"] == "+86138****8000"
    assert [message.to for message in sms.outbox] == [NUMBER]
    answer = verify(api, last_code())
    # then the number is theirs, verified, and GET /me says so (to them)
    assert answer.status_code == 200
    assert (answer.json()["phone"], answer.json()["phone_verified"]) == (NUMBER, True)
    me = api.get("/me").json()
    assert (me["phone"], me["phone_verified"], me["phone_required"]) == (NUMBER, True, False)


def test_the_code_is_kept_only_as_an_hmac(make_user, send) -> None:
    # given a code sent
    user = make_user()
    send(user)
    code = last_code()
    # then the database holds no trace of the code itself
    row = PhoneVerification.objects.get(user=user)
    assert code not in str(list(PhoneVerification.objects.values_list()))
    assert len(row.code_hash) == 64


def test_guessing_the_code_is_stopped_after_five_tries(make_user, api_as, send) -> None:
    # given a code sent to the attacker's account for someone else's number... or their own
    user = make_user()
    api = api_as(user)
    send(user)
    code = last_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    # when they guess five times
    answers = [verify(api, wrong) for _ in range(5)]
    # then each wrong guess is 422 wrong_code, counting down, and after the fifth even the right code fails
    assert [(a.status_code, a.json()["code"], a.json()["details"]["attempts_left"]) for a in answers] == [
        (422, "wrong_code", 4),
        (422, "wrong_code", 3),
        (422, "wrong_code", 2),
        (422, "wrong_code", 1),
        (422, "wrong_code", 0),
    ]
    final = verify(api, code)
    assert (final.status_code, final.json()["code"]) == (409, "code_expired")
    assert api.get("/me").json()["phone_verified"] is False


def test_guesses_sent_with_idempotency_keys_still_use_up_the_tries(make_user, api_as, send) -> None:
    # given a code sent (a keyed refusal would be rolled back by the idempotency middleware)
    user = make_user()
    api = api_as(user)
    send(user)
    code = last_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    # when the attacker sends each guess with a fresh Idempotency-Key
    for n in range(5):
        assert verify(api, wrong, headers={"Idempotency-Key": f"guess-{n}"}).status_code == 422
    # then the tries were counted all the same: the right code no longer works
    final = verify(api, code, headers={"Idempotency-Key": "guess-right"})
    assert (final.status_code, final.json()["code"]) == (409, "code_expired")
    assert PhoneVerification.objects.get(user=user).attempts == 5


def test_an_expired_code_is_refused(make_user, api_as, send) -> None:
    # given a code sent eleven minutes ago (codes live ten)
    user = make_user()
    send(user)
    code = last_code()
    # when it is sent back
    with later(11 * 60):
        answer = verify(api_as(user), code)
    # then it is refused
    assert (answer.status_code, answer.json()["code"]) == (409, "code_expired")


def test_verifying_without_asking_for_a_code_is_409(make_user, api_as) -> None:
    answer = verify(api_as(make_user()), "123456")
    assert (answer.status_code, answer.json()["code"]) == (409, "no_code_pending")


def test_asking_again_within_a_minute_is_429_with_retry_after(make_user, send) -> None:
    # given a code just sent
    user = make_user()
    assert send(user).status_code == 202
    # when the user asks again at once, then after the minute
    again = send(user)
    with later(61):
        after = send(user)
    # then the first repeat is refused with Retry-After, and one message went out for it
    assert (again.status_code, again.json()["code"]) == (429, "rate_limited")
    assert 1 <= int(again["Retry-After"]) <= 61
    assert after.status_code == 202
    assert len(sms.outbox) == 2


def test_one_account_asks_for_at_most_five_codes_a_day(make_user, send) -> None:
    # given an account that asked for five codes, a minute apart
    user = make_user()
    for n in range(5):
        with later(n * 61):
            assert send(user, f"+86139001390{n:02d}").status_code == 202
    # when it asks for a sixth
    with later(5 * 61):
        sixth = send(user, "+8613900139099")
    # then it waits until the first is a day old
    assert (sixth.status_code, sixth.json()["code"]) == (429, "rate_limited")
    assert int(sixth["Retry-After"]) > 23 * 3600


def test_many_accounts_cannot_flood_one_number_with_codes(make_user, send) -> None:
    # given a victim's number, and five accounts that each asked for a code to it
    for _ in range(5):
        assert send(make_user(), NUMBER).status_code == 202
    # when a sixth account asks
    sixth = send(make_user(), NUMBER)
    # then no sixth message goes to that number today
    assert (sixth.status_code, sixth.json()["code"]) == (429, "rate_limited")
    assert len(sms.outbox) == 5


def test_a_number_verified_for_another_account_is_refused(make_user, api_as, send) -> None:
    # given a number verified by its owner
    owner = make_user()
    send(owner)
    assert verify(api_as(owner), last_code()).status_code == 200
    # when another account asks for a code for it
    other = send(make_user())
    # then it is refused before any message goes out
    assert (other.status_code, other.json()["code"]) == (409, "phone_taken")
    assert len(sms.outbox) == 1


@pytest.mark.parametrize(
    "phone",
    ["12345", "+86 10 6552 9988", "+86 138 0013", "not a number"],
    ids=["short", "landline", "too-short-mobile", "words"],
)
def test_numbers_that_cannot_take_a_text_are_422(make_user, send, phone) -> None:
    answer = send(make_user(), phone)
    assert (answer.status_code, answer.json()["code"]) == (422, "invalid_phone")
    assert sms.outbox == []


def test_a_number_with_nul_is_refused_as_text_no_field_can_hold(make_user, send) -> None:
    # NUL is refused for every field before the phone rules (config.api.FubiParser)
    answer = send(make_user(), "+8613800138000\x00")
    assert (answer.status_code, answer.json()["code"]) == (422, "invalid")
    assert answer.json()["details"]["errors"][0]["field"] == "phone"
    assert sms.outbox == []


def test_the_phone_page_verifies_a_number_in_chinese(make_user, django_capture_on_commit_callbacks) -> None:
    # given a signed-in citizen on the phone page (zh-Hans by default)
    user = make_user()
    client = Client()
    client.force_login(user)
    page = client.get("/me/phone/")
    assert page.status_code == 200
    assert "手机号码" in page.content.decode()
    # when they ask for a code and type it in
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/me/phone/", {"action": "send", "phone": "13800138000"})
    assert 'name="code"' in client.get("/me/phone/").content.decode()
    client.post("/me/phone/", {"action": "verify", "code": last_code()})
    # then the page shows the number as verified
    user.refresh_from_db()
    assert (user.phone, user.phone_verified_at is not None) == (NUMBER, True)
    assert 'data-testid="phone-verified"' in client.get("/me/phone/").content.decode()
