"""Printable PDF sheets of a grid's door plates, made by a background job with its progress stored
(done of total) for the staff page's progress bar; the file is kept beside the tip photos (private)."""

import logging
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.outbox import outbox_enqueue
from core.pdf import PdfFontMissingError
from tips.errors import GridNotYoursError, PlateSheetTooLargeError
from tips.models import PlaceCode, PlaceCodeSheet, PlaceCodeSheetStatus, private_storage
from tips.plate_pdf import PlateCard, plate_sheet_pdf
from tips.selectors import place_code_url, staff_grid_ids

logger = logging.getLogger(__name__)

FINISHED = (PlaceCodeSheetStatus.DONE, PlaceCodeSheetStatus.FAILED)


@transaction.atomic
def place_code_sheet_request(*, actor: User, grid_id: int, base_url: str) -> PlaceCodeSheet:
    """Ask for the PDF sheet of a grid's active door plates, made by place_code_sheet_make_task after
    commit (core.outbox); `base_url` is the site's origin the QR codes open.

    Raises NotGridStaffError (403), GridNotYoursError (404: not one of the actor's grids),
    PlateSheetTooLargeError (422: more than FUBI_PLATE_SHEET_MAX_PLATES plates).
    """
    from tips.tasks import place_code_sheet_make_task  # tasks import the services

    if grid_id not in staff_grid_ids(user=actor):
        raise GridNotYoursError(grid_id=grid_id)
    total = PlaceCode.objects.filter(grid_id=grid_id, is_active=True).count()
    if total > settings.FUBI_PLATE_SHEET_MAX_PLATES:
        raise PlateSheetTooLargeError(plates=total, max_plates=settings.FUBI_PLATE_SHEET_MAX_PLATES)
    sheet = PlaceCodeSheet.objects.create(grid_id=grid_id, requested_by=actor, total=total, base_url=base_url[:200])
    outbox_enqueue(task=place_code_sheet_make_task.name, key=f"tips.plate-sheet:{sheet.pk}", args=[sheet.pk])
    return sheet


def _sheet_update(sheet_id: int, **fields: object) -> None:
    PlaceCodeSheet.objects.filter(pk=sheet_id).update(**fields, updated_at=timezone.now())


def place_code_sheet_make(*, sheet_id: int) -> bool:
    """Draw the sheet's PDF, storing how many plates are drawn after each page; answers whether it
    made one. Safe to run twice: a finished sheet is left alone, an interrupted one starts again.
    Without the CJK font the sheet fails with the reason (shown on the staff page).
    """
    sheet = PlaceCodeSheet.objects.select_related("grid").filter(pk=sheet_id).first()
    if sheet is None or sheet.status in FINISHED:
        return False
    plates = list(
        PlaceCode.objects.filter(grid_id=sheet.grid_id, is_active=True)
        .order_by("name", "code")
        .values_list("code", "name")
    )
    _sheet_update(sheet.pk, status=PlaceCodeSheetStatus.RUNNING, done=0, total=len(plates))
    cards = (PlateCard(code, name, place_code_url(base=sheet.base_url, code=code)) for code, name in plates)
    try:
        with translation.override(settings.LANGUAGE_CODE):  # plates speak to the public: the city's language
            pdf = plate_sheet_pdf(
                cards=cards,
                total=len(plates),
                title=f"{sheet.grid.name} · {_('Door plates')}",
                caption=f"{_('Scan to report a problem here')} · {sheet.grid.name}",
                on_page=lambda done: _sheet_update(sheet.pk, done=done),
            )
    except PdfFontMissingError as exc:
        logger.error("plate sheet %s: %s", sheet.pk, exc)
        _sheet_update(sheet.pk, status=PlaceCodeSheetStatus.FAILED, error=str(exc)[:300])
        return False
    path = f"plate-sheets/{sheet.grid.code}-{sheet.pk}-{uuid.uuid4().hex[:8]}.pdf"
    name = private_storage.save(path, ContentFile(pdf))
    _sheet_update(sheet.pk, status=PlaceCodeSheetStatus.DONE, done=len(plates), file=name)
    return True
