"""Headers and pages that Django does not add by itself."""

from collections.abc import Callable
from contextlib import suppress

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.templatetags.static import static


def cross_origin_static() -> set[str]:
    """The addresses of settings.CROSS_ORIGIN_STATIC, by plain and by hashed name."""
    paths = set()
    for name in settings.CROSS_ORIGIN_STATIC:
        paths.add(f"/{settings.STATIC_URL.strip('/')}/{name}")
        with suppress(ValueError):  # not collected yet: only the plain name is served
            paths.add(static(name))
    return paths


class SiteHeadersMiddleware:
    """Cross-Origin-Resource-Policy on every response, and a styled page for a 405."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.cross_origin = cross_origin_static()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path in self.cross_origin:
            response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
        # A view that means its response to be embedded elsewhere (a share card) says so.
        response.headers.setdefault(
            "Cross-Origin-Resource-Policy", settings.CROSS_ORIGIN_RESOURCE_POLICY
        )
        if response.status_code == 405 and not response.content:
            # Django answers a wrong method with an empty body; say what happened instead.
            response.content = render_to_string("405.html", {"allowed": response["Allow"]}, request)
            response["Content-Type"] = "text/html; charset=utf-8"
            # CommonMiddleware, inside this one, has already counted the empty body.
            response["Content-Length"] = str(len(response.content))
        return response
