"""A share card per resource: the 1200x630 PNG that link previews show beside its title.

Drawn with Pillow and the scalable font Pillow ships, so it needs no system font and
looks the same on every server.
"""

from __future__ import annotations

import hashlib
import io
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache as django_cache
from PIL import Image, ImageDraw, ImageFont

from .models import Resource

WIDTH, HEIGHT = 1200, 630
MARGIN = 80
TINT = "#eef5f6"
ACCENT = "#0b5563"
ACCENT_STRONG = "#073b45"
INK = "#1c2526"
MUTED = "#4f5b5d"
WARM = "#b3541e"


@cache
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def wrap(draw: ImageDraw.ImageDraw, text: str, size: int, width: int, lines: int) -> list[str]:
    """Greedy word wrap to ``width`` pixels, at most ``lines`` lines, with an ellipsis if cut."""
    words, result, line = text.split(), [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font(size)) <= width or not line:
            line = candidate
        else:
            result.append(line)
            line = word
    result.append(line)
    if len(result) > lines:
        result = result[:lines]
        last = result[-1]
        while last and draw.textlength(last + "\u2026", font=font(size)) > width:
            last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
        result[-1] = last.rstrip(",;:") + "\u2026"
    return result


def card_text(resource: Resource) -> tuple[str, str, str, str]:
    meta = " \u00b7 ".join(part for part in [resource.byline, str(resource.year or "")] if part)
    host = urlsplit(settings.SITE_URL).netloc
    return resource.get_kind_display().upper(), resource.title, meta, host


def render(kind: str, title: str, meta: str, host: str) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), TINT)
    draw = ImageDraw.Draw(image)

    # The Society's mark, as in the favicon, and the site's name beside it.
    draw.rounded_rectangle((MARGIN, 64, MARGIN + 84, 148), radius=16, fill=ACCENT)
    draw.text((MARGIN + 42, 106), "SPM", font=font(30), fill="#ffffff", anchor="mm",
              stroke_width=1, stroke_fill="#ffffff")  # fmt: skip
    draw.text((MARGIN + 108, 88), "Society for Participatory Medicine", font=font(30),
              fill=INK, stroke_width=1, stroke_fill=INK)  # fmt: skip
    draw.text(
        (MARGIN + 108, 126), f"Resources for Providers \u00b7 {host}", font=font(26), fill=MUTED
    )

    draw.text((MARGIN, 196), kind, font=font(26), fill=WARM, stroke_width=1, stroke_fill=WARM)

    size, most = (88, 2) if len(title) <= 30 else (64, 3) if len(title) <= 70 else (54, 4)
    lines = wrap(draw, title, size, WIDTH - 2 * MARGIN, most)
    y = 244
    for line in lines:
        draw.text((MARGIN, y), line, font=font(size), fill=ACCENT_STRONG,
                  stroke_width=1, stroke_fill=ACCENT_STRONG)  # fmt: skip
        y += int(size * 1.2)

    if meta:
        (meta_line,) = wrap(draw, meta, 30, WIDTH - 2 * MARGIN, 1)
        draw.text((MARGIN, y + 18), meta_line, font=font(30), fill=MUTED)

    draw.rectangle((0, HEIGHT - 14, WIDTH, HEIGHT), fill=ACCENT)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def card_png(resource: Resource) -> bytes:
    """The resource's card, drawn once per distinct text and then served from the cache."""
    text = card_text(resource)
    key = "card:" + hashlib.sha256("\n".join(text).encode()).hexdigest()
    png = django_cache.get(key)
    if png is None:
        png = render(*text)
        django_cache.set(key, png, timeout=60 * 60 * 24 * 30)
    return png
