"""The wallet at phone size and the auditor's page on a desktop, in a real browser."""

import pytest

from accounts.models import Role
from accounts.tests.factories import AgencyFactory
from ledger import services
from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}


def _citizen_with_history(make_user):
    user = make_user(display_name="小张", roles=[Role.CITIZEN])
    agency = AgencyFactory()
    services.agency_fund(agency=agency, amount=10_000, idempotency_key="browser:fund")
    wallet = services.citizen_account(user)
    services.transfer_post(
        kind="task_payout",
        source=services.agency_budget_account(agency),
        destination=wallet,
        amount=300,
        idempotency_key="browser:payout",
        memo="夜间巡逻 Night patrol",
    )
    services.hold_place(account=wallet, amount=120, idempotency_key="browser:hold", memo="沐浴露 Shower gel")
    return user


def test_wallet_page_on_a_phone_shows_balance_held_and_history(new_page, make_user, password) -> None:
    user = _citizen_with_history(make_user)
    page = new_page(locale="zh-CN")
    browser_login(page, user.email, password)
    page.goto("/wallet/")
    assert page.get_by_test_id("wallet-balance").inner_text().startswith("300")
    assert page.get_by_test_id("wallet-held").inner_text() == "120"
    assert page.get_by_test_id("wallet-available").inner_text() == "180"
    entries = page.get_by_test_id("wallet-entries").inner_text()
    # each line in the reader's words (the English memo stays in the books' hash chain)
    assert entries.split("\n") == [
        "商城订单",
        entries.split("\n")[1],  # its time
        "-120",
        "→ 180",
        "任务发放",
        entries.split("\n")[5],
        "+300",
        "→ 300",
    ]
    # nothing is wider than the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "ledger-wallet-phone")


def test_audit_page_on_a_desktop_reconciles(new_page, make_user, password) -> None:
    _citizen_with_history(make_user)
    auditor = make_user(roles=[Role.AUDITOR])
    page = new_page(locale="en-US", viewport=DESKTOP)
    browser_login(page, auditor.email, password)
    page.goto("/audit/")
    assert "Reconciled" in page.get_by_test_id("audit-status").inner_text()
    assert page.get_by_test_id("audit-cny").inner_text() == "¥200.00"
    assert page.get_by_test_id("audit-trial-total").inner_text() == "0"
    screenshot(page, "ledger-audit-desktop")
