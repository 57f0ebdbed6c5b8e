"""Link health: check that every link still leads somewhere, and record what was found.

A check asks each address with HEAD (no body at all for a PDF), then with GET where HEAD is
refused, or to read the title of an HTML page (the first 64 KB at most). It follows
redirects itself, so that it knows whether every hop was permanent, and catches loops and
over-long chains. Links are checked concurrently, a few at a time per host, with connect
and read timeouts and a deadline per link, so a whole run is bounded however slow the
sites are. Every request goes through ``outbound``: an address on a private network (the
server's own, a cloud's metadata service), typed or redirected to, is never asked.

Every write of health goes through ``store``: a check never saves a Link or a Resource, so
it never bumps a resource's version, never makes a revision and never overwrites an edit
staff make meanwhile.
"""

from __future__ import annotations

import asyncio
import html
import logging
import queue
import re
import socket
import ssl
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

import outbound
from editing.history import record
from spm_site import pagecache

from .models import Link, LinkHealth, Resource

logger = logging.getLogger(__name__)

State = LinkHealth.State

REDIRECTS = {301, 302, 303, 307, 308}
PERMANENT = {301, 308}
# Sites that turn automated visitors away answer these to a checker and serve a person.
BOT_WALLS = {401, 403, 429}
MAX_REDIRECTS = 10
# Enough for the <head> of any page, and so for its title.
BODY_LIMIT = 64 * 1024
TITLE = re.compile(rb"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
# Two failures in a row make a link "broken": one can be a site's bad minute.
FAILURES_FOR_BROKEN = 2


def user_agent() -> str:
    """Names the site, its address and a contact, so a site's owner can see who checks and
    why."""
    return outbound.user_agent("checks that its links still work")


@dataclass(frozen=True)
class Outcome:
    """What one check of one address found."""

    verdict: str  # State.OK, State.MOVED, State.UNVERIFIED, or "failed"
    status_code: int | None = None
    final_url: str = ""
    permanent: bool = False
    title: str = ""
    problem: str = ""


FAILED = "failed"


def failed(problem: str, status_code: int | None = None, final_url: str = "") -> Outcome:
    return Outcome(FAILED, status_code=status_code, final_url=final_url, problem=problem)


def find_title(body: bytes, encoding: str | None) -> str:
    match = TITLE.search(body)
    if not match:
        return ""
    text = match.group(1).decode(encoding or "utf-8", errors="replace")
    return " ".join(html.unescape(text).split())[:300]


def is_html(response: httpx.Response) -> bool:
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    return kind in ("text/html", "application/xhtml+xml")


async def ask(
    client: outbound.AsyncOutbound, method: str, url: str, deadline: asyncio.Timeout | None = None
) -> tuple[int, str, str, bool]:
    """One request, no redirect followed: (status, Location, title, is HTML).

    The body is streamed and only its start is read, for the title of a page; the rest
    is never downloaded. Waiting for the host's turn does not use up ``deadline``.
    """
    async with client.stream(method, url, deadline=deadline) as response:
        title = ""
        if method == "GET" and 200 <= response.status_code < 300 and is_html(response):
            start = bytearray()
            async for chunk in response.aiter_bytes():
                start += chunk
                if len(start) >= BODY_LIMIT:
                    break
            title = find_title(bytes(start[:BODY_LIMIT]), response.charset_encoding)
        location = response.headers.get("location", "")
        return response.status_code, location, title, is_html(response)


async def follow(
    client: outbound.AsyncOutbound, url: str, deadline: asyncio.Timeout | None = None
) -> Outcome:
    """Ask ``url``, following redirects; HEAD first, GET where HEAD is refused."""
    method = "HEAD"
    current = url
    seen = {url}
    permanent = True
    hops = 0
    status = 0
    while True:
        try:
            status, location, title, html_page = await ask(client, method, current, deadline)
            if method == "HEAD" and status >= 400:
                # Many servers refuse HEAD (405, 501) or mishandle it; a browser sends GET.
                method = "GET"
                status, location, title, html_page = await ask(client, method, current, deadline)
        except outbound.PrivateAddress as refused:
            if not hops:
                raise
            return Outcome(
                State.UNVERIFIED,
                status_code=status,
                final_url=current,
                problem=f"redirects to a private network address ({refused.address}): not followed",
            )
        if status not in REDIRECTS or not location:
            break
        target = str(httpx.URL(current).join(location))
        hops += 1
        if target in seen:
            return failed("redirect loop", status, target)
        if hops > MAX_REDIRECTS:
            return failed(f"more than {MAX_REDIRECTS} redirects", status, target)
        if urlsplit(target).scheme not in ("http", "https"):
            return failed("redirects to an address a browser cannot open", status, target)
        permanent = permanent and status in PERMANENT
        seen.add(target)
        current = target
    if 200 <= status < 300:
        if method == "HEAD" and html_page:
            title = await title_of(client, current, deadline)
        moved = hops > 0 and permanent and current != url
        return Outcome(
            State.MOVED if moved else State.OK,
            status_code=status,
            final_url=current,
            permanent=moved,
            title=title,
        )
    if status in BOT_WALLS:
        return Outcome(State.UNVERIFIED, status_code=status, final_url=current)
    if status in REDIRECTS:
        return failed("redirect without an address", status, current)
    return failed(f"HTTP {status}", status, current)


async def title_of(
    client: outbound.AsyncOutbound, url: str, deadline: asyncio.Timeout | None = None
) -> str:
    """The title of a page HEAD found working (empty if GET does not give one)."""
    try:
        status, _, title, _ = await ask(client, "GET", url, deadline)
    except (httpx.HTTPError, outbound.OutboundError):
        return ""
    return title if 200 <= status < 300 else ""


def connect_problem(error: httpx.ConnectError) -> Outcome:
    """A failed connection: refused means down; TLS and DNS errors may be ours."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return Outcome(State.UNVERIFIED, problem="secure connection (TLS) failed")
        if isinstance(cause, socket.gaierror):
            return Outcome(State.UNVERIFIED, problem="address not found (DNS)")
        cause = cause.__cause__ or cause.__context__
    return failed("could not connect")


async def probe(client: outbound.AsyncOutbound, url: str, deadline: float) -> Outcome:
    """Check one address; never raises. ``deadline`` bounds the whole check in seconds."""
    try:
        async with asyncio.timeout(deadline) as budget:
            return await follow(client, url, budget)
    except outbound.PrivateAddress as refused:
        # Our rule, not the site's fault: the page may well work for readers (a name that
        # resolves privately only on the server's own network), so it counts as neither
        # working nor broken, and staff see why among the links that could not be verified.
        return Outcome(
            State.UNVERIFIED,
            problem=f"private network address ({refused.address}): never fetched",
        )
    except outbound.Refused as refused:
        return failed(str(refused)[:200])
    except outbound.Busy as busy:
        return Outcome(State.UNVERIFIED, status_code=429, problem=str(busy)[:200])
    except (TimeoutError, httpx.TimeoutException):
        return failed("timed out")
    except httpx.ConnectError as error:
        return connect_problem(error)
    except httpx.InvalidURL:
        return failed("not a valid web address")
    except httpx.HTTPError as error:
        # The server broke the exchange: closed the connection, spoke no HTTP, sent a
        # redirect to an address that cannot be parsed...
        return failed(f"bad answer from the server: {error or type(error).__name__}"[:200])
    except Exception:
        # A fault of the checker says nothing about the site: never count it against one.
        logger.exception("Checking %s failed", url)
        return Outcome(State.UNVERIFIED, problem="the check itself failed")


@dataclass(frozen=True)
class Limits:
    """How hard a run may press: seconds per connect or read, requests at once."""

    timeout: float = 10.0
    workers: int = 64
    per_host: int = 4
    # Seconds for the whole run, when someone waits for it; links not reached are skipped.
    budget: float | None = None

    @property
    def deadline(self) -> float:
        """The most one link may take in all (a slow drip of bytes resets read timeouts)."""
        return 1.5 * self.timeout


async def check_all(
    targets: list[tuple[int, str]],
    limits: Limits,
    found: Callable[[int, str, Outcome], None],
) -> None:
    """Check every (link id, address), calling ``found`` with each outcome as it comes."""
    everyone = asyncio.Semaphore(limits.workers)
    hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(
        lambda: asyncio.Semaphore(limits.per_host)
    )
    config = outbound.config(
        "checks that its links still work",
        connect_timeout=limits.timeout,
        read_timeout=limits.timeout,
        max_connections=limits.workers,
        # A few at once per host; a burst of 50 requests, then 10 a second.
        default_limit=outbound.HostLimit(concurrent=limits.per_host, per_second=10, burst=50),
        # A 429 is often a bot wall, not a rate limit: only a Retry-After pauses the host,
        # and a pause longer than half a timeout makes its links "could not verify".
        default_pause=0.0,
        max_retry_wait=limits.timeout / 2,
        headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
    )
    async with outbound.AsyncOutbound(config) as client:

        async def one(link_id: int, url: str) -> None:
            host = (urlsplit(url).hostname or "").lower()
            async with hosts[host], everyone:
                outcome = await probe(client, url, limits.deadline)
            found(link_id, url, outcome)

        try:
            async with asyncio.timeout(limits.budget):
                await asyncio.gather(*(one(link_id, url) for link_id, url in targets))
        except TimeoutError:
            pass  # out of time: what was found so far is recorded, the rest waits


def judge(previous: LinkHealth | None, outcome: Outcome, now: datetime) -> dict[str, Any]:
    """The link's health after ``outcome``, given what the checks found before."""
    fields: dict[str, Any] = {
        "checked_at": now,
        "status_code": outcome.status_code,
        "final_url": outcome.final_url[:2000],
        "permanent_move": outcome.permanent,
        "title": outcome.title,
        "problem": outcome.problem,
        "state": previous.state if previous else State.UNKNOWN,
        "failures": previous.failures if previous else 0,
        "last_ok_at": previous.last_ok_at if previous else None,
        "reviewed_title": previous.reviewed_title if previous else "",
    }
    if outcome.verdict in (State.OK, State.MOVED):
        fields.update(state=outcome.verdict, failures=0, last_ok_at=now)
        if not fields["reviewed_title"]:
            fields["reviewed_title"] = outcome.title
    elif outcome.verdict == State.UNVERIFIED:
        # Tells nothing about the page either way: the failure count stands.
        fields["state"] = State.UNVERIFIED
    else:
        fields["failures"] += 1
        if fields["failures"] >= FAILURES_FOR_BROKEN:
            fields["state"] = State.BROKEN
    if not outcome.title and previous:
        fields["title"] = previous.title  # a failed check does not forget the title
    return fields


def shown(health: LinkHealth | None) -> tuple[Any, ...]:
    """What the public pages show of a link's health: the broken mark, the day last seen
    working."""
    if health is None:
        return (None, None, None)
    day = timezone.localdate(health.last_ok_at) if health.last_ok_at else None
    return (health.url, health.is_broken, day)


def store(link_id: int, url: str, **fields: Any) -> None:
    """The one place where link health is written. Cached pages are retired only when what
    they show changes, so a run that finds every link as before keeps them."""
    before = LinkHealth.objects.filter(link_id=link_id).first()
    after, _ = LinkHealth.objects.update_or_create(link_id=link_id, defaults={"url": url, **fields})
    if shown(before) != shown(after):
        pagecache.bump()


def record_check(link_id: int, url: str, outcome: Outcome, now: datetime | None = None) -> str:
    """Record one outcome; returns the link's state, or "" if the link changed meanwhile."""
    with transaction.atomic():
        # Locked until the write: staff cannot change the address in between.
        if not Link.objects.select_for_update().filter(pk=link_id, url=url).exists():
            return ""  # deleted, or a new address: this check is about an old one
        previous = LinkHealth.objects.filter(link_id=link_id, url=url).first()
        fields = judge(previous, outcome, now or timezone.now())
        store(link_id, url, **fields)
    if outcome.verdict == FAILED and fields["state"] != State.BROKEN:
        return "failed once"
    return str(fields["state"])


@dataclass
class Summary:
    counts: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    unfinished: int = 0

    @property
    def checked(self) -> int:
        return sum(self.counts.values())

    def __str__(self) -> str:
        parts = [
            f"{self.counts[State.OK]} ok",
            f"{self.counts[State.MOVED]} moved",
            f"{self.counts[State.BROKEN]} broken",
            f"{self.counts[State.UNVERIFIED]} could not verify",
        ]
        if self.counts["failed once"]:
            parts.append(f"{self.counts['failed once']} failed once (checked again next time)")
        if self.unfinished:
            parts.append(f"{self.unfinished} not reached in time")
        return f"Checked {self.checked} links in {self.seconds:.1f} s: {', '.join(parts)}."


def check_links(links: Iterable[Link], limits: Limits | None = None) -> Summary:
    """Check ``links`` and record what was found; returns counts by state.

    The checks run on an event loop in a thread of their own; every database write
    happens here, in the caller's thread, as each outcome arrives.
    """
    limits = limits or Limits(timeout=settings.LINK_CHECK_TIMEOUT)
    targets = [(link.pk, link.url) for link in links]
    outcomes: queue.SimpleQueue[tuple[int, str, Outcome] | None] = queue.SimpleQueue()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(check_all(targets, limits, lambda *found: outcomes.put(found)))
        except BaseException as error:
            errors.append(error)
        finally:
            outcomes.put(None)

    summary = Summary()
    started = time.monotonic()
    worker = threading.Thread(target=run, name="link-checks", daemon=True)
    worker.start()
    received = 0
    while (item := outcomes.get()) is not None:
        received += 1
        state = record_check(*item)
        if state:
            summary.counts[state] += 1
    worker.join()
    summary.unfinished = len(targets) - received
    summary.seconds = time.monotonic() - started
    if errors:
        raise errors[0]
    return summary


def accept_titles(links: Iterable[Link]) -> None:
    """Staff reviewed these links' resource: the titles they saw are the reviewed ones."""
    for health in LinkHealth.objects.current().filter(link__in=list(links)).exclude(title=""):
        store(health.link_id, health.url, reviewed_title=health.title)


def use_new_address(link: Link, user: Any = None) -> str:
    """Point a permanently moved link at its new address, as a recorded edit.

    Returns "" when done, or why it could not be done. The resource is saved as one
    revision (so its version moves on and a form opened before is refused), and what the
    check found carries over to the new address, which it has just seen working.
    """
    health = link.current_health
    if health is None or health.state != State.MOVED or not health.final_url:
        return "This link has not moved permanently, as far as the last check knows."
    new = health.final_url
    if len(new) > Link._meta.get_field("url").max_length:  # type: ignore[operator]
        return "The new address is too long for a link: change it by hand."
    with transaction.atomic():
        resource = Resource.objects.select_for_update().get(pk=link.resource_id)
        if resource.links.filter(url=new).exclude(pk=link.pk).exists():
            return f"\u201c{resource}\u201d already has a link to {new}."
        old = link.url
        link.url = new
        link.save(update_fields=["url"])
        record(
            resource,
            f"Link \u201c{link.label}\u201d changed to its new address {new} (was {old}), "
            "which it moved to permanently.",
            user=user,
        )
        store(
            link.pk,
            new,
            state=State.OK,
            checked_at=health.checked_at,
            status_code=health.status_code,
            final_url=new,
            permanent_move=False,
            title=health.title,
            reviewed_title=health.reviewed_title,
            failures=0,
            problem="",
            last_ok_at=health.last_ok_at,
        )
    return ""
