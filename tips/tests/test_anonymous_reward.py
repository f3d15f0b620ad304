"""Anonymity through the ledger (issue 13, hole 7): an anonymous tip's reward must not tie the
reporter's wallet to the tip in anything an auditor or an administrator reads, while the ledger
itself still follows the reward back to its tip and reconciles it."""

import csv
import io
import re

import pytest
from django.test import Client

from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from ledger.models import OpaqueRef, Transaction
from ledger.reconciliation import reconciliation_report
from tips import services
from tips.models import Tip
from tips.services import rewards as reward_services
from tips.tests.conftest import IN_COMMUNITY

pytestmark = pytest.mark.django_db


def balance(user) -> int:
    return ledger_selectors.account_balance(ledger_services.citizen_account(user))["balance"]


def new_tip(world, *, reporter=None, anonymous=True, category="urban_management") -> Tip:
    return services.tip_submit(
        reporter=reporter or world["citizen"],
        category_code=category,
        description="Something to look at",
        lat=IN_COMMUNITY[0],
        lon=IN_COMMUNITY[1],
        anonymous=anonymous,
    )


def act(api, tip_id: int, action: str, **body):
    return api.post(f"/cases/{tip_id}/transition", {"action": action, **body})


def verified(world, api_as, tip: Tip, **body) -> Tip:
    api = api_as(world["district_staff"])
    for action in ("accept", "assign"):
        assert act(api, tip.id, action).status_code == 200
    assert act(api, tip.id, "verify", **body).status_code == 200
    tip.refresh_from_db()
    return tip


def traces(tip: Tip) -> list[str]:
    """What would tie a ledger line to this tip."""
    return [f"tips.tip:{tip.id}", f"tip:{tip.id}:", tip.reference]


def export(api, fmt: str) -> str:
    response = api.get("/ledger/export", {"format": fmt})
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def test_the_beancount_export_does_not_tie_the_wallet_to_an_anonymous_tip(world, api_as) -> None:
    # given an anonymous tip verified with its reward, and a named one
    tip = verified(world, api_as, new_tip(world))
    named = verified(world, api_as, new_tip(world, reporter=world["citizen2"], anonymous=False))
    # when the auditor downloads the Beancount file
    text = export(api_as(world["auditor"]), "beancount")
    # then the reward's entry names neither the tip nor its reference, only an opaque token ...
    entries = text.split("\n\n")
    wallet = f"Assets:Citizens:U{world['citizen'].id} "
    (reward,) = [entry for entry in entries if wallet in entry and '"tip_reward"' in entry]
    token = Transaction.objects.get(pk=tip.reward_transaction_id).ref_id
    assert f'ref: "tips.anonymous_reward:{token}"' in reward
    for trace in traces(tip):
        assert trace not in text
    # ... while a named tip's reward still says which tip it paid
    assert f'ref: "tips.tip:{named.id}"' in text


def test_the_csv_export_does_not_tie_the_wallet_to_an_anonymous_tip(world, api_as) -> None:
    # given an anonymous tip verified with its reward
    tip = verified(world, api_as, new_tip(world))
    # when the auditor downloads the CSV of postings
    rows = list(csv.DictReader(io.StringIO(export(api_as(world["auditor"]), "csv"))))
    # then the wallet's reward row has an opaque ref, key and memo
    (row,) = [r for r in rows if r["account"] == f"Assets:Citizens:U{world['citizen'].id}"]
    assert row["kind"] == "tip_reward"
    assert row["ref"].startswith("tips.anonymous_reward:")
    assert row["idempotency_key"].startswith("opaque:")
    assert row["memo"] == "Reward for an anonymous tip"
    for value in (value for r in rows for value in r.values()):
        for trace in traces(tip):
            assert trace not in value


def test_the_auditors_other_reads_do_not_name_an_anonymous_tip(world, api_as) -> None:
    # given an anonymous tip verified with its reward
    tip = verified(world, api_as, new_tip(world))
    auditor = api_as(world["auditor"])
    client = Client()
    client.force_login(world["auditor"])
    # when the auditor reads the trial balance, the reconciliation and the audit page
    bodies = [
        auditor.get("/ledger/trial-balance").content.decode(),
        auditor.get("/ledger/reconciliation").content.decode(),
        client.get("/audit/").content.decode(),
    ]
    # then none of them names the tip
    for body in bodies:
        for trace in [*traces(tip), "tips.tip"]:
            assert trace not in body


def test_the_ledger_follows_an_anonymous_reward_back_to_its_tip(world, api_as) -> None:
    # given an anonymous tip verified with its reward
    tip = verified(world, api_as, new_tip(world))
    tx = Transaction.objects.get(pk=tip.reward_transaction_id)
    # then the transaction itself says only "an anonymous reward", and the ledger knows which tip
    assert (tx.ref_type, tx.kind) == ("tips.anonymous_reward", "tip_reward")
    assert tx.ref_id != tip.id
    assert ledger_selectors.transaction_cause(transaction=tx) == ("tips.tip", tip.id)
    assert balance(world["citizen"]) == 50


def test_a_replayed_anonymous_reward_pays_once(world, api_as) -> None:
    # given an anonymous tip verified with its reward
    tip = verified(world, api_as, new_tip(world))
    # when the payment is asked again as if the first had not been recorded on the tip
    tip.reward_paid_at = None
    reward_services._reward_pay(tip=tip, points=50, actor=None, grid=tip.grid)
    # then the HMAC key finds the first transaction: one payment, one opaque reference
    assert balance(world["citizen"]) == 50
    assert Transaction.objects.filter(kind="tip_reward").count() == 1
    assert OpaqueRef.objects.count() == 1
    assert reconciliation_report()["ok"] is True


def test_a_replayed_verify_request_pays_once(world, api_as) -> None:
    # given an anonymous tip ready to verify
    api = api_as(world["district_staff"])
    tip = new_tip(world)
    act(api, tip.id, "accept")
    act(api, tip.id, "assign")
    # when the verify request is sent twice with one Idempotency-Key
    headers = {"Idempotency-Key": "verify-anon-1"}
    first = api.post(f"/cases/{tip.id}/transition", {"action": "verify"}, headers=headers)
    again = api.post(f"/cases/{tip.id}/transition", {"action": "verify"}, headers=headers)
    # then the reporter is paid once
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (200, 200, "true")
    assert balance(world["citizen"]) == 50


def test_reconciliation_checks_anonymous_rewards_through_the_opaque_reference(world, api_as) -> None:
    # given an anonymous tip rewarded properly: the books reconcile
    verified(world, api_as, new_tip(world))
    assert reconciliation_report()["ok"] is True
    # when someone posts a tip reward under an opaque reference for a tip that was never verified
    unverified = new_tip(world, reporter=world["citizen2"])
    rogue = ledger_services.transfer_post(
        kind="tip_reward",
        source=ledger_services.agency_budget_account(world["centre"]),
        destination=ledger_services.citizen_account(world["citizen2"]),
        amount=70,
        idempotency_key=ledger_services.opaque_key("rogue"),
        ref=unverified,
        opaque_as="tips.anonymous_reward",
    )
    report = reconciliation_report()
    # then reconciliation follows the token back and flags that transaction, without naming the tip
    assert report["ok"] is False
    assert report["mismatches"] == [{"check": "tip_reward", "transaction_id": rogue.id, "problem": "tip_not_rewarded"}]


def test_reconciliation_flags_a_transaction_whose_opaque_reference_is_missing(world, api_as) -> None:
    # given a transaction that claims an opaque reference type but has no row leading back
    verified(world, api_as, new_tip(world))
    budget = ledger_services.agency_budget_account(world["centre"])
    wallet = ledger_services.citizen_account(world["citizen2"])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(OpaqueRef.objects, "create", lambda **kwargs: None)  # the mapping row is lost
        orphan = ledger_services.transfer_post(
            kind="task_payout",
            source=budget,
            destination=wallet,
            amount=5,
            idempotency_key="orphan",
            ref=world["centre"],
            opaque_as="tips.anonymous_reward",
        )
    # then reconciliation lists it
    mismatches = reconciliation_report()["mismatches"]
    assert mismatches == [{"check": "opaque_ref", "transaction_id": orphan.id}]


def test_an_anonymous_duplicates_reward_is_opaque_too(world, api_as) -> None:
    # given a named primary, verified, and an anonymous duplicate merged into it with a reward
    api = api_as(world["district_staff"])
    primary = verified(world, api_as, new_tip(world, anonymous=False))
    duplicate = new_tip(world, reporter=world["citizen2"])
    assert act(api, duplicate.id, "mark_duplicate", duplicate_of=primary.id, reward_points=20).status_code == 200
    duplicate.refresh_from_db()
    # then the duplicate's reporter is paid under an opaque reference the ledger follows back
    tx = Transaction.objects.get(pk=duplicate.reward_transaction_id)
    assert balance(world["citizen2"]) == 20
    assert tx.ref_type == "tips.anonymous_reward"
    assert ledger_selectors.transaction_cause(transaction=tx) == ("tips.tip", duplicate.id)
    assert duplicate.reference not in tx.memo
    assert reconciliation_report()["ok"] is True


def test_staff_timeline_of_an_anonymous_reward_carries_no_transaction_id(world, api_as) -> None:
    # given an anonymous tip verified with its reward
    tip = verified(world, api_as, new_tip(world))
    # when its grid's staff read the case
    timeline = api_as(world["district_staff"]).get(f"/cases/{tip.id}").json()["timeline"]
    # then the reward step says how much, but not which ledger transaction paid it
    (reward,) = [step for step in timeline if step["action"] == "reward"]
    assert "transaction_id" not in reward["data"]
    assert reward["data"]["points"] == 50


def test_the_admin_does_not_show_an_anonymous_tips_reporter(world, api_as, make_user) -> None:
    # given an anonymous tip verified with its reward, and an administrator
    tip = verified(world, api_as, new_tip(world))
    reporter = world["citizen"]
    admin = make_user(is_staff=True, is_superuser=True, roles=["admin"])
    client = Client()
    client.force_login(admin)
    # when the administrator opens the tip's change page and the tips list
    page = client.get(f"/admin/tips/tip/{tip.id}/change/")
    listing = client.get("/admin/tips/tip/")
    # then the reporter is shown as anonymous: no reporter field, no email or name outside the
    # choice lists of every user that other user fields offer, no reward transaction
    assert (page.status_code, listing.status_code) == (200, 200)
    body = page.content.decode()
    assert 'name="reporter"' not in body
    assert f'<option value="{reporter.id}" selected>' not in body
    outside_choices = re.sub(r"<select.*?</select>", "", body, flags=re.DOTALL)
    for secret in (reporter.email, reporter.display_name):
        assert secret not in outside_choices
        assert secret not in listing.content.decode()
    assert f">{tip.reward_transaction_id}<" not in body
    assert "匿名" in body  # zh-Hans, the admin's language here: "anonymous"


def test_the_admin_cannot_make_an_anonymous_tip_named(world, make_user) -> None:
    # given an anonymous tip and an administrator
    tip = new_tip(world)
    admin = make_user(is_staff=True, is_superuser=True, roles=["admin"])
    client = Client()
    client.force_login(admin)
    # when the administrator's form posts anonymous off (the field is read-only)
    page = client.get(f"/admin/tips/tip/{tip.id}/change/")
    # then the form offers no anonymous checkbox to untick
    assert 'name="anonymous"' not in page.content.decode()
