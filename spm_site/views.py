"""Project-wide pages that belong to no app."""

import secrets
from typing import Any

from axes.helpers import get_cool_off, get_failure_limit
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import time_format
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers and monitors: 200 when the database and the cache answer, else
    503 with a short reason (the kind of failure, never its details)."""
    problems = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        problems.append(f"database: {type(error).__name__}")
    key = f"healthz:{secrets.token_hex(8)}"
    try:
        cache.set(key, "ok", 10)
        if cache.get(key) != "ok":
            problems.append("cache: a value written was not read back")
        cache.delete(key)
    except Exception as error:  # each cache backend raises its own kind of error
        problems.append(f"cache: {type(error).__name__}")
    body = "\n".join(problems) if problems else "ok"
    return HttpResponse(
        body + "\n", status=503 if problems else 200, content_type="text/plain; charset=utf-8"
    )


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
