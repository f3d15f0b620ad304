"""The ledger's pages: a citizen's wallet (phone) and the auditor's desk (desktop)."""

from collections import defaultdict

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.models import Role
from ledger import reports, selectors
from ledger.api import can_audit
from ledger.entries import entries_described
from ledger.models import AccountKind, ReconciliationRun
from ledger.reconciliation import reconciliation_report
from ledger.schemas import ReconciliationOut, TrialBalanceRowOut

HISTORY_SIZE = 50


@login_required
def wallet_page(request: HttpRequest) -> HttpResponse:
    """My points: balance, held, available and the latest entries."""
    if not request.user.has_role(Role.CITIZEN):
        raise PermissionDenied
    context = {
        "wallet": selectors.citizen_wallet(user=request.user),
        "entries": entries_described(selectors.wallet_entries(user=request.user)[:HISTORY_SIZE]),
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


def _json_download(data: object, name: str) -> JsonResponse:
    response = JsonResponse(data, safe=False, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="fubi-{name}-{timezone.localdate().isoformat()}.json"'
    return response


@login_required
def audit_trial_balance_download(request: HttpRequest) -> HttpResponse:
    """The trial balance per account as a JSON file to save (the API's body), not raw JSON in a tab."""
    if not can_audit(request.user):
        raise PermissionDenied
    rows = [TrialBalanceRowOut.model_validate(row).model_dump(mode="json") for row in reports.trial_balance()]
    return _json_download(rows, "trial-balance")


@login_required
def audit_reconciliation_download(request: HttpRequest) -> HttpResponse:
    """The reconciliation report as a JSON file to save (the API's body)."""
    if not can_audit(request.user):
        raise PermissionDenied
    return _json_download(
        ReconciliationOut.model_validate(reconciliation_report()).model_dump(mode="json"), "reconciliation"
    )
