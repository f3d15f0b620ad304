"""Every write of the published safety index: editions made, changed while drafts, published
(computed and frozen in a background job), and their PDF; the stored terms of public tips."""

import logging
import time
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from core.errors import InvalidError
from core.outbox import outbox_enqueue
from insight import compute, selectors
from insight.errors import EditionExistsError, EditionNotFoundError, EditionPublishedError
from insight.models import Edition, EditionStatus
from insight.pagecache import page_cache_bump

logger = logging.getLogger(__name__)
TERMS_REFRESH_DAYS = 400  # the periodic job keeps this much history segmented (an edition and the one before)


def _half_check(year: int, half: int) -> None:
    if half not in (1, 2):
        raise InvalidError("half must be 1 (January–June) or 2 (July–December).", field="half")
    if not 2000 <= year <= 2100:
        raise InvalidError("year must be between 2000 and 2100.", field="year")
    if not compute.half_is_started(year, half, timezone.now()):
        raise InvalidError("That half year has not begun.", field="half")


@transaction.atomic
def edition_create(*, actor: User, grid_id: int, year: int, half: int, title: str = "", foreword: str = "") -> Edition:
    """A draft edition of one of the actor's grids for a half year that has begun.

    Raises NotGridStaffError, EditionNotFoundError (a grid not theirs), InvalidError, EditionExistsError.
    """
    grids = {grid.pk: grid for grid in selectors.staff_grids_require(user=actor)}
    if grid_id not in grids:
        raise EditionNotFoundError("No such grid among yours.", grid_id=grid_id)
    _half_check(year, half)
    if Edition.objects.filter(grid_id=grid_id, year=year, half=half).exists():
        raise EditionExistsError(grid_id=grid_id, year=year, half=half)
    try:
        with transaction.atomic():  # a racing twin hits the unique constraint: the same 409
            return Edition.objects.create(
                grid=grids[grid_id], year=year, half=half, title=title, foreword=foreword, created_by=actor
            )
    except IntegrityError as error:
        raise EditionExistsError(grid_id=grid_id, year=year, half=half) from error


def _locked_draft(*, actor: User, edition_id: int) -> Edition:
    selectors.edition_get_for_staff(user=actor, edition_id=edition_id)  # 403/404 before locking
    edition = Edition.objects.select_for_update().defer("pdf", "snapshot").get(pk=edition_id)
    if edition.status != EditionStatus.DRAFT:
        raise EditionPublishedError(edition_id=edition_id, status=edition.status)
    return edition


@transaction.atomic
def edition_update(*, actor: User, edition_id: int, title: str | None = None, foreword: str | None = None) -> Edition:
    """Change a draft's title or foreword. Raises EditionPublishedError (409) once published."""
    edition = _locked_draft(actor=actor, edition_id=edition_id)
    fields = []
    if title is not None:
        edition.title = title
        fields.append("title")
    if foreword is not None:
        edition.foreword = foreword
        fields.append("foreword")
    if fields:
        edition.save(update_fields=[*fields, "updated_at"])
    return edition


@transaction.atomic
def edition_publish(*, actor: User, edition_id: int) -> Edition:
    """Publish a draft: it is computed and frozen by a background job (status computing, then published).

    Raises EditionPublishedError when it is not a draft any more.
    """
    from insight.tasks import edition_compute_task

    edition = _locked_draft(actor=actor, edition_id=edition_id)
    edition.status = EditionStatus.COMPUTING
    edition.published_by = actor
    edition.publish_requested_at = timezone.now()
    edition.save(update_fields=["status", "published_by", "publish_requested_at", "updated_at"])
    outbox_enqueue(task=edition_compute_task.name, key=f"insight.edition:{edition.pk}", args=[edition.pk])
    return edition


def edition_compute(*, edition_id: int) -> bool:
    """Compute an edition's snapshot and freeze it; False when there was nothing to do.

    The figures are computed outside any transaction (it may take a minute over half a million tips);
    the row is then locked and the snapshot stored only if the edition is still waiting for it, so a
    job delivered twice stores one snapshot.
    """
    from insight.tasks import edition_pdf_task

    edition = Edition.objects.filter(pk=edition_id, status=EditionStatus.COMPUTING).select_related("grid").first()
    if edition is None:
        return False
    previous = selectors.edition_previous(edition=edition)
    started = time.monotonic()
    snapshot = compute.edition_snapshot(
        grid=edition.grid,
        year=edition.year,
        half=edition.half,
        until=edition.publish_requested_at,
        previous=previous.snapshot if previous else None,
    )
    with transaction.atomic():
        locked = Edition.objects.select_for_update().defer("pdf").get(pk=edition_id)
        if locked.status != EditionStatus.COMPUTING:
            return False
        locked.snapshot = snapshot
        locked.status = EditionStatus.PUBLISHED
        locked.published_at = timezone.now()
        locked.compute_seconds = round(time.monotonic() - started, 3)
        locked.save(update_fields=["snapshot", "status", "published_at", "compute_seconds", "updated_at"])
        outbox_enqueue(task=edition_pdf_task.name, key=f"insight.edition_pdf:{edition_id}", args=[edition_id])
        transaction.on_commit(page_cache_bump)  # a newer edition's page shows this one beside it
    logger.info("edition %s computed in %.1f s", edition_id, locked.compute_seconds)
    return True


def edition_pdf_make(*, edition_id: int) -> bool:
    """Make a published edition's PDF once; False when it exists or the edition is not published."""
    from insight.pdf import edition_pdf

    edition = Edition.objects.filter(pk=edition_id, status=EditionStatus.PUBLISHED, pdf__isnull=True).first()
    if edition is None:
        return False
    previous = selectors.edition_previous(edition=edition)
    data = edition_pdf(edition=edition, previous=previous)
    updated = Edition.objects.filter(pk=edition_id, pdf__isnull=True).update(
        pdf=data, pdf_made_at=timezone.now(), updated_at=timezone.now()
    )
    if updated:
        page_cache_bump()  # the page now links the PDF
    return bool(updated)


def tip_terms_refresh() -> int:
    """Segment the public tips of the last TERMS_REFRESH_DAYS that have no stored terms yet."""
    from tips import selectors as tip_selectors

    since = timezone.now() - timedelta(days=TERMS_REFRESH_DAYS)
    return compute.terms_ensure(tip_selectors.tips_public(since=since))
