"""How the public pages answer requests."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.csp import CSP
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe


def read_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """GET and HEAD only; any other method gets 405 with Allow. What anyone may see is
    marked ``public`` (the page cache keeps it, spm_site/pagecache.py) and ``no-cache``
    (browsers ask again each time, and get a 304 while it has not changed).

    The CSRF check is skipped because nothing here writes: without this, a POST would be
    refused as a forged form (403) before the view could say which methods it takes.
    """

    @wraps(view)
    def public(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.has_header("Cache-Control"):
            signed_in = settings.SESSION_COOKIE_NAME in request.COOKIES
            patch_cache_control(
                response, no_cache=True, **{"private" if signed_in else "public": True}
            )
        return response

    return csrf_exempt(require_safe(public))


def embeddable(view: Callable[..., Any]) -> Callable[..., Any]:
    """A page other sites may frame: only those in settings.EMBED_ALLOWED_ORIGINS (the CSP's
    frame-ancestors; none when it is empty), instead of no one as for every other page.

    It also says any site may load it (Cross-Origin-Resource-Policy), which a host page that
    sets Cross-Origin-Embedder-Policy requires of every frame it holds.
    """

    @wraps(view)
    def framed(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        policy: dict[str, Any] = {
            **settings.SECURE_CSP,
            "frame-ancestors": settings.EMBED_ALLOWED_ORIGINS or [CSP.NONE],
        }
        response = csp_override(policy)(view)(request, *args, **kwargs)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "cross-origin")
        return response

    return xframe_options_exempt(framed)
