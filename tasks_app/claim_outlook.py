"""What comes next for a citizen's claim, in words for their pages: when the task starts and when
check-in opens (on the city's clock), whether the place can still be given back, and after check-out
whether the points are paid now or wait for the agency, and why.

Reads only; it mirrors the rules of services.checkins (CHECKIN_OPENS_BEFORE, claim_may_auto_approve)
and services.claims (claim_cancel) so that a page never offers what the API would refuse.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _

from accounts.selectors import user_may_be_paid
from tasks_app.models import Claim, ClaimStatus, TaskStatus
from tasks_app.selectors import claimant_is_new
from tasks_app.services.checkins import CHECKIN_OPENS_BEFORE, claim_is_suspicious
from tasks_app.services.claims import claimant_is_agency_staff


@dataclass(frozen=True)
class ClaimOutlook:
    """The next step of one claim as its citizen sees it at ``now``."""

    phase: str  # upcoming (check-in not open yet), open (check in now), on_site, waiting, paid, over
    checkin_opens_at: datetime
    starts_in: str  # "14 hours, 5 minutes" in the reader's language; "" once started
    opens_at_text: str  # "18:30", or "12-08 18:30" on another day of the city's calendar
    may_cancel: bool  # services.claim_cancel would accept it now
    waiting_reason: str  # after check-out: manual, own_claim, flagged, new_account, phone; "" otherwise


def _clock_text(moment: datetime, now: datetime) -> str:
    local = timezone.localtime(moment)  # TIME_ZONE is the city's (Asia/Shanghai)
    if local.date() == timezone.localtime(now).date():
        return local.strftime("%H:%M")
    return local.strftime("%m-%d %H:%M")


def claim_waiting_reason(*, claim: Claim) -> str:
    """Why a completed claim was not paid at check-out (claim_may_auto_approve's rules, in order)."""
    task = claim.task
    if not task.auto_approve:
        return "manual"
    if claimant_is_agency_staff(task=task, claim=claim):
        return "own_claim"
    if claim.decided_at is not None and not user_may_be_paid(user=claim.user):
        return "phone"  # approved; the payout waits for a verified phone (claim_pay_locked)
    if claim_is_suspicious(claim=claim):
        return "flagged"
    if claimant_is_new(claim=claim):
        return "new_account"
    return "manual"


def claim_outlook(*, claim: Claim, now: datetime | None = None) -> ClaimOutlook:
    """The next step of this claim, for the task page, my tasks and the on-site page."""
    now = now or timezone.now()
    task = claim.task
    opens_at = task.starts_at - CHECKIN_OPENS_BEFORE
    waiting_reason = ""
    if claim.status == ClaimStatus.CLAIMED:
        phase = "upcoming" if now < opens_at else ("open" if now <= task.ends_at else "over")
    elif claim.status == ClaimStatus.CHECKED_IN:
        phase = "on_site"
    elif claim.status == ClaimStatus.COMPLETED:
        phase = "waiting"
        waiting_reason = claim_waiting_reason(claim=claim)
    elif claim.status == ClaimStatus.PAID:
        phase = "paid"
    else:
        phase = "over"
    return ClaimOutlook(
        phase=phase,
        checkin_opens_at=opens_at,
        starts_in=timeuntil(task.starts_at, now, depth=2) if now < task.starts_at else "",
        opens_at_text=_clock_text(opens_at, now),
        may_cancel=claim.status == ClaimStatus.CLAIMED and task.status == TaskStatus.OPEN and now < task.starts_at,
        waiting_reason=waiting_reason,
    )


def waiting_reason_text(reason: str) -> str:
    """The citizen's sentence for a claim_waiting_reason code."""
    texts = {
        "manual": _("This task's agency approves every claim by hand."),
        "own_claim": _("You work for this task's agency: a colleague approves your claim."),
        "flagged": _("Some of your position fixes need a look from the agency."),
        "new_account": _("Your first tasks are approved by the agency before they are paid."),
        "phone": _("The agency approved it: verify your phone number to receive the points."),
    }
    return texts.get(reason, "")
