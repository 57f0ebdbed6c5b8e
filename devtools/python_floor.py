"""The Python floor for `make bench`: a WSGI app that returns the bytes of a file, as fast
as gunicorn can serve anything. The site is measured against it."""

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

BODY = Path(os.environ.get("FLOOR_BODY", os.devnull)).read_bytes()
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY)))]


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", HEADERS)
    return [BODY]
