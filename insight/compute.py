"""The figures of an edition: rankings per category, time of day, 词频分析 — for one grid's half year.

Every figure counts public tips only (tips.selectors.tips_public: accepted, or verified for the
allegation categories) of the grid and every grid below it, created in the half year (city time),
and every figure under k (FUBI_SAFETY_INDEX_K) is left out: a community with fewer than k reports
of a category is not ranked, a map cell or an hour × weekday square under k is not shown, a term
in fewer than k tips is not listed.
"""

import math
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import Grid, GridLevel
from insight import words
from insight.models import TipTerms
from tips import selectors as tip_selectors
from tips.models import Tip, TipCategory

CELL_DEG = 0.005  # the public safety index's cells (about 550 m × 500 m at Fuzhou's latitude)
# Hour bands in city time: [from, to) hours; the night map is 21:00–03:00.
BANDS = [("all", 0, 24), ("night", 21, 3), ("early", 3, 9), ("day", 9, 15), ("evening", 15, 21)]
TOP_TERMS = 40
EVERY_CATEGORY = {"zh": "全部类别", "en": "All categories"}
TERMS_BATCH = 2000


def city_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def k_threshold() -> int:
    return max(1, int(getattr(settings, "FUBI_SAFETY_INDEX_K", 5)))


@dataclass(frozen=True)
class Row:
    tip_id: int
    category: str
    grid_id: int
    lat: float
    lon: float
    at: datetime  # city time


def half_bounds(year: int, half: int) -> tuple[datetime, datetime]:
    """[since, until) of a half year in city time: H1 January–June, H2 July–December."""
    tz = city_tz()
    since = datetime(year, 1 if half == 1 else 7, 1, tzinfo=tz)
    until = datetime(year, 7, 1, tzinfo=tz) if half == 1 else datetime(year + 1, 1, 1, tzinfo=tz)
    return since, until


def previous_half(year: int, half: int) -> tuple[int, int]:
    return (year, 1) if half == 2 else (year - 1, 2)


def grid_subtree_ids(grid: Grid) -> list[int]:
    """The grid and every grid below it."""
    ids, frontier = [grid.pk], [grid.pk]
    while frontier:
        frontier = list(Grid.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.extend(frontier)
    return ids


def public_tips(*, grid_ids: list[int], since: datetime, until: datetime) -> QuerySet[Tip]:
    """Public tips of these grids created in [since, until)."""
    return tip_selectors.tips_public(since=since).filter(grid_id__in=grid_ids, created_at__lt=until)


def rows_of(tips: QuerySet[Tip]) -> list[Row]:
    tz = city_tz()
    values = tips.order_by().values_list("pk", "category__code", "grid_id", "lat", "lon", "created_at")
    return [Row(pk, code, grid, lat, lon, at.astimezone(tz)) for pk, code, grid, lat, lon, at in values.iterator(5000)]


def terms_ensure(tips: QuerySet[Tip]) -> int:
    """Segment the descriptions of these tips that have no stored terms yet; answers how many."""
    missing = tips.filter(~Exists(TipTerms.objects.filter(tip_id=OuterRef("pk")))).order_by()
    made = 0
    batch: list[TipTerms] = []
    for pk, description in missing.values_list("pk", "description").iterator(TERMS_BATCH):
        batch.append(TipTerms(tip_id=pk, terms=sorted(words.tip_terms(description))))
        if len(batch) >= TERMS_BATCH:
            made += len(TipTerms.objects.bulk_create(batch, ignore_conflicts=True))
            batch = []
    if batch:
        made += len(TipTerms.objects.bulk_create(batch, ignore_conflicts=True))
    return made


def terms_by_tip(tips: QuerySet[Tip]) -> dict[int, list[str]]:
    return dict(TipTerms.objects.filter(tip__in=tips.order_by().values("pk")).values_list("tip_id", "terms"))


def category_names() -> dict[str, dict[str, str]]:
    return {c.code: {"zh": c.name_zh, "en": c.name_en} for c in TipCategory.objects.all()}


def categories(rows: list[Row], previous: list[Row], *, k: int, names: dict) -> list[dict[str, Any]]:
    """Reports per category (at least k), with the previous half's count when that reached k too."""
    now, before = Counter(r.category for r in rows), Counter(r.category for r in previous)
    return [
        {
            "code": code,
            "name": names.get(code, {"zh": code, "en": code}),
            "count": n,
            "previous": before[code] if before[code] >= k else None,
        }
        for code, n in sorted(now.items(), key=lambda item: (-item[1], item[0]))
        if n >= k
    ]


def _ranked(counts: Counter, communities: dict[int, Grid], *, k: int) -> tuple[list[dict[str, Any]], int]:
    rows, unranked = [], 0
    for grid_id, grid in communities.items():
        reports = counts.get(grid_id, 0)
        if reports < k or not grid.population:
            unranked += 1
            continue
        per_1000 = round(reports * 1000 / grid.population, 2)
        rows.append(
            {
                "grid_id": grid_id,
                "name": grid.name,
                "reports": reports,
                "population": grid.population,
                "per_1000": per_1000,
            }
        )
    rows.sort(key=lambda row: (-row["per_1000"], -row["reports"], row["name"]))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows, unranked


def rankings(
    rows: list[Row], communities: dict[int, Grid], *, k: int, names: dict, previous: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Per category: communities by reports per 1,000 residents; under k reports (or without a
    population) a community is not ranked. `previous` is the last edition's snapshot, for the change."""
    per_category: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        if row.grid_id in communities:
            per_category[row.category][row.grid_id] += 1
    before = {
        (table["code"], entry["grid_id"]): entry
        for table in (previous or {}).get("rankings", [])
        for entry in table["rows"]
    }
    tables = []
    for code in sorted(per_category, key=lambda c: (-sum(per_category[c].values()), c)):
        ranked, unranked = _ranked(per_category[code], communities, k=k)
        for entry in ranked:
            last = before.get((code, entry["grid_id"]))
            entry["previous_rank"] = last["rank"] if last else None
            entry["previous_per_1000"] = last["per_1000"] if last else None
        tables.append(
            {"code": code, "name": names.get(code, {"zh": code, "en": code}), "rows": ranked, "unranked": unranked}
        )
    return tables


def _in_band(hour: int, start: int, end: int) -> bool:
    return start <= hour < end if start < end else hour >= start or hour < end


def _cells(rows: list[Row], *, k: int) -> tuple[list[dict[str, Any]], int]:
    cells = Counter((math.floor(round(r.lat / CELL_DEG, 9)), math.floor(round(r.lon / CELL_DEG, 9))) for r in rows)
    shown = [
        {
            "south": round(i * CELL_DEG, 6),
            "west": round(j * CELL_DEG, 6),
            "north": round((i + 1) * CELL_DEG, 6),
            "east": round((j + 1) * CELL_DEG, 6),
            "count": n,
        }
        for (i, j), n in sorted(cells.items())
        if n >= k
    ]
    return shown, sum(1 for n in cells.values() if n < k)


def time_of_day(rows: list[Row], *, k: int, names: dict) -> dict[str, Any]:
    """Heat maps per hour band (the night map: 21:00–03:00) and an hour × weekday chart per category."""
    bands = []
    for key, start, end in BANDS:
        inside = [r for r in rows if _in_band(r.at.hour, start, end)]
        cells, hidden = _cells(inside, k=k)
        bands.append(
            {"key": key, "from": start, "to": end, "reports": len(inside), "cells": cells, "hidden_cells": hidden}
        )
    grids: dict[str, list[list[int]]] = defaultdict(lambda: [[0] * 24 for _ in range(7)])
    for row in rows:
        for code in ("", row.category):  # "" is every category together
            grids[code][row.at.weekday()][row.at.hour] += 1
    charts = []
    for code, grid in sorted(grids.items(), key=lambda item: (item[0] != "", item[0])):
        total = sum(map(sum, grid))
        if total < k:
            continue
        charts.append(
            {
                "code": code,
                "name": names.get(code, EVERY_CATEGORY) if code else EVERY_CATEGORY,
                "total": total,
                "counts": [[n if n >= k else None for n in day] for day in grid],  # under k: not shown
            }
        )
    return {"bands": bands, "weekly": charts}


def _term_counters(rows: list[Row], terms: dict[int, list[str]], communities: dict[int, Grid]) -> tuple:
    """One pass: tips per term overall, per category and per community."""
    overall, by_category, by_community = Counter(), defaultdict(Counter), defaultdict(Counter)
    for row in rows:
        found = terms.get(row.tip_id)
        if not found:
            continue
        overall.update(found)
        by_category[row.category].update(found)
        if row.grid_id in communities:
            by_community[row.grid_id].update(found)
    return overall, by_category, by_community


def word_tables(
    rows: list[Row],
    terms: dict[int, list[str]],
    previous_rows: list[Row],
    previous: dict[int, list[str]],
    *,
    k: int,
    communities: dict[int, Grid],
) -> dict[str, Any]:
    """Top terms overall, per category and per community, each with its change since the previous half."""
    now_all, now_category, now_community = _term_counters(rows, terms, communities)
    before_all, before_category, before_community = _term_counters(previous_rows, previous, communities)
    by_category = {
        code: words.top_terms(counts, before_category[code], k=k, limit=TOP_TERMS)
        for code, counts in sorted(now_category.items())
    }
    by_community = {
        str(grid_id): {
            "name": communities[grid_id].name,
            "terms": words.top_terms(counts, before_community[grid_id], k=k, limit=TOP_TERMS),
        }
        for grid_id, counts in sorted(now_community.items())
    }
    return {
        "all": words.top_terms(now_all, before_all, k=k, limit=TOP_TERMS),
        "by_category": {code: table for code, table in by_category.items() if table},
        "by_community": {key: entry for key, entry in by_community.items() if entry["terms"]},
    }


def _period(since: datetime, until: datetime, year: int, half: int) -> dict[str, Any]:
    return {
        "label": f"{year}-H{half}",
        "year": year,
        "half": half,
        "since": since.isoformat(),
        "until": until.isoformat(),
    }


def edition_snapshot(
    *, grid: Grid, year: int, half: int, until: datetime | None = None, previous: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Every figure of one grid's half year, as plain JSON; `until` cuts a half still under way."""
    started = time.monotonic()
    k, names = k_threshold(), category_names()
    since, end = half_bounds(year, half)
    end = min(end, until) if until else end
    p_year, p_half = previous_half(year, half)
    p_since, p_end = half_bounds(p_year, p_half)
    ids = grid_subtree_ids(grid)
    tips, prior = (
        public_tips(grid_ids=ids, since=since, until=end),
        public_tips(grid_ids=ids, since=p_since, until=p_end),
    )
    terms_ensure(tips)
    terms_ensure(prior)
    terms, prior_terms = terms_by_tip(tips), terms_by_tip(prior)
    rows, previous_rows = rows_of(tips), rows_of(prior)
    communities = {g.pk: g for g in Grid.objects.filter(pk__in=ids, level=GridLevel.COMMUNITY)}
    return {
        "version": 1,
        "grid": {
            "id": grid.pk,
            "code": grid.code,
            "name": grid.name,
            "bounds": [grid.min_lat, grid.min_lon, grid.max_lat, grid.max_lon],
        },
        "period": _period(since, end, year, half),
        "previous_period": _period(p_since, p_end, p_year, p_half),
        "k": k,
        "counted_from": {
            step: [names[c.code] for c in TipCategory.objects.filter(public_from=step, is_active=True)]
            for step in ("accepted", "verified")
        },
        "totals": {"tips": len(rows), "previous": len(previous_rows)},
        "categories": categories(rows, previous_rows, k=k, names=names),
        "rankings": rankings(rows, communities, k=k, names=names, previous=previous),
        "time_of_day": time_of_day(rows, k=k, names=names),
        "words": word_tables(rows, terms, previous_rows, prior_terms, k=k, communities=communities),
        "computed_in_s": round(time.monotonic() - started, 3),
    }


def half_of(moment: datetime) -> tuple[int, int]:
    local = moment.astimezone(city_tz())
    return local.year, 1 if local.month <= 6 else 2


def half_is_started(year: int, half: int, now: datetime) -> bool:
    return half_bounds(year, half)[0] <= now


def half_end(year: int, half: int) -> datetime:
    return half_bounds(year, half)[1] - timedelta(microseconds=1)
