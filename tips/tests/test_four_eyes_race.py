"""Four eyes under a race, on real PostgreSQL connections: two different staff members approving the
same pending reward at once pay the reporter exactly once."""

import pytest

from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from ledger.models import Transaction
from tips import services
from tips.models import CaseEvent, Tip
from tips.tests.conftest import race_codes


@pytest.mark.django_db(transaction=True)
def test_two_staff_approving_one_pending_reward_at_once_pay_it_once(world, make_user) -> None:
    # given a reward of 2000 (default 50) asked for by district staff, and two other staff of the grid
    from accounts.services import grid_membership_add

    tip = services.tip_submit(
        reporter=world["citizen"], category_code="urban_management", description="race", lat=26.07, lon=119.25
    )
    requester = world["district_staff"]
    for action in ("accept", "assign"):
        services.case_transition(tip=tip, actor=requester, action=action)
    services.case_transition(tip=tip, actor=requester, action="verify", reward_points=2000)
    second = make_user(display_name="Another Community Staff")
    grid_membership_add(user=second, grid=world["community"])
    # when both approve at the same moment on their own connections
    results = race_codes(
        lambda approver: services.case_transition(tip=tip, actor=approver, action="approve_reward").status,
        [world["community_staff"], second],
    )
    # then one approval wins, the other finds nothing pending, and 2000 is paid once
    assert sorted(results) == ["invalid_transition", "verified"]
    wallet = ledger_selectors.account_balance(ledger_services.citizen_account(world["citizen"]))
    assert wallet["balance"] == 2000
    assert Transaction.objects.filter(kind="tip_reward").count() == 1
    assert CaseEvent.objects.filter(tip=tip, action="approve_reward").count() == 1
    assert Tip.objects.get(pk=tip.pk).reward_paid_at is not None
