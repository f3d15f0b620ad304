"""Domain events: how apps tell the rest of the system that something happened, without importing
whoever listens (engagement turns them into notifications, badges and streaks).

Send after the change is committed, so listeners never see a rolled-back event::

    transaction.on_commit(lambda: publish("claim.paid", user=claim.user, obj=claim, points=task.points))

Event names in use: "claim.approved", "claim.rejected", "claim.paid", "claim.completed",
"tip.submitted", "tip.status_changed", "tip.verified", "redemption.ready", "redemption.fulfilled",
"redemption.expired", "task.reminder", "claim.no_show", "dispatch.offered" (obj: the offer), and to staff
"case.sos", "case.escalated" (user: the staff member, obj: the tip).
"""

from typing import Any

from django.dispatch import Signal

domain_event = Signal()  # kwargs: name, user, obj, data


def publish(name: str, *, user: Any = None, obj: Any = None, **data: Any) -> None:
    """Tell every listener that `name` happened to `user` (may be None) about `obj`."""
    domain_event.send(sender=obj.__class__ if obj is not None else None, name=name, user=user, obj=obj, data=data)
