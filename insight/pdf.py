"""An edition as a PDF, charts included, drawn with fpdf2 from the frozen snapshot.

fpdf2 is pure Python and embeds a subset of an OpenType font through fontTools, CFF outlines and
font collections included: the Noto Sans CJK collection the Makefile installs (fonts-noto-cjk,
FUBI_PDF_FONT, its Simplified Chinese face by FUBI_PDF_FONT_INDEX) renders every Chinese label.
Charts are vector rectangles with their labels as text, so the words in them can be searched and
extracted. Every label is bilingual (中文 English): one file for the district's report upward.
"""

from typing import Any

from django.conf import settings
from fpdf import FPDF

from insight.models import Edition

INK = (30, 41, 59)
ACCENT = (185, 28, 28)
MUTED = (100, 116, 139)
PREVIOUS = (203, 213, 225)
PAGE_W = 210
LEFT = 15
WIDTH = PAGE_W - 2 * LEFT
WEEKDAYS = ["一 Mon", "二 Tue", "三 Wed", "四 Thu", "五 Fri", "六 Sat", "日 Sun"]


def _document() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("cjk", fname=settings.FUBI_PDF_FONT, collection_font_number=settings.FUBI_PDF_FONT_INDEX)
    pdf.set_font("cjk", size=10)
    pdf.set_text_color(*INK)
    pdf.add_page()
    return pdf


def _heading(pdf: FPDF, text: str) -> None:
    if pdf.get_y() > 250:
        pdf.add_page()
    pdf.ln(4)
    pdf.set_font("cjk", size=13)
    pdf.cell(WIDTH, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)


def _bars(pdf: FPDF, rows: list[tuple[str, float, float | None, str]]) -> None:
    """A ranked horizontal bar chart: label, this edition's value, the previous one (a pale bar), the figure."""
    top = max([value for _label, value, _before, _text in rows] + [b or 0 for _l, _v, b, _t in rows] + [1])
    for label, value, before, text in rows:
        if pdf.get_y() > 280:
            pdf.add_page()
        y = pdf.get_y()
        pdf.set_xy(LEFT, y)
        pdf.cell(55, 5, label[:28])
        span = WIDTH - 85
        if before is not None:
            pdf.set_fill_color(*PREVIOUS)
            pdf.rect(LEFT + 56, y + 3.2, span * before / top, 1.4, style="F")
        pdf.set_fill_color(*ACCENT)
        pdf.rect(LEFT + 56, y + 0.6, max(0.4, span * value / top), 2.6, style="F")
        pdf.set_xy(LEFT + 58 + span, y)
        pdf.cell(28, 5, text)
        pdf.set_y(y + 5.5)


def _counted(value: int, before: int | None) -> str:
    return f"{value:,}" + (f" ({before:,})" if before is not None else "")


def _room(pdf: FPDF, height: float) -> None:
    """A new page unless `height` mm fit on this one (charts are drawn with the page break off)."""
    if pdf.get_y() + height > 282:
        pdf.add_page()


def _map(pdf: FPDF, band: dict[str, Any], bounds: list[float]) -> None:
    """The grid's box with the band's cells shaded by count; each cell carries its count."""
    south, west, north, east = bounds
    _room(pdf, 82)
    pdf.set_auto_page_break(auto=False)
    height, x0, y0 = 70.0, LEFT, pdf.get_y()
    width = min(WIDTH, height * (east - west) / max(north - south, 1e-9))
    pdf.set_draw_color(*MUTED)
    pdf.rect(x0, y0, width, height)
    top = max([cell["count"] for cell in band["cells"]] + [1])
    for cell in band["cells"]:
        x = x0 + (cell["west"] - west) / (east - west) * width
        y = y0 + (north - cell["north"]) / (north - south) * height
        w = (cell["east"] - cell["west"]) / (east - west) * width
        h = (cell["north"] - cell["south"]) / (north - south) * height
        shade = int(235 - 150 * cell["count"] / top)
        pdf.set_fill_color(255, shade, shade)
        pdf.rect(x, y, w, h, style="F")
        if w >= 4:  # a count where it fits in its cell
            pdf.set_xy(x, y + h / 2 - 2)
            pdf.set_font("cjk", size=6)
            pdf.cell(w, 4, str(cell["count"]), align="C")
    pdf.set_font("cjk", size=9)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_y(y0 + height + 2)
    pdf.cell(WIDTH, 5, f"{band['reports']:,} 条 reports · {band['hidden_cells']} 格少于k条未显示 cells under k hidden")
    pdf.ln(6)


def _week(pdf: FPDF, chart: dict[str, Any]) -> None:
    """Hour × weekday squares, shaded by count; squares under k stay white."""
    cell, x0 = 6.5, LEFT + 16
    top = max([n or 0 for day in chart["counts"] for n in day] + [1])
    _room(pdf, 8 + 7 * cell)
    pdf.set_auto_page_break(auto=False)
    y0 = pdf.get_y()
    pdf.set_font("cjk", size=6)
    for hour in range(0, 24, 3):
        pdf.set_xy(x0 + hour * cell, y0)
        pdf.cell(cell, 3, f"{hour:02d}")
    for day, counts in enumerate(chart["counts"]):
        y = y0 + 4 + day * cell
        pdf.set_xy(LEFT, y + 1)
        pdf.cell(16, 4, WEEKDAYS[day])
        for hour, n in enumerate(counts):
            shade = 255 if n is None else int(235 - 170 * n / top)
            pdf.set_fill_color(255, shade, shade)
            pdf.rect(x0 + hour * cell, y, cell - 0.5, cell - 0.5, style="F")
    pdf.set_font("cjk", size=9)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_y(y0 + 6 + 7 * cell)


def _cloud(pdf: FPDF, terms: list[dict[str, Any]]) -> None:
    """A word cloud: terms in a flowing line, sized by the number of tips."""
    top = max([row["tips"] for row in terms] + [1])
    x, y = LEFT, pdf.get_y()
    for row in terms[:30]:
        size = 8 + 14 * row["tips"] / top
        pdf.set_font("cjk", size=size)
        width = pdf.get_string_width(row["term"]) + 4
        if x + width > LEFT + WIDTH:
            x, y = LEFT, y + 11
        pdf.set_xy(x, y)
        pdf.cell(width, 10, row["term"])
        x += width
    pdf.set_font("cjk", size=9)
    pdf.set_y(y + 12)


def _rankings(pdf: FPDF, tables: list[dict[str, Any]]) -> None:
    for table in tables:
        _heading(pdf, f"排名 Ranking: {table['name']['zh']} {table['name']['en']} (每千人 per 1,000 residents)")
        if not table["rows"]:
            pdf.cell(WIDTH, 5, "少于k条，不排名 Fewer than k reports: not ranked", new_x="LMARGIN", new_y="NEXT")
        _bars(
            pdf,
            [
                (
                    f"{r['rank']}. {r['name']}",
                    r["per_1000"],
                    r["previous_per_1000"],
                    f"{r['per_1000']:g}‰ · {r['reports']:,}",
                )
                for r in table["rows"][:10]
            ],
        )


def edition_pdf(*, edition: Edition, previous: Edition | None) -> bytes:
    """The edition's PDF: figures, category chart, rankings, maps by hour band, week chart, words."""
    snap, before = edition.snapshot, (previous.snapshot if previous else None)
    pdf = _document()
    pdf.set_font("cjk", size=18)
    pdf.cell(WIDTH, 10, f"平安指数 Safety index {snap['period']['label']}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=11)
    pdf.cell(WIDTH, 7, f"{snap['grid']['name']} · {edition.title}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    note = f"只统计工作人员已受理或核实的线索 Only tips staff accepted or verified are counted. k = {snap['k']}."
    pdf.multi_cell(WIDTH, 5, note, new_x="LMARGIN", new_y="NEXT")
    if edition.foreword:
        pdf.multi_cell(WIDTH, 5, edition.foreword, new_x="LMARGIN", new_y="NEXT")
    line = f"线索 Tips: {snap['totals']['tips']:,}"
    if before:
        line += f" (上期 previous edition {before['totals']['tips']:,})"
    pdf.cell(WIDTH, 6, line, new_x="LMARGIN", new_y="NEXT")
    _heading(pdf, "分类统计 Reports by category")
    _bars(
        pdf,
        [
            (f"{c['name']['zh']} {c['name']['en']}", c["count"], c["previous"], _counted(c["count"], c["previous"]))
            for c in snap["categories"]
        ],
    )
    _rankings(pdf, snap["rankings"])
    for band in snap["time_of_day"]["bands"]:
        if band["key"] in ("all", "night"):
            title = "夜间地图 Night map 21:00–03:00" if band["key"] == "night" else "案件地图 Case map"
            _heading(pdf, title)
            _map(pdf, band, snap["grid"]["bounds"])
    for chart in snap["time_of_day"]["weekly"][:4]:
        _heading(pdf, f"时段×星期 Hour × weekday: {chart['name']['zh']} {chart['name']['en']}")
        _week(pdf, chart)
    _heading(pdf, "词频分析 Top terms")
    _bars(
        pdf,
        [(r["term"], r["tips"], r["previous"], _counted(r["tips"], r["previous"])) for r in snap["words"]["all"][:20]],
    )
    _heading(pdf, "词云 Word cloud")
    _cloud(pdf, snap["words"]["all"])
    return bytes(pdf.output())
