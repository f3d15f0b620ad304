"""The ledger API and pages with personas: citizen, agency staff, other staff, auditor, anonymous."""

import csv
import io
import re
import subprocess
from pathlib import Path

import pytest
from beancount import loader
from django.test import Client

from accounts.models import Role
from accounts.services import agency_membership_add
from accounts.tests.factories import AgencyFactory
from ledger import services
from ledger.models import Posting, TransactionKind
from ledger.tests.conftest import key

pytestmark = pytest.mark.django_db

BEAN_CHECK = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "bean-check"


@pytest.fixture
def citizen(make_user, funded_agency):
    user = make_user(roles=[Role.CITIZEN])
    wallet = services.citizen_account(user)
    budget = services.agency_budget_account(funded_agency)
    services.transfer_post(
        kind=TransactionKind.TASK_PAYOUT,
        source=budget,
        destination=wallet,
        amount=120,
        idempotency_key=key(),
        memo="Night patrol, Guxi street",
    )
    services.transfer_post(
        kind=TransactionKind.TIP_REWARD,
        source=budget,
        destination=wallet,
        amount=80,
        idempotency_key=key(),
        memo='Tip "broken lamp" \\ verified',
    )
    services.hold_place(account=wallet, amount=50, idempotency_key=key(), memo="Shower gel")
    return user


@pytest.fixture
def staff(make_user, funded_agency):
    user = make_user(roles=[Role.AGENCY_STAFF])
    agency_membership_add(user=user, agency=funded_agency)
    return user


@pytest.fixture
def auditor(make_user):
    return make_user(roles=[Role.AUDITOR])


def test_citizen_sees_balance_held_and_available(api_as, citizen):
    response = api_as(citizen).get("/wallet")
    assert response.status_code == 200
    assert response.json() == {"balance": 200, "held": 50, "available": 150, "currency": "FZB"}


def test_a_new_citizen_has_an_empty_wallet(api_as, make_user):
    response = api_as(make_user(roles=[Role.CITIZEN])).get("/wallet")
    assert response.json() == {"balance": 0, "held": 0, "available": 0, "currency": "FZB"}


def test_wallet_entries_are_newest_first_with_balance_after(api_as, citizen, django_assert_max_num_queries):
    client = api_as(citizen)
    with django_assert_max_num_queries(12):
        response = client.get("/wallet/entries", {"limit": 2})
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 3
    first, second = body["items"]
    assert first["kind"] == "redemption_hold"
    assert first["amount"] == -50
    assert first["balance_after"] == 150
    assert second == {
        "id": second["id"],
        "transaction_id": second["transaction_id"],
        "amount": 80,
        "kind": "tip_reward",
        "memo": 'Tip "broken lamp" \\ verified',
        "created_at": second["created_at"],
        "balance_after": 200,
    }
    assert client.get("/wallet/entries", {"limit": 0}).status_code == 422


def test_agency_staff_sees_the_agency_budget(api_as, staff, funded_agency):
    budget = services.agency_budget_account(funded_agency)
    services.transfer_post(
        kind="task_escrow",
        source=budget,
        destination=services.agency_escrow_account(funded_agency),
        amount=1_000,
        idempotency_key=key(),
    )
    response = api_as(staff).get("/wallet", {"agency_id": funded_agency.pk})
    assert response.status_code == 200
    assert response.json() == {"balance": 10_000, "held": 1_000, "available": 9_000, "currency": "FZB"}


def test_staff_of_another_agency_cannot_see_the_budget(api_as, make_user, funded_agency):
    other = make_user(roles=[Role.AGENCY_STAFF])
    agency_membership_add(user=other, agency=AgencyFactory())
    response = api_as(other).get("/wallet", {"agency_id": funded_agency.pk})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_anonymous_gets_401_everywhere(api_as):
    client = api_as(None)
    for path in ["/wallet", "/wallet/entries", "/ledger/reconciliation", "/ledger/trial-balance", "/ledger/export"]:
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("persona", ["citizen", "staff"])
@pytest.mark.parametrize("path", ["/ledger/reconciliation", "/ledger/trial-balance", "/ledger/export?format=csv"])
def test_only_auditors_read_the_reports(api_as, request, persona, path):
    user = request.getfixturevalue(persona)
    response = api_as(user).get(path)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_non_citizen_has_no_wallet(api_as, auditor):
    assert api_as(auditor).get("/wallet").status_code == 403


def test_auditor_reconciliation_reports_totals(api_as, citizen, auditor):
    response = api_as(auditor).get("/ledger/reconciliation")
    body = response.json()
    assert response.status_code == 200
    assert body["ok"] is True
    assert body["chain_ok"] is True
    assert body["mismatches"] == []
    assert body["total_issued"] == 10_000
    assert body["in_circulation"] == 10_000
    assert body["in_circulation_cny"] == "200.00"
    assert body["postings"] == Posting.objects.count()


def test_trial_balance_sums_to_zero(api_as, citizen, auditor):
    rows = api_as(auditor).get("/ledger/trial-balance").json()
    assert sum(row["balance"] for row in rows) == 0
    for row in rows:
        assert row["balance"] == row["debits"] - row["credits"]
    wallet = next(row for row in rows if row["kind"] == "citizen")
    assert (wallet["debits"], wallet["credits"], wallet["balance"]) == (200, 50, 150)


def test_beancount_export_passes_bean_check(api_as, citizen, auditor, funded_agency, tmp_path):
    # given a ledger with funding, payouts, a reversal, a captured and a released hold
    wallet = services.citizen_account(citizen)
    tx = services.transfer_post(
        kind="tip_reward",
        source=services.agency_budget_account(funded_agency),
        destination=wallet,
        amount=7,
        idempotency_key=key(),
        memo="中文备注 with\nnewline",
    )
    services.transaction_reverse(transaction_=tx)
    hold = services.hold_place(account=wallet, amount=10, idempotency_key=key())
    services.hold_capture(hold=hold, idempotency_key=key())
    hold = services.hold_place(account=wallet, amount=5, idempotency_key=key())
    services.hold_release(hold=hold, idempotency_key=key())
    # when the auditor downloads the Beancount file
    response = api_as(auditor).get("/ledger/export", {"format": "beancount"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode()
    # then Beancount's own loader finds no error, and the balance assertions are in it
    entries, errors, _ = loader.load_string(text)
    assert errors == []
    assert (
        sum(1 for entry in entries if type(entry).__name__ == "Transaction")
        == Posting.objects.values("transaction_id").distinct().count()
    )
    assert sum(1 for entry in entries if type(entry).__name__ == "Balance") == 5
    # and the bean-check command agrees
    path = tmp_path / "fubi.beancount"
    path.write_text(text, encoding="utf-8")
    result = subprocess.run([str(BEAN_CHECK), str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_beancount_export_fails_bean_check_if_a_balance_were_forged(api_as, citizen, auditor):
    # the balance assertions make bean-check prove the cached balances: a forged one would fail
    text = b"".join(api_as(auditor).get("/ledger/export").streaming_content).decode()
    line = next(line for line in text.splitlines() if " balance Assets:Citizens:" in line)
    assert line.endswith(" 150 FZB")
    forged = text.replace(line, line.replace(" 150 FZB", " 151 FZB"))
    _, errors, _ = loader.load_string(forged)
    assert [error.message for error in errors] == [
        f"Balance failed for 'Assets:Citizens:U{citizen.pk}': expected 151 FZB != accumulated 150 FZB (1 too little)"
    ]


def test_csv_export_lists_every_posting(api_as, citizen, auditor):
    response = api_as(auditor).get("/ledger/export", {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == Posting.objects.count()
    assert sum(int(row["amount"]) for row in rows) == 0
    assert {row["kind"] for row in rows} >= {"funding", "task_payout", "tip_reward", "redemption_hold"}


def test_unknown_export_format_is_a_422(api_as, auditor):
    response = api_as(auditor).get("/ledger/export", {"format": "xlsx"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_wallet_page_shows_balance_and_history(citizen):
    client = Client()
    client.force_login(citizen)
    response = client.get("/wallet/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="wallet-balance">200' in html
    # each entry by its kind in the page's language; the memo (English, part of the chain) is not shown
    labels = re.findall(r'data-testid="wallet-entry-label">([^<]*)<', html)
    assert labels == ["商城订单", "随手拍奖励", "任务发放"]
    assert "Night patrol, Guxi street" not in html
    client.cookies["django_language"] = "en"
    html = client.get("/wallet/").content.decode()
    assert re.findall(r'data-testid="wallet-entry-label">([^<]*)<', html) == ["Shop order", "Tip reward", "Task payout"]


def test_audit_page_for_auditors_only(citizen, auditor):
    client = Client()
    client.force_login(citizen)
    assert client.get("/audit/").status_code == 403
    client.force_login(auditor)
    response = client.get("/audit/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="audit-cny">¥200.00' in html
    assert 'data-testid="audit-trial-total">0<' in html
    assert Client().get("/audit/").status_code == 302


def test_agency_staff_list_the_budget_entries(api_as, staff, funded_agency, citizen):
    response = api_as(staff).get("/wallet/entries", {"agency_id": funded_agency.pk})
    body = response.json()
    assert response.status_code == 200
    assert [item["kind"] for item in body["items"]] == ["tip_reward", "task_payout", "funding"]
    assert body["items"][0]["balance_after"] == 10_000 - 200
    refused = api_as(citizen).get("/wallet/entries", {"agency_id": funded_agency.pk})
    assert (refused.status_code, refused.json()["code"]) == (404, "not_found")
