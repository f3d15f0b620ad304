"""The programme report (/staff/report/): per street and period, the figures a district reports
upward — tasks issued, places taken, participations completed, tips received and verified, FZB paid
by kind, rewards redeemed.

It only reads: tasks, claims and tip rewards from their apps' rows, task payouts from the ledger
(each follows its claim to the task's place), quiz payouts from the quizzes' passes. An object
counts for the area whose boundary holds it: a task by its meeting point, a tip by its grid, a quiz
pass by the player's home community, a handed-over prize or order by its pickup point's grid.
Virtual rewards (codes delivered at once) have no place and are left out.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import Grid, GridLevel, Role, User
from core.errors import ForbiddenError, NotFoundError
from ledger.models import Posting, TransactionKind
from quizzes.models import QuizPass
from rewards.models import Redemption, RedemptionStatus
from tasks_app.models import Claim, ClaimStatus, Task
from tips.models import Tip

METRICS = (
    "tasks_issued",
    "places_taken",
    "participations_completed",
    "tips_received",
    "tips_verified",
    "fzb_task_payout",
    "fzb_tip_reward",
    "fzb_quiz_payout",
    "rewards_redeemed",
)
CLAIM_REF = Claim._meta.label_lower


@dataclass
class AreaRow:
    """One area's figures for the period."""

    grid: Grid
    figures: dict[str, int] = field(default_factory=lambda: dict.fromkeys(METRICS, 0))

    @property
    def fzb_paid(self) -> int:
        return self.figures["fzb_task_payout"] + self.figures["fzb_tip_reward"] + self.figures["fzb_quiz_payout"]


def _descendants(grid: Grid) -> list[int]:
    ids, frontier = [grid.pk], [grid.pk]
    while frontier:
        frontier = list(Grid.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
        ids += frontier
    return ids


def report_areas_for_user(*, user: User) -> list[Grid]:
    """The areas whose figures this user may read: for grid staff their grids, for agency staff their
    agencies' areas — a district as its streets, a street or a community as itself.
    Raises ForbiddenError for anyone else."""
    grids: list[Grid] = []
    if user.has_role(Role.GRID_STAFF):
        grids += [m.grid for m in user.grid_memberships.select_related("grid")]
    if user.has_role(Role.AGENCY_STAFF):
        grids += [m.agency.grid for m in user.agency_memberships.select_related("agency__grid") if m.agency.grid]
    if not grids:
        raise ForbiddenError(_("The programme report is for grid-centre and agency staff."))
    areas: dict[int, Grid] = {}
    for grid in grids:
        shown = list(grid.children.order_by("name")) if grid.level == GridLevel.DISTRICT else [grid]
        for area in shown or [grid]:
            areas.setdefault(area.pk, area)
    return sorted(areas.values(), key=lambda g: (g.depth, g.name))


def report_area_get(*, user: User, grid_id: int) -> Grid:
    """One of the user's areas. Raises NotFoundError when it is not theirs."""
    for area in report_areas_for_user(user=user):
        if area.pk == grid_id:
            return area
    raise NotFoundError(_("No such area among yours."), grid_id=grid_id)


class _Locator:
    """Which of the report's areas a grid id or a point belongs to."""

    def __init__(self, areas: list[Grid]) -> None:
        self.areas = areas
        self.by_grid = {grid_id: area.pk for area in areas for grid_id in _descendants(area)}

    def grid(self, grid_id: int | None) -> int | None:
        return self.by_grid.get(grid_id)

    def point(self, lat: float, lon: float) -> int | None:
        for area in self.areas:
            if area.min_lat <= lat <= area.max_lat and area.min_lon <= lon <= area.max_lon and area.contains(lat, lon):
                return area.pk
        return None

    def bbox(self, prefix: str = "") -> Q:
        """The box around every area, on the fields `<prefix>lat` and `<prefix>lon` (an index prefilter)."""
        return Q(
            **{
                f"{prefix}lat__gte": min(a.min_lat for a in self.areas),
                f"{prefix}lat__lte": max(a.max_lat for a in self.areas),
                f"{prefix}lon__gte": min(a.min_lon for a in self.areas),
                f"{prefix}lon__lte": max(a.max_lon for a in self.areas),
            }
        )


def _task_figures(rows: dict[int, AreaRow], where: _Locator, start: datetime, end: datetime) -> None:
    """Tasks published, places taken (claims made, not cancelled) and participations completed."""
    published = Task.objects.filter(where.bbox(), published_at__gte=start, published_at__lt=end)
    for lat, lon in published.values_list("lat", "lon"):
        area = where.point(lat, lon)
        if area is not None:
            rows[area].figures["tasks_issued"] += 1
    claims = Claim.objects.filter(where.bbox("task__")).filter(
        Q(created_at__gte=start, created_at__lt=end) | Q(completed_at__gte=start, completed_at__lt=end)
    )
    done = (ClaimStatus.COMPLETED, ClaimStatus.PAID)
    for created, completed, status, lat, lon in claims.values_list(
        "created_at", "completed_at", "status", "task__lat", "task__lon"
    ):
        area = where.point(lat, lon)
        if area is None:
            continue
        if start <= created < end and status != ClaimStatus.CANCELLED:
            rows[area].figures["places_taken"] += 1
        if completed is not None and start <= completed < end and status in done:
            rows[area].figures["participations_completed"] += 1


def _task_payouts(rows: dict[int, AreaRow], where: _Locator, start: datetime, end: datetime) -> None:
    """Task payouts as the ledger has them: wallet credits of kind task_payout in the period, each
    followed to its claim's task."""
    credits = Posting.objects.filter(
        transaction__kind=TransactionKind.TASK_PAYOUT,
        transaction__ref_type=CLAIM_REF,
        transaction__created_at__gte=start,
        transaction__created_at__lt=end,
        amount__gt=0,
    ).values_list("transaction__ref_id", "amount")
    paid: dict[int, int] = defaultdict(int)
    for claim_id, amount in credits:
        paid[claim_id] += int(amount)
    for claim_id, lat, lon in Claim.objects.filter(pk__in=list(paid)).values_list("id", "task__lat", "task__lon"):
        area = where.point(lat, lon)
        if area is not None:
            rows[area].figures["fzb_task_payout"] += paid[claim_id]


def _grid_figures(rows: dict[int, AreaRow], where: _Locator, start: datetime, end: datetime) -> None:
    """Tips received and verified, tip rewards and quiz payouts, and orders handed over, by grid."""
    grids = list(where.by_grid)
    tips = Tip.objects.filter(grid_id__in=grids)
    period = {"__gte": start, "__lt": end}

    def within(name: str) -> dict:
        return {f"{name}{op}": value for op, value in period.items()}

    counted = (
        ("tips_received", tips.filter(**within("created_at")).values_list("grid_id", "id"), False),
        ("tips_verified", tips.filter(**within("verified_at")).values_list("grid_id", "id"), False),
        ("fzb_tip_reward", tips.filter(**within("reward_paid_at")).values_list("grid_id", "reward_points"), True),
        (
            "fzb_quiz_payout",
            QuizPass.objects.filter(attempt__grid_id__in=grids, **within("created_at")).values_list(
                "attempt__grid_id", "points"
            ),
            True,
        ),
        (
            "rewards_redeemed",
            Redemption.objects.filter(
                status=RedemptionStatus.FULFILLED, pickup_point__grid_id__in=grids, **within("fulfilled_at")
            ).values_list("pickup_point__grid_id", "quantity"),
            True,
        ),
    )
    for metric, pairs, summed in counted:
        for grid_id, value in pairs:
            area = where.grid(grid_id)
            if area is not None:
                rows[area].figures[metric] += int(value or 0) if summed else 1


def programme_report(*, areas: list[Grid], start: datetime, end: datetime) -> list[AreaRow]:
    """Every metric for each area over [start, end), in the areas' order."""
    rows = {area.pk: AreaRow(grid=area) for area in areas}
    if not areas:
        return []
    where = _Locator(areas)
    _task_figures(rows, where, start, end)
    _task_payouts(rows, where, start, end)
    _grid_figures(rows, where, start, end)
    return [rows[area.pk] for area in areas]


def report_totals(rows: list[AreaRow]) -> dict[str, int]:
    return {metric: sum(row.figures[metric] for row in rows) for metric in METRICS}
