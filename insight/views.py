"""Public pages of the published safety index: the list of editions, one edition (the previous one
beside it) and its PDF. Everything shown comes from the frozen snapshots."""

from typing import Any

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from insight import selectors
from insight.errors import EditionNotFoundError
from insight.models import Edition
from insight.pagecache import PAGE_CACHE_SECONDS, page_cache_key

MAP_SIZE = 320

WEEKDAYS_ZH = ["一", "二", "三", "四", "五", "六", "日"]
WEEKDAYS_EN = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _lang() -> str:
    return "zh" if (get_language() or "zh").startswith("zh") else "en"


def _named(items: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    return [{**item, "label": item["name"][lang]} for item in items]


def _bars(rows: list[dict[str, Any]], value: str, previous: str | None = None) -> list[dict[str, Any]]:
    top = max([row[value] for row in rows] + [row.get(previous) or 0 for row in rows if previous] + [1])
    return [
        {**row, "pct": round(100 * row[value] / top), "previous_pct": round(100 * (row.get(previous) or 0) / top)}
        for row in rows
    ]


def _map(band: dict[str, Any], bounds: list[float]) -> dict[str, Any]:
    south, west, north, east = bounds
    height = MAP_SIZE
    width = round(MAP_SIZE * (east - west) / max(north - south, 1e-9))
    top = max([cell["count"] for cell in band["cells"]] + [1])
    cells = [
        {
            "x": round((cell["west"] - west) / (east - west) * width, 1),
            "y": round((north - cell["north"]) / (north - south) * height, 1),
            "w": round((cell["east"] - cell["west"]) / (east - west) * width, 1),
            "h": round((cell["north"] - cell["south"]) / (north - south) * height, 1),
            "count": cell["count"],
            "opacity": round(0.25 + 0.75 * cell["count"] / top, 2),
        }
        for cell in band["cells"]
    ]
    return {**band, "width": width, "height": height, "drawn": cells}


def _week(chart: dict[str, Any], lang: str) -> dict[str, Any]:
    top = max([n or 0 for day in chart["counts"] for n in day] + [1])
    names = WEEKDAYS_ZH if lang == "zh" else WEEKDAYS_EN
    days = [
        {"name": names[index], "hours": [{"hour": h, "count": n, "opacity": round((n or 0) / top, 2)}
                                         for h, n in enumerate(counts)]}
        for index, counts in enumerate(chart["counts"])
    ]  # fmt: skip
    return {**chart, "label": chart["name"][lang], "days": days}


def edition_context(snapshot: dict[str, Any], lang: str) -> dict[str, Any]:
    """What the template draws from a snapshot: bars in percent, map cells in SVG units, names in the language."""
    bounds = snapshot["grid"]["bounds"]
    rankings = [{**table, "label": table["name"][lang]} for table in snapshot["rankings"]]
    return {
        "snap": snapshot,
        "categories": _bars(_named(snapshot["categories"], lang), "count", "previous"),
        "rankings": rankings,
        "maps": [_map(band, bounds) for band in snapshot["time_of_day"]["bands"]],
        "weekly": [_week(chart, lang) for chart in snapshot["time_of_day"]["weekly"]],
        "word_scopes": _word_scopes(snapshot, lang),
    }


def _word_scopes(snapshot: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """The word tables the page's picker offers: all tips, each category, each community."""
    names = {c["code"]: c["name"][lang] for c in snapshot["categories"]}
    names.update({t["code"]: t["name"][lang] for t in snapshot["rankings"]})
    words = snapshot["words"]
    scopes = [{"key": "all", "label": "", "terms": words["all"]}]
    scopes += [{"key": f"c:{code}", "label": names.get(code, code), "terms": terms}
               for code, terms in words["by_category"].items()]  # fmt: skip
    scopes += [{"key": f"g:{grid_id}", "label": entry["name"], "terms": entry["terms"]}
               for grid_id, entry in words["by_community"].items()]  # fmt: skip
    return scopes


@require_GET
def editions_page(request: HttpRequest) -> HttpResponse:
    """Every published edition, newest first."""
    return render(
        request, "insight/editions.html", {"editions": list(selectors.editions_published(with_snapshot=False)[:200])}
    )


def _published(edition_id: int) -> Edition:
    try:
        return selectors.edition_get_published(edition_id=edition_id, with_snapshot=False)
    except EditionNotFoundError as error:
        raise Http404 from error


def _edition_body(edition_id: int, lang: str) -> dict[str, str]:
    edition = _published(edition_id)
    previous = selectors.edition_previous(edition=edition)
    context = {
        "edition": edition,
        "previous": previous,
        "this": edition_context(edition.snapshot, lang),
        "before": edition_context(previous.snapshot, lang) if previous else None,
        "pdf_ready": edition.pdf_made_at is not None,
    }
    return {"label": edition.label, "body": render_to_string("insight/_edition_body.html", context)}


@require_GET
def edition_page(request: HttpRequest, edition_id: int) -> HttpResponse:
    """One edition's frozen figures, the grid's previous edition beside them.

    An edition never changes, so its body is rendered once per language and kept in the cache until
    an edition is published or a PDF made (page_cache_bump): a page then costs two cache reads and
    the base template, no query.
    """
    lang = _lang()
    key = page_cache_key(edition_id=edition_id, lang=lang)
    page = cache.get(key)
    if page is None:
        page = _edition_body(edition_id, lang)  # Http404 for a draft or no such edition: not cached
        cache.set(key, page, PAGE_CACHE_SECONDS)
    # the body is our own template's output, escaped when it was rendered
    return render(request, "insight/edition.html", {"label": page["label"], "body": mark_safe(page["body"])})  # noqa: S308


@require_GET
def edition_pdf_download(request: HttpRequest, edition_id: int) -> HttpResponse:
    """The edition's PDF; 404 until the background job has made it."""
    edition = _published(edition_id)
    data = Edition.objects.filter(pk=edition.pk).values_list("pdf", flat=True).first()
    if not data:
        raise Http404("The PDF is being made.")
    response = HttpResponse(bytes(data), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="safety-index-{edition.grid.code}-{edition.label}.pdf"'
    return response
