"""Citizens' places on tasks: claim, cancel, and the agency's approve / reject; no-shows."""

import math
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.models import AgencyMembership, Role, User
from accounts.selectors import user_may_be_paid
from tasks_app.errors import (
    AlreadyClaimedError,
    ClaimNotCancellableError,
    ClaimNotCompletedError,
    DailyClaimLimitError,
    InvalidClaimStateError,
    NotCitizenError,
    OwnAgencyTaskError,
    OwnClaimError,
    TaskFullError,
    TaskNotFoundError,
    TaskNotOpenError,
)
from tasks_app.models import Audience, Claim, ClaimStatus, Task, TaskStatus
from tasks_app.queries import claim_tally_add
from tasks_app.selectors import task_audience_allows
from tasks_app.services.escrow import escrow_payout, escrow_return
from tasks_app.services.events import claim_event_publish


def claimant_is_agency_staff(*, task: Task, claim: Claim) -> bool:
    """Is the claimant staff of the task's agency (they joined it after claiming)? Then a colleague
    decides on the claim: never the claimant (own_claim), never the auto-approval."""
    return AgencyMembership.objects.filter(user_id=claim.user_id, agency_id=task.agency_id).exists()


def _refuse_own_claim(*, claim: Claim, user: User | None) -> None:
    """Nobody approves or rejects their own claim as staff (403 own_claim); jobs (user None) may."""
    if user is not None and claim.user_id == user.pk:
        raise OwnClaimError(claim_id=claim.pk)


def _lock_task_and_claim(claim: Claim) -> tuple[Task, Claim]:
    # Lock order everywhere: the task row first, then the claim row.
    task = Task.objects.select_for_update(no_key=True).select_related("agency").get(pk=claim.task_id)
    claim = Claim.objects.select_for_update().select_related("user").get(pk=claim.pk)
    return task, claim


def claim_create(*, task: Task, user: User, now: datetime | None = None) -> Claim:
    """Take one place on an open task for this citizen.

    Cheap refusals first, from the row the caller just read and without a transaction (a burst of
    thousands on a full task costs one read each). Then, in one transaction, the claim row goes in
    (the partial unique index refuses a second live claim of the same citizen, even from a
    concurrent request) and one conditional UPDATE takes a place only while the task is open, not
    over and not full; it holds the task row lock just until commit, and stays the one authority.
    A citizen takes at most settings.FUBI_MAX_CLAIMS_PER_DAY places per day of the city's calendar
    (_claim_tally_add). Raises TaskFullError, AlreadyClaimedError, TaskNotOpenError, NotCitizenError,
    OwnAgencyTaskError, DailyClaimLimitError (429, Retry-After: the city's next midnight).
    """
    now = now or timezone.now()
    if (task.team_id is not None or task.audience != Audience.ALL) and not task_audience_allows(task=task, user=user):
        raise TaskNotFoundError(task_id=task.pk)  # a team's or a grid's task does not exist for others
    if not user.has_role(Role.CITIZEN):
        raise NotCitizenError()
    if user.has_role(Role.AGENCY_STAFF) and user.agency_memberships.filter(agency_id=task.agency_id).exists():
        raise OwnAgencyTaskError()
    if task.status != TaskStatus.OPEN or task.ends_at <= now:
        raise TaskNotOpenError(task_id=task.pk, status=task.status)
    if task.slots_taken >= task.headcount:
        if _holds_live_claim(task=task, user=user):
            raise AlreadyClaimedError(task_id=task.pk)
        raise TaskFullError(task_id=task.pk, headcount=task.headcount)
    return _claim_take(task=task, user=user, now=now)


def _holds_live_claim(*, task: Task, user: User) -> bool:
    """Whether the citizen holds a place on the task; tasks_app.selectors.task_get_for_claim read it already."""
    preloaded = getattr(task, "live_claim_of", None)
    if preloaded is not None and preloaded[0] == user.pk:
        return preloaded[1]
    return Claim.objects.filter(task_id=task.pk, user=user).exclude(status=ClaimStatus.CANCELLED).exists()


@transaction.atomic
def _claim_take(*, task: Task, user: User, now: datetime) -> Claim:
    try:
        # No inner savepoint: any error below leaves this atomic block, which rolls it all back.
        claim = Claim.objects.create(task_id=task.pk, user=user, status=ClaimStatus.CLAIMED)
    except IntegrityError:
        raise AlreadyClaimedError(task_id=task.pk) from None
    _claim_tally_add(user=user, now=now)
    taken = Task.objects.filter(
        pk=task.pk, status=TaskStatus.OPEN, ends_at__gt=now, slots_taken__lt=F("headcount")
    ).update(slots_taken=F("slots_taken") + 1, updated_at=now)
    if taken == 1:
        claim.task = task
        return claim
    current = Task.objects.get(pk=task.pk)
    if current.status != TaskStatus.OPEN or current.ends_at <= now:
        raise TaskNotOpenError(task_id=task.pk, status=current.status)
    raise TaskFullError(task_id=task.pk, headcount=current.headcount)


def _claim_tally_add(*, user: User, now: datetime) -> None:
    """Count one more place taken today (the city's calendar); DailyClaimLimitError past the limit.

    Cancelled claims stay counted, so claiming and cancelling cannot get around the limit.
    """
    limit = settings.FUBI_MAX_CLAIMS_PER_DAY
    if limit <= 0:
        return
    city = ZoneInfo(settings.TIME_ZONE)
    day = timezone.localtime(now, city).date()
    if claim_tally_add(user_id=user.pk, day=day, limit=limit, now=now) is not None:
        return
    midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=city)
    message = ngettext(
        "You may take %(limit)d place a day, cancelled ones included. Claim again after midnight.",
        "You may take %(limit)d places a day, cancelled ones included. Claim again after midnight.",
        limit,
    ) % {"limit": limit}
    raise DailyClaimLimitError(
        message, retry_after=math.ceil((midnight - now).total_seconds()), limit=limit, day=day.isoformat()
    )


@transaction.atomic
def claim_cancel(*, claim: Claim, user: User, now: datetime | None = None) -> Claim:
    """The claimant gives the place back before the task starts; the place is offered again.

    The escrow stays: the place is still promised to whoever claims it next. Cancelling a
    cancelled claim changes nothing. Raises ClaimNotCancellableError.
    """
    now = now or timezone.now()
    task, claim = _lock_task_and_claim(claim)
    if claim.status == ClaimStatus.CANCELLED:
        return claim
    if claim.status != ClaimStatus.CLAIMED or task.status != TaskStatus.OPEN or now >= task.starts_at:
        raise ClaimNotCancellableError(status=claim.status)
    claim.status = ClaimStatus.CANCELLED
    claim.cancelled_at = now
    claim.save(update_fields=["status", "cancelled_at", "updated_at"])
    task.slots_taken -= 1
    task.save(update_fields=["slots_taken", "updated_at"])
    claim.task = task
    return claim


@transaction.atomic
def claim_approve(*, claim: Claim, user: User | None = None, now: datetime | None = None) -> Claim:
    """Pay a completed claim from the task's escrow, once; approving a paid claim changes nothing.

    Raises OwnClaimError when the approver is the claimant, ClaimNotCompletedError.
    """
    task, claim = _lock_task_and_claim(claim)
    _refuse_own_claim(claim=claim, user=user)
    if claim.status == ClaimStatus.PAID:
        return claim
    if claim.status != ClaimStatus.COMPLETED:
        raise ClaimNotCompletedError(status=claim.status)
    return claim_pay_locked(task=task, claim=claim, user=user, now=now)


def claim_pay_locked(*, task: Task, claim: Claim, user: User | None, now: datetime | None = None) -> Claim:
    """Pay a completed claim whose task and claim rows the caller has locked.

    While the claimant's phone is unverified (FUBI_REQUIRE_VERIFIED_PHONE) the payout waits: the
    claim stays completed with decided_at/decided_by recording the approval, the place's points stay
    in escrow, and claims_pay_held pays it once the phone is verified.
    """
    if not user_may_be_paid(user=claim.user):
        if claim.decided_at is None:
            claim.decided_at = now or timezone.now()
            claim.decided_by = user
            claim.save(update_fields=["decided_at", "decided_by", "updated_at"])
        claim.task = task
        return claim
    escrow_payout(task=task, claim=claim, initiated_by=user)
    task.save(update_fields=["escrow_points", "updated_at"])
    claim.status = ClaimStatus.PAID
    claim.decided_at = now or timezone.now()
    claim.decided_by = user
    claim.points_paid = task.points
    claim.save(update_fields=["status", "decided_at", "decided_by", "points_paid", "updated_at"])
    claim.task = task
    # Approval and payment are one step here; listeners fold both into one piece of news.
    claim_event_publish("claim.approved", claim=claim, points=task.points)
    claim_event_publish("claim.paid", claim=claim, points=task.points)
    return claim


def claims_pay_held(*, user_id: int) -> int:
    """Pay the citizen's claims that were approved while their phone was unverified (each in its
    own transaction, under the usual locks); returns how many were paid. Safe to run twice."""
    paid = 0
    held = Claim.objects.filter(user_id=user_id, status=ClaimStatus.COMPLETED, decided_at__isnull=False)
    for claim in held.only("id", "task_id").order_by("id"):
        with transaction.atomic():
            task, claim = _lock_task_and_claim(claim)
            still_held = claim.status == ClaimStatus.COMPLETED and claim.decided_at is not None
            if not still_held or not user_may_be_paid(user=claim.user):
                continue
            claim_pay_locked(task=task, claim=claim, user=claim.decided_by)
            paid += 1
    return paid


@transaction.atomic
def claim_reject(*, claim: Claim, user: User | None, reason: str = "", now: datetime | None = None) -> Claim:
    """Refuse to pay a claim; its points go back from escrow to the agency budget.

    Rejecting a rejected claim changes nothing. Raises OwnClaimError when the one rejecting is the
    claimant, InvalidClaimStateError for claims that are paid, cancelled or no-shows.
    """
    task, claim = _lock_task_and_claim(claim)
    _refuse_own_claim(claim=claim, user=user)
    if claim.status == ClaimStatus.REJECTED:
        return claim
    if claim.status not in (ClaimStatus.CLAIMED, ClaimStatus.CHECKED_IN, ClaimStatus.COMPLETED):
        raise InvalidClaimStateError(status=claim.status)
    escrow_return(
        task=task,
        amount=task.points,
        idempotency_key=f"task:{task.id}:claim:{claim.id}:reject",
        memo=f"Task {task.id}: claim {claim.id} rejected",
        initiated_by=user,
    )
    task.save(update_fields=["escrow_points", "updated_at"])
    claim.status = ClaimStatus.REJECTED
    claim.decided_at = now or timezone.now()
    claim.decided_by = user
    claim.reject_reason = reason[:300]
    claim.save(update_fields=["status", "decided_at", "decided_by", "reject_reason", "updated_at"])
    claim.task = task
    claim_event_publish("claim.rejected", claim=claim, reason=claim.reject_reason)
    return claim


def claim_mark_no_show_locked(*, task: Task, claim: Claim, now: datetime) -> None:
    """A claim never checked in by the end of the window: its place's escrow returns to the agency."""
    escrow_return(
        task=task,
        amount=task.points,
        idempotency_key=f"task:{task.id}:claim:{claim.id}:no_show",
        memo=f"Task {task.id}: claim {claim.id} no-show",
    )
    task.save(update_fields=["escrow_points", "updated_at"])
    claim.status = ClaimStatus.NO_SHOW
    claim.save(update_fields=["status", "updated_at"])
    claim_event_publish("claim.no_show", claim=claim)


@transaction.atomic
def claim_mark_no_show(*, claim: Claim, now: datetime | None = None) -> Claim:
    """Mark a claim of an ended task that never checked in as a no-show; safe to run twice."""
    now = now or timezone.now()
    task, claim = _lock_task_and_claim(claim)
    if claim.status != ClaimStatus.CLAIMED or task.ends_at > now:
        return claim
    claim_mark_no_show_locked(task=task, claim=claim, now=now)
    return claim


def claims_stale_on_site(*, now: datetime, grace: timedelta) -> list[int]:
    """Ids of claims still checked in although their task ended more than `grace` ago (no check-out)."""
    return list(
        Claim.objects.filter(status=ClaimStatus.CHECKED_IN, task__ends_at__lte=now - grace).values_list("id", flat=True)
    )


@transaction.atomic
def claim_settle_without_checkout(*, claim: Claim, now: datetime | None = None) -> Claim:
    """Settle a claim that checked in but never out, once the check-out grace is over.

    Its time on site runs from the check-in to its last accepted fix (pings count): enough for the
    task's minimum → completed (then approved like any other), otherwise rejected with the escrow
    back to the agency, so no escrow waits forever. Safe to run twice.
    """
    from tasks_app.services.checkins import CHECKOUT_GRACE  # checkins imports this module

    now = now or timezone.now()
    task, claim = _lock_task_and_claim(claim)
    if claim.status != ClaimStatus.CHECKED_IN or task.ends_at + CHECKOUT_GRACE > now:
        return claim
    last = claim.checkins.filter(accepted=True).order_by("-received_at").values_list("received_at", flat=True).first()
    minutes = ((last or claim.checked_in_at) - claim.checked_in_at).total_seconds() / 60
    if minutes >= task.min_minutes:
        claim.status = ClaimStatus.COMPLETED
        claim.completed_at = now
        claim.save(update_fields=["status", "completed_at", "updated_at"])
        claim_event_publish("claim.completed", claim=claim)
        return claim
    claim.task = task
    return claim_reject(
        claim=claim, user=None, reason=f"No check-out; {minutes:.0f} of {task.min_minutes} minutes on site"
    )
