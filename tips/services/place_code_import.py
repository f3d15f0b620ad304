"""Door plates in bulk: a CSV of tens of thousands of place codes, checked whole, imported whole.

The file (docs/apps.md, "Door plates"): a header line naming the columns code, name, lat, lon and
optionally grid_code (English or Chinese names, other columns ignored), then one plate a line; UTF-8
with or without a byte-order mark (as Excel writes "CSV UTF-8"), or GB18030 (Excel's plain "CSV" on
a Chinese Windows) when the bytes are not UTF-8.

Every row is checked before anything is written, by the one rule set for place codes
(place_code_check) over the staff member's grids loaded once: a file with any bad row imports nothing
and the refusal lists every bad row with its line number, column and reason. A good file is written
with one COPY inside one transaction (tips.queries.place_codes_copy).
"""

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Grid, User
from accounts.selectors import grid_locator_around
from core.errors import DomainError, InvalidError, PayloadTooLargeError
from tips.errors import (
    InvalidPlaceCodeError,
    OutsideServiceAreaError,
    PlaceCodeImportError,
    PlaceCodeTakenError,
    PlaceOutsideGridError,
)
from tips.models import PlaceCode
from tips.queries import place_codes_copy
from tips.selectors import staff_grid_ids
from tips.services.place_codes import place_code_check

COLUMNS = {  # what a header cell may say → the column
    "code": "code",
    "编码": "code",
    "门牌码": "code",
    "name": "name",
    "名称": "name",
    "地址": "name",
    "lat": "lat",
    "latitude": "lat",
    "纬度": "lat",
    "lon": "lon",
    "lng": "lon",
    "longitude": "lon",
    "经度": "lon",
    "grid_code": "grid_code",
    "grid": "grid_code",
    "网格": "grid_code",
    "网格编码": "grid_code",
}
REQUIRED = ("code", "name", "lat", "lon")
NUMBER = re.compile(r"[+-]?\d{1,3}(\.\d+)?")  # a plain decimal degree: no "nan", "1e3" or "1_0"
TAKEN_CHUNK = 10_000


@dataclass
class PlateRow:
    line: int
    cells: dict[str, str]


class NewPlate(NamedTuple):
    """A checked row, ready to be written (a model instance per row costs more than the check)."""

    code: str
    name: str
    lat: float
    lon: float
    grid_id: int


def place_code_csv_decode(data: bytes) -> str:
    """The file's text: UTF-8 (a byte-order mark dropped), else GB18030. Raises PlaceCodeImportError."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise PlaceCodeImportError(rows=[_bad(1, "file", _("The file is neither UTF-8 nor GB18030 text."))])


def _bad(line: int, field: str, message: str) -> dict:
    return {"line": line, "field": field, "message": str(message)}


def place_code_csv_rows(text: str) -> Iterator[PlateRow]:
    """The data rows of the file with the line each starts on (a quoted name may span lines); blank
    rows skipped. Raises PlaceCodeImportError for a file without the header's columns."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [COLUMNS.get(cell.strip().lower(), "") for cell in cells]
                missing = [column for column in REQUIRED if column not in header]
                if missing:
                    message = _("The first line must name the columns code, name, lat and lon (grid_code optional).")
                    raise PlaceCodeImportError(rows=[_bad(line, ", ".join(missing), message)])
                continue
            yield PlateRow(line, {column: cell.strip() for column, cell in zip(header, cells, strict=False) if column})
    except csv.Error as exc:
        raise PlaceCodeImportError(rows=[_bad(start, "file", _("The file is not valid CSV: %s") % exc)]) from exc
    if header is None:
        raise PlaceCodeImportError(rows=[_bad(1, "file", _("The file has no lines."))])


def _error_field(error: DomainError) -> str:
    if isinstance(error, InvalidPlaceCodeError):
        return "code"
    if isinstance(error, PlaceOutsideGridError | OutsideServiceAreaError):
        return "lat"
    return str(error.details.get("field") or "code")


class _Checker:
    """The checks of one file for one staff member, with everything they need loaded once."""

    def __init__(self, *, actor: User) -> None:
        self.actor = actor
        self.grid_ids = set(staff_grid_ids(user=actor))  # NotGridStaffError (403) before anything else
        self.locator = grid_locator_around(grid_ids=self.grid_ids)
        self._grids_by_code: dict[str, Grid] | None = None
        self.first_line: dict[str, int] = {}

    def grid_named(self, code: str) -> Grid | None:
        if self._grids_by_code is None:
            self._grids_by_code = {grid.code: grid for grid in Grid.objects.filter(id__in=self.grid_ids)}
        return self._grids_by_code.get(code)

    def place(self, row: PlateRow) -> NewPlate:
        """The plate of a row, or InvalidError naming the column (details.field)."""
        cells = row.cells
        code, name = cells.get("code", ""), cells.get("name", "")
        if not name:
            raise InvalidError(_("The name is missing."), field="name")
        point = []
        for column in ("lat", "lon"):
            if not NUMBER.fullmatch(cells.get(column, "")):
                raise InvalidError(_("Not a number in decimal degrees (26.0812)."), field=column)
            point.append(float(cells[column]))
        lat, lon = point
        try:
            grid = place_code_check(
                actor=self.actor,
                place=None,
                code=code,
                name=name,
                lat=lat,
                lon=lon,
                grid_ids=self.grid_ids,
                locate=self.locator.innermost,
            )
        except (PlaceOutsideGridError, OutsideServiceAreaError) as exc:
            # The locator knows only grids around the staff member's: a point beyond them is
            # outside their grids, whatever else contains it.
            raise PlaceOutsideGridError(_("This point is outside your grids.")) from exc
        if code in self.first_line:
            raise InvalidError(_("This code is on line %(line)d too.") % {"line": self.first_line[code]}, field="code")
        self.first_line[code] = row.line
        grid_code = cells.get("grid_code", "")
        if grid_code:
            named = self.grid_named(grid_code)
            if named is None:
                raise InvalidError(
                    _("None of your grids has the code %(grid)s.") % {"grid": grid_code}, field="grid_code"
                )
            if not named.contains(lat, lon):
                raise InvalidError(
                    _("The point is outside the grid %(grid)s.") % {"grid": grid_code}, field="grid_code"
                )
        return NewPlate(code, name, lat, lon, grid.id)

    def taken(self, places: list[tuple[int, NewPlate]]) -> list[dict]:
        """The rows whose code some grid has already: one statement per TAKEN_CHUNK codes."""
        codes = [place.code for _line, place in places]
        taken: set[str] = set()
        for at in range(0, len(codes), TAKEN_CHUNK):
            chunk = codes[at : at + TAKEN_CHUNK]
            taken.update(PlaceCode.objects.filter(code__in=chunk).values_list("code", flat=True))
        message = _("This place code is already taken; choose another one.")
        return [_bad(line, "code", message) for line, place in places if place.code in taken]


def place_code_import_check(*, actor: User, text: str) -> tuple[list[NewPlate], list[dict]]:
    """The plates of a file and its bad rows ({line, field, message}, in line order), writing nothing.

    Raises NotGridStaffError (403) for someone who is no grid staff, PlaceCodeImportError for a file
    without its header.
    """
    checker = _Checker(actor=actor)
    good: list[tuple[int, NewPlate]] = []
    bad: list[dict] = []
    for row in place_code_csv_rows(text):
        try:
            good.append((row.line, checker.place(row)))
        except DomainError as error:
            bad.append(_bad(row.line, _error_field(error), error.message))
    bad.extend(checker.taken(good))
    bad.sort(key=lambda item: item["line"])
    return [place for _line, place in good], bad


def place_code_import(*, actor: User, upload: File) -> int:
    """Import the door plates of a CSV file (the module's docstring); answers how many were made.

    Raises NotGridStaffError (403), PayloadTooLargeError (413, past FUBI_PLACE_CODE_IMPORT_MAX_BYTES)
    and PlaceCodeImportError (422 invalid_rows: every bad row; nothing was written).
    """
    staff_grid_ids(user=actor)  # 403 for who is no grid staff, whatever they send
    limit = settings.FUBI_PLACE_CODE_IMPORT_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise PayloadTooLargeError(
            _("The file is %(size)d bytes; at most %(limit)d are accepted.")
            % {"size": upload.size or 0, "limit": limit},
            max_bytes=limit,
        )
    upload.seek(0)
    text = place_code_csv_decode(upload.read())
    places, bad = place_code_import_check(actor=actor, text=text)
    if not places and not bad:
        bad = [_bad(2, "file", _("The file has no plates."))]
    if bad:
        raise PlaceCodeImportError(rows=bad)
    try:
        with transaction.atomic():
            place_codes_copy(places=places)
    except IntegrityError as exc:
        # A code was taken between the check and the insert (another import, another staff member):
        # nothing was written; check again to name its rows.
        _places, bad = place_code_import_check(actor=actor, text=text)
        if not bad:
            raise PlaceCodeTakenError() from exc
        raise PlaceCodeImportError(rows=bad) from exc
    return len(places)
