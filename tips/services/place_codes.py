"""Printed place codes: made and changed by grid staff inside their grids (place_code_check holds
the rules for the API, the staff page and the admin alike).
"""

import math
import re
from collections.abc import Callable, Collection

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Grid, User
from accounts.selectors import grid_innermost_containing
from core.errors import InvalidError
from tips.errors import (
    InvalidPlaceCodeError,
    OutsideServiceAreaError,
    PlaceCodeNotFoundError,
    PlaceCodeTakenError,
    PlaceOutsideGridError,
)
from tips.models import PLACE_CODE_MAX_LENGTH, PLACE_CODE_MIN_LENGTH, PLACE_CODE_PATTERN, PlaceCode
from tips.selectors import staff_grid_ids

MAX_PLACE_NAME = 120


def _place_name_clean(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > MAX_PLACE_NAME or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise InvalidError(
            _("Give the place a name of at most %(n)d characters, without control characters.") % {"n": MAX_PLACE_NAME},
            field="name",
        )
    return name


def place_code_validate(code: str) -> str:
    """The code as it will be printed, or InvalidPlaceCodeError (a slug of 3–40 lowercase letters,
    digits and single hyphens: it is typed from a door plate and goes into URLs)."""
    if (
        not isinstance(code, str)
        or not PLACE_CODE_MIN_LENGTH <= len(code) <= PLACE_CODE_MAX_LENGTH
        or not re.match(PLACE_CODE_PATTERN, code)
    ):
        raise InvalidPlaceCodeError(place_code=code if isinstance(code, str) else "")
    return code


def place_code_check(
    *,
    actor: User,
    place: PlaceCode | None,
    code: str = "",
    name: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    grid_ids: Collection[int] | None = None,
    locate: Callable[..., Grid | None] = grid_innermost_containing,
) -> Grid:
    """Check a new code (place None: code, name and point all given) or a change of `place` for this
    actor, writing nothing; answer the grid the code belongs to. The rules, for every way a code is
    made or changed (API, staff page, admin):

    - only grid staff (or administrators) make or change codes (NotGridStaffError, 403);
    - a code belongs to one grid: a new one to the innermost grid containing its point, which must be
      one of the actor's grids (their own or one below them); an existing one may be changed only by
      staff of its grid or of a grid above it (PlaceCodeNotFoundError, 404, as for "no such code");
    - a changed point stays inside the code's grid (PlaceOutsideGridError, 422), so the plate's
      tips keep reaching that grid's queue;
    - the code is a slug (InvalidPlaceCodeError, 422); the name is plain text (InvalidError, 422).

    A caller checking many codes at once (the CSV import) passes the actor's `grid_ids` and a `locate`
    over grids loaded once (accounts.selectors.GridLocator.innermost), so a row costs no statement.
    """
    grid_ids = set(staff_grid_ids(user=actor)) if grid_ids is None else grid_ids
    if place is not None and place.grid_id not in grid_ids:
        raise PlaceCodeNotFoundError(place_code=place.code)
    if place is None:
        place_code_validate(code)
        if name is None or lat is None or lon is None:
            raise InvalidError(_("Give a code, a name, lat and lon."), field="name" if name is None else "lat")
    if name is not None:
        _place_name_clean(name)
    if (lat is None) != (lon is None):
        raise InvalidError(_("Give both lat and lon to move a place."), field="lat")
    if lat is None or lon is None:
        return place.grid  # type: ignore[union-attr]  # a change without a new point
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidError(_("lat must be within ±90 and lon within ±180."), field="lat")
    if place is not None:
        if not place.grid.contains(lat, lon):
            raise PlaceOutsideGridError(place_code=place.code, grid=place.grid.code, lat=lat, lon=lon)
        return place.grid
    grid = locate(lat=lat, lon=lon)
    if grid is None:
        raise OutsideServiceAreaError(lat=lat, lon=lon)
    if grid.id not in grid_ids:
        raise PlaceOutsideGridError(_("This point is outside your grids."), lat=lat, lon=lon)
    return grid


@transaction.atomic
def place_code_create(*, actor: User, code: str, name: str, lat: float, lon: float) -> PlaceCode:
    """Create a printed place code at a point inside the actor's grids (rules: place_code_check).

    Raises NotGridStaffError (403), InvalidPlaceCodeError, InvalidError, OutsideServiceAreaError,
    PlaceOutsideGridError (422), PlaceCodeTakenError (409: the code exists, in whichever grid).
    """
    grid = place_code_check(actor=actor, place=None, code=code, name=name, lat=lat, lon=lon)
    try:
        with transaction.atomic():
            return PlaceCode.objects.create(
                code=code, name=_place_name_clean(name), lat=lat, lon=lon, grid=grid, is_active=True
            )
    except IntegrityError as exc:  # the unique code: taken in some grid, perhaps a moment ago by a racer
        raise PlaceCodeTakenError(place_code=code) from exc


@transaction.atomic
def place_code_update(
    *,
    actor: User,
    place: PlaceCode,
    name: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    is_active: bool | None = None,
) -> PlaceCode:
    """Rename, move or (de)activate a place code of the actor's grids; it keeps its code and its grid
    (rules: place_code_check). Raises NotGridStaffError (403), PlaceCodeNotFoundError (404),
    InvalidError, PlaceOutsideGridError (422).
    """
    place = PlaceCode.objects.select_for_update().select_related("grid").get(pk=place.pk)
    place_code_check(actor=actor, place=place, name=name, lat=lat, lon=lon)
    fields = []
    if name is not None:
        place.name = _place_name_clean(name)
        fields.append("name")
    if lat is not None and lon is not None:
        place.lat, place.lon = lat, lon
        fields += ["lat", "lon"]
    if is_active is not None:
        place.is_active = is_active
        fields.append("is_active")
    if fields:
        place.save(update_fields=[*fields, "updated_at"])
    return place
