"""Who a quiz is for: everyone, or the citizens whose home community lies in its grid.

A citizen's home community is engagement's to know; engagement is imported by nobody, so it
registers a reader here from its AppConfig.ready (as it adds its fields to GET /me).
"""

from collections.abc import Callable

from accounts.models import Grid, User

HOME_GRID_READERS: list[Callable[[User], int | None]] = []


def home_grid_id(*, user: User) -> int | None:
    """The citizen's home community's grid id, or None when unknown."""
    for reader in HOME_GRID_READERS:
        found = reader(user)
        if found is not None:
            return found
    return None


def grid_with_ancestor_ids(*, grid_id: int | None) -> list[int]:
    """The grid and every grid above it (a quiz for a street reaches its communities)."""
    ids: list[int] = []
    while grid_id is not None and grid_id not in ids:
        ids.append(grid_id)
        grid_id = Grid.objects.filter(pk=grid_id).values_list("parent_id", flat=True).first()
    return ids
