"""QR codes, drawn on the server as SVG, for the short link of a resource."""

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(url: str, title: str) -> SafeString:
    """An inline SVG QR code of ``url``; segno writes only paths and escapes the title."""
    code = segno.make(url, error="m")
    svg = code.svg_inline(
        scale=4,
        border=2,
        dark="#000",
        light="#fff",
        title=title,
        svgclass="qr",
        lineclass=None,
        omitsize=True,
    )
    return mark_safe(svg)
