"""Funding through admin and the command line, the nightly job, the sealing job, the demo seed."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from accounts.tests.factories import AgencyFactory
from ledger import selectors, services
from ledger.chain import ledger_seal
from ledger.models import Funding, ReconciliationRun, Transaction
from ledger.tasks import reconcile_ledger_task, seal_ledger_task

pytestmark = pytest.mark.django_db


def test_fund_agency_command_by_name_with_cny_is_idempotent_on_its_key():
    agency = AgencyFactory(name="鼓西派出所")
    call_command("fund_agency", "鼓西派出所", "2500", "--cny", "49.50", "--key", "cli:1")
    call_command("fund_agency", str(agency.pk), "2500", "--cny", "49.50", "--key", "cli:1")
    assert selectors.agency_wallet(agency=agency)["available"] == 2_500
    funding = Funding.objects.get(agency=agency)
    assert funding.cny.amount == Decimal("49.50")
    assert funding.rate == Decimal("0.019800")


def test_fund_agency_command_refuses_unknown_agency_and_bad_points():
    with pytest.raises(CommandError):
        call_command("fund_agency", "nobody", "10")
    agency = AgencyFactory()
    with pytest.raises(CommandError):
        call_command("fund_agency", str(agency.pk), "0")
    assert not Transaction.objects.exists()


def test_admin_funds_an_agency_once_per_form(admin_user):
    agency = AgencyFactory()
    client = Client()
    client.force_login(admin_user)
    form = {"agency": agency.pk, "points": "3000", "cny_amount": "", "memo": "Q1 budget", "nonce": "abc123"}
    response = client.post("/admin/ledger/funding/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    client.post("/admin/ledger/funding/add/", form)  # a double submit
    assert selectors.agency_wallet(agency=agency)["available"] == 3_000
    funding = Funding.objects.get(agency=agency)
    assert funding.cny.amount == Decimal("60.00")
    assert funding.transaction.initiated_by == admin_user
    assert client.get("/admin/ledger/transaction/").status_code == 200


def test_nightly_reconciliation_stores_an_ok_run_without_mail(rich_citizen):
    run_id = reconcile_ledger_task.delay().get()
    run = ReconciliationRun.objects.get(pk=run_id)
    assert run.ok is True
    assert run.report["postings"] == 4
    assert mail.outbox == []


def test_nightly_reconciliation_mails_admins_when_books_are_off(rich_citizen):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("UPDATE ledger_account SET posted = posted + 1 WHERE kind = 'citizen'")
    run = ReconciliationRun.objects.get(pk=reconcile_ledger_task())
    assert run.ok is False
    assert len(mail.outbox) == 1
    assert "does not reconcile" in mail.outbox[0].subject
    assert "balance_row" in mail.outbox[0].body


def test_sealing_job_seals_new_transactions(rich_citizen):
    assert seal_ledger_task() == Transaction.objects.count()
    assert seal_ledger_task() == 0


def test_demo_seed_is_idempotent(make_user):
    from ledger import demo

    ctx = {"agency": AgencyFactory(), "grid_centre": AgencyFactory(), "citizen": make_user()}
    demo.seed(ctx)
    demo.seed(ctx)
    assert selectors.agency_wallet(agency=ctx["agency"])["available"] == 1_000_000
    assert selectors.agency_wallet(agency=ctx["grid_centre"])["available"] == 499_500
    assert selectors.citizen_wallet(user=ctx["citizen"])["balance"] == 500
    assert Transaction.objects.count() == 3
    assert ledger_seal() == 0


def test_admin_action_funds_selected_agency_budgets_once(admin_user):
    # given two agency budgets listed in admin
    first, second = AgencyFactory(), AgencyFactory()
    ids = [services.agency_budget_account(first).pk, services.agency_budget_account(second).pk]
    client = Client()
    client.force_login(admin_user)
    # when the admin picks the action, sees the form, and submits it (twice, a double click)
    page = client.post("/admin/ledger/account/", {"action": "fund_agencies", "_selected_action": ids})
    assert page.status_code == 200
    assert first.name in page.content.decode()
    form = {"action": "fund_agencies", "_selected_action": ids, "apply": "1", "points": "700", "nonce": "n1"}
    assert client.post("/admin/ledger/account/", form).status_code == 302
    client.post("/admin/ledger/account/", form)
    # then each budget is funded once, with its CNY record
    assert selectors.agency_wallet(agency=first)["available"] == 700
    assert selectors.agency_wallet(agency=second)["available"] == 700
    assert Funding.objects.filter(agency__in=[first, second]).count() == 2


def test_admin_reverses_a_transaction_once(admin_user, rich_citizen, funded_agency):
    grant = Transaction.objects.get(kind="tip_reward")
    client = Client()
    client.force_login(admin_user)
    form = {"action": "reverse_transactions", "_selected_action": [grant.pk]}
    client.post("/admin/ledger/transaction/", form)
    client.post("/admin/ledger/transaction/", form)
    assert Transaction.objects.filter(reverses=grant).count() == 1
    assert selectors.citizen_wallet(user=rich_citizen)["balance"] == 0
    assert selectors.agency_wallet(agency=funded_agency)["available"] == 10_000
