"""Every write of the tasks app. Import from here: ``from tasks_app import services``."""

from tasks_app.services.checkins import (
    checkin_judge,
    checkin_record,
    claim_is_suspicious,
    claim_may_auto_approve,
)
from tasks_app.services.claims import (
    claim_approve,
    claim_cancel,
    claim_create,
    claim_mark_no_show,
    claim_reject,
    claim_settle_without_checkout,
    claims_pay_held,
    claims_stale_on_site,
)
from tasks_app.services.dispatch import (
    dispatch_widen,
    offer_accept,
    offer_decline,
    task_dispatch,
    tasks_needing_widening,
    volunteer_on_call_set,
)
from tasks_app.services.reminders import claim_remind, claims_due_reminder
from tasks_app.services.tasks import (
    task_cancel,
    task_close,
    task_create,
    task_promised_points,
    task_publish,
)

__all__ = [
    "checkin_judge",
    "checkin_record",
    "claim_approve",
    "claim_cancel",
    "claim_create",
    "claim_is_suspicious",
    "claim_mark_no_show",
    "claim_may_auto_approve",
    "claim_reject",
    "claim_remind",
    "claim_settle_without_checkout",
    "claims_due_reminder",
    "claims_pay_held",
    "claims_stale_on_site",
    "dispatch_widen",
    "offer_accept",
    "offer_decline",
    "task_cancel",
    "task_close",
    "task_create",
    "task_dispatch",
    "task_promised_points",
    "task_publish",
    "tasks_needing_widening",
    "volunteer_on_call_set",
]
