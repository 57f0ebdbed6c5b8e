"""The clients: ``Outbound`` (sync, for lookups) and ``AsyncOutbound`` (for the link checks),
built from one ``Config``."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
import ssl
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import certifi
import httpcore
import httpx

from .addresses import AddressPolicy
from .backends import AsyncGuardedBackend, GuardedBackend
from .errors import (
    BadAnswer,
    Busy,
    OutboundError,
    Refused,
    TooLarge,
    TooManyRedirects,
    TooSlow,
    Unreachable,
)
from .gates import Gate, HostLimit, gate, retry_after

REDIRECTS = {301, 302, 303, 307, 308}
# Worth asking again, after the wait the host asks for (or a short backoff).
TRANSIENT = {429, 502, 503, 504}

# One TLS configuration for the process (loading the CA bundle costs milliseconds).
SSL_CONTEXT = ssl.create_default_context(cafile=certifi.where())


@dataclass(frozen=True)
class Config:
    """How the site talks to other sites. ``deadline`` bounds one ``Outbound.get`` in all:
    every redirect, retry and wait for a turn, and a server that drips its answer."""

    user_agent: str
    connect_timeout: float = 10.0
    read_timeout: float = 10.0
    deadline: float = 30.0
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 2
    max_retry_wait: float = 10.0
    # How long a host that answers 429 without Retry-After is left alone.
    default_pause: float = 1.0
    max_connections: int = 20
    default_limit: HostLimit = field(default_factory=HostLimit)
    # By "host:port" or by host name: registries publish their own limits.
    host_limits: Mapping[str, HostLimit] = field(default_factory=dict)
    policy: AddressPolicy = field(default_factory=AddressPolicy)
    headers: Mapping[str, str] = field(default_factory=dict)

    def replace(self, **changes: Any) -> Config:
        return dataclasses.replace(self, **changes)

    def limit_for(self, url: httpx.URL) -> tuple[str, HostLimit]:
        key = host_key(url)
        limit = self.host_limits.get(key) or self.host_limits.get(url.host) or self.default_limit
        return key, limit


def host_key(url: httpx.URL) -> str:
    port = url.port or (443 if url.scheme == "https" else 80)
    return f"{url.host}:{port}"


@dataclass(frozen=True)
class Fetched:
    """A whole answer, read within the limits."""

    url: str
    status: int
    headers: httpx.Headers
    content: bytes
    redirects: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = part.strip().partition("=")
            if name.lower() == "charset" and value:
                return value.strip("\"'")
        return "utf-8"

    @property
    def text(self) -> str:
        try:
            return self.content.decode(self.charset, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")

    @property
    def is_html(self) -> bool:
        return self.content_type in ("text/html", "application/xhtml+xml")

    def json(self) -> Any:
        """The answer as JSON; BadAnswer when it is a web page or not valid JSON."""
        if self.is_html:
            raise BadAnswer(f"{self.url} answered with a web page instead of data.", self.url)
        try:
            return json.loads(self.content)
        except ValueError:
            raise BadAnswer(
                f"{self.url} answered with data that is not valid JSON.", self.url
            ) from None


def describe_connect_error(error: BaseException, url: httpx.URL) -> str:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return f"The secure connection (TLS) to {url.host} failed."
        if isinstance(cause, socket.gaierror):
            return f"The name {url.host} was not found (DNS)."
        if isinstance(cause, ConnectionRefusedError):
            host = f"[{url.host}]" if ":" in url.host else url.host
            port = url.port or (443 if url.scheme == "https" else 80)
            return f"Nothing answers at {host}:{port} (connection refused)."
        cause = cause.__cause__ or cause.__context__
    return f"Could not connect to {url.host}."


def parse_url(url: str | httpx.URL, policy: AddressPolicy) -> httpx.URL:
    """The URL, once it may be asked (raises Refused, or httpx.InvalidURL)."""
    parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    policy.check_url(str(parsed))
    return parsed


def pool_settings(config: Config) -> dict[str, Any]:
    return {
        "ssl_context": SSL_CONTEXT,
        "max_connections": config.max_connections,
        "max_keepalive_connections": config.max_connections,
        "keepalive_expiry": 5.0,
        "http1": True,
        "http2": False,
    }


def sync_transport(config: Config) -> httpx.HTTPTransport:
    transport = httpx.HTTPTransport(verify=SSL_CONTEXT, trust_env=False)
    # httpx offers no argument for httpcore's network backend: its pool is replaced by one
    # with the same settings and the guarded backend (tests/test_outbound.py proves it).
    transport._pool = httpcore.ConnectionPool(
        **pool_settings(config), network_backend=GuardedBackend(config.policy)
    )
    return transport


def async_transport(config: Config) -> httpx.AsyncHTTPTransport:
    transport = httpx.AsyncHTTPTransport(verify=SSL_CONTEXT, trust_env=False)
    transport._pool = httpcore.AsyncConnectionPool(
        **pool_settings(config), network_backend=AsyncGuardedBackend(config.policy)
    )
    return transport


def client_settings(config: Config) -> dict[str, Any]:
    return {
        "headers": {"User-Agent": config.user_agent, **config.headers},
        "timeout": httpx.Timeout(config.read_timeout, connect=config.connect_timeout),
        "follow_redirects": False,
        "trust_env": False,  # no proxy, no .netrc, no CA bundle from the environment
    }


def pause_for(response: httpx.Response, default: float) -> float | None:
    """How long the host asks everyone to wait (429, or 503 with Retry-After)."""
    asked = retry_after(response.headers.get("retry-after"))
    if response.status_code == 429:
        return default if asked is None else asked
    if response.status_code == 503:
        return asked
    return None


class Outbound:
    """The sync client, for lookups: ``get`` follows redirects itself (each hop checked),
    reads at most ``max_bytes``, retries what is worth retrying and never raises anything
    but ``OutboundError``. Use it as a context manager."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.client = httpx.Client(transport=sync_transport(config), **client_settings(config))

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
        deadline: float | None = None,
    ) -> Fetched:
        """GET ``url``; the answer of whatever status, or an OutboundError."""
        ends = time.monotonic() + (deadline or self.config.deadline)
        try:
            target = httpx.URL(url, params=params) if params else httpx.URL(url)
        except httpx.InvalidURL:
            raise Refused(f"{url} is not a valid web address.", url) from None
        cap = max_bytes or self.config.max_bytes
        attempt = 0
        while True:
            try:
                fetched = self.follow(target, headers, cap, ends)
            except Unreachable:
                if not self.again(attempt, self.backoff(attempt), ends):
                    raise
                time.sleep(self.backoff(attempt))
                attempt += 1
                continue
            if fetched.status in TRANSIENT:
                asked = retry_after(fetched.headers.get("retry-after"))
                # A 429, or a 503 with Retry-After, paused the host's gate already.
                paused = fetched.status == 429 or (fetched.status == 503 and asked is not None)
                if asked is not None:
                    wait = asked
                else:
                    wait = (
                        self.config.default_pause
                        if fetched.status == 429
                        else self.backoff(attempt)
                    )
                if self.again(attempt, wait, ends):
                    if not paused:
                        time.sleep(wait)
                    attempt += 1
                    continue
            return fetched

    def backoff(self, attempt: int) -> float:
        return 0.25 * 2**attempt

    def again(self, attempt: int, wait: float, ends: float) -> bool:
        return (
            attempt < self.config.retries
            and wait <= self.config.max_retry_wait
            and time.monotonic() + wait < ends
        )

    def follow(
        self, url: httpx.URL, headers: Mapping[str, str] | None, cap: int, ends: float
    ) -> Fetched:
        seen = [str(url)]
        current = url
        while True:
            fetched = self.one(current, headers, cap, ends)
            location = fetched.headers.get("location")
            if fetched.status not in REDIRECTS or not location:
                return dataclasses.replace(fetched, redirects=tuple(seen[:-1]))
            try:
                target = current.join(location)
            except httpx.InvalidURL:
                raise BadAnswer(
                    f"{current} redirects to an invalid address.", str(current)
                ) from None
            if target.scheme not in ("http", "https"):
                raise Refused(f"{current} redirects to {target}, which is not a web address.")
            if str(target) in seen:
                raise TooManyRedirects(f"{url} redirects in a loop.", str(url))
            if len(seen) > self.config.max_redirects:
                raise TooManyRedirects(
                    f"{url} redirects more than {self.config.max_redirects} times.", str(url)
                )
            seen.append(str(target))
            current = target

    @contextmanager
    def turn(self, url: httpx.URL, ends: float) -> Iterator[Gate]:
        """Wait for this host's turn (a free slot, the rate, any pause it asked for)."""
        key, limit = self.config.limit_for(url)
        host = gate(key, limit)
        if not host.threads.acquire(timeout=max(0.0, ends - time.monotonic())):
            raise TooSlow(f"No turn to ask {url.host} came within the time allowed.", str(url))
        try:
            wait, paused = host.reserve()
            if time.monotonic() + wait > ends or (paused and wait > self.config.max_retry_wait):
                host.give_back()
                if paused:
                    raise Busy(str(url), wait)
                raise TooSlow(f"No turn to ask {url.host} came within the time allowed.")
            if wait > 0:
                time.sleep(wait)
            yield host
        finally:
            host.threads.release()

    def one(
        self, url: httpx.URL, headers: Mapping[str, str] | None, cap: int, ends: float
    ) -> Fetched:
        """One request, no redirect followed, within the host's turn and the deadline."""
        parse_url(url, self.config.policy)
        with self.turn(url, ends) as host:
            left = max(0.001, ends - time.monotonic())
            timeout = httpx.Timeout(
                min(self.config.read_timeout, left),
                connect=min(self.config.connect_timeout, left),
                pool=left,
            )
            try:
                with self.client.stream("GET", url, headers=headers, timeout=timeout) as answer:
                    pause = pause_for(answer, self.config.default_pause)
                    if pause is not None:
                        host.pause(pause)
                    if answer.status_code in REDIRECTS:
                        body = b""
                    else:
                        body = read_within(answer, url, cap, ends)
                    return Fetched(str(url), answer.status_code, answer.headers, body)
            except OutboundError:
                raise
            except httpx.TimeoutException as error:
                raise TooSlow(f"{url.host} did not answer in time.", str(url)) from error
            except httpx.ConnectError as error:
                raise Unreachable(describe_connect_error(error, url), str(url)) from error
            except httpx.RequestError as error:
                raise BadAnswer(
                    f"{url.host} broke off its answer ({error or type(error).__name__}).",
                    str(url),
                ) from error


def read_within(answer: httpx.Response, url: httpx.URL, cap: int, ends: float) -> bytes:
    """The body, or TooLarge past ``cap`` bytes, or TooSlow past the deadline; whatever is
    not needed is never downloaded."""
    declared = answer.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise TooLarge(too_large(url, cap), str(url))
    body = bytearray()
    for chunk in answer.iter_bytes():
        body += chunk
        if len(body) > cap:
            raise TooLarge(too_large(url, cap), str(url))
        if time.monotonic() > ends:
            raise TooSlow(f"{url.host} sent its answer too slowly.", str(url))
    return bytes(body)


def too_large(url: httpx.URL, cap: int) -> str:
    size = f"{cap / (1024 * 1024):g} MB" if cap >= 1024 * 1024 else f"{cap:,} bytes"
    return f"{url.host} sent more than {size}; the rest was not read."


class AsyncOutbound:
    """The async client, for the link checks: ``stream`` is one request (no redirect
    followed: the checker follows them itself, and each hop is checked again), within the
    host's turn. The body is streamed: the caller reads only what it needs (the link
    checker, a page's first 64 KB)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.client = httpx.AsyncClient(
            transport=async_transport(config), **client_settings(config)
        )
        self.slots: dict[str, asyncio.Semaphore] = {}

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.client.aclose()

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        deadline: asyncio.Timeout | None = None,
    ) -> AsyncIterator[httpx.Response]:
        """Raises what httpx raises, and Refused (a private address, which is never
        connected to) or Busy (the host asked for a longer pause than ``max_retry_wait``).

        Time spent waiting for the host's turn is not charged to ``deadline``, the caller's
        own: "timed out" stays about the site, not about our queue."""
        parsed = parse_url(url, self.config.policy)
        key, limit = self.config.limit_for(parsed)
        host = gate(key, limit)
        slot = self.slots.setdefault(key, asyncio.Semaphore(limit.concurrent))
        with waiting_uncharged(deadline):
            await slot.acquire()
            try:
                wait, paused = host.reserve()
                if paused and wait > self.config.max_retry_wait:
                    host.give_back()
                    raise Busy(url, wait)
                if wait > 0:
                    await asyncio.sleep(wait)
            except BaseException:
                slot.release()
                raise
        try:
            async with self.client.stream(method, parsed, headers=headers) as response:
                pause = pause_for(response, self.config.default_pause)
                if pause is not None:
                    host.pause(pause)
                yield response
        finally:
            slot.release()


@contextmanager
def waiting_uncharged(deadline: asyncio.Timeout | None) -> Iterator[None]:
    """Hold ``deadline`` while waiting, then move it on by the time waited."""
    when = deadline.when() if deadline is not None else None
    if deadline is None or when is None:
        yield
        return
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline.reschedule(None)
    try:
        yield
    finally:
        deadline.reschedule(when + (loop.time() - started))
