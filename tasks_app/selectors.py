"""Reads of the tasks app: nearby search, and "fetch it for this user" (NotFound when not theirs)."""

from datetime import datetime

from django.db.models import BooleanField, F, FloatField, Prefetch, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.models import Role, User
from core.errors import InvalidError
from core.pagination import MAX_LIMIT, MAX_OFFSET
from core.rows import PlainRead, prepared_cursor
from tasks_app.errors import ClaimNotFoundError, NotAgencyStaffError, OfferNotFoundError, TaskNotFoundError
from tasks_app.geo_sql import HAVERSINE_KM_SQL, KM_PER_DEGREE, inner_circle_degrees, projected
from tasks_app.models import CheckIn, Claim, ClaimStatus, DispatchOffer, Task, TaskStatus

TABLE = '"tasks_app_task"'
# A circle in the projection a little wider than the radius: the exact haversine test follows.
RADIUS_SLACK = 1.01


def task_list_nearby(
    *,
    lat: float,
    lon: float,
    radius_km: float = 5.0,
    category: str | None = None,
    starts_after: datetime | None = None,
    starts_before: datetime | None = None,
    now: datetime | None = None,
) -> QuerySet[Task]:
    """Open tasks with places left within radius_km of (lat, lon), nearest first, with distance_km.

    The GiST index on the generated ``location`` point answers both the circle filter and the KNN
    ordering; distance_km is exact (haversine).
    """
    now = now or timezone.now()
    x, y = projected(lat, lon)
    radius_deg = radius_km / KM_PER_DEGREE
    haversine = HAVERSINE_KM_SQL.format(table=TABLE)
    qs = (
        Task.objects.filter(status=TaskStatus.OPEN, ends_at__gt=now, slots_taken__lt=F("headcount"))
        .filter(
            RawSQL(  # noqa: S611 - constant SQL text, values passed as parameters
                f"{TABLE}.location <@ circle(point(%s, %s), %s)",
                (x, y, radius_deg * RADIUS_SLACK),
                output_field=BooleanField(),
            )
        )
        .filter(RawSQL(f"{haversine} <= %s", (lat, lat, lon, radius_km), output_field=BooleanField()))  # noqa: S611
        .annotate(distance_km=RawSQL(haversine, (lat, lat, lon), output_field=FloatField()))  # noqa: S611
        .select_related("agency")
        .order_by(RawSQL(f"{TABLE}.location <-> point(%s, %s)", (x, y)))  # noqa: S611 - ties: measure zero
    )
    if category:
        qs = qs.filter(category=category)
    if starts_after:
        qs = qs.filter(starts_at__gte=starts_after)
    if starts_before:
        qs = qs.filter(starts_at__lte=starts_before)
    return qs


def task_get_public(*, task_id: int) -> Task:
    """A task anyone may see: every state but draft. Raises TaskNotFoundError."""
    task = Task.objects.select_related("agency").exclude(status=TaskStatus.DRAFT).filter(pk=task_id).first()
    if task is None:
        raise TaskNotFoundError(task_id=task_id)
    return task


CLAIM_FIELDS = ("id", "agency_id", "title", "status", "starts_at", "ends_at", "slots_taken", "headcount", "points")
# The hot read of a claim burst, its statement built once: the task's claiming columns and whether
# this citizen already holds a live place on it, in one round trip.
TASK_FOR_CLAIM = PlainRead(
    Task,
    fields=CLAIM_FIELDS,
    extra=[
        f'EXISTS (SELECT 1 FROM "{Claim._meta.db_table}" c'  # noqa: S608 - table names, values as parameters
        f' WHERE c.task_id = "{Task._meta.db_table}".id AND c.user_id = %s AND c.status <> %s)'
    ],
    where=f'"{Task._meta.db_table}".id = %s AND "{Task._meta.db_table}".status <> %s',
)


def task_get_for_claim(*, task_id: int, user: User | None = None) -> Task:
    """The few columns claiming needs (the hot path of a burst), no join. Raises TaskNotFoundError.

    With a user, ``task.live_claim_of`` answers whether they hold a live claim on it (claim_create
    reads it instead of asking again).
    """
    found = TASK_FOR_CLAIM.get_with_extra(user.pk if user else None, ClaimStatus.CANCELLED, task_id, TaskStatus.DRAFT)
    if found is None:
        raise TaskNotFoundError(task_id=task_id)
    task, (holds_claim,) = found
    if user is not None:
        task.live_claim_of = (user.pk, holds_claim)
    return task


def staff_agency_ids(*, user: User) -> list[int]:
    """The agencies this user acts for; raises NotAgencyStaffError when none."""
    if not user.has_role(Role.AGENCY_STAFF):
        raise NotAgencyStaffError()
    return list(user.agency_memberships.values_list("agency_id", flat=True))


def task_get_for_staff(*, user: User, task_id: int) -> Task:
    """A task of one of the user's agencies. Raises NotAgencyStaffError, TaskNotFoundError."""
    agency_ids = staff_agency_ids(user=user)
    task = Task.objects.select_related("agency").filter(pk=task_id, agency_id__in=agency_ids).first()
    if task is None:
        raise TaskNotFoundError(task_id=task_id)
    return task


def tasks_for_agency(*, user: User, agency_id: int | None = None, status: str | None = None) -> QuerySet[Task]:
    """Every task of the user's agencies (or of the one named), newest start first."""
    agency_ids = staff_agency_ids(user=user)
    if agency_id is not None:
        agency_ids = [a for a in agency_ids if a == agency_id]
    qs = Task.objects.filter(agency_id__in=agency_ids).select_related("agency").order_by("-starts_at", "-id")
    if status:
        qs = qs.filter(status=status)
    return qs


def claim_list_for_user(*, user: User, status: str | None = None) -> QuerySet[Claim]:
    """My claims, newest first, with their tasks."""
    qs = Claim.objects.filter(user=user).select_related("task", "task__agency").order_by("-created_at", "-id")
    if status:
        qs = qs.filter(status=status)
    return qs


def claim_get_for_user(*, user: User, claim_id: int) -> Claim:
    """One of my claims. Raises ClaimNotFoundError."""
    claim = Claim.objects.select_related("task", "task__agency").filter(pk=claim_id, user=user).first()
    if claim is None:
        raise ClaimNotFoundError(claim_id=claim_id)
    return claim


def claim_get_for_staff(*, user: User, claim_id: int) -> Claim:
    """A claim on a task of one of the user's agencies. Raises NotAgencyStaffError, ClaimNotFoundError."""
    agency_ids = staff_agency_ids(user=user)
    claim = (
        Claim.objects.select_related("task", "task__agency", "user")
        .filter(pk=claim_id, task__agency_id__in=agency_ids)
        .first()
    )
    if claim is None:
        raise ClaimNotFoundError(claim_id=claim_id)
    return claim


def claims_for_task(*, task: Task) -> QuerySet[Claim]:
    """The claims of a task with their check-ins (evidence), for its agency."""
    return (
        Claim.objects.filter(task=task)
        .select_related("user")
        .prefetch_related(Prefetch("checkins", queryset=CheckIn.objects.order_by("received_at", "id")))
        .order_by("created_at", "id")
    )


def offer_list_for_user(*, user: User) -> QuerySet[DispatchOffer]:
    """My urgent offers, newest first."""
    return DispatchOffer.objects.filter(user=user).select_related("task", "task__agency").order_by("-created_at")


def offer_get_for_user(*, user: User, offer_id: int) -> DispatchOffer:
    """One of my offers. Raises OfferNotFoundError."""
    offer = DispatchOffer.objects.select_related("task").filter(pk=offer_id, user=user).first()
    if offer is None:
        raise OfferNotFoundError(offer_id=offer_id)
    return offer


def task_page_nearby_json(
    *,
    lat: float,
    lon: float,
    radius_km: float = 5.0,
    category: str | None = None,
    starts_after: datetime | None = None,
    starts_before: datetime | None = None,
    limit: int,
    offset: int,
    now: datetime | None = None,
) -> str:
    """One page of task_list_nearby with its count, as the API's JSON text ``{"count", "items"}``.

    The hottest read of the product is answered by PostgreSQL in one prepared call
    (``fubi_tasks_nearby``, migrations 0005 and 0006): same filters as task_list_nearby, KNN order, TaskOut's
    shape. Raises InvalidError for a limit or offset out of range.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidError(f"limit must be between 1 and {MAX_LIMIT}.", field="limit")
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidError(f"offset must be between 0 and {MAX_OFFSET}.", field="offset")
    # Times without an offset mean the city's clock (TIME_ZONE), as the ORM reads them in
    # task_list_nearby; the database session itself runs in UTC.
    starts_after, starts_before = (
        timezone.make_aware(moment) if moment is not None and timezone.is_naive(moment) else moment
        for moment in (starts_after, starts_before)
    )
    x, y = projected(lat, lon)
    with prepared_cursor() as cursor:
        cursor.execute(
            "SELECT fubi_tasks_nearby(%s::float8, %s::float8, %s::float8, %s::float8, %s::float8, %s::float8,"
            " %s::float8, %s::text, %s::timestamptz, %s::timestamptz, %s::timestamptz, %s::int, %s::bigint)",
            [
                lat,
                lon,
                radius_km,
                x,
                y,
                radius_km / KM_PER_DEGREE * RADIUS_SLACK,
                inner_circle_degrees(lat, radius_km),
                category or None,
                starts_after,
                starts_before,
                now or timezone.now(),
                limit,
                offset,
            ],
        )
        return cursor.fetchone()[0]
