"""The ledger's pages: a citizen's wallet (phone) and the auditor's desk (desktop)."""

from collections import defaultdict

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import Role
from ledger import reports, selectors
from ledger.api import can_audit
from ledger.models import AccountKind, ReconciliationRun
from ledger.reconciliation import reconciliation_report

HISTORY_SIZE = 50


@login_required
def wallet_page(request: HttpRequest) -> HttpResponse:
    """My points: balance, held, available and the latest entries."""
    if not request.user.has_role(Role.CITIZEN):
        raise PermissionDenied
    context = {
        "wallet": selectors.citizen_wallet(user=request.user),
        "entries": list(selectors.wallet_entries(user=request.user)[:HISTORY_SIZE]),
    }
    return render(request, "ledger/wallet.html", context)


@login_required
def audit_page(request: HttpRequest) -> HttpResponse:
    """Reconciliation, the trial balance by account kind, the CNY value in circulation, exports."""
    if not can_audit(request.user):
        raise PermissionDenied
    report = reconciliation_report()
    by_kind: dict[str, dict[str, int]] = defaultdict(lambda: {"accounts": 0, "debits": 0, "credits": 0, "balance": 0})
    for row in reports.trial_balance():
        totals = by_kind[row["kind"]]
        totals["accounts"] += 1
        for field in ("debits", "credits", "balance"):
            totals[field] += row[field]
    labels = dict(AccountKind.choices)
    trial = [{"kind": kind, "label": labels.get(kind, kind), **totals} for kind, totals in sorted(by_kind.items())]
    context = {
        "report": report,
        "trial": trial,
        "trial_total": sum(row["balance"] for row in trial),
        "runs": ReconciliationRun.objects.all()[:10],
    }
    return render(request, "ledger/audit.html", context)
