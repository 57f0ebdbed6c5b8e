"""Embeds of the list and of one resource in other sites' pages (the Society's WordPress).

WordPress, and any oEmbed consumer, finds ``/oembed`` through the link in a page's head
(discovery) or because its admins registered the site as a trusted provider (see the
README). Either way it asks ``/oembed?url=<a page of this site>`` and shows the ``html``
of the answer: a blockquote with a link, shown until the frame says it has loaded, and a
frame of the compact embed view (``/embed/...``), whose script tells the host page its
height the way WordPress's own embeds do (static/js/embed.js).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve, reverse
from django.utils.crypto import salted_hmac
from django.utils.html import format_html

from spm_site.public_urls import DEFAULT_TITLE, absolute_url

from .models import Resource

# The width a consumer gets when it gives no maxwidth, and the heights the frames start at
# (their script then tells the host the height their content needs).
WIDTH = 600
LIST_HEIGHT = 640
RESOURCE_HEIGHT = 280
# How many resources the embedded list shows before it links to the rest: WordPress gives
# a frame at most 1000 pixels.
LIST_LENGTH = 3


@dataclass(frozen=True)
class Target:
    """What an address of this site embeds: the list, or one published resource."""

    resource: Resource | None = None

    @property
    def page_url(self) -> str:
        if self.resource is None:
            return absolute_url(reverse("resources:list"))
        return absolute_url(self.resource.get_absolute_url())

    @property
    def embed_url(self) -> str:
        if self.resource is None:
            return absolute_url(reverse("resources:embed-list"))
        return absolute_url(reverse("resources:embed", args=[self.resource.slug]))

    @property
    def title(self) -> str:
        return DEFAULT_TITLE if self.resource is None else self.resource.title


def target_for(url: str) -> Target | None:
    """The list or resource that ``url`` (an address of this site) shows; None for any other
    address, a draft, or a resource that does not exist. A resource's former address and
    its short link lead to it, as they do for readers."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    site = urlsplit(settings.SITE_URL)
    # http:// of an https:// site is the same page to whoever pasted it.
    if parts.scheme not in {"http", "https"} or parts.netloc.lower() != site.netloc.lower():
        return None
    try:
        match = resolve(parts.path or "/")
    except Resolver404:
        return None
    published = Resource.objects.published()
    if match.view_name == "resources:list":
        return Target()
    if match.view_name == "resources:detail":
        slug = match.kwargs["slug"].lower()
        resource = (
            published.filter(slug=slug).first() or published.filter(former_slugs__slug=slug).first()
        )
    elif match.view_name == "resources:short":
        resource = published.filter(pk=int(match.kwargs["number"])).first()
    else:
        return None
    return Target(resource) if resource is not None else None


def secret_for(target: Target) -> str:
    """The id that ties the frame's height messages to its frame on the host page (WordPress
    calls it the secret: ten letters and digits). The same for every answer about the same
    address, so that the answer can be cached."""
    return salted_hmac("resources.embeds.secret", target.embed_url, algorithm="sha256").hexdigest()[
        :10
    ]


def size(preferred: int, maxwidth: int | None, maxheight: int | None) -> tuple[int, int]:
    """The frame's width and height: never above what the consumer allows (oEmbed's rule)."""
    width = WIDTH if maxwidth is None else min(WIDTH, maxwidth)
    height = preferred if maxheight is None else min(preferred, maxheight)
    return width, height


def oembed(target: Target, maxwidth: int | None, maxheight: int | None) -> dict[str, Any]:
    """The oEmbed 1.0 answer (type rich) for ``target``."""
    preferred = LIST_HEIGHT if target.resource is None else RESOURCE_HEIGHT
    width, height = size(preferred, maxwidth, maxheight)
    secret = secret_for(target)
    # The blockquote is what a reader sees until the frame has loaded and said so (and all
    # they see without JavaScript, or on a host that strips frames).
    html = format_html(
        '<blockquote class="wp-embedded-content" data-secret="{secret}"><a href="{page}">'
        "{title}</a></blockquote>"
        '<iframe class="wp-embedded-content" sandbox="allow-scripts allow-popups '
        'allow-popups-to-escape-sandbox" security="restricted" src="{src}" width="{width}" '
        'height="{height}" title="{frame_title}" data-secret="{secret}" frameborder="0" '
        'marginwidth="0" marginheight="0" scrolling="no"></iframe>',
        secret=secret,
        page=target.page_url,
        title=target.title,
        src=f"{target.embed_url}#?secret={secret}",
        width=width,
        height=height,
        frame_title=f"{target.title} ({settings.SITE_NAME})",
    )
    return {
        "version": "1.0",
        "type": "rich",
        "title": target.title,
        "provider_name": settings.SITE_NAME,
        "provider_url": absolute_url("/"),
        "width": width,
        "height": height,
        "html": str(html),
    }


def discovery_url(page_url: str) -> str:
    """The address of the oEmbed answer about ``page_url``, for the page's head."""
    return (
        absolute_url(reverse("resources:oembed"))
        + "?"
        + urlencode({"url": page_url, "format": "json"})
    )
