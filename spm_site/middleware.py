"""Headers and pages that Django does not add by itself."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


class SiteHeadersMiddleware:
    """Cross-Origin-Resource-Policy on every response, and a styled page for a 405."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
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
