"""QR codes of pickup codes, as inline SVG (no image files, nothing for the CSP to refuse)."""

import qrcode
import qrcode.image.svg


def pickup_qr_svg(code: str) -> str:
    """An SVG <svg> element whose QR code reads the pickup code."""
    image = qrcode.make(code, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=4)
    svg = image.to_string(encoding="unicode")
    # Drop the XML declaration so the element can sit inside HTML.
    return svg[svg.index("<svg") :] if "<svg" in svg else svg
