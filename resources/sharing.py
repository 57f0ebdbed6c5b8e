"""How a resource is shared: its short link in full, the QR code of that link, and its own
link-preview image. The detail page and the printed handout read these; nothing is added
to the resource itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.safestring import SafeString

from spm_site.public_urls import SHARE_IMAGE, absolute_url

from .models import Resource
from .qr import qr_svg


@dataclass(frozen=True)
class Shared:
    """A resource with its short link and the QR code of it, for a page or for paper."""

    resource: Resource
    short_url: str
    qr_code: SafeString


def shared(resource: Resource, qr_title: str = "") -> Shared:
    short_url = absolute_url(resource.get_short_url())
    return Shared(resource, short_url, qr_svg(short_url, qr_title or f"QR code for {short_url}"))


def preview_image(resource: Resource) -> dict[str, Any]:
    """The resource's own 1200x630 card, for Open Graph and Twitter."""
    return {
        **SHARE_IMAGE,
        "url": absolute_url(reverse("resources:card", kwargs={"slug": resource.slug})),
        "alt": f"{resource.title}: recommended to providers by the Society for "
        "Participatory Medicine",
    }
