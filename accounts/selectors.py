"""Reads about users and the organisations they belong to."""

from collections.abc import Callable
from typing import Any

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
