"""When the cache or the database fails, the site answers what it can.

A Redis outage (refusing, or a blackhole that never answers) costs speed, never pages, and
the cache is used again once it answers. A database outage serves the last copy of every
page the page cache holds (with its Age), a styled 503 with Retry-After for the rest, and
a clear 503 in the admin; when the database answers again, pages are fresh at once.
"""

import http.client
import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any
from urllib.parse import urlsplit

import lxml.html
import pytest
from django.db import OperationalError, connection
from django.test import Client

from devtools.faultproxy import FaultProxy, proxy_to
from devtools.servers import free_port, running_gunicorn, scratch_postgres, through
from resources.models import Resource
from spm_site import caches
from spm_site.wsgi import application
from tests.conftest import PublicPage, needed, page, through_site

REDIS = ("127.0.0.1", 6379)


@pytest.fixture
def use_redis_at(settings: Any) -> Iterator[Callable[[int], None]]:
    """Point the default cache at a (cut or real) Redis on a loopback port, as settings.py
    configures it when REDIS_URL is set."""
    caches.OUTAGES.clear()
    prefix = f"spm-outage-{secrets.token_hex(4)}"

    def use(port: int) -> None:
        settings.CACHES = {
            **settings.CACHES,
            "default": {
                "BACKEND": "spm_site.caches.FailSoftRedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/0",
                "KEY_PREFIX": prefix,
                "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
            },
        }

    yield use
    caches.OUTAGES.clear()


def redis_running() -> bool:
    try:
        socket.create_connection(REDIS, timeout=1).close()
    except OSError:
        return False
    return True


def every_page_answers(public_pages: list[PublicPage]) -> list[tuple[str, int, float]]:
    """Each public page and the admin's sign-in page, asked through the whole site:
    ("GET /path", status, seconds)."""
    asked = [(p.method, p.path) for p in public_pages]
    asked += [
        ("GET", p) for p in ("/admin/login/", "/feeds/resources.atom", "/sitemap.xml", "/r/4/")
    ]
    answers = []
    for method, path in asked:
        started = time.monotonic()
        status = through_site(path, method=method).status
        answers.append((f"{method} {path}", status, time.monotonic() - started))
    return answers


@pytest.mark.parametrize("failure", ["refuse", "blackhole"])
def test_redis_down_costs_no_page_and_no_second(
    failure: str, public_pages: list[PublicPage], use_redis_at, caplog
) -> None:
    every_page_answers(public_pages)  # templates compiled, as on a server that has run a while
    with proxy_to(*REDIS) as redis:
        redis.cut(failure)  # type: ignore[arg-type]
        use_redis_at(redis.port)
        with caplog.at_level(logging.WARNING, logger="spm_site.caches"):
            answers = every_page_answers(public_pages)
            answers += every_page_answers(public_pages)  # and again, while it is still down
    assert len(answers) > 80
    assert [(path, status) for path, status, _ in answers if status >= 500] == []
    statuses = {path: status for path, status, _ in answers}
    assert statuses["GET /"] == 200
    assert statuses["GET /resources/opennotes/"] == 200
    assert statuses["GET /no-such-page/"] == 404
    assert statuses["GET /admin/login/"] == 200
    slow = [(path, round(seconds, 2)) for path, _, seconds in answers if seconds >= 1]
    assert slow == []
    # One warning for the outage, not one a request.
    warnings = [r.getMessage() for r in caplog.records if r.name == "spm_site.caches"]
    assert len(warnings) == 1
    assert "did not answer" in warnings[0]


def test_redis_down_leaves_the_admin_working(staff_client: Client, use_redis_at) -> None:
    use_redis_at(free_port())  # nothing listens there
    index = staff_client.get("/admin/")
    assert index.status_code == 200
    assert page(index).xpath("//h1/text()") == ["Edit the Resources for Providers site"]
    changelist = staff_client.get("/admin/resources/resource/")
    assert changelist.status_code == 200


def forget_recent_pages() -> None:
    """Empty the pages this process keeps in memory, so the next hit must come from Redis."""
    application.recent.entries.clear()


def test_redis_is_used_again_when_it_returns(
    seeded: None, use_redis_at, caplog, monkeypatch
) -> None:
    needed(redis_running(), "Redis is not running on 127.0.0.1:6379")
    monkeypatch.setattr(caches, "RETRY_SECONDS", 0.0)  # try again at the next request
    with proxy_to(*REDIS) as redis, caplog.at_level(logging.WARNING, logger="spm_site.caches"):
        use_redis_at(redis.port)
        through_site("/")
        forget_recent_pages()
        assert through_site("/").headers["X-Cache"] == "hit"  # from Redis
        redis.cut("refuse")
        forget_recent_pages()
        assert through_site("/").headers["X-Cache"] == "miss"
        forget_recent_pages()
        assert through_site("/").headers["X-Cache"] == "miss"  # not kept in Redis
        assert through_site("/").headers["X-Cache"] == "hit"  # but in this worker's memory
        redis.restore()
        through_site("/about/")
        forget_recent_pages()
        assert through_site("/about/").headers["X-Cache"] == "hit"  # from Redis again
    messages = [r.getMessage() for r in caplog.records if r.name == "spm_site.caches"]
    assert len(messages) == 2
    assert "did not answer" in messages[0]
    assert "answers again" in messages[1]


# The database away.


@pytest.fixture
def database_down() -> Callable[[], Any]:
    """While the returned context is open, every query fails as a locked SQLite file or a
    stopped PostgreSQL server fails it."""

    def refuse(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        raise OperationalError("database is locked")

    return lambda: connection.execute_wrapper(refuse)


def test_database_down_serves_kept_pages_and_a_styled_503_for_the_rest(
    public_pages: list[PublicPage], database_down, staff_client: Client
) -> None:
    gets = [p.path for p in public_pages if p.method == "GET"]
    first = {path: through_site(path) for path in gets}
    kept = {path for path in gets if through_site(path).headers.get("X-Cache") == "hit"}
    assert {"/", "/about/", "/handout/", "/resources/", "/resources/opennotes/"} <= kept
    assert "/no-such-page/" not in kept
    assert "/suggest/" not in kept  # it sets a CSRF cookie, so it is never kept
    staff_client.raise_request_exception = False

    with database_down():
        during = {path: through_site(path) for path in gets}
        never_asked = through_site("/resources/?q=never+asked+before")
        healthz = through_site("/healthz")
        readyz = through_site("/readyz")
        admin = staff_client.get("/admin/")
        admin_change = staff_client.get("/admin/resources/resource/")

    for path in kept:
        answer = during[path]
        assert (answer.status, answer.headers["X-Cache"]) == (200, "stale"), path
        assert answer.body == first[path].body, path
        assert int(answer.headers["Age"]) >= 0
    # The rest is made afresh: a page that needs no database still answers (the form of
    # suggestions, a 404); every other one is a 503 that says what to do.
    rest = {path: during[path] for path in set(gets) - kept}
    assert {path: answer.status for path, answer in rest.items() if answer.status != 503} == {
        "/suggest/": 200,
        "/suggest/thanks/": 200,
        "/suggest/thanks/?already=1": 200,
        "/no-such-page/": 404,
        "/resources/?q=patients&format=pdf": 400,  # an unknown format, told without a query
    }
    unavailable = {path: answer for path, answer in rest.items() if answer.status == 503}
    assert set(unavailable) == {"/suggest/listed/opennotes/"}
    unavailable["never asked before"] = never_asked
    for path, answer in unavailable.items():
        assert answer.status == 503, path
        assert answer.headers["Retry-After"] == "30"
        assert "no-store" in answer.headers["Cache-Control"]
        document = lxml.html.fromstring(answer.body)
        assert document.xpath("//h1/text()") == ["This page cannot be shown just now"]
        assert document.xpath("//link[@rel='stylesheet']/@href")  # the site's own styles
    assert (healthz.status, healthz.body) == (200, b"ok\n")
    assert readyz.status == 503
    assert readyz.body == b'{"database": "down", "cache": "ok"}'
    for response in (admin, admin_change):
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        assert lxml.html.fromstring(response.content).xpath("//h1/text()") == [
            "The admin cannot reach the database just now"
        ]

    # Back: fresh pages at once, and what staff change shows at the next request.
    opennotes = Resource.objects.get(slug="opennotes")
    opennotes.title = "OpenNotes, as renamed after the outage"
    opennotes.save()
    after = through_site("/resources/opennotes/")
    assert (after.status, after.headers["X-Cache"]) == (200, "miss")
    assert lxml.html.fromstring(after.body).xpath("//h1/text()") == [
        "OpenNotes, as renamed after the outage"
    ]
    assert through_site("/readyz").status == 200


def test_a_database_lost_while_a_page_is_made_serves_the_kept_copy(
    seeded: None, monkeypatch
) -> None:
    first = through_site("/")
    opennotes = Resource.objects.get(slug="opennotes")
    opennotes.save()  # the copy is no longer fresh: the next visit renders afresh

    def refuse_after_token(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if "token" in sql:
            return execute(sql, params, many, context)
        raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(refuse_after_token):
        answer = through_site("/")
    assert (answer.status, answer.headers["X-Cache"]) == (200, "stale")
    assert answer.body == first.body


def test_the_page_cache_keeps_copies_longer_than_it_serves_them_fresh(
    seeded: None, settings, monkeypatch, database_down
) -> None:
    through_site("/")
    made = time.time()
    # An hour and a minute later the copy is too old to be served fresh...
    monkeypatch.setattr(time, "time", lambda: made + settings.PAGE_CACHE_SECONDS + 60)
    # (asked of Django again, which finds the rows it was made from unchanged)
    assert through_site("/").headers["X-Cache"] == "revalidated"
    # ...but kept, and served, with its age, while the database is away.
    monkeypatch.setattr(time, "time", lambda: made + settings.PAGE_CACHE_SECONDS + 120)
    with database_down():
        answer = through_site("/")
    assert (answer.status, answer.headers["X-Cache"]) == (200, "stale")
    assert 60 <= int(answer.headers["Age"]) <= 61


def test_a_fault_proxy_refuses_and_swallows(tmp_path) -> None:
    """The proxy the outage tests and `make chaos` cut: refused while cut, silent while a
    blackhole, passing bytes when restored."""
    needed(redis_running(), "Redis is not running on 127.0.0.1:6379")
    proxy = FaultProxy(*REDIS)
    try:
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            assert conn.recv(100) == b"+PONG\r\n"
        proxy.cut("refuse")
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", proxy.port), timeout=1)
        proxy.restore()
        proxy.cut("blackhole")
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=0.3) as conn:
            conn.sendall(b"PING\r\n")
            with pytest.raises(TimeoutError):
                conn.recv(100)
        proxy.restore()
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            assert conn.recv(100) == b"+PONG\r\n"
    finally:
        proxy.close()


# The same cuts, for real: gunicorn with production settings on PostgreSQL and Redis, each
# reached through a proxy that is cut as a stopped server or a dead route would cut it.

POSTGRES = os.environ.get("CI_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")


def postgres_running() -> bool:
    try:
        socket.create_connection(("127.0.0.1", urlsplit(POSTGRES).port or 5432), timeout=1).close()
    except OSError:
        return False
    return True


def ask(port: int, path: str) -> tuple[int, dict[str, str], bytes, float]:
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"X-Forwarded-Proto": "https"})
        response = connection.getresponse()
        body = response.read()
        return response.status, dict(response.getheaders()), body, time.monotonic() - started
    finally:
        connection.close()


def test_gunicorn_on_postgresql_and_redis_through_cut_proxies() -> None:
    needed(postgres_running(), "PostgreSQL is not running on 127.0.0.1:5432")
    needed(redis_running(), "Redis is not running on 127.0.0.1:6379")
    kept_pages = ["/", "/resources/opennotes/", "/about/", "/resources/?q=notes"]
    with ExitStack() as stack:
        database = stack.enter_context(scratch_postgres(POSTGRES))
        pg = stack.enter_context(proxy_to("127.0.0.1", urlsplit(POSTGRES).port or 5432))
        redis = stack.enter_context(proxy_to(*REDIS))
        env = {
            "DATABASE_URL": through(database, pg.port),
            "REDIS_URL": f"redis://127.0.0.1:{redis.port}/13",
            "WEB_CONCURRENCY": "1",
        }
        port, _ = stack.enter_context(running_gunicorn(env, seed_env={"DATABASE_URL": database}))
        prefix = secrets.token_hex(3)  # searches no earlier run has kept
        for path in kept_pages:
            ask(port, path)
        assert [ask(port, p)[1].get("X-Cache") for p in kept_pages] == ["hit"] * 4

        redis.cut("refuse")
        refused = [ask(port, p) for p in [*kept_pages, f"/resources/?q={prefix}refused"]]
        redis.cut("blackhole")
        silent = [ask(port, p) for p in [*kept_pages, f"/resources/?q={prefix}silent"]]
        redis.restore()

        pg.cut("refuse")
        during = {p: ask(port, p) for p in kept_pages}
        fresh = ask(port, f"/resources/?q={prefix}never")
        healthz, readyz = ask(port, "/healthz"), ask(port, "/readyz")
        pg.restore()
        back = ask(port, "/readyz")
        after = ask(port, f"/resources/?q={prefix}after")

    for answers in (refused, silent):
        assert [a[0] for a in answers] == [200] * 5
        assert max(a[3] for a in answers) < 1
    for path, (status, headers, _, _) in during.items():
        assert (status, headers.get("X-Cache")) == (200, "stale"), path
        assert "Age" in headers
    assert (fresh[0], fresh[1]["Retry-After"]) == (503, "30")
    assert lxml.html.fromstring(fresh[2]).xpath("//h1/text()") == [
        "This page cannot be shown just now"
    ]
    assert (healthz[0], healthz[2]) == (200, b"ok\n")
    assert (readyz[0], readyz[2]) == (503, b'{"database": "down", "cache": "ok"}')
    assert back[0] == 200
    assert json.loads(back[2])["database"] == "ok"
    assert json.loads(back[2])["cache"] in ("ok", "degraded")  # degraded: slow on a busy machine
    assert after[0] == 200
