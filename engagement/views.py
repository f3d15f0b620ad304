"""Engagement's pages: leaderboards, the safety-index dashboard, my inbox, badges and settings."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.models import Grid
from core.errors import DomainError
from engagement import rules, safety_index, selectors, services

MAP_WIDTH = 640


def _choice(value: str | None, allowed: tuple[str, ...] | list[str], default: str) -> str:
    return value if value in allowed else default


def leaderboard_page(request: HttpRequest) -> HttpResponse:
    """Leaderboards for anyone: week / month / all time, citywide or for one community."""
    period = _choice(request.GET.get("period"), rules.PERIODS, "week")
    scope = _choice(request.GET.get("scope"), ("city", "community"), "city")
    communities = list(selectors.community_choices())
    community_id: int | None = None
    raw = request.GET.get("community", "")
    if raw.isdigit():
        community_id = int(raw)
    viewer = request.user if request.user.is_authenticated else None
    if scope == "community" and community_id is None:
        home = selectors.profile_get(user=viewer).home_grid_id if viewer else None
        community_id = home or (communities[0].pk if communities else None)
    rows: list[dict[str, Any]] = []
    error = ""
    if scope == "city" or community_id is not None:
        try:
            rows = selectors.leaderboard(period=period, scope=scope, community_id=community_id, viewer=viewer)
        except DomainError as exc:
            error = exc.message
    return render(
        request,
        "engagement/leaderboard.html",
        {
            "rows": rows,
            "period": period,
            "scope": scope,
            "community_id": community_id,
            "communities": communities,
            "periods": [("week", _("This week")), ("month", _("This month")), ("all", _("All time"))],
            "error": error,
            "profile": selectors.profile_get(user=viewer) if viewer else None,
            "community_rows": selectors.community_board(period=period),
        },
    )


def heat_map(index: dict[str, Any], grids: list[Grid]) -> dict[str, Any]:
    """The published cells over the community outlines: for the Leaflet map over the chosen tiles (geo),
    and as an SVG drawing (plain rectangles) for a browser without JavaScript."""
    cells = index["heat"]
    lats = [c["south"] for c in cells] + [c["north"] for c in cells]
    lons = [c["west"] for c in cells] + [c["east"] for c in cells]
    for grid in grids:
        lats += [grid.min_lat, grid.max_lat]
        lons += [grid.min_lon, grid.max_lon]
    if not lats:
        return {"width": MAP_WIDTH, "height": 0, "cells": [], "outlines": []}
    pad = safety_index.CELL_DEG
    south, north, west, east = min(lats) - pad, max(lats) + pad, min(lons) - pad, max(lons) + pad
    scale = MAP_WIDTH / (east - west)
    height = round((north - south) * scale, 1)

    def x(lon: float) -> float:
        return round((lon - west) * scale, 1)

    def y(lat: float) -> float:
        return round((north - lat) * scale, 1)

    top = max((c["count"] for c in cells), default=1)
    drawn = [
        {
            **c,
            "x": x(c["west"]),
            "y": y(c["north"]),
            "w": round((c["east"] - c["west"]) * scale, 1),
            "h": round((c["north"] - c["south"]) * scale, 1),
            "opacity": round(0.25 + 0.75 * c["count"] / top, 2),
        }
        for c in cells
    ]
    outlines = [
        {
            "name": grid.name,
            "points": " ".join(f"{x(lon)},{y(lat)}" for lon, lat in grid.boundary),
            "x": x(grid.min_lon) + 4,
            "y": y(grid.max_lat) + 14,
        }
        for grid in grids
    ]
    legend = _heat_legend(cells, top)
    geo = _heat_geo(drawn, grids)
    return {"width": MAP_WIDTH, "height": height, "cells": drawn, "outlines": outlines, "legend": legend, "geo": geo}


def _heat_legend(cells: list[dict[str, Any]], top: int) -> dict[str, Any]:
    """What a cell's shade means, from the fewest reports a shown cell has to the most."""
    low = min((c["count"] for c in cells), default=0)
    return {
        "low": low,
        "high": top,
        "swatches": [
            {
                "count": round(low + (top - low) * step / 4),
                "opacity": round(0.25 + 0.75 * (low + (top - low) * step / 4) / top, 2),
            }
            for step in range(5 if top > low else 1)  # one shade when every cell counts the same
        ],
    }


def _heat_geo(drawn: list[dict[str, Any]], grids: list[Grid]) -> dict[str, Any]:
    """What the Leaflet map draws (static/js/engagement-heat-map.js): the cells and the outlines in WGS84."""
    return {
        "cells": [
            {key: c[key] for key in ("lat", "lon", "south", "west", "north", "east", "count", "tips", "tasks")}
            | {"opacity": c["opacity"]}
            for c in drawn
        ],
        "grids": [{"name": grid.name, "boundary": grid.boundary} for grid in grids],
    }


def safety_index_page(request: HttpRequest) -> HttpResponse:
    """The public safety dashboard (平安指数): heat map, counts, trends and rankings."""
    period = _choice(request.GET.get("period"), list(safety_index.PERIOD_MONTHS), "half_year")
    index = safety_index.safety_index(period=period)
    grids = list(Grid.objects.filter(level="community"))
    top_trend = max((max(s["counts"], default=0) for s in index["trends"]["series"]), default=0) or 1
    trend_rows = [
        {
            **series,
            "bars": [
                {"month": m, "count": n, "pct": round(100 * n / top_trend)}
                for m, n in zip(index["trends"]["months"], series["counts"], strict=True)
            ],
        }
        for series in index["trends"]["series"]
    ]
    return render(
        request,
        "engagement/safety_index.html",
        {
            "index": index,
            "map": heat_map(index, grids),
            "trend_rows": trend_rows,
            "period": period,
            "periods": list(safety_index.PERIOD_LABELS.items()),
        },
    )


@login_required
def inbox_page(request: HttpRequest) -> HttpResponse:
    """My notifications, newest first; unread ones stand out."""
    items = list(selectors.inbox_for(user=request.user)[:100])
    return render(
        request,
        "engagement/inbox.html",
        {"items": items, "unread": sum(1 for item in items if item.read_at is None)},
    )


@login_required
@require_POST
def inbox_read(request: HttpRequest) -> HttpResponse:
    """Mark one notification (id=…) or all read, then back to the inbox."""
    raw = request.POST.get("id", "")
    ids = [int(raw)] if raw.isdigit() else None
    services.inbox_mark_read(user=request.user, ids=ids)
    return redirect("engagement:inbox")


@login_required
def badges_page(request: HttpRequest) -> HttpResponse:
    """Every badge, earned ones first lit, with what earns each."""
    return render(
        request,
        "engagement/badges.html",
        {"badges": selectors.badge_rows(user=request.user), "summary": selectors.engagement_summary(user=request.user)},
    )


class SettingsForm(forms.Form):
    nickname = forms.CharField(label=_("Nickname"), max_length=20, required=False)
    leaderboard_opt_in = forms.BooleanField(label=_("Show me on leaderboards under my nickname"), required=False)
    email_opt_in = forms.BooleanField(label=_("Email me my notifications"), required=False)
    home_grid = forms.ModelChoiceField(
        label=_("Home community"),
        queryset=Grid.objects.none(),
        required=False,
        empty_label=_("Decide from my activity"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["home_grid"].queryset = selectors.community_choices()


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    """Nickname, leaderboard and email opt-ins, home community."""
    profile = selectors.profile_get(user=request.user)
    initial = {
        "nickname": profile.nickname,
        "leaderboard_opt_in": profile.leaderboard_opt_in,
        "email_opt_in": profile.email_opt_in,
        "home_grid": profile.home_grid if profile.home_grid_chosen else None,
    }
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        home: dict[str, int | None] = {}
        if data["home_grid"] is not None:
            home["home_grid_id"] = data["home_grid"].pk
        elif profile.home_grid_chosen:
            home["home_grid_id"] = None  # back to "decide from my activity"
        try:
            services.profile_update(
                user=request.user,
                nickname=data["nickname"],
                leaderboard_opt_in=data["leaderboard_opt_in"],
                email_opt_in=data["email_opt_in"],
                **home,
            )
            services.home_grid_refresh(user=request.user)
        except DomainError as exc:
            form.add_error("nickname" if exc.details.get("field") == "nickname" else None, str(exc.message))
        else:
            messages.success(request, _("Saved."))
            return redirect("engagement:settings")
    return render(request, "engagement/settings.html", {"form": form})
