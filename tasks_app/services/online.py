"""Online tasks: no place to be at; the claimant proves the work with a link, a confirmation or a
quiz result, and is paid from the task's escrow like any other claim (once: the payout's ledger key
is the claim's).

A confirmation on an auto-approving task pays at once (claim_may_auto_approve: never a staff
member's own claim, never a new account's first claims); a link waits for the agency's approval
(links are never approved automatically: task_validate refuses it). Quiz results arrive from the
quiz app through claim_quiz_result_record, the hook named for it.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tasks_app.errors import InvalidClaimStateError, TaskInvalidError, TaskNotOnlineError, TaskNotOpenError
from tasks_app.models import Claim, ClaimStatus, ProofKind, Task, TaskStatus
from tasks_app.services.checkins import claim_may_auto_approve
from tasks_app.services.claims import _lock_task_and_claim, claim_pay_locked
from tasks_app.services.events import claim_event_publish


def _proof_refusal(*, task: Task, url: str | None, confirm: bool) -> TaskInvalidError | None:
    if task.proof == ProofKind.LINK and not (url or "").startswith(("https://", "http://")):
        return TaskInvalidError(_("Send the link (http or https) that shows the task done."), field="url")
    if task.proof == ProofKind.CONFIRMATION and confirm is not True:
        return TaskInvalidError(_("Confirm that you have read the notice."), field="confirm")
    if task.proof == ProofKind.QUIZ:
        return TaskInvalidError(_("Pass the task's quiz: its result completes the task."), field="quiz")
    return None


def _complete_locked(*, task: Task, claim: Claim, now: datetime) -> Claim:
    """The proof is in: the claim is completed, and paid at once when nobody needs to look at it."""
    claim.status = ClaimStatus.COMPLETED
    claim.completed_at = now
    claim.proof_at = now
    claim.save(update_fields=["status", "completed_at", "proof_at", "proof_url", "quiz_score", "updated_at"])
    claim_event_publish("claim.completed", claim=claim)
    if task.proof != ProofKind.LINK and claim_may_auto_approve(task=task, claim=claim):
        return claim_pay_locked(task=task, claim=claim, user=None, now=now)
    claim.task = task
    return claim


@transaction.atomic
def claim_proof_submit(
    *, claim: Claim, url: str | None = None, confirm: bool = False, now: datetime | None = None
) -> Claim:
    """The claimant sends an online task's proof: a link, or a confirmation.

    Sending it again after it was taken changes nothing (the first proof stands). Raises
    TaskNotOnlineError, InvalidClaimStateError, TaskNotOpenError (before the start, after the end),
    TaskInvalidError (no link, no confirmation, or a quiz task).
    """
    now = now or timezone.now()
    task, claim = _lock_task_and_claim(claim)
    if task.proof == ProofKind.GPS:
        raise TaskNotOnlineError(task_id=task.pk)
    if claim.proof_at is not None and claim.status in (ClaimStatus.COMPLETED, ClaimStatus.PAID):
        claim.task = task
        return claim
    if claim.status != ClaimStatus.CLAIMED:
        raise InvalidClaimStateError(status=claim.status)
    if task.status != TaskStatus.OPEN or not task.starts_at <= now < task.ends_at:
        raise TaskNotOpenError(task_id=task.pk, status=task.status)
    refusal = _proof_refusal(task=task, url=url, confirm=confirm)
    if refusal is not None:
        raise refusal
    claim.proof_url = url if task.proof == ProofKind.LINK else ""
    return _complete_locked(task=task, claim=claim, now=now)


def claim_quiz_result_record(
    *, quiz_id: int, user_id: int, passed: bool, score: int, now: datetime | None = None
) -> list[Claim]:
    """Hook for the quiz app: a citizen's result in a quiz. Their live claims on open online tasks
    proved by that quiz record the score; a pass completes them (and pays at once on an
    auto-approving task). Safe to call twice: a completed claim is left as it is.
    """
    now = now or timezone.now()
    claims = Claim.objects.filter(
        user_id=user_id, status=ClaimStatus.CLAIMED, task__proof=ProofKind.QUIZ, task__quiz_id=quiz_id
    ).only("id", "task_id")
    done = []
    for found in claims.order_by("pk"):
        with transaction.atomic():
            task, claim = _lock_task_and_claim(found)
            if claim.status != ClaimStatus.CLAIMED or task.status != TaskStatus.OPEN or now >= task.ends_at:
                continue
            claim.quiz_score = score
            if not passed:
                claim.save(update_fields=["quiz_score", "updated_at"])
                continue
            done.append(_complete_locked(task=task, claim=claim, now=now))
    return done
