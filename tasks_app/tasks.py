"""Celery jobs of the tasks app: each fetches ids, then calls a service per row.

Every job is safe to run twice (acks_late redelivers after a crash): services check state under a
row lock and derive ledger keys from causes, so a second run finds nothing left to do.
"""

from celery import shared_task
from django.utils import timezone

from tasks_app import services
from tasks_app.models import Claim, ClaimStatus, Task, TaskStatus
from tasks_app.services import rotas

BATCH = 500


@shared_task(acks_late=True)
def tasks_close_finished_task() -> int:
    """Close open tasks whose window is over: no-shows and unfilled places return their escrow."""
    now = timezone.now()
    ids = list(Task.objects.filter(status=TaskStatus.OPEN, ends_at__lte=now).values_list("id", flat=True)[:BATCH])
    for task_id in ids:
        services.task_close(task=Task(pk=task_id), now=now)
    return len(ids)


@shared_task(acks_late=True)
def claims_mark_no_show_task() -> int:
    """Claims never checked in by the end of their task's window become no-shows (escrow back)."""
    now = timezone.now()
    claims = list(
        Claim.objects.filter(status=ClaimStatus.CLAIMED, task__ends_at__lte=now).only("id", "task_id")[:BATCH]
    )
    for claim in claims:
        services.claim_mark_no_show(claim=claim, now=now)
    return len(claims)


@shared_task(acks_late=True)
def claims_settle_without_checkout_task() -> int:
    """Claims checked in but never out, 2 h after their task ended: completed or rejected."""
    from tasks_app.services.checkins import CHECKOUT_GRACE

    now = timezone.now()
    ids = services.claims_stale_on_site(now=now, grace=CHECKOUT_GRACE)[:BATCH]
    for claim in Claim.objects.filter(pk__in=ids).only("id", "task_id"):
        services.claim_settle_without_checkout(claim=claim, now=now)
    return len(ids)


@shared_task(acks_late=True)
def claims_auto_approve_task() -> int:
    """Pay completed claims of auto-approving tasks that claim_may_auto_approve allows (a sweeper)."""
    ids = list(
        # decided_at set: approved already, the payout waits for the claimant's phone (claims_pay_held)
        Claim.objects.filter(status=ClaimStatus.COMPLETED, task__auto_approve=True, decided_at__isnull=True)
        .order_by("completed_at")
        .values_list("id", flat=True)[:BATCH]
    )
    paid = 0
    for claim in Claim.objects.filter(pk__in=ids).select_related("task"):
        if services.claim_may_auto_approve(task=claim.task, claim=claim):
            services.claim_approve(claim=claim, user=None)
            paid += 1
    return paid


@shared_task(acks_late=True)
def claims_remind_task() -> int:
    """Remind claimants an hour before their task starts."""
    now = timezone.now()
    return sum(services.claim_remind(claim_id=claim_id, now=now) for claim_id in services.claims_due_reminder(now=now))


@shared_task(acks_late=True)
def dispatch_widen_task() -> int:
    """Urgent tasks: expire timed-out offers and offer the next nearest volunteers."""
    now = timezone.now()
    return sum(
        len(services.dispatch_widen(task=Task(pk=task_id), now=now))
        for task_id in services.tasks_needing_widening(now=now)
    )


@shared_task(acks_late=True)
def claims_pay_held_task(user_id: int) -> int:
    """The citizen's phone is verified: pay their claims whose payout waited for it."""
    return services.claims_pay_held(user_id=user_id)


@shared_task(acks_late=True)
def rotas_make_tasks_task() -> int:
    """Every active rota: make (and fund) the missing shifts of the days ahead; each shift once."""
    return sum(rotas.rota_make_tasks(rota_id=rota_id) for rota_id in rotas.rotas_active_ids())


@shared_task(acks_late=True)
def rota_make_tasks_task(rota_id: int) -> int:
    """One rota, just made or resumed: make its missing shifts of the days ahead."""
    return rotas.rota_make_tasks(rota_id=rota_id)
