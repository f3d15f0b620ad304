"""Storing a tip's checked photos, written once for a report, a department's report back and an SOS
follow-up: each file in private storage, a TipPhoto row, a thumbnail job recorded with the row; and
the transaction that removes the files again when its rows roll back."""

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.core.files.base import ContentFile
from django.db import transaction

from core.outbox import outbox_enqueue
from tips.models import CaseEvent, Tip, TipPhoto, private_storage
from tips.photos import CleanPhoto


@contextmanager
def photo_files_atomic() -> Iterator[list[str]]:
    """A transaction that yields the list of files it saved: if its rows roll back, the files go."""
    saved: list[str] = []
    try:
        with transaction.atomic():
            yield saved
    except BaseException:
        for name in saved:  # the rows rolled back: do not leave their files behind
            private_storage.delete(name)
        raise


def tip_photos_store(
    *,
    tip: Tip,
    cleaned: Sequence[CleanPhoto],
    saved: list[str],
    event: CaseEvent | None = None,
    first_position: int | None = None,
) -> None:
    """Save the photos of ``tip`` (of ``event`` when given), numbered from ``first_position`` (by
    default after the tip's photos so far); each file's name goes into ``saved`` as soon as it is
    written (photo_files_atomic removes them on a rollback)."""
    from tips.tasks import make_photo_thumbnail_task

    if first_position is None:
        last = TipPhoto.objects.filter(tip=tip).order_by("-position").values_list("position", flat=True).first()
        first_position = (last or 0) + 1
    for offset, clean in enumerate(cleaned):
        name = private_storage.save(f"{tip.id}/{uuid.uuid4().hex}.jpg", ContentFile(clean.content))
        saved.append(name)
        photo = TipPhoto.objects.create(
            tip=tip,
            event=event,
            position=first_position + offset,
            image=name,
            width=clean.width,
            height=clean.height,
            byte_size=len(clean.content),
            sha256=clean.sha256,
            original_format=clean.original_format,
        )
        # recorded with the photo, run after commit (core.outbox): a broker that is down loses nothing
        outbox_enqueue(task=make_photo_thumbnail_task.name, key=f"tips.thumbnail:{photo.id}", args=[photo.id])
