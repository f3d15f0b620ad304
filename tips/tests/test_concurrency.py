"""Races on real PostgreSQL with real threads: two staff acting on one case at once, and the
thumbnail and reward jobs run twice."""

import pytest

from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from ledger.models import Transaction, TransactionKind
from tips import services
from tips.models import CaseEvent, Tip, TipPhoto
from tips.tasks import make_photo_thumbnail_task
from tips.tests.conftest import jpeg_bytes, race_codes, stored_files, upload


@pytest.mark.django_db(transaction=True)
def test_two_staff_accepting_at_once_make_exactly_one_transition(world) -> None:
    tip = services.tip_submit(
        reporter=world["citizen"], category_code="other", description="race", lat=26.07, lon=119.25
    )
    staff = [world["district_staff"], world["community_staff"]]
    results = race_codes(
        lambda actor: services.case_transition(tip=tip, actor=actor, action="accept").status, staff * 2
    )
    assert sorted(results) == ["accepted", "invalid_transition", "invalid_transition", "invalid_transition"]
    assert CaseEvent.objects.filter(tip=tip, action="accept").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_verifies_pay_the_reporter_once(world) -> None:
    tip = services.tip_submit(
        reporter=world["citizen"], category_code="drugs", description="race", lat=26.07, lon=119.25
    )
    staff = world["district_staff"]
    services.case_transition(tip=tip, actor=staff, action="accept")
    services.case_transition(tip=tip, actor=staff, action="assign")
    results = race_codes(lambda _: services.case_transition(tip=tip, actor=staff, action="verify").status, range(4))
    assert sorted(results) == ["invalid_transition"] * 3 + ["verified"]
    wallet = ledger_selectors.account_balance(ledger_services.citizen_account(world["citizen"]))
    assert wallet["balance"] == 500
    paid = Transaction.objects.get(kind=TransactionKind.TIP_REWARD)
    assert Tip.objects.get(pk=tip.pk).reward_transaction_id == paid.pk


@pytest.mark.django_db
def test_the_thumbnail_job_is_safe_to_run_twice_and_retries_on_io_errors(world) -> None:
    tip = services.tip_submit(
        reporter=world["citizen"],
        category_code="other",
        description="thumb",
        lat=26.07,
        lon=119.25,
        photos=[upload(jpeg_bytes((1200, 900)))],
    )
    photo = TipPhoto.objects.get(tip=tip)
    before = len(stored_files())
    assert make_photo_thumbnail_task.delay(photo.id).get() is True
    assert make_photo_thumbnail_task.delay(photo.id).get() is False  # exists: skipped
    assert len(stored_files()) == before + 1
    photo.refresh_from_db()
    assert photo.thumbnail.name.endswith("_thumb.jpg")
    assert OSError in make_photo_thumbnail_task.autoretry_for
    assert make_photo_thumbnail_task.max_retries == 5
    assert make_photo_thumbnail_task.delay(999_999).get() is False  # a deleted photo is no error


@pytest.mark.django_db
def test_the_queue_answers_in_a_fixed_number_of_queries(world, api_as, django_assert_max_num_queries) -> None:
    for index in range(12):
        services.tip_submit(
            reporter=world["citizen"] if index % 2 else world["citizen2"],
            category_code="other",
            description=f"tip {index}",
            lat=26.07,
            lon=119.25,
            anonymous=index % 3 == 0,
        )
    api = api_as(world["district_staff"])
    with django_assert_max_num_queries(9):  # auth and session: 7, count + page: 2
        body = api.get("/cases", {"limit": 50}).json()
    assert body["count"] == 12
