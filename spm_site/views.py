"""Project-wide pages that belong to no app."""

import sys
import time
from typing import Any

from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.formats import time_format
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from spm_site.caches import State, cache_state

RETRY_AFTER_SECONDS = 30  # what a 503 asks clients to wait before trying again
SLOW_SECONDS = 0.5  # a database answering SELECT 1 slower than this is degraded


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness, for the load balancer: 200 whenever this process can answer, which it
    can while the database or the cache is away (stale pages, styled 503s). Taking every
    app server out of service because a shared part failed would turn a partial outage
    into a total one; /readyz says what is failing."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


def database_state() -> State:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return "down"  # Django closes a broken connection as the request ends
    return "degraded" if time.monotonic() - started > SLOW_SECONDS else "ok"


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """For monitoring: the database and the cache each ok, degraded (answering slowly) or
    down, and 503 while the database is down. States only, never an error's details."""
    states = {"database": database_state(), "cache": cache_state()}
    return JsonResponse(states, status=503 if states["database"] == "down" else 200)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 page, except when the database is away: then a 503 that says so and
    when to try again (public pages the page cache holds are still served from it)."""
    error = sys.exc_info()[1]
    if not isinstance(error, DatabaseError):
        return defaults.server_error(request)
    # Rendered without the request's context: the user and the session are in the database.
    admin = request.path.startswith(f"/{settings.ADMIN_PATH}")
    template = loader.get_template("admin/503.html" if admin else "503.html")
    body = template.render({"retry_after": RETRY_AFTER_SECONDS, "STATIC_URL": settings.STATIC_URL})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: dict | None = None
) -> HttpResponse:
    """What django-axes shows after too many wrong passwords: why, and when to try again."""
    cool_off = get_cool_off(request)
    context = {"failure_limit": get_failure_limit(request, credentials)}
    if cool_off:
        until = timezone.localtime() + cool_off
        context["minutes"] = int(cool_off.total_seconds() // 60)
        context["until"] = time_format(until, "H:i")
    return render(request, "locked_out.html", context, status=429)
