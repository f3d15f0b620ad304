"""SLA escalation: a case past its accept or verify clock goes to the parent grid's staff, once per
stage ("case.escalated", one event per staff member).
"""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from core.events import publish
from tips.models import CaseAction, CaseEvent, EscalationStage, Tip, TipStatus
from tips.services.alerts import grid_staff_users


def case_escalate_overdue(*, now=None) -> int:
    """Escalate every case past its SLA clock to the parent grid's staff, once per stage.

    Accept overdue: submitted past accept_due_at. Verify overdue: accepted or assigned past
    verify_due_at. Safe to run twice: a case already escalated for its stage is skipped.
    """
    from tips.selectors import overdue_filter

    now = now or timezone.now()
    # Only cases not yet escalated for the clock they missed: a second sweep is one cheap query.
    pending = Q(status=TipStatus.SUBMITTED) & ~Q(escalation_stage=EscalationStage.ACCEPT) | Q(
        status__in=[TipStatus.ACCEPTED, TipStatus.ASSIGNED]
    ) & ~Q(escalation_stage=EscalationStage.VERIFY)
    ids = list(Tip.objects.filter(overdue_filter(now) & pending).values_list("id", flat=True).order_by("id"))
    staff_by_grid: dict[int, list[User]] = {}
    done = 0
    for first in range(0, len(ids), ESCALATION_CHUNK):
        done += _escalate_chunk(ids[first : first + ESCALATION_CHUNK], now, staff_by_grid)
    return done


ESCALATION_CHUNK = 200


@transaction.atomic
def _escalate_chunk(ids: list[int], now, staff_by_grid: dict[int, list[User]]) -> int:
    # Lock the chunk's tips (not their grids); a tip a staff member is moving right now is skipped
    # and caught by the next sweep a minute later.
    tips = list(
        Tip.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("grid__parent")
        .filter(pk__in=ids)
        .order_by("id")
    )
    changed, events, alerts = [], [], []
    for tip in tips:
        stage = overdue_stage(tip, now)
        if stage is None or tip.escalation_stage == stage:
            continue  # moved or escalated meanwhile
        target = tip.grid.parent or tip.grid
        tip.escalation_stage, tip.escalated_to, tip.escalated_at, tip.updated_at = stage, target, now, now
        changed.append(tip)
        due = tip.accept_due_at if stage == EscalationStage.ACCEPT else tip.verify_due_at
        events.append(
            CaseEvent(
                tip=tip,
                action=CaseAction.ESCALATE,
                actor=None,
                from_status=tip.status,
                to_status=tip.status,
                note="",  # shown from data in the reader's language (tips.selectors._step_summary)
                data={"stage": stage, "grid_id": target.id, "due_at": due.isoformat()},
            )
        )
        if target.id not in staff_by_grid:
            staff_by_grid[target.id] = grid_staff_users(target, with_ancestors=False)
        alerts += [(user, tip, stage, target.id) for user in staff_by_grid[target.id]]
    Tip.objects.bulk_update(changed, ["escalation_stage", "escalated_to", "escalated_at", "updated_at"])
    CaseEvent.objects.bulk_create(events)
    # One "case.escalated" per staff member of the target grid, after commit (the cause key in the
    # inbox is per tip, stage and staff member, so a replayed sweep adds nothing).
    transaction.on_commit(lambda: _escalation_publish(alerts))
    return len(changed)


def _escalation_publish(alerts: list[tuple[User, Tip, str, int]]) -> None:
    for user, tip, stage, grid_id in alerts:
        publish("case.escalated", user=user, obj=tip, stage=stage, grid_id=grid_id)


def overdue_stage(tip: Tip, now) -> str | None:
    """Which SLA clock the case has missed right now, if any."""
    if tip.status == TipStatus.SUBMITTED and tip.accept_due_at < now:
        return EscalationStage.ACCEPT
    if tip.status in (TipStatus.ACCEPTED, TipStatus.ASSIGNED) and tip.verify_due_at < now:
        return EscalationStage.VERIFY
    return None
