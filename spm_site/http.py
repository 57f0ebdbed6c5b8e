"""How the public pages answer requests."""

from collections.abc import Callable
from typing import Any

from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe


def read_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """GET and HEAD only; any other method gets 405 with Allow.

    The CSRF check is skipped because nothing here writes: without this, a POST would be
    refused as a forged form (403) before the view could say which methods it takes.
    """
    return csrf_exempt(require_safe(view))
