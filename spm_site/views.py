"""Project-wide pages that belong to no app."""

from typing import Any

from axes.helpers import get_cool_off, get_failure_limit
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import time_format


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
