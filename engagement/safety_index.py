"""The public safety index (平安指数): where and what was reported or done, never who or exactly where.

Sources: tips that staff took to their category's public step (tips.selectors.tips_public: accepted,
or verified for allegations such as drugs; never an unchecked, rejected or duplicate tip, so no
place is named with an accusation nobody checked) and completed tasks (a task with at least one
completed or paid claim), in a period.
Privacy: positions are snapped to grid cells of CELL_DEG degrees and only a cell's bounds are
published; a cell, and a community row, with fewer than k reports (settings.FUBI_SAFETY_INDEX_K)
is left out entirely. No row ever names a person.
"""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Grid
from core.errors import InvalidError
from engagement import rules
from tasks_app.models import Category, ClaimStatus, Task
from tips import selectors as tip_selectors
from tips.models import TipCategory

CELL_DEG = 0.005  # about 550 m × 500 m at Fuzhou's latitude
PERIOD_MONTHS = {"quarter": 3, "half_year": 6, "year": 12, "all": None}
PERIOD_LABELS = {
    "quarter": _("Last 3 months"),
    "half_year": _("Last 6 months"),
    "year": _("Last 12 months"),
    "all": _("All time"),
}
RANKING_SIZE = 10


def k_threshold() -> int:
    return max(1, int(getattr(settings, "FUBI_SAFETY_INDEX_K", 5)))


@dataclass(frozen=True)
class Report:
    source: str  # "tip" or "task"
    category: str
    lat: float
    lon: float
    grid_id: int | None
    at: datetime


def _month_add(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_bounds(period: str, now: datetime) -> tuple[datetime | None, datetime]:
    """(since, until) of a period: whole calendar months in Asia/Shanghai, the current one included."""
    if period not in PERIOD_MONTHS:
        raise InvalidError(
            "period must be quarter, half_year, year or all.", field="period", allowed=list(PERIOD_MONTHS)
        )
    months = PERIOD_MONTHS[period]
    if months is None:
        return None, now
    first = _month_add(rules.city_date(now).replace(day=1), -(months - 1))
    return rules.city_midnight(first), now


def cell_of(lat: float, lon: float) -> tuple[int, int]:
    """The integer index of the cell holding the point (south-west corner = index × CELL_DEG)."""
    return math.floor(round(lat / CELL_DEG, 9)), math.floor(round(lon / CELL_DEG, 9))


def _innermost(grids: list[Grid], lat: float, lon: float) -> int | None:
    for grid in grids:  # deepest, then smallest first
        if grid.min_lat <= lat <= grid.max_lat and grid.min_lon <= lon <= grid.max_lon and grid.contains(lat, lon):
            return grid.pk
    return None


def reports_in(since: datetime | None, until: datetime) -> list[Report]:
    """Every publicly counted tip and completed task in [since, until]."""
    tips = tip_selectors.tips_public(since=since, until=until)
    tasks = Task.objects.filter(
        claims__status__in=[ClaimStatus.COMPLETED, ClaimStatus.PAID], starts_at__lte=until
    ).distinct()
    if since is not None:
        tasks = tasks.filter(starts_at__gte=since)
    reports = [
        Report("tip", code, lat, lon, grid_id, at)
        for code, lat, lon, grid_id, at in tips.values_list("category__code", "lat", "lon", "grid_id", "created_at")
    ]
    grids = sorted(Grid.objects.all(), key=lambda grid: (-grid.depth, grid.area))
    reports += [
        Report("task", category, lat, lon, _innermost(grids, lat, lon), at)
        for category, lat, lon, at in tasks.values_list("category", "lat", "lon", "starts_at")
    ]
    return reports


def _category_names() -> dict[tuple[str, str], str]:
    names = {("tip", category.code): category.name for category in TipCategory.objects.all()}
    names.update({("task", value): str(label) for value, label in Category.choices})
    return names


def _months(since: datetime | None, until: datetime, reports: list[Report]) -> list[str]:
    if since is None:
        if not reports:
            return []
        since = min(report.at for report in reports)
    first, last = rules.city_date(since).replace(day=1), rules.city_date(until).replace(day=1)
    months, month = [], first
    while month <= last:
        months.append(f"{month:%Y-%m}")
        month = _month_add(month, 1)
    return months


def _named(names: dict[tuple[str, str], str], source: str, code: str) -> dict[str, str]:
    return {"source": source, "code": code, "name": names.get((source, code), code)}


def _categories_shown(by_category: Counter, names: dict[tuple[str, str], str], k: int) -> list[dict[str, Any]]:
    """Categories with at least k reports in the period, most reported first (k-anonymity here too)."""
    return [
        {**_named(names, source, code), "count": count}
        for (source, code), count in sorted(by_category.items(), key=lambda item: (-item[1], item[0]))
        if count >= k
    ]


def _communities(reports: list[Report], names: dict[tuple[str, str], str], k: int) -> tuple[list[dict[str, Any]], int]:
    """(the communities with at least k reports, busiest first; how many were hidden)."""
    per_grid: dict[int, Counter] = defaultdict(Counter)
    per_grid_category: dict[int, Counter] = defaultdict(Counter)
    for report in reports:
        if report.grid_id is not None:
            per_grid[report.grid_id][report.source] += 1
            per_grid_category[report.grid_id][(report.source, report.category)] += 1
    grids = {grid.pk: grid for grid in Grid.objects.filter(pk__in=per_grid)}
    communities, hidden_communities = [], 0
    for grid_id, counts in per_grid.items():
        total = counts["tip"] + counts["task"]
        if total < k:
            hidden_communities += 1
            continue
        grid = grids[grid_id]
        # a community's categories with at least k reports; smaller ones are only summed as "hidden"
        shown = sorted(
            ((key, n) for key, n in per_grid_category[grid_id].items() if n >= k), key=lambda item: (-item[1], item[0])
        )
        communities.append(
            {
                "grid_id": grid_id,
                "code": grid.code,
                "name": grid.name,
                "level": grid.level,
                "tips": counts["tip"],
                "tasks": counts["task"],
                "total": total,
                "categories": [{**_named(names, source, code), "count": n} for (source, code), n in shown],
                "hidden_in_categories": total - sum(n for _, n in shown),
            }
        )
    communities.sort(key=lambda row: (-row["total"], row["name"]))
    return communities, hidden_communities


def _heat(reports: list[Report], k: int) -> tuple[list[dict[str, Any]], int, int]:
    """(the grid cells with at least k reports, south-west first; hidden cells; reports in them)."""
    cells: dict[tuple[int, int], Counter] = defaultdict(Counter)
    for report in reports:
        cells[cell_of(report.lat, report.lon)][report.source] += 1
    heat, hidden_cells, hidden_reports = [], 0, 0
    for (i, j), counts in sorted(cells.items()):
        total = counts["tip"] + counts["task"]
        if total < k:
            hidden_cells += 1
            hidden_reports += total
            continue
        heat.append(
            {
                "lat": round((i + 0.5) * CELL_DEG, 6),
                "lon": round((j + 0.5) * CELL_DEG, 6),
                "south": round(i * CELL_DEG, 6),
                "west": round(j * CELL_DEG, 6),
                "north": round((i + 1) * CELL_DEG, 6),
                "east": round((j + 1) * CELL_DEG, 6),
                "count": total,
                "tips": counts["tip"],
                "tasks": counts["task"],
            }
        )
    return heat, hidden_cells, hidden_reports


def _trends(
    since: datetime | None,
    until: datetime,
    reports: list[Report],
    by_category: Counter,
    names: dict[tuple[str, str], str],
    k: int,
) -> dict[str, Any]:
    """Reports per month of each category shown (at least k in the period), most reported first."""
    months = _months(since, until, reports)
    position = {month: index for index, month in enumerate(months)}
    series: dict[tuple[str, str], list[int]] = {}
    for report in reports:
        month = f"{rules.city_date(report.at):%Y-%m}"
        if month in position and by_category[(report.source, report.category)] >= k:
            series.setdefault((report.source, report.category), [0] * len(months))[position[month]] += 1
    return {
        "months": months,
        "series": [
            {**_named(names, source, code), "counts": counts}
            for (source, code), counts in sorted(series.items(), key=lambda item: (-sum(item[1]), item[0]))
        ],
    }


def safety_index(*, period: str = "half_year", now: datetime | None = None) -> dict[str, Any]:
    """The public dashboard's numbers: totals, per category, per community, heat cells, trends, rankings.

    Raises InvalidError for an unknown period.
    """
    now = now or timezone.now()
    k = k_threshold()
    since, until = period_bounds(period, now)
    reports = reports_in(since, until)
    names = _category_names()
    by_category = Counter((r.source, r.category) for r in reports)
    categories = _categories_shown(by_category, names, k)
    communities, hidden_communities = _communities(reports, names, k)
    heat, hidden_cells, hidden_reports = _heat(reports, k)
    period_row = {"key": period, "label": str(PERIOD_LABELS[period])}
    period_row |= {"since": since.isoformat() if since else None, "until": until.isoformat()}
    return {
        "period": period_row,
        "k": k,
        "counted_from": tip_selectors.categories_public_rules(),
        "cell_deg": CELL_DEG,
        "totals": {
            "tips": sum(1 for r in reports if r.source == "tip"),
            "tasks": sum(1 for r in reports if r.source == "task"),
            "reports": len(reports),
        },
        "by_category": categories,
        "by_community": communities,
        "hidden_communities": hidden_communities,
        "heat": heat,
        "hidden_cells": hidden_cells,
        "hidden_reports": hidden_reports,
        "trends": _trends(since, until, reports, by_category, names, k),
        "rankings": {
            "most_active_communities": communities[:RANKING_SIZE],
            "most_reported_problems": [row for row in categories if row["source"] == "tip"][:RANKING_SIZE],
        },
    }
