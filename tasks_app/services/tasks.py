"""Agencies' writes on tasks: create, publish (escrow), cancel and close (escrow back)."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Agency, User
from tasks_app.errors import TaskInvalidError, TaskNotCancellableError, TaskNotDraftError, TaskWindowOverError
from tasks_app.models import ONLINE_PROOFS, Audience, Category, Claim, ClaimStatus, ProofKind, Task, TaskStatus
from tasks_app.services.claims import claim_mark_no_show_locked
from tasks_app.services.escrow import escrow_fund, escrow_return

MAX_HEADCOUNT = 1000
MAX_POINTS = 100_000
MAX_WINDOW_DAYS = 31


def _lock(task: Task) -> Task:
    # The task row serialises everything that changes its places or its escrow.
    return Task.objects.select_for_update(no_key=True).select_related("agency").get(pk=task.pk)


def task_validate(*, fields: dict[str, Any], now: datetime) -> None:
    """Cross-field checks the schema cannot express; raises TaskInvalidError naming the field."""
    starts_at, ends_at = fields["starts_at"], fields["ends_at"]
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise TaskInvalidError(_("Times need a UTC offset."), field="starts_at")
    if ends_at <= starts_at:
        raise TaskInvalidError(_("The task must end after it starts."), field="ends_at")
    if ends_at <= now:
        raise TaskInvalidError(_("The task must end in the future."), field="ends_at")
    if (ends_at - starts_at).days > MAX_WINDOW_DAYS:
        raise TaskInvalidError(_("A task lasts at most 31 days."), field="ends_at")
    if fields["min_minutes"] * 60 > (ends_at - starts_at).total_seconds():
        raise TaskInvalidError(_("The minimum time on site is longer than the task."), field="min_minutes")
    if fields["category"] not in Category.values:
        raise TaskInvalidError(_("Unknown category."), field="category")
    _validate_place_and_audience(fields=fields)


def _validate_place_and_audience(*, fields: dict[str, Any]) -> None:
    """A task on site has a place; an online one has none, says how it is proved, and may go to a
    team or a grid (a team's task may also be on site). Raises TaskInvalidError naming the field."""
    proof = fields.get("proof", ProofKind.GPS)
    online = proof in ONLINE_PROOFS
    if proof not in ProofKind.values:
        raise TaskInvalidError(_("Unknown kind of proof."), field="proof")
    if not online and (fields.get("lat") is None or fields.get("lon") is None):
        raise TaskInvalidError(_("A task on site needs its place (lat, lon)."), field="lat")
    if online and (fields.get("lat") is not None or fields.get("lon") is not None):
        raise TaskInvalidError(_("An online task has no place: leave lat and lon out."), field="lat")
    if online and fields.get("is_urgent"):
        raise TaskInvalidError(_("An online task cannot be urgent."), field="is_urgent")
    if proof == ProofKind.LINK and fields.get("auto_approve"):
        raise TaskInvalidError(_("Links are checked by the agency: no automatic approval."), field="auto_approve")
    if fields.get("online_url") and not fields["online_url"].startswith(("https://", "http://")):
        raise TaskInvalidError(_("The link must start with http:// or https://."), field="online_url")
    if proof == ProofKind.QUIZ and not fields.get("quiz_id"):
        raise TaskInvalidError(_("Name the quiz whose pass completes the task."), field="quiz_id")
    audience = fields.get("audience", Audience.ALL)
    if audience == Audience.TEAM and fields.get("team") is None:
        raise TaskInvalidError(_("Name the team the task is for."), field="team_id")
    if audience == Audience.GRID and (fields.get("grid") is None or not online):
        raise TaskInvalidError(_("A task for a grid is an online task naming its grid."), field="grid_id")
    if audience == Audience.ALL and (fields.get("team") is not None or fields.get("grid") is not None):
        raise TaskInvalidError(_("A task for everyone names no team or grid."), field="audience")


@transaction.atomic
def task_create(*, agency: Agency, created_by: User | None, **fields: Any) -> Task:
    """Create a draft task for the agency. Raises TaskInvalidError."""
    fields.setdefault("description", "")
    fields.setdefault("address", "")
    fields.setdefault("min_minutes", 0)
    task_validate(fields=fields, now=timezone.now())
    if fields.get("team") is not None and fields["team"].agency_id != agency.pk:
        raise TaskInvalidError(_("The team must be one of the agency's."), field="team_id")
    return Task.objects.create(agency=agency, created_by=created_by, status=TaskStatus.DRAFT, **fields)


@transaction.atomic
def task_publish(*, task: Task, user: User | None = None) -> Task:
    """Open a draft task: escrow headcount × points from the agency budget.

    Publishing an open task again changes nothing. Raises InsufficientFundsError,
    TaskNotDraftError, TaskWindowOverError.
    """
    task = _lock(task)
    if task.status == TaskStatus.OPEN:
        return task
    if task.status != TaskStatus.DRAFT:
        raise TaskNotDraftError(status=task.status)
    now = timezone.now()
    if task.ends_at <= now:
        raise TaskWindowOverError()
    escrow_fund(task=task, initiated_by=user)
    task.status = TaskStatus.OPEN
    task.published_at = now
    task.save(update_fields=["status", "published_at", "escrow_points", "updated_at"])
    return task


@transaction.atomic
def task_cancel(*, task: Task, user: User | None = None) -> Task:
    """Cancel a draft or open task: claims not yet on site are cancelled, the rest of the escrow returns.

    People already checked in keep their escrowed points until the agency approves or rejects them.
    Cancelling a cancelled task changes nothing. Raises TaskNotCancellableError.
    """
    task = _lock(task)
    if task.status == TaskStatus.CANCELLED:
        return task
    if task.status not in (TaskStatus.DRAFT, TaskStatus.OPEN):
        raise TaskNotCancellableError(status=task.status)
    now = timezone.now()
    cancelled = Claim.objects.filter(task=task, status=ClaimStatus.CLAIMED).update(
        status=ClaimStatus.CANCELLED, cancelled_at=now, updated_at=now
    )
    task.slots_taken -= cancelled
    on_site = Claim.objects.filter(task=task, status__in=[ClaimStatus.CHECKED_IN, ClaimStatus.COMPLETED]).count()
    escrow_return(
        task=task,
        amount=task.escrow_points - on_site * task.points,
        idempotency_key=f"task:{task.id}:cancel",
        memo=f"Task {task.id} cancelled",
        initiated_by=user,
    )
    task.status = TaskStatus.CANCELLED
    task.cancelled_at = now
    task.save(update_fields=["status", "cancelled_at", "slots_taken", "escrow_points", "updated_at"])
    return task


@transaction.atomic
def task_close(*, task: Task, now: datetime | None = None) -> Task:
    """Close an open task whose window is over: no-shows and unfilled places return their escrow.

    Safe to run twice: a closed task is returned unchanged.
    """
    now = now or timezone.now()
    task = _lock(task)
    if task.status != TaskStatus.OPEN or task.ends_at > now:
        return task
    for claim in Claim.objects.select_for_update().filter(task=task, status=ClaimStatus.CLAIMED).order_by("pk"):
        claim_mark_no_show_locked(task=task, claim=claim, now=now)
    unfilled = task.headcount - task.slots_taken
    escrow_return(
        task=task,
        amount=unfilled * task.points,
        idempotency_key=f"task:{task.id}:close:unfilled",
        memo=f"Task {task.id} closed with {unfilled} places unfilled",
    )
    task.status = TaskStatus.CLOSED
    task.closed_at = now
    task.save(update_fields=["status", "closed_at", "escrow_points", "updated_at"])
    return task


def task_promised_points(*, task: Task) -> int:
    """What the task's escrow must hold: open places still offered plus live claims' points."""
    live = Claim.objects.filter(
        task=task, status__in=[ClaimStatus.CLAIMED, ClaimStatus.CHECKED_IN, ClaimStatus.COMPLETED]
    ).count()
    open_places = task.headcount - task.slots_taken if task.status == TaskStatus.OPEN else 0
    return (open_places + live) * task.points
