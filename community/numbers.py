"""The district's numbers for community requests (what Jiading reports): per group and per officer,
how many requests, the median time to respond and to resolve, the share answered within 24 hours
and the satisfaction (mean stars). One aggregate statement each, over the groups a staff member
oversees."""

from datetime import datetime, timedelta

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.aggregates import Aggregate

from accounts.models import AgencyMembership, User
from accounts.selectors import grids_for_staff
from community.models import Group, Request
from core.errors import ForbiddenError

DAY = timedelta(hours=24)


class Median(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def groups_overseen(*, user: User) -> QuerySet[Group]:
    """The groups whose numbers a staff member sees: those of their grids (and those inside them)
    and those their station covers. Raises ForbiddenError for anyone else."""
    grids = [grid.id for grid in grids_for_staff(user=user)]
    stations = list(AgencyMembership.objects.filter(user=user).values_list("agency_id", flat=True))
    if not grids and not stations:
        raise ForbiddenError("Only grid-centre or station staff see the community numbers.")
    return Group.objects.filter(Q(grid_id__in=grids) | Q(station_id__in=stations))


def _minutes(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 60, 1)


def _aggregate(requests: QuerySet[Request], key: str) -> list[dict]:
    respond = ExpressionWrapper(F("responded_at") - F("post__created_at"), output_field=DurationField())
    resolve = ExpressionWrapper(F("resolved_at") - F("post__created_at"), output_field=DurationField())
    return list(
        requests.values(key)
        .annotate(
            n=Count("id"),
            responded=Count("responded_at"),
            resolved=Count("resolved_at"),
            median_respond=Median(respond, filter=Q(responded_at__isnull=False)),
            median_resolve=Median(resolve, filter=Q(resolved_at__isnull=False)),
            within=Count("id", filter=Q(responded_at__lte=F("post__created_at") + DAY)),
            rated=Count("stars"),
            stars=Avg("stars"),
        )
        .order_by(key)
    )


def community_numbers(
    *, groups: QuerySet[Group], since: datetime | None = None, until: datetime | None = None
) -> dict[str, list[dict]]:
    """{"groups": [Row per group], "officers": [Row per person who responded]} for requests made
    between since and until."""
    requests = Request.objects.filter(group__in=groups)
    if since is not None:
        requests = requests.filter(post__created_at__gte=since)
    if until is not None:
        requests = requests.filter(post__created_at__lt=until)
    names = dict(groups.values_list("id", "name"))
    by_group = _aggregate(requests, "group_id")
    by_officer = _aggregate(requests.filter(responded_by__isnull=False), "responded_by")
    people = {u.id: u.shown_name for u in User.objects.filter(id__in=[r["responded_by"] for r in by_officer])}
    return {
        "groups": [_row(r, r["group_id"], names.get(r["group_id"], "")) for r in by_group],
        "officers": [_row(r, r["responded_by"], people.get(r["responded_by"], "")) for r in by_officer],
    }


def _row(row: dict, key: int, name: str) -> dict:
    """One line of the numbers (community.schemas.NumbersRow)."""
    return {
        "key": key,
        "name": name,
        "requests": row["n"],
        "responded": row["responded"],
        "resolved": row["resolved"],
        "median_respond_minutes": _minutes(row["median_respond"]),
        "median_resolve_minutes": _minutes(row["median_resolve"]),
        "answered_24h_share": round(row["within"] / row["n"], 3) if row["n"] else None,
        "rated": row["rated"],
        "satisfaction": round(float(row["stars"]), 2) if row["stars"] is not None else None,
    }
