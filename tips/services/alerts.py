"""Who hears of a case, always as domain events after commit (core.events; engagement turns them
into inbox messages and emails): the reporter of every change ("tip.submitted",
"tip.status_changed"), the reporters of tips merged into it, and the grid's staff of an SOS
("case.sos", one per staff member, obj the tip: an anonymous reporter is never part of them).
"""

from django.db import transaction
from django.utils import timezone

import live
from accounts.models import Grid, GridMembership, User
from core.events import publish
from core.outbox import outbox_enqueue
from tips.models import Tip, TipKind, TipStatus


def grid_staff_users(grid: Grid, *, with_ancestors: bool = True) -> list[User]:
    """Staff who are members of the grid (and of the grids above it, who see it too)."""
    grids = [grid, *grid.ancestors()] if with_ancestors else [grid]
    ids = GridMembership.objects.filter(grid__in=grids).values_list("user_id", flat=True)
    return list(User.objects.filter(id__in=ids, is_active=True).order_by("id"))


def _sos_alert(tip: Tip) -> None:
    """After commit, alert every staff member of the grid (and the grids above) at once."""
    from tips.tasks import sos_alert_task

    outbox_enqueue(task=sos_alert_task.name, key=f"tips.sos:{tip.id}", args=[tip.id])  # with the tip (core.outbox)


def sos_alert_send(*, tip_id: int) -> int:
    """Publish "case.sos" to each of the grid's staff once per tip; returns how many were alerted.

    Engagement puts it in their inbox and emails it whatever their email opt-in (an alarm is part of
    the job). The events go out before the tip is marked, so a crash in between alerts twice rather
    than never; the inbox's cause key (one per tip and staff member) absorbs the repeat.
    """
    tip = Tip.objects.select_related("grid", "category").filter(pk=tip_id).first()
    if tip is None or tip.sos_alerted_at is not None:
        return 0
    staff = grid_staff_users(tip.grid)
    for user in staff:
        publish("case.sos", user=user, obj=tip)
    Tip.objects.filter(pk=tip.pk, sos_alerted_at__isnull=True).update(sos_alerted_at=timezone.now())
    return len(staff)


def _notify_status(tip: Tip) -> None:
    """The reporter hears of every change; so do the reporters of tips merged into this one.

    Domain events (core.events, for engagement) after commit: "tip.submitted" or
    "tip.status_changed" to the reporter; to each merged tip's reporter a "tip.status_changed"
    about their own tip (obj) carrying the primary's status and reference.
    """
    event = "tip.submitted" if tip.status == TipStatus.SUBMITTED else "tip.status_changed"
    status = tip.status
    transaction.on_commit(lambda: publish(event, user=tip.reporter, obj=tip, status=status))
    _live_case(tip)
    if tip.guest_phone:
        from tips.services.guests import guest_status_text

        guest_status_text(tip)
    if tip.status == TipStatus.DUPLICATE:
        return
    duplicates = list(Tip.objects.filter(duplicate_of=tip).select_related("reporter").order_by("id"))
    if duplicates:
        transaction.on_commit(lambda: _merged_status_publish(duplicates, primary=tip, status=status))


def _live_case(tip: Tip) -> None:
    """The case's grid staff (and the grids above) and its assigned agency see it change live: an
    SOS as `sos` when it arrives, every other arrival and change as `case`. Ids and state only,
    never the reporter: pages read the case through GET /cases/{id}."""
    submitted = tip.status == TipStatus.SUBMITTED
    event = "sos" if submitted and tip.kind == TipKind.SOS else "case"
    data = {
        "id": tip.id,
        "type": f"{event}.submitted" if submitted else f"{event}.status_changed",
        "status": tip.status,
        "kind": tip.kind,
        "grid_id": tip.grid_id,
    }
    live.publish(event, data=data, grids=[tip.grid_id], agencies=[tip.assignee_id])


def _merged_status_publish(duplicates: list[Tip], *, primary: Tip, status: str) -> None:
    for duplicate in duplicates:
        publish(
            "tip.status_changed",
            user=duplicate.reporter,
            obj=duplicate,
            status=status,
            primary_id=primary.id,
            primary_reference=primary.reference,
        )
