"""The programme report page (/staff/report/, grid-centre and agency staff, desktop) and its CSV."""

import csv
import io
from datetime import date, datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ForbiddenError, NotFoundError
from reports import selectors
from reports.selectors import METRICS, AreaRow

LABELS = {
    "tasks_issued": gettext_lazy("Tasks issued"),
    "places_taken": gettext_lazy("Places taken"),
    "participations_completed": gettext_lazy("Participations completed"),
    "tips_received": gettext_lazy("Tips received"),
    "tips_verified": gettext_lazy("Tips verified"),
    "fzb_task_payout": gettext_lazy("FZB paid for tasks"),
    "fzb_tip_reward": gettext_lazy("FZB paid for tips"),
    "fzb_quiz_payout": gettext_lazy("FZB paid for quizzes"),
    "rewards_redeemed": gettext_lazy("Rewards handed over"),
}
CHARTS = (("tasks_issued", "participations_completed"), ("tips_received", "tips_verified"))
FZB_KINDS = ("fzb_task_payout", "fzb_tip_reward", "fzb_quiz_payout")
BAR_WIDTH = 360


def _day(text: str | None, default: date) -> date:
    try:
        return date.fromisoformat(text) if text else default
    except ValueError:
        return default


def report_period(request: HttpRequest) -> tuple[date, date, datetime, datetime]:
    """The period asked for (from, to, inclusive days on the city's clock), by default this month so
    far; and its bounds [start, end) as moments."""
    today = timezone.localdate()
    first = _day(request.GET.get("from"), today.replace(day=1))
    last = _day(request.GET.get("to"), today)
    if last < first:
        first, last = last, first
    zone = timezone.get_current_timezone()
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    return first, last, start, end


def _charts(rows: list[AreaRow]) -> list[dict]:
    """Grouped bars per area for each pair of counts, and FZB paid stacked by kind (widths in px)."""
    charts = []
    for pair in CHARTS:
        top = max([row.figures[m] for row in rows for m in pair] + [1])
        bars = [
            {
                "area": row.grid.name,
                "bars": [(m, row.figures[m], round(row.figures[m] * BAR_WIDTH / top)) for m in pair],
            }
            for row in rows
        ]
        series = [(m, LABELS[m]) for m in pair]
        charts.append({"title": " / ".join(str(LABELS[m]) for m in pair), "series": series, "rows": bars})
    top = max([row.fzb_paid for row in rows] + [1])
    stacked = []
    for row in rows:
        x, parts = 0, []
        for kind in FZB_KINDS:
            width = round(row.figures[kind] * BAR_WIDTH / top)
            parts.append((kind, row.figures[kind], x, width))
            x += width
        stacked.append({"area": row.grid.name, "total": row.fzb_paid, "parts": parts})
    series = [(m, LABELS[m]) for m in FZB_KINDS]
    return [*charts, {"title": _("FZB paid by kind"), "series": series, "stacked": stacked}]


def _csv(rows: list[AreaRow], first: date, last: date) -> HttpResponse:
    out = io.StringIO()
    out.write("\ufeff")  # Excel opens UTF-8 (Chinese street names) only with a BOM
    writer = csv.writer(out)
    writer.writerow(["area_id", "area", "level", "from", "to", *METRICS, "fzb_paid"])
    for row in rows:
        figures = [row.figures[m] for m in METRICS]
        writer.writerow([row.grid.pk, row.grid.name, row.grid.level, first, last, *figures, row.fzb_paid])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="fubi-programme-{first}-{last}.csv"'
    return response


@login_required
def programme_report_page(request: HttpRequest) -> HttpResponse:
    """Per street (or the user's own area) and period: the programme's figures, charts and a CSV."""
    try:
        areas = selectors.report_areas_for_user(user=request.user)
        wanted = request.GET.get("area")
        if wanted:
            if not wanted.isdigit():
                raise Http404
            areas = [selectors.report_area_get(user=request.user, grid_id=int(wanted))]
    except ForbiddenError:
        return render(request, "reports/forbidden.html", status=403)
    except NotFoundError as error:
        raise Http404(str(error.message)) from error
    first, last, start, end = report_period(request)
    rows = selectors.programme_report(areas=areas, start=start, end=end)
    if request.GET.get("format") == "csv":
        return _csv(rows, first, last)
    context = {
        "rows": rows,
        "totals": selectors.report_totals(rows),
        "total_fzb": sum(row.fzb_paid for row in rows),
        "metrics": [(m, LABELS[m]) for m in METRICS],
        "labels": LABELS,
        "charts": _charts(rows),
        "first": first,
        "last": last,
        "area": request.GET.get("area", ""),
        "all_areas": selectors.report_areas_for_user(user=request.user),
        "bar_width": BAR_WIDTH,
    }
    return render(request, "reports/report.html", context)
