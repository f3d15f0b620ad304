"""The printable sheet of door plates: twelve plates to an A4 page, each a cut-out card with its QR
code (the plate's URL, as on the staff page), its name and its code (core.pdf: fpdf2, Noto CJK)."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import qrcode
from fpdf import FPDF

from core.pdf import CJK_FAMILY, pdf_cjk_document

COLUMNS, ROWS = 3, 4
PER_PAGE = COLUMNS * ROWS
MARGIN_MM = 10.0
QR_MM = 40.0
NAME_LINES = 2


@dataclass(frozen=True)
class PlateCard:
    code: str
    name: str
    url: str  # what the QR code opens


def _qr_image(url: str) -> object:
    """The QR code as a 1-bit image (PIL), four pixels a module: the PDF scales it to QR_MM."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=4, border=2)
    code.add_data(url)
    code.make(fit=True)
    return code.make_image().get_image()


def _card(pdf: FPDF, card: PlateCard, *, x: float, y: float, w: float, h: float, caption: str) -> None:
    pdf.set_draw_color(160)
    with pdf.local_context():
        pdf.set_dash_pattern(dash=1.5, gap=1.5)  # cut lines
        pdf.rect(x, y, w, h)
    pdf.image(_qr_image(card.url), x=x + (w - QR_MM) / 2, y=y + 4, w=QR_MM, h=QR_MM)
    pdf.set_font(CJK_FAMILY, size=11)
    lines = pdf.multi_cell(w - 6, 5, card.name, dry_run=True, output="LINES")
    if len(lines) > NAME_LINES:  # a long address: its first lines, marked as cut
        lines = [*lines[: NAME_LINES - 1], lines[NAME_LINES - 1].rstrip()[:-1] + "…"]
    pdf.set_xy(x + 3, y + QR_MM + 6)
    pdf.multi_cell(w - 6, 5, "\n".join(lines), align="C")
    pdf.set_font(CJK_FAMILY, size=13)
    pdf.set_xy(x, y + h - 13)
    pdf.cell(w, 6, card.code, align="C")
    pdf.set_font(CJK_FAMILY, size=7)
    pdf.set_text_color(90)
    pdf.set_xy(x, y + h - 6.5)
    pdf.cell(w, 4, caption, align="C")
    pdf.set_text_color(0)


def plate_sheet_pdf(
    *,
    cards: Iterable[PlateCard],
    total: int,
    title: str,
    caption: str,
    on_page: Callable[[int], None] = lambda done: None,
) -> bytes:
    """The PDF of these cards, PER_PAGE to a page; on_page(cards drawn so far) after each page.

    Raises core.pdf.PdfFontMissingError without the CJK font.
    """
    pdf = pdf_cjk_document(title=title)
    cell_w = (210 - 2 * MARGIN_MM) / COLUMNS
    cell_h = (297 - 2 * MARGIN_MM) / ROWS
    drawn = 0
    page: list[PlateCard] = []
    for card in cards:
        page.append(card)
        if len(page) == PER_PAGE:
            drawn = _page(pdf, page, drawn=drawn, cell=(cell_w, cell_h), caption=caption, on_page=on_page)
            page = []
    if page or total == 0:
        _page(pdf, page, drawn=drawn, cell=(cell_w, cell_h), caption=caption, on_page=on_page)
    return bytes(pdf.output())


def _page(
    pdf: FPDF,
    page: Sequence[PlateCard],
    *,
    drawn: int,
    cell: tuple[float, float],
    caption: str,
    on_page: Callable[[int], None],
) -> int:
    pdf.add_page()
    w, h = cell
    for i, card in enumerate(page):
        row, column = divmod(i, COLUMNS)
        _card(pdf, card, x=MARGIN_MM + column * w, y=MARGIN_MM + row * h, w=w, h=h, caption=caption)
    drawn += len(page)
    on_page(drawn)
    return drawn
