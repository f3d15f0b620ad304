"""Reads of editions: the public ones, and those a grid centre's staff may change."""

from django.db.models import Q, QuerySet

from accounts.models import Grid, Role, User
from accounts.selectors import grids_for_staff
from insight.errors import EditionNotFoundError, NotGridStaffError
from insight.models import Edition, EditionStatus


def editions_published(*, grid_id: int | None = None, with_snapshot: bool = True) -> QuerySet[Edition]:
    """Published editions, newest half first (without their PDF bytes; without the snapshot, which is
    then read on first use, when with_snapshot is False)."""
    editions = Edition.objects.filter(status=EditionStatus.PUBLISHED).select_related("grid").defer("pdf")
    if not with_snapshot:
        editions = editions.defer("pdf", "snapshot")
    if grid_id is not None:
        editions = editions.filter(grid_id=grid_id)
    return editions.order_by("-year", "-half", "grid__name")


def edition_get_published(*, edition_id: int, with_snapshot: bool = True) -> Edition:
    """One published edition. Raises EditionNotFoundError (drafts are nobody's business)."""
    edition = editions_published(with_snapshot=with_snapshot).filter(pk=edition_id).first()
    if edition is None:
        raise EditionNotFoundError(edition_id=edition_id)
    return edition


def edition_previous(*, edition: Edition) -> Edition | None:
    """The grid's last published edition before this one's half."""
    earlier = Q(year__lt=edition.year) | Q(year=edition.year, half__lt=edition.half)
    return editions_published(grid_id=edition.grid_id, with_snapshot=False).filter(earlier).first()


def staff_grids_require(*, user: User) -> list[Grid]:
    """The grids a grid centre's staff member makes editions for. Raises NotGridStaffError."""
    if not user.has_role(Role.GRID_STAFF):
        raise NotGridStaffError()
    return grids_for_staff(user=user)


def editions_for_staff(*, user: User) -> QuerySet[Edition]:
    grid_ids = [grid.pk for grid in staff_grids_require(user=user)]
    return Edition.objects.filter(grid_id__in=grid_ids).select_related("grid").defer("pdf", "snapshot")


def edition_get_for_staff(*, user: User, edition_id: int) -> Edition:
    """An edition of one of the staff member's grids. Raises NotGridStaffError, EditionNotFoundError."""
    edition = editions_for_staff(user=user).filter(pk=edition_id).first()
    if edition is None:
        raise EditionNotFoundError(edition_id=edition_id)
    return edition
