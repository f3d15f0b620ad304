"""Reads of the tasks app: nearby search, and "fetch it for this user" (NotFound when not theirs)."""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import BooleanField, Count, Exists, F, FloatField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from core.errors import InvalidError
from core.pagination import MAX_LIMIT, MAX_OFFSET
from tasks_app import queries
from tasks_app.errors import (
    ClaimNotFoundError,
    InvitationNotFoundError,
    NotAgencyStaffError,
    OfferNotFoundError,
    RotaNotFoundError,
    TaskNotFoundError,
    TeamNotFoundError,
)
from tasks_app.geo_sql import KM_PER_DEGREE, projected
from tasks_app.models import (
    Audience,
    CheckIn,
    CheckInConflict,
    CheckInFlag,
    CheckInKind,
    Claim,
    ClaimStatus,
    DispatchOffer,
    InvitationStatus,
    Rota,
    Task,
    TaskStatus,
    Team,
    TeamInvitation,
    TeamMembership,
)

TABLE = '"tasks_app_task"'


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
    ordering; distance_km is exact (haversine: ``fubi_distance_km``, tasks_app/sql/tasks_nearby.sql).
    The ORM's reading of the search that queries.tasks_nearby_json answers in SQL (a test holds the
    two equal).
    """
    now = now or timezone.now()
    x, y = projected(lat, lon)
    radius_deg = radius_km / KM_PER_DEGREE
    distance = f"fubi_distance_km(%s, %s, {TABLE}.lat, {TABLE}.lon)"
    qs = (
        Task.objects.filter(status=TaskStatus.OPEN, team__isnull=True, ends_at__gt=now, slots_taken__lt=F("headcount"))
        .filter(
            RawSQL(  # noqa: S611 - constant SQL text, values passed as parameters
                f"{TABLE}.location <@ circle(point(%s, %s), %s)",
                (x, y, radius_deg * queries.RADIUS_SLACK),
                output_field=BooleanField(),
            )
        )
        .filter(RawSQL(f"{distance} <= %s", (lat, lon, radius_km), output_field=BooleanField()))  # noqa: S611
        .annotate(distance_km=RawSQL(distance, (lat, lon), output_field=FloatField()))  # noqa: S611
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


def citizen_grid_ids(*, user: User) -> set[int]:
    """The grids a citizen belongs to: those of their community groups (the community app, when
    installed) and every grid above them. A task for a grid reaches the citizens of it and of the
    grids inside it."""
    from django.apps import apps

    from accounts.models import Grid

    if not apps.is_installed("community"):
        return set()
    membership = apps.get_model("community", "Membership")
    current = membership.objects.filter(user=user, removed_at__isnull=True)
    grid_ids = set(current.values_list("group__grid_id", flat=True)) - {None}
    found = set(grid_ids)
    for grid in Grid.objects.filter(pk__in=grid_ids).select_related("parent"):
        found |= {ancestor.pk for ancestor in grid.ancestors()}
    return found


def task_audience_allows(*, task: Task, user: User | None) -> bool:
    """May this user see and claim the task? Everyone, unless it is for a team (its members) or a
    grid (its citizens, citizen_grid_ids); the task's agency's staff always see it."""
    if task.audience == Audience.ALL and task.team_id is None:
        return True
    if user is None or not user.is_authenticated:
        return False
    if task.team_id is not None and TeamMembership.objects.filter(team_id=task.team_id, user=user).exists():
        return True
    if task.audience == Audience.GRID and task.grid_id in citizen_grid_ids(user=user):
        return True
    return user.agency_memberships.filter(agency_id=task.agency_id).exists()


def task_get_public(*, task_id: int, user: User | None = None) -> Task:
    """A task this user (None: a visitor) may see: every state but draft, within its audience.

    Raises TaskNotFoundError (also for a team's task seen from outside the team).
    """
    task = Task.objects.select_related("agency").exclude(status=TaskStatus.DRAFT).filter(pk=task_id).first()
    if task is None or not task_audience_allows(task=task, user=user):
        raise TaskNotFoundError(task_id=task_id)
    return task


def task_get_for_claim(*, task_id: int, user: User | None = None) -> Task:
    """The few columns claiming needs (the hot path of a burst), no join. Raises TaskNotFoundError.

    With a user, ``task.live_claim_of`` answers whether they hold a live claim on it (claim_create
    reads it instead of asking again).
    """
    found = queries.task_for_claim(task_id=task_id, user_id=user.pk if user else None)
    if found is None:
        raise TaskNotFoundError(task_id=task_id)
    task, holds_claim = found
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
    """The claims of a task with their check-ins (evidence), for its agency.

    Each check-in comes with the conflicts it has with the citizen's fixes on other tasks, both
    ways (claim_conflicts reads them); each claim with ``claimant_paid_claims``, how many claims its
    citizen has been paid for (claimant_is_new).
    """
    paid = (
        Claim.objects.filter(user_id=OuterRef("user_id"), status=ClaimStatus.PAID)
        .order_by()
        .values("user_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    checkins = CheckIn.objects.order_by("received_at", "id").prefetch_related(
        Prefetch("conflicts", queryset=CheckInConflict.objects.select_related("other__claim__task")),
        Prefetch("conflicts_with", queryset=CheckInConflict.objects.select_related("checkin__claim__task")),
    )
    return (
        Claim.objects.filter(task=task)
        .select_related("user")
        .annotate(claimant_paid_claims=Coalesce(Subquery(paid), 0))
        .prefetch_related(Prefetch("checkins", queryset=checkins))
        .order_by("created_at", "id")
    )


def claimant_is_new(*, claim: Claim) -> bool:
    """Has the claimant fewer paid claims than settings.FUBI_NEW_ACCOUNT_MANUAL_CLAIMS?

    Such a citizen's claims are never paid automatically (services.claim_may_auto_approve). Reads
    ``claimant_paid_claims`` when claims_for_task annotated it.
    """
    needed = settings.FUBI_NEW_ACCOUNT_MANUAL_CLAIMS
    if needed <= 0:
        return False
    paid = getattr(claim, "claimant_paid_claims", None)
    if paid is None:
        paid = Claim.objects.filter(user_id=claim.user_id, status=ClaimStatus.PAID)[:needed].count()
    return paid < needed


def _fix(checkin: CheckIn) -> dict[str, Any]:
    return {
        "id": checkin.id,
        "kind": checkin.kind,
        "kind_label": str(CheckInKind(checkin.kind).label),
        "lat": checkin.lat,
        "lon": checkin.lon,
        "accuracy_m": checkin.accuracy_m,
        "recorded_at": checkin.recorded_at,
        "received_at": checkin.received_at,
    }


def claim_conflicts(*, claim: Claim) -> list[dict[str, Any]]:
    """Why a claim is flagged across tasks: each fix of it that contradicts the citizen's fix on
    another task, with that task, both fixes, their distance and time apart, and the implied speed.

    Reads the check-ins as claims_for_task prefetches them (else a few queries per claim). Found
    either when this claim's fix was judged or when the other one was; listed by this claim's fix.
    """
    rows = []
    for checkin in claim.checkins.all():
        pairs = [(conflict, conflict.other) for conflict in checkin.conflicts.all()]
        pairs += [(conflict, conflict.checkin) for conflict in checkin.conflicts_with.all()]
        for conflict, other in pairs:
            rows.append(
                {
                    "kind": conflict.kind,
                    "label": str(CheckInFlag(conflict.kind).label),
                    "fix": _fix(checkin),
                    "other_fix": _fix(other),
                    "other_claim_id": other.claim_id,
                    "other_task": {"id": other.claim.task.id, "title": other.claim.task.title},
                    "distance_m": conflict.distance_m,
                    "distance_km": round(conflict.distance_m / 1000, 2),
                    "seconds": conflict.seconds,
                    "minutes": round(conflict.seconds / 60, 1),
                    "speed_kmh": conflict.speed_kmh,
                    "found_at": conflict.created_at,
                }
            )
    return rows


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
    """One page of task_list_nearby as the API's JSON text ``{"count", "count_exact", "items"}``.

    The hottest read of the product, answered by PostgreSQL in one prepared call
    (queries.tasks_nearby_json): same filters as task_list_nearby, KNN order, TaskOut's shape;
    ``count`` is exact up to queries.NEARBY_COUNT_CAP and ``count_exact`` says whether it is.
    Raises InvalidError for a limit or offset out of range.
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
    return queries.tasks_nearby_json(
        lat=lat,
        lon=lon,
        radius_km=radius_km,
        category=category,
        starts_after=starts_after,
        starts_before=starts_before,
        now=now or timezone.now(),
        limit=limit,
        offset=offset,
    )


def task_count_nearby(**search: Any) -> tuple[int, bool]:
    """(count, count_exact) of task_list_nearby(**search), counted up to queries.NEARBY_COUNT_CAP
    as GET /tasks counts them."""
    found = task_list_nearby(**search).order_by()[: queries.NEARBY_COUNT_CAP + 1].count()
    return min(found, queries.NEARBY_COUNT_CAP), found <= queries.NEARBY_COUNT_CAP


# --- teams -----------------------------------------------------------------------------------------


def team_member_ids(*, team: Team | int) -> list[int]:
    """The user ids of a team's members (quizzes, online tasks and notices sent to a team read this)."""
    team_id = team if isinstance(team, int) else team.pk
    return list(TeamMembership.objects.filter(team_id=team_id).order_by("user_id").values_list("user_id", flat=True))


def user_team_ids(*, user: User) -> list[int]:
    """The teams this user is a member of."""
    return list(TeamMembership.objects.filter(user=user).values_list("team_id", flat=True))


def _teams_annotated(qs: QuerySet[Team], *, user: User) -> QuerySet[Team]:
    mine = TeamMembership.objects.filter(team_id=OuterRef("pk"), user=user)
    invited = TeamInvitation.objects.filter(team_id=OuterRef("pk"), user=user, status=InvitationStatus.PENDING)
    return (
        qs.select_related("agency")
        .annotate(member_count=Count("memberships", distinct=True), is_member=Exists(mine), is_invited=Exists(invited))
        .order_by("agency_id", "name", "id")
    )


def teams_visible(*, user: User) -> QuerySet[Team]:
    """Teams this user may see: their agencies' teams (staff), teams they are in or invited to, open ones.

    Each with member_count, is_member and is_invited.
    """
    agency_ids = user.agency_memberships.values("agency_id")
    visible = (
        Q(is_open=True)
        | Q(agency_id__in=agency_ids)
        | Q(memberships__user=user)
        | Q(invitations__user=user, invitations__status=InvitationStatus.PENDING)
    )
    ids = Team.objects.filter(visible).values("pk")
    return _teams_annotated(Team.objects.filter(pk__in=ids), user=user)


def team_get_visible(*, user: User, team_id: int) -> Team:
    """A team this user may see (teams_visible). Raises TeamNotFoundError."""
    team = teams_visible(user=user).filter(pk=team_id).first()
    if team is None:
        raise TeamNotFoundError(team_id=team_id)
    return team


def team_get(*, team_id: int) -> Team:
    """Any team, for joining it (a closed one then answers invitation_required). Raises TeamNotFoundError."""
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise TeamNotFoundError(team_id=team_id)
    return team


def team_get_for_staff(*, user: User, team_id: int) -> Team:
    """A team of one of the user's agencies. Raises NotAgencyStaffError, TeamNotFoundError."""
    agency_ids = staff_agency_ids(user=user)
    team = _teams_annotated(Team.objects.filter(pk=team_id, agency_id__in=agency_ids), user=user).first()
    if team is None:
        raise TeamNotFoundError(team_id=team_id)
    return team


def team_members(*, team: Team) -> QuerySet[TeamMembership]:
    """A team's members with their users, oldest first (for its agency's staff)."""
    return TeamMembership.objects.filter(team=team).select_related("user").order_by("created_at", "id")


def team_invitations_pending(*, team: Team) -> QuerySet[TeamInvitation]:
    """Invitations of a team still waiting for an answer (for its agency's staff)."""
    return TeamInvitation.objects.filter(team=team, status=InvitationStatus.PENDING).select_related("user")


def invitation_list_for_user(*, user: User) -> QuerySet[TeamInvitation]:
    """My invitations waiting for an answer, newest first."""
    return (
        TeamInvitation.objects.filter(user=user, status=InvitationStatus.PENDING)
        .select_related("team", "team__agency")
        .order_by("-created_at", "-id")
    )


def invitation_get_for_invitee(*, user: User, invitation_id: int) -> TeamInvitation:
    """An invitation sent to me. Raises InvitationNotFoundError."""
    invitation = TeamInvitation.objects.select_related("team").filter(pk=invitation_id, user=user).first()
    if invitation is None:
        raise InvitationNotFoundError(invitation_id=invitation_id)
    return invitation


def invitee_get(*, user_id: int | None, email: str | None) -> User:
    """The person a staff member invites, by id or email address. Raises InviteeInvalidError (422)."""
    from tasks_app.errors import InviteeInvalidError

    found = None
    if user_id is not None:
        found = User.objects.filter(pk=user_id, is_active=True).first()
    elif email:
        found = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if found is None:
        raise InviteeInvalidError(
            _("No citizen with this id or email address."), field="user_id" if user_id else "email"
        )
    return found


# --- rotas -----------------------------------------------------------------------------------------


def rotas_for_staff(*, user: User, agency_id: int | None = None) -> QuerySet[Rota]:
    """The rotas of the user's agencies (or of the one named), with their shifts. Raises NotAgencyStaffError."""
    agency_ids = staff_agency_ids(user=user)
    if agency_id is not None:
        agency_ids = [a for a in agency_ids if a == agency_id]
    return (
        Rota.objects.filter(agency_id__in=agency_ids)
        .select_related("agency", "team", "grid")
        .prefetch_related("shifts")
        .order_by("agency_id", "title", "id")
    )


def rota_get_for_staff(*, user: User, rota_id: int) -> Rota:
    """A rota of one of the user's agencies. Raises NotAgencyStaffError, RotaNotFoundError."""
    rota = rotas_for_staff(user=user).filter(pk=rota_id).first()
    if rota is None:
        raise RotaNotFoundError(rota_id=rota_id)
    return rota


def _grid_and_below(grid_id: int) -> list[int]:
    from accounts.models import Grid

    found, frontier = [grid_id], [grid_id]
    while frontier:
        frontier = list(Grid.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        found += frontier
    return found


def _coverage_cell(*, rota: Rota, kind: str, day: Any, tasks: dict) -> dict[str, Any]:
    in_rota = day.isoweekday() in rota.weekdays and day >= rota.starts_on and (not rota.ends_on or day <= rota.ends_on)
    task = tasks.get((rota.pk, day, kind))
    if task is None:
        status = "not_made" if in_rota else "no_shift"
        return {"date": day, "task_id": None, "taken": 0, "headcount": rota.headcount if in_rota else 0,
                "status": status, "filled": False}  # fmt: skip
    return {
        "date": day,
        "task_id": task.pk,
        "taken": task.slots_taken,
        "headcount": task.headcount,
        "status": task.status,
        "filled": task.slots_taken >= task.headcount,
    }


def rota_coverage(*, user: User, week_start: Any, grid_id: int | None = None) -> dict[str, Any]:
    """Shifts × days of one week for the user's agencies' rotas (optionally of a grid and those inside
    it): places taken against headcount per made shift; ``unfilled`` counts open shifts still short."""
    from datetime import timedelta

    days = [week_start + timedelta(days=offset) for offset in range(7)]
    rotas = rotas_for_staff(user=user)
    if grid_id is not None:
        rotas = rotas.filter(grid_id__in=_grid_and_below(grid_id))
    rotas = list(rotas)
    made = Task.objects.filter(rota__in=rotas, shift_date__range=(days[0], days[-1])).only(
        "id", "rota_id", "shift_date", "shift_kind", "slots_taken", "headcount", "status"
    )
    tasks = {(task.rota_id, task.shift_date, task.shift_kind): task for task in made}
    rows = [
        {
            "rota_id": rota.pk,
            "title": rota.title,
            "shift_kind": shift.kind,
            "starts": shift.starts.strftime("%H:%M"),
            "ends": shift.ends.strftime("%H:%M"),
            "cells": [_coverage_cell(rota=rota, kind=shift.kind, day=day, tasks=tasks) for day in days],
        }
        for rota in rotas
        for shift in rota.shifts.all()
    ]
    unfilled = sum(
        1 for row in rows for cell in row["cells"] if cell["status"] == TaskStatus.OPEN and not cell["filled"]
    )
    return {"week_start": days[0], "grid_id": grid_id, "days": days, "rows": rows, "unfilled": unfilled}


def tasks_for_my_audiences(*, user: User, now: datetime | None = None) -> QuerySet[Task]:
    """Open tasks with places left meant for this citizen rather than for everyone nearby: their
    teams' shifts and tasks, online tasks for their grids, and online tasks for everyone. Soonest first."""
    now = now or timezone.now()
    mine = (
        Q(team__memberships__user=user)
        | Q(audience=Audience.GRID, grid_id__in=citizen_grid_ids(user=user))
        | Q(audience=Audience.ALL, lat__isnull=True)
    )
    ids = Task.objects.filter(mine).values("pk")
    return (
        Task.objects.filter(pk__in=ids, status=TaskStatus.OPEN, ends_at__gt=now, slots_taken__lt=F("headcount"))
        .select_related("agency", "team")
        .order_by("starts_at", "id")
    )


def grid_get_for_audience(*, grid_id: int) -> Any:
    """The grid an online task is sent to. Raises TaskInvalidError (422) for an unknown grid."""
    from accounts.models import Grid
    from tasks_app.errors import TaskInvalidError

    grid = Grid.objects.filter(pk=grid_id).first()
    if grid is None:
        raise TaskInvalidError(_("No such grid."), field="grid_id")
    return grid
