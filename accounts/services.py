"""Every write to users and their memberships."""

from django.db import transaction

from accounts.models import (
    Agency,
    AgencyMembership,
    Grid,
    GridMembership,
    PickupPoint,
    PickupPointMembership,
    Role,
    User,
)


def _add_role(user: User, role: str) -> None:
    if role not in (user.roles or []):
        user.roles = [*(user.roles or []), role]
        user.save(update_fields=["roles", "updated_at"])


@transaction.atomic
def agency_membership_add(*, user: User, agency: Agency) -> AgencyMembership:
    """Make the user staff of the agency (idempotent)."""
    membership, _ = AgencyMembership.objects.get_or_create(user=user, agency=agency)
    _add_role(user, Role.AGENCY_STAFF)
    return membership


@transaction.atomic
def grid_membership_add(*, user: User, grid: Grid) -> GridMembership:
    """Make the user grid-centre staff of the grid (idempotent)."""
    membership, _ = GridMembership.objects.get_or_create(user=user, grid=grid)
    _add_role(user, Role.GRID_STAFF)
    return membership


@transaction.atomic
def pickup_point_membership_add(*, user: User, pickup_point: PickupPoint) -> PickupPointMembership:
    """Make the user a clerk of the pickup point (idempotent)."""
    membership, _ = PickupPointMembership.objects.get_or_create(user=user, pickup_point=pickup_point)
    _add_role(user, Role.CLERK)
    return membership


def user_update_profile(*, user: User, display_name: str | None = None, preferred_language: str | None = None) -> User:
    """Change what the user may change about themselves; None leaves a field as it is."""
    fields = []
    if display_name is not None:
        user.display_name = display_name.strip()
        fields.append("display_name")
    if preferred_language is not None:
        user.preferred_language = preferred_language
        fields.append("preferred_language")
    if fields:
        user.save(update_fields=[*fields, "updated_at"])
    return user
