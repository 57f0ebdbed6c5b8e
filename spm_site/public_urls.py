"""Absolute addresses and link-preview defaults, built from settings.SITE_URL (never the Host)."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.templatetags.static import static
from django.utils.functional import SimpleLazyObject

DEFAULT_TITLE = "Participatory Medicine Resources for Providers"
DEFAULT_DESCRIPTION = (
    "Reading the Society for Participatory Medicine recommends to health professionals "
    "who want to work with patients as partners."
)
SHARE_IMAGE_PATH = "img/share.png"
SHARE_IMAGE = {
    "width": 1200,
    "height": 630,
    "alt": "Participatory Medicine Resources for Providers, from the Society for "
    "Participatory Medicine",
}


def absolute_url(path: str) -> str:
    """``/resources/x/`` as the public sees it, for example https://host/resources/x/."""
    return f"{settings.SITE_URL}{path}"


def fragment_release() -> str:
    """The release the site's fragments are filed under (resources/fragments.py)."""
    from resources.fragments import release

    return release()


def site(request: HttpRequest) -> dict[str, Any]:
    """Context for every template: the public address and the link-preview defaults.

    A view overrides ``page_title``, ``page_description``, ``og_type`` and gives its
    ``canonical_url`` (pages without one, such as error pages, have no canonical link).
    """
    return {
        "SITE_URL": settings.SITE_URL,
        "SITE_NAME": settings.SITE_NAME,
        "page_title": DEFAULT_TITLE,
        "page_description": DEFAULT_DESCRIPTION,
        "og_type": "website",
        "share_image": {**SHARE_IMAGE, "url": absolute_url(static(SHARE_IMAGE_PATH))},
        # What the header and footer fragments are filed under (read only when asked).
        "fragment_release": SimpleLazyObject(fragment_release),
        "fragment_seconds": settings.FRAGMENT_CACHE_SECONDS,
    }
