"""QR codes, drawn on the server as SVG, for the short link of a resource."""

import hashlib

import segno
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe


def qr_svg(url: str, title: str) -> SafeString:
    """An inline SVG QR code of ``url``; segno writes only paths and escapes the title.

    Drawn once per address and title, then taken from the cache.
    """
    key = "qr:" + hashlib.sha256(f"{url}\n{title}".encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return mark_safe(cached)
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
    cache.set(key, svg, timeout=60 * 60 * 24 * 30)
    return mark_safe(svg)
