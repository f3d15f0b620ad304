"""Moderation and the service directory: members report posts; officers (and the station's duty
desk) hide posts, mute or remove their authors, dismiss reports; every step is a ModerationStep
kept for the record. Hidden posts stay in the database and are gone for members at once."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from community.errors import NotOfficerError
from community.models import Membership, ModerationAction, ModerationStep, Post, PostReport, ServiceEntry
from community.selectors import Reader
from core.errors import InvalidError

MAX_MUTE_MINUTES = 60 * 24 * 30


def _require_staff_side(reader: Reader) -> None:
    if not reader.is_staff_side:
        raise NotOfficerError()


@transaction.atomic
def post_report(*, post: Post, reader: Reader, reporter: User, reason: str = "") -> PostReport:
    """A member reports a post to the officers (once per member and post; again changes nothing)."""
    report, created = PostReport.objects.get_or_create(post=post, reporter=reporter, defaults={"reason": reason})
    if created:
        ModerationStep.objects.create(
            group=post.group, actor=reporter, action=ModerationAction.REPORT, post=post, note=reason
        )
    return report


@transaction.atomic
def post_moderate(
    *, post: Post, reader: Reader, actor: User, action: str, minutes: int | None = None, note: str = ""
) -> ModerationStep:
    """An officer's step on a post: `hide` it, `mute` its author for `minutes`, `remove` its author
    from the group (their posts stay), or `dismiss` the reports on it. Closes the post's open reports.

    Raises NotOfficerError (403), InvalidError (a mute without minutes, an officer's own post's author).
    """
    _require_staff_side(reader)
    now = timezone.now()
    step = ModerationStep(group=post.group, actor=actor, action=action, post=post, note=note)
    if action == ModerationAction.HIDE:
        Post.objects.filter(pk=post.pk, hidden_at__isnull=True).update(hidden_at=now, hidden_by=actor, updated_at=now)
    elif action in (ModerationAction.MUTE, ModerationAction.REMOVE):
        membership = _author_membership(post)
        step.member = post.author
        if action == ModerationAction.MUTE:
            if not minutes or not 1 <= minutes <= MAX_MUTE_MINUTES:
                raise InvalidError(f"minutes between 1 and {MAX_MUTE_MINUTES}.", field="minutes")
            membership.muted_until = step.until = now + timedelta(minutes=minutes)
            membership.save(update_fields=["muted_until", "updated_at"])
        else:
            membership.removed_at = now
            membership.save(update_fields=["removed_at", "updated_at"])
    step.save()
    PostReport.objects.filter(post=post, closed_at__isnull=True).update(closed_at=now, updated_at=now)
    return step


def _author_membership(post: Post) -> Membership:
    membership = Membership.objects.select_for_update().filter(group=post.group, user=post.author).first()
    if membership is None or membership.role != "member":
        raise InvalidError("Only a member's post can have its author muted or removed.", field="action")
    return membership


def directory_add(*, reader: Reader, **fields: str) -> ServiceEntry:
    """An officer adds a line to the community's service directory. Raises NotOfficerError."""
    _require_staff_side(reader)
    return ServiceEntry.objects.create(group=reader.group, **fields)


def directory_remove(*, reader: Reader, entry_id: int) -> None:
    """An officer removes a line of the directory. Raises NotOfficerError, NotFoundError."""
    from core.errors import NotFoundError

    _require_staff_side(reader)
    deleted, _ = ServiceEntry.objects.filter(group=reader.group, pk=entry_id).delete()
    if not deleted:
        raise NotFoundError("No such directory entry.", entry_id=entry_id)
