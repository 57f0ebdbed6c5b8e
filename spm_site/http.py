"""How the public pages answer requests."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.request import MediaType
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


def open_data(view: Callable[..., Any]) -> Callable[..., Any]:
    """Any site's scripts may read this view's data (``Access-Control-Allow-Origin: *``):
    its citations, files and feeds, what it says of a type it cannot give (406), and its
    redirects, which a script's request must be allowed to follow. Never its HTML pages.

    With ``*``, browsers send no cookie along (and refuse a script an answer to a request
    that carried one), so what another site's script reads is what any visitor gets."""

    @wraps(view)
    def shared(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        redirect = 300 <= response.status_code < 400
        if redirect or not response.headers.get("Content-Type", "").startswith(HTML):
            response["Access-Control-Allow-Origin"] = "*"
        return response

    return shared


# Content negotiation: the same address answers HTML or data, by the Accept header.

HTML = "text/html"

# What public pages may answer besides HTML, by media type, with the values its "style"
# parameter may take (the first is the default; none for a type without styles). Apps add
# theirs from ready(): the page cache files each answer under what was asked for.
OFFERED: dict[str, tuple[str, ...]] = {}


def offer(media_type: str, styles: Sequence[str] = ()) -> None:
    """Let public pages answer ``media_type`` (``Accept: media/type; style=one``)."""
    OFFERED[media_type] = tuple(styles)
    _representation.cache_clear()


@dataclass(frozen=True)
class Representation:
    """What a request asks for: HTML, an offered media type (with its style), or, with an
    empty media type, nothing that is offered."""

    media_type: str
    style: str = ""

    def __str__(self) -> str:
        return f"{self.media_type}; style={self.style}" if self.style else self.media_type

    @property
    def acceptable(self) -> bool:
        return bool(self.media_type)


def representation(accept: str) -> Representation:
    """The representation an ``Accept`` header asks for, of those offered.

    Browsers (``text/html``, ``*/*``) and clients that send no Accept header get HTML.
    q-values and wildcards count as in Django's ``HttpRequest.get_preferred_type()``, which
    chooses; a ``style`` (``text/x-bibliography; style=apa``, as doi.org takes it) must be
    one offered, and a ``locale`` English, or that part of the header cannot be met.
    """
    return _representation(accept[:MAX_ACCEPT])


MAX_ACCEPT = 2000  # characters of an Accept header read; no client needs more


@lru_cache(maxsize=256)  # browsers send few distinct headers; this runs on every cache hit
def _representation(accept: str) -> Representation:
    if not accept.strip():
        return Representation(HTML)
    ranges: list[str] = []
    styles: dict[str, tuple[float, str]] = {}  # the style asked with the highest q-value
    for token in accept.split(","):
        if not token.strip():
            continue
        try:
            media = MediaType(token)
        except ValueError:
            continue  # unreadable parameters: that part of the header is ignored
        name = f"{media.main_type}/{media.sub_type}"
        allowed = OFFERED.get(name, ())
        if allowed:
            style = str(media.params.get("style", allowed[0])).strip().lower()
            locale = str(media.params.get("locale", "en")).strip().lower()
            if style not in allowed or not (locale == "en" or locale.startswith("en-")):
                continue  # a style or language not offered: this part cannot be met
            if media.quality > styles.get(name, (-1.0, ""))[0]:
                styles[name] = (media.quality, style)
        # Django matches parameters exactly: they are left out, the q-value kept.
        ranges.append(f"{name}; q={media.quality}")
    request = HttpRequest()
    request.META["HTTP_ACCEPT"] = ",".join(ranges)
    chosen = request.get_preferred_type([HTML, *OFFERED]) if ranges else None
    if chosen is None:
        return Representation("")
    return Representation(chosen, styles.get(chosen, (0.0, ""))[1])
