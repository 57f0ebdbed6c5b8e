"""The page cache: anonymous visitors get the public pages from the cache, before Django runs.

It wraps the WSGI application (spm_site/wsgi.py), so a hit costs one small query (the
generation token) and one cache read: no request object, no middleware, no view.

- What is kept: a 200 answer to an anonymous GET that the view marked ``public`` (see
  spm_site/http.py) and that sets no cookie. Signed-in staff (a session cookie), the
  admin, static files and /healthz always go to Django.
- When it is retired: every entry is filed under the generation token it was made at
  (spm_site/models.py). Saving or deleting a row of a model that an app ``watch``-es (each
  registers, from its ``ready()``, the models its pages show) changes the token in the
  same transaction, so the next request on any app server that shares the database
  renders afresh. Entries live in the configured cache: local memory by default, Redis
  when REDIS_URL is set (then the app servers share the pages too).
- When the database is away: anonymous visitors get the last copy kept of the page they
  ask for (marked with an ``Age`` header), however old, for as long as the copy is kept
  (PAGE_STALE_SECONDS beyond its PAGE_CACHE_SECONDS); a page never kept gets Django's
  styled 503 (spm_site/views.py). Staff, who need the real thing, always get that 503.
- Where entries live: in the configured cache (the machine's shared files by default,
  Redis when REDIS_URL is set), and the pages a worker served lately also in its own
  memory (``Recent``), so a hit costs no read of the shared cache. A copy in memory is
  served only under the same rule as any other (the current token, young enough), so it is
  never staler than the shared one.
- When the token changed but the page did not: a view that can say what its page is made
  from (``INPUTS``) is offered the digest of the page kept, and when it finds the same it
  answers ``unchanged()`` without rendering; the kept page is filed under the new token
  (``X-Cache: revalidated``), its bytes, ETag and Last-Modified as they were.
- What it adds: an ETag and Last-Modified, with 304 answers to conditional requests, and
  gzip for clients that accept it. These pages carry no secret (no session, no CSRF
  token), so compressing them gives BREACH nothing to find; pages that do carry one are
  never cached and so never compressed.
"""

from __future__ import annotations

import gzip
import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, replace
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from .http import representation

COMPRESSIBLE = ("text/", "application/atom+xml", "application/json", "application/xml",
                "application/vnd.citationstyles", "image/svg+xml")  # fmt: skip
MIN_COMPRESS = 256  # bytes; smaller bodies are not worth a gzip header


# The generation: which state of the content a cached answer was made from.


ENVIRON_KEY = "spm.generation"  # the token read for this request


def read_token() -> int | None:
    """The current generation token (None before anything was ever saved)."""
    from .models import Generation

    sql = f"SELECT token FROM {connection.ops.quote_name(Generation._meta.db_table)} WHERE id = 1"
    if connection.queries_logged or connection.execute_wrappers:
        # Watched (DEBUG, a test, an execute_wrapper): through Django's cursor.
        with connection.cursor() as cursor:
            cursor.execute(sql)
            row = cursor.fetchone()
        return row[0] if row else None
    # Raw SQL, on the driver's own cursor (with Django's connection handling and errors):
    # this runs on every page-cache hit, where even Django's cursor wrapper shows.
    with connection.wrap_database_errors:
        connection.ensure_connection()
        cursor = connection.connection.cursor()
        try:
            cursor.execute(sql)
            row = cursor.fetchone()
        finally:
            cursor.close()
    return row[0] if row else None


def token_for(request: Any) -> int | None:
    """The token a request's page and fragments are made under: read once per request (the
    page cache reads it first and leaves it in the WSGI environ); None when the database
    cannot say, so that an error page still renders."""
    meta = request.META
    if ENVIRON_KEY not in meta:
        try:
            meta[ENVIRON_KEY] = read_token()
        except DatabaseError:
            return None
    return meta[ENVIRON_KEY]


def drop_if_broken() -> None:
    """After a database error outside Django's request cycle, do what Django does at the
    end of a request: close the connection if it no longer works, so that the next request
    connects afresh. A connection inside a transaction belongs to whoever opened it."""
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()


def changed_at() -> Any:
    """When the content last changed (None before anything was ever saved)."""
    from .models import Generation

    field = Generation._meta.get_field("changed_at")
    table = connection.ops.quote_name(Generation._meta.db_table)
    with connection.cursor() as cursor:
        # Raw SQL, as for the token: this runs at every page the cache keeps.
        cursor.execute(f"SELECT changed_at FROM {table} WHERE id = 1")
        row = cursor.fetchone()
    if row is None:
        return None
    converters = connection.ops.get_db_converters(field.get_col(Generation._meta.db_table))
    value = row[0]
    for converter in converters:
        value = converter(value, field.get_col(Generation._meta.db_table), connection)
    return value


def bump(**kwargs: Any) -> None:
    """Retire every cached page and fragment: the content has changed.

    A signal receiver for the models that apps ``watch``, and called directly by code that
    changes rows without signals (``QuerySet.update()``, ``bulk_create()``) or that changes
    what pages show outside those models (a link check).
    """
    from .models import Generation

    if kwargs.get("action", "post_").startswith("pre_"):
        return  # m2m_changed: only after the change
    new = {"token": secrets.randbits(62), "changed_at": timezone.now()}
    if not Generation.objects.filter(pk=1).update(**new):
        Generation.objects.bulk_create([Generation(pk=1, **new)], ignore_conflicts=True)
        Generation.objects.filter(pk=1).update(**new)


def bump_after_migrate(**kwargs: Any) -> None:
    with suppress(DatabaseError):  # migrated back to before the generation table
        bump()


WATCHED: set[type[Model]] = set()


def watch(*models: type[Model]) -> None:
    """Retire the cached pages whenever a row of these models is saved or deleted (or, for a
    many-to-many through model, added or removed). Each app calls this from its ``ready()``
    for the models its public pages show."""
    for model in models:
        WATCHED.add(model)
        label = model._meta.label_lower
        post_save.connect(bump, sender=model, dispatch_uid=f"pagecache-save-{label}")
        post_delete.connect(bump, sender=model, dispatch_uid=f"pagecache-delete-{label}")
        m2m_changed.connect(bump, sender=model, dispatch_uid=f"pagecache-m2m-{label}")


def watched() -> frozenset[type[Model]]:
    """The models whose saves retire the cached pages, as the apps registered them."""
    return frozenset(WATCHED)


# The WSGI layer.


@dataclass(frozen=True)
class Entry:
    token: int | None
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    gzipped: bytes | None
    etag: str
    made: float  # time.time() when the page was rendered
    # A digest of what the view made the page from, when it says (``INPUTS``): an edit
    # elsewhere leaves it as it was, and the page is then not made again (``unchanged``).
    inputs: str = ""


# A view that can tell what its page is made from, more cheaply than it renders it, says so
# in this header (never sent). When the page cache offers it the digest of the page it kept
# (the environ's OFFERED) and the two agree, the view answers ``unchanged()`` instead of
# rendering: the kept page is filed again under the current token, as it was. Neither
# header ever leaves the page cache.
INPUTS = "X-Page-Inputs"
UNCHANGED = "X-Page-Unchanged"
OFFERED = "spm.kept_inputs"


def unchanged(request: Any, inputs: str) -> Any:
    """An empty answer that tells the page cache its kept page still holds (None when
    it does not, or when no page cache asked: the view renders)."""
    from django.http import HttpResponse

    if not inputs or request.META.get(OFFERED) != inputs:
        return None
    response = HttpResponse()
    response[UNCHANGED] = inputs
    return response


def made_from(request: Any, response: Any, inputs: str) -> Any:
    """``response``, marked with what it was made from (see ``INPUTS``) for the page cache
    to keep, when it is the page cache that asked."""
    if OFFERED in request.META:
        response[INPUTS] = inputs
    return response


def etag_matches(header: str, etag: str) -> bool:
    """If-None-Match holds ``etag`` (weak comparison: a W/ prefix is ignored)."""
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def accepts_gzip(header: str) -> bool:
    for part in header.lower().split(","):
        name, _, params = part.strip().partition(";")
        if name.strip() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def newest(*found: Any) -> Entry | None:
    """The most recently made of the entries found (anything else read is ignored)."""
    entries = [entry for entry in found if isinstance(entry, Entry)]
    return max(entries, key=lambda entry: entry.made) if entries else None


class Recent:
    """The entries a worker served lately, at most ``size`` of them (least recently used
    leave first), shared by its threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[str, Entry] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: Entry) -> None:
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


@lru_cache(maxsize=4096)
def page_key(scheme: str, host: str, path: str, query: str, accept: str) -> str:
    """The cache key of an address (the last 4,096 asked for are remembered: each hit asks)."""
    address = "\n".join(
        # What was asked for (HTML, or a type an app offers, spm_site/http.py): an address
        # that negotiates keeps each answer apart, and browsers' many Accept headers all
        # come to "text/html".
        [scheme, host, path, query, str(representation(accept))]
    )
    return "page:" + hashlib.sha256(address.encode("utf-8", "surrogateescape")).hexdigest()


class PageCache:
    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.recent = Recent(settings.PAGE_CACHE_RECENT)
        self.session_cookie = settings.SESSION_COOKIE_NAME
        self.bypass = (
            f"/{settings.ADMIN_PATH}",
            settings.STATIC_URL or "/static/",
            "/healthz",
            "/readyz",
        )
        self.seconds = settings.PAGE_CACHE_SECONDS
        self.kept = settings.PAGE_CACHE_SECONDS + settings.PAGE_STALE_SECONDS

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not self.may_serve(environ):
            return self.app(environ, start_response)
        key = self.key(environ)
        try:
            current = read_token()
        except DatabaseError:
            drop_if_broken()
            # Asked even if the cache was just taken for down: the other answer is a 503.
            kept = newest(self.recent.get(key), getattr(cache, "get_now", cache.get)(key))
            if kept is not None:
                return self.serve(kept, environ, start_response, "stale")
            return self.app(environ, start_response)  # a styled 503 (spm_site/views.py)
        local = self.recent.get(key)
        if local is not None and self.fresh(local, current):
            return self.serve(local, environ, start_response, "hit")
        shared = cache.get(key)
        previous = newest(local, shared)
        if previous is not None and self.fresh(previous, current):
            self.recent.put(key, previous)
            return self.serve(previous, environ, start_response, "hit")
        environ[ENVIRON_KEY] = current  # the page is made, and filed, under this token
        # Present whenever the page cache is to keep the answer, empty if it has no digest.
        environ[OFFERED] = previous.inputs if previous is not None else ""
        captured: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured[:] = [status, headers]
            return lambda data: None  # the body comes back as the iterable below

        result = self.app(environ, capture)
        status, headers = captured
        said = {name: value for name, value in headers if name in (INPUTS, UNCHANGED)}
        headers = [(name, value) for name, value in headers if name not in said]
        if previous is not None and previous.inputs and said.get(UNCHANGED) == previous.inputs:
            # Made from the same rows as the page kept: that page, filed under this token.
            if hasattr(result, "close"):
                result.close()
            entry = replace(previous, token=current, made=time.time())
            cache.set(key, entry, self.kept)
            self.recent.put(key, entry)
            return self.serve(entry, environ, start_response, "revalidated")
        if status.startswith("5") and previous is not None:
            # The database went away while the page was made: the copy kept is better.
            if hasattr(result, "close"):
                result.close()
            return self.serve(previous, environ, start_response, "stale")
        if environ["REQUEST_METHOD"] != "GET" or not self.may_keep(status, headers):
            start_response(status, headers)
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        entry = self.entry(current, status, headers, body, previous, said.get(INPUTS, ""))
        cache.set(key, entry, self.kept)
        self.recent.put(key, entry)
        return self.serve(entry, environ, start_response, "miss")

    def fresh(self, entry: Entry, current: int | None) -> bool:
        return entry.token == current and time.time() - entry.made < self.seconds

    def may_serve(self, environ: dict[str, Any]) -> bool:
        if self.seconds <= 0 or environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
            return False
        if environ.get("PATH_INFO", "").startswith(self.bypass):
            return False
        if "HTTP_AUTHORIZATION" in environ:
            return False
        return f"{self.session_cookie}=" not in environ.get("HTTP_COOKIE", "")

    @staticmethod
    def may_keep(status: str, headers: list[tuple[str, str]]) -> bool:
        if not status.startswith("200 "):
            return False
        names = {name.lower(): value.lower() for name, value in headers}
        control = names.get("cache-control", "")
        return (
            "set-cookie" not in names
            and "public" in control
            and "private" not in control
            and "no-store" not in control
        )

    @staticmethod
    def key(environ: dict[str, Any]) -> str:
        return page_key(
            environ.get("HTTP_X_FORWARDED_PROTO") or environ.get("wsgi.url_scheme", ""),
            environ.get("HTTP_HOST", ""),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            environ.get("HTTP_ACCEPT", ""),
        )

    @staticmethod
    def entry(
        current: int | None,
        status: str,
        headers: list[tuple[str, str]],
        body: bytes,
        previous: Entry | None = None,
        inputs: str = "",
    ) -> Entry:
        """What is kept of an answer. An edit elsewhere leaves most pages' bytes as they
        were: then the copy compressed before is taken again rather than made anew."""
        kept = [(n, v) for n, v in headers if n.lower() not in ("content-length", "vary")]
        vary = [v for n, v in headers if n.lower() == "vary"]
        kept.append(("Vary", ", ".join([*vary, "Accept-Encoding"])))
        modified = changed_at()
        if modified is not None:
            kept.append(("Last-Modified", format_datetime(modified, usegmt=True)))
        content_type = next((v for n, v in headers if n.lower() == "content-type"), "")
        compress = content_type.startswith(COMPRESSIBLE) and len(body) >= MIN_COMPRESS
        etag = hashlib.blake2b(body, digest_size=12).hexdigest()
        if not compress:
            gzipped = None
        elif previous is not None and previous.etag == etag and previous.gzipped is not None:
            gzipped = previous.gzipped  # the same bytes as before
        else:
            gzipped = gzip.compress(body, compresslevel=6, mtime=0)
        return Entry(
            token=current,
            status=status,
            headers=kept,
            body=body,
            gzipped=gzipped,
            etag=etag,
            made=time.time(),
            inputs=inputs,
        )

    @staticmethod
    def serve(
        entry: Entry, environ: dict[str, Any], start_response: Callable[..., Any], outcome: str
    ) -> list[bytes]:
        zipped = entry.gzipped is not None and accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", ""))
        body = entry.gzipped if zipped and entry.gzipped is not None else entry.body
        etag = f'"{entry.etag}-gzip"' if zipped else f'"{entry.etag}"'
        headers = [*entry.headers, ("ETag", etag), ("X-Cache", outcome)]
        if outcome == "stale":
            headers.append(("Age", str(max(0, int(time.time() - entry.made)))))
        if PageCache.not_modified(environ, etag, entry.headers):
            kept = ("cache-control", "vary", "last-modified", "etag", "x-cache",
                    "content-security-policy", "age", "access-control-allow-origin")  # fmt: skip
            start_response("304 Not Modified", [(n, v) for n, v in headers if n.lower() in kept])
            return []
        if zipped:
            headers.append(("Content-Encoding", "gzip"))
        headers.append(("Content-Length", str(len(body))))
        start_response(entry.status, headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    @staticmethod
    def not_modified(environ: dict[str, Any], etag: str, headers: list[tuple[str, str]]) -> bool:
        if "HTTP_IF_NONE_MATCH" in environ:
            return etag_matches(environ["HTTP_IF_NONE_MATCH"], etag)
        since = environ.get("HTTP_IF_MODIFIED_SINCE")
        modified = next((v for n, v in headers if n == "Last-Modified"), None)
        if not since or not modified:
            return False
        try:
            return parsedate_to_datetime(modified) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
