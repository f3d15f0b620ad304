"""PDF documents with Chinese text: fpdf2 with the Noto Sans CJK font the Makefile installs
(Debian's fonts-noto-cjk). fpdf2 rather than reportlab: reportlab's TTFont refuses the OpenType/CFF
outlines the Noto CJK fonts are made of ("postscript outlines are not supported"); fpdf2 embeds
them, subset to the glyphs used (a page of plates is tens of kilobytes, not the font's 19 MB).
"""

import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from fpdf import FPDF

CJK_FAMILY = "noto-cjk"
logging.getLogger("fontTools").setLevel(logging.WARNING)  # its subsetter logs every glyph at INFO


class PdfFontMissingError(ImproperlyConfigured):
    """The CJK font file is not on this machine: a deployment fault, not a client's."""


def pdf_cjk_font() -> tuple[Path, int]:
    """The CJK font file and its face in the collection (FUBI_PDF_FONT, FUBI_PDF_FONT_INDEX: 2 is
    Noto Sans CJK SC, the Simplified Chinese face). Raises PdfFontMissingError naming the path."""
    path = Path(settings.FUBI_PDF_FONT)
    if not path.is_file():
        raise PdfFontMissingError(
            _(
                "The PDF font %(path)s is missing: install the Noto CJK fonts (apt-get install fonts-noto-cjk)"
                " or set FUBI_PDF_FONT."
            )
            % {"path": path}
        )
    return path, settings.FUBI_PDF_FONT_INDEX


def pdf_cjk_document(*, title: str) -> FPDF:
    """An A4 portrait document (millimetres) whose font CJK_FAMILY writes Chinese and Latin text."""
    path, index = pdf_cjk_font()
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_creator("Fubi")
    pdf.set_auto_page_break(auto=False)
    if path.suffix.lower() in (".ttc", ".otc"):
        pdf.add_font(CJK_FAMILY, fname=str(path), collection_font_number=index)
    else:
        pdf.add_font(CJK_FAMILY, fname=str(path))
    pdf.set_font(CJK_FAMILY, size=10)
    return pdf
