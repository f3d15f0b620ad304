"""The ledger's HTTP API: wallets for citizens and agencies, reports and exports for auditors."""

import itertools
from typing import Literal

from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router

from accounts.models import Role, User
from accounts.selectors import agency_get_for_staff
from core.errors import ForbiddenError
from core.pagination import PageParams, paginate
from ledger import reports, selectors
from ledger.reconciliation import reconciliation_report
from ledger.schemas import EntriesOut, ReconciliationOut, TrialBalanceRowOut, WalletOut

router = Router(tags=["ledger"])


def can_audit(user: User) -> bool:
    """Auditors read the books; administrators (who fund agencies) may too."""
    return user.has_role(Role.AUDITOR) or user.has_role(Role.ADMIN)


def _require_auditor(user: User) -> None:
    if not can_audit(user):
        raise ForbiddenError(_("Only auditors may read the ledger's reports."))


def _require_citizen(user: User) -> None:
    if not user.has_role(Role.CITIZEN):
        raise ForbiddenError(_("Only citizens have a wallet; agency staff pass agency_id."))


@router.get("/wallet", response=WalletOut)
def wallet_api(request: HttpRequest, agency_id: int | None = None) -> dict:
    """My points; with agency_id (agency staff), that agency's budget with its escrow as held."""
    if agency_id is not None:
        agency = agency_get_for_staff(user=request.auth, agency_id=agency_id)
        return selectors.agency_wallet(agency=agency)
    _require_citizen(request.auth)
    return selectors.citizen_wallet(user=request.auth)


@router.get("/wallet/entries", response=EntriesOut)
def wallet_entries_api(request: HttpRequest, page: Query[PageParams], agency_id: int | None = None) -> dict:
    """My postings, newest first, with the balance after each; agency staff pass agency_id for the budget's."""
    if agency_id is not None:
        agency = agency_get_for_staff(user=request.auth, agency_id=agency_id)
        entries = selectors.wallet_entries(agency=agency)
    else:
        _require_citizen(request.auth)
        entries = selectors.wallet_entries(user=request.auth)
    return paginate(entries, limit=page.limit, offset=page.offset)


@router.get("/ledger/reconciliation", response=ReconciliationOut)
def reconciliation_api(request: HttpRequest) -> dict:
    """Seal what is committed and prove the books (auditors)."""
    _require_auditor(request.auth)
    return reconciliation_report()


@router.get("/ledger/trial-balance", response=list[TrialBalanceRowOut])
def trial_balance_api(request: HttpRequest) -> list[dict]:
    """Debits, credits and balance of every account (auditors)."""
    _require_auditor(request.auth)
    return reports.trial_balance()


@router.get("/ledger/export")
def export_api(request: HttpRequest, format: Literal["beancount", "csv"] = "beancount") -> StreamingHttpResponse:
    """The whole ledger as a Beancount file or a CSV of postings (auditors)."""
    _require_auditor(request.auth)
    stamp = timezone.localdate().isoformat()
    if format == "csv":
        # A UTF-8 byte-order mark first: Excel reads a CSV without one in the system's code page,
        # which garbles every Chinese memo and name.
        response = StreamingHttpResponse(
            itertools.chain(("\ufeff",), reports.csv_export()), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="fubi-ledger-{stamp}.csv"'
    else:
        response = StreamingHttpResponse(reports.beancount_export(), content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="fubi-ledger-{stamp}.beancount"'
    return response
