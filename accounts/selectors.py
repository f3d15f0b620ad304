"""Reads about users and the organisations they belong to."""

import itertools
import math
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db.models import Max, Min

from accounts.errors import PhoneUnverifiedError
from accounts.models import Agency, Grid, PickupPoint, Role, User
from core.errors import ForbiddenError, NotFoundError

# Other apps add profile fields to GET /me (engagement adds level, badges, streak) by appending a
# function here from their AppConfig.ready; accounts imports none of them.
PROFILE_PROVIDERS: list[Callable[[User], dict[str, Any]]] = []


def user_agency_ids(*, user: User) -> list[int]:
    return list(user.agency_memberships.values_list("agency_id", flat=True).order_by("agency_id"))


def user_grid_ids(*, user: User) -> list[int]:
    return list(user.grid_memberships.values_list("grid_id", flat=True).order_by("grid_id"))


def user_pickup_point_ids(*, user: User) -> list[int]:
    return list(user.pickup_point_memberships.values_list("pickup_point_id", flat=True).order_by("pickup_point_id"))


def user_profile(*, user: User) -> dict[str, Any]:
    """Everything GET /me answers for this user."""
    profile: dict[str, Any] = {
        "id": user.id,
        "email": user.email,
        "display_name": user.shown_name,
        "preferred_language": user.preferred_language,
        "roles": sorted(set(user.roles or []) | ({Role.ADMIN.value} if user.is_superuser else set())),
        "agency_ids": user_agency_ids(user=user),
        "grid_ids": user_grid_ids(user=user),
        "pickup_point_ids": user_pickup_point_ids(user=user),
        "level": 1,
        "badges": [],
        "streak_days": 0,
        # Only the user themselves reads GET /me: their own number, and whether payouts need it.
        "phone": user.phone or None,
        "phone_verified": user.phone_verified_at is not None,
        "phone_required": bool(settings.FUBI_REQUIRE_VERIFIED_PHONE),
    }
    for provider in PROFILE_PROVIDERS:
        profile.update(provider(user))
    return profile


def agency_get_for_staff(*, user: User, agency_id: int | None) -> Agency:
    """The agency this staff member acts for: the one named, or their only one.

    Raises NotFoundError when the agency is not theirs, InvalidError-like ForbiddenError when they
    belong to none.
    """
    agencies = Agency.objects.filter(memberships__user=user, is_active=True)
    if agency_id is not None:
        agency = agencies.filter(pk=agency_id).first()
        if agency is None:
            raise NotFoundError("No such agency among yours.", agency_id=agency_id)
        return agency
    mine = list(agencies[:2])
    if not mine:
        raise ForbiddenError("You are not staff of any agency.")
    if len(mine) > 1:
        raise ForbiddenError("You are staff of several agencies: say which with agency_id.")
    return mine[0]


def grid_innermost_containing(*, lat: float, lon: float) -> Grid | None:
    """The deepest (then smallest) grid whose boundary contains the point, or None."""
    candidates = Grid.objects.filter(min_lat__lte=lat, max_lat__gte=lat, min_lon__lte=lon, max_lon__gte=lon)
    inside = [grid for grid in candidates if grid.contains(lat, lon)]
    if not inside:
        return None
    return max(inside, key=lambda grid: (grid.depth, -grid.area))


class GridLocator:
    """The innermost grid containing a point, answered as grid_innermost_containing answers it, from
    grids loaded once: for checking many points (a bulk import) without a query per point.

    Grids are bucketed by the cells of CELL_DEG their bounding box covers; a grid covering more than
    MAX_CELLS cells (a whole district) is tried for every point instead. Only the loaded grids are
    known: load every grid that may contain the points asked about (grid_locator_around).
    """

    CELL_DEG = 0.01
    MAX_CELLS = 400

    def __init__(self, grids: Sequence[Grid]) -> None:
        ranked = sorted(((grid, (grid.depth, -grid.area)) for grid in grids), key=lambda entry: entry[1], reverse=True)
        self._wide: list[tuple[Grid, tuple[int, float]]] = []
        self._cells: dict[tuple[int, int], list[tuple[Grid, tuple[int, float]]]] = defaultdict(list)
        for entry in ranked:  # deepest, then smallest first: each list stays in that order
            grid = entry[0]
            lat0, lon0 = self._cell(grid.min_lat, grid.min_lon)
            lat1, lon1 = self._cell(grid.max_lat, grid.max_lon)
            if (lat1 - lat0 + 1) * (lon1 - lon0 + 1) > self.MAX_CELLS:
                self._wide.append(entry)
                continue
            for cell in itertools.product(range(lat0, lat1 + 1), range(lon0, lon1 + 1)):
                self._cells[cell].append(entry)

    def _cell(self, lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat / self.CELL_DEG), math.floor(lon / self.CELL_DEG)

    def innermost(self, *, lat: float, lon: float) -> Grid | None:
        """The deepest (then smallest) loaded grid whose boundary contains the point, or None."""
        best: tuple[Grid, tuple[int, float]] | None = None
        for candidates in (self._cells.get(self._cell(lat, lon), ()), self._wide):
            for grid, rank in candidates:  # best first: the first that contains it wins its list
                if best is not None and rank <= best[1]:
                    break
                if grid.contains(lat, lon):
                    best = (grid, rank)
                    break
        return best[0] if best else None


def grid_locator_around(*, grid_ids: Collection[int]) -> GridLocator:
    """A GridLocator that answers exactly for every point inside these grids: it loads them and every
    grid whose bounding box meets theirs (two statements)."""
    box = Grid.objects.filter(id__in=list(grid_ids)).aggregate(
        min_lat=Min("min_lat"), min_lon=Min("min_lon"), max_lat=Max("max_lat"), max_lon=Max("max_lon")
    )
    if box["min_lat"] is None:
        return GridLocator([])
    return GridLocator(
        Grid.objects.filter(
            min_lat__lte=box["max_lat"],
            max_lat__gte=box["min_lat"],
            min_lon__lte=box["max_lon"],
            max_lon__gte=box["min_lon"],
        )
    )


def grids_for_staff(*, user: User) -> list[Grid]:
    """The grids a grid-centre staff member sees: their own and every grid below them."""
    own = list(Grid.objects.filter(memberships__user=user))
    seen = {grid.id for grid in own}
    frontier = [grid.id for grid in own]
    while frontier:
        children = list(Grid.objects.filter(parent_id__in=frontier).exclude(id__in=seen))
        seen.update(child.id for child in children)
        own.extend(children)
        frontier = [child.id for child in children]
    return own


def pickup_points_for_clerk(*, user: User) -> list[PickupPoint]:
    return list(PickupPoint.objects.filter(memberships__user=user, is_active=True))


def user_may_be_paid(*, user: User) -> bool:
    """Whether points may reach (or be spent by) this citizen now: always, unless
    FUBI_REQUIRE_VERIFIED_PHONE asks for a verified phone number first. Reads the loaded row only."""
    return not settings.FUBI_REQUIRE_VERIFIED_PHONE or user.phone_verified_at is not None


def user_phone_verified_require(*, user: User) -> None:
    """Refuse what needs a real person (a shop order) until the phone is verified.

    Raises PhoneUnverifiedError (403 phone_unverified) when FUBI_REQUIRE_VERIFIED_PHONE is on and the
    user's phone is not verified.
    """
    if not user_may_be_paid(user=user):
        raise PhoneUnverifiedError()


def user_email_verified(*, user: User) -> bool:
    """Whether allauth holds the user's own email address as verified."""
    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()
