"""Celery jobs of the ledger. Both are safe to run twice (sealing is idempotent under an advisory
lock; a second reconciliation only stores a second report)."""

from celery import shared_task
from django.core.mail import mail_admins

from ledger.chain import ledger_seal
from ledger.reconciliation import reconciliation_run


@shared_task
def seal_ledger_task() -> int:
    """Append newly committed transactions to the hash chain (every minute)."""
    return ledger_seal()


@shared_task
def reconcile_ledger_task() -> int:
    """The nightly reconciliation: store the result; email the admins when anything is off."""
    run = reconciliation_run()
    if not run.ok:
        report = run.report
        lines = [
            f"Reconciliation #{run.pk} at {report['as_of']} does NOT reconcile.",
            f"chain_ok: {report['chain_ok']}",
            f"transactions: {report['transactions']}, postings: {report['postings']}",
            "mismatches:",
            *(f"  {mismatch}" for mismatch in report["mismatches"]),
        ]
        mail_admins(f"Fubi ledger does not reconcile (run {run.pk})", "\n".join(lines))
    return run.pk
