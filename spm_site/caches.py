"""A cache that costs speed, never pages, when it fails.

The site's default cache holds what is quicker to keep than to make again: whole pages,
fragments of them, registry answers. Redis going away must therefore make the site slower,
not broken. ``FailSoftRedisCache`` is Django's Redis backend with three changes:

- every error of Redis (refused, reset, timed out) reads as a miss and a write that did not
  happen, so the page is rendered without the cache and answers as usual;
- after a failure the cache is not asked again for ``RETRY_SECONDS``, so a Redis that never
  answers costs one request a short timeout (settings.CACHE_TIMEOUT), not every request;
  then one request tries it again, and when it answers it is used again, with no restart;
- one warning is logged when an outage starts and one line when it ends, not one a request.

Without Redis, ``MachineCache`` is the default: DiskCache's Django backend, SQLite files in one
private directory that every worker of the machine shares, so a worker that starts (or is
replaced by gunicorn's recycling) finds the pages and fragments the others already made, and
a restart keeps them. Its errors (a full disk, a file it cannot read) read as misses too.

The "defences" cache of the suggestion form is not fail-soft: its callers handle its errors
themselves (suggestions/defences.py), as a miss there would mean a different thing.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from diskcache import DjangoCache
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0  # how long an outage keeps the cache unasked before one more try
SLOW_SECONDS = 0.1  # a probe answered slower than this reports the cache as degraded

State = Literal["ok", "degraded", "down"]


class Outage:
    """Whether one Redis server is taken for down, shared by the threads of a process
    (Django makes a cache object for each thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down_since: float | None = None
        self.next_try = 0.0

    def skip(self) -> bool:
        """True while the cache should not be asked; lets one caller through to try."""
        if self.down_since is None:
            return False
        with self.lock:
            now = time.monotonic()
            if now < self.next_try:
                return True
            self.next_try = now + RETRY_SECONDS  # this caller tries; the rest wait again
            return False

    def failed(self, location: str, error: Exception) -> None:
        with self.lock:
            self.next_try = time.monotonic() + RETRY_SECONDS
            if self.down_since is not None:
                return
            self.down_since = time.monotonic()
        logger.warning(
            "The cache at %s did not answer (%s): pages are made without it until it does; "
            "trying again every %.0f s.",
            location,
            type(error).__name__,
            RETRY_SECONDS,
        )

    def answered(self, location: str) -> None:
        if self.down_since is None:
            return
        with self.lock:
            since, self.down_since = self.down_since, None
        if since is not None:
            logger.warning(
                "The cache at %s answers again, after %.0f s.",
                location,
                time.monotonic() - since,
            )


OUTAGES: dict[str, Outage] = {}
OUTAGES_LOCK = threading.Lock()


def outage_of(location: str) -> Outage:
    with OUTAGES_LOCK:
        return OUTAGES.setdefault(location, Outage())


class FailSoftRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self.location = ", ".join(self._servers)  # type: ignore[attr-defined]
        self.outage = outage_of(self.location)

    def attempt(self, call: Callable[[], Any], fallback: Any, *, now: bool = False) -> Any:
        if not now and self.outage.skip():
            return fallback
        try:
            result = call()
        except self.errors as error:
            self.outage.failed(self.location, error)
            return fallback
        self.outage.answered(self.location)
        return result

    @property
    def errors(self) -> type[Exception]:
        return self._cache._lib.RedisError  # type: ignore[attr-defined]

    def probe(self) -> State:
        """Ask the server now, whatever the outage says: ok, slow or down (for /readyz)."""
        started = time.monotonic()
        for attempt in range(2):  # the first connection taken may be one an outage broke
            try:
                self._cache.get_client(write=True).ping()
                break
            except self.errors as error:
                if attempt:
                    self.outage.failed(self.location, error)
                    return "down"
        self.outage.answered(self.location)
        return "degraded" if time.monotonic() - started > SLOW_SECONDS else "ok"

    # The methods of BaseCache, each through attempt() with what a miss would give.

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        return self.attempt(lambda: RedisCache.add(self, key, value, timeout, version), False)

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self.attempt(lambda: RedisCache.get(self, key, default, version), default)

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        self.attempt(lambda: RedisCache.set(self, key, value, timeout, version), None)

    def get_now(self, key: Any, default: Any = None, version: Any = None) -> Any:
        """get(), asked even during an outage's pause: for when the only other answer is an
        error page (a page kept for a database outage). Twice: the first connection taken
        may be one that the outage broke."""
        missing = object()
        for _ in range(2):
            value = self.attempt(
                lambda: RedisCache.get(self, key, missing, version), None, now=True
            )
            if value is not None:
                return default if value is missing else value
        return default

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return self.attempt(lambda: RedisCache.touch(self, key, timeout, version), False)

    def delete(self, key: Any, version: Any = None) -> bool:
        return self.attempt(lambda: RedisCache.delete(self, key, version), False)

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        return self.attempt(lambda: RedisCache.get_many(self, keys, version), {})

    def has_key(self, key: Any, version: Any = None) -> bool:
        return self.attempt(lambda: RedisCache.has_key(self, key, version), False)

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> list[Any]:
        return self.attempt(lambda: RedisCache.set_many(self, data, timeout, version), list(data))

    def delete_many(self, keys: Any, version: Any = None) -> None:
        self.attempt(lambda: RedisCache.delete_many(self, keys, version), None)

    def clear(self) -> None:
        self.attempt(lambda: RedisCache.clear(self), None)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        # A counter that cannot be read is one that does not exist, as for a miss.
        missing = object()
        result = self.attempt(lambda: RedisCache.incr(self, key, delta, version), missing)
        if result is missing:
            raise ValueError(f"Key {key!r} not found (the cache did not answer).")
        return result


OPENED: dict[tuple[str, str], Any] = {}  # the DiskCache of each directory, in this process
OPENED_LOCK = threading.Lock()


class MachineCache(DjangoCache):
    """The cache the workers of one machine share, in ``directory`` (settings.CACHE_DIR).

    The directory is made readable and writable by the site's own user only: what it holds
    is unpickled when read, as with every Django cache, so whoever could write there could
    run code as the site. A write that would wait for another worker's is skipped (the next
    miss writes it), never retried in a loop. An error of the files (a full disk, a file
    that is not a cache) is a miss, and a cache that cannot be opened at all is one that
    is always empty, until the files are mended and the workers restart.
    """

    def __init__(self, directory: str, params: dict[str, Any]) -> None:
        self.failing = False
        self.opened = False
        # Django makes a cache object for each thread; they share one set of files, each
        # thread with its own connections to them (DiskCache keeps those per thread).
        shape = (directory, repr(sorted(params.items())))
        with OPENED_LOCK:
            try:
                if shape not in OPENED:
                    path = Path(directory)
                    path.mkdir(mode=0o700, parents=True, exist_ok=True)
                    os.chmod(path, 0o700)
                    super().__init__(directory, params)
                    OPENED[shape] = self._cache  # type: ignore[has-type]
                else:
                    BaseCache.__init__(self, params)
                    self._cache = OPENED[shape]
                self.opened = True
            except (sqlite3.Error, OSError) as error:
                BaseCache.__init__(self, params)
                self.failed(directory, error, "could not be opened")

    def failed(self, directory: str, error: Exception, what: str = "failed") -> None:
        if self.failing:
            return
        self.failing = True
        logger.warning(
            "The cache in %s %s (%s: %s): pages are made without it until it works. Deleting "
            "the directory and restarting the site starts it afresh.",
            directory, what, type(error).__name__, error,
        )  # fmt: skip

    def attempt(self, call: Callable[[], Any], fallback: Any) -> Any:
        if not self.opened:
            return fallback
        try:
            result = call()
        except (sqlite3.Error, OSError) as error:
            self.failed(self.directory, error)
            return fallback
        self.failing = False
        return result

    def get(self, key: Any, default: Any = None, version: Any = None, **options: Any) -> Any:
        parent: Any = super()
        return self.attempt(lambda: parent.get(key, default, version, **options), default)

    def set(
        self,
        key: Any,
        value: Any,
        timeout: Any = DEFAULT_TIMEOUT,
        version: Any = None,
        **options: Any,
    ) -> bool:
        parent: Any = super()
        options.setdefault("retry", False)
        return self.attempt(lambda: parent.set(key, value, timeout, version, **options), False)

    def add(
        self,
        key: Any,
        value: Any,
        timeout: Any = DEFAULT_TIMEOUT,
        version: Any = None,
        **options: Any,
    ) -> bool:
        parent: Any = super()
        options.setdefault("retry", False)
        return self.attempt(lambda: parent.add(key, value, timeout, version, **options), False)

    def delete(self, key: Any, version: Any = None, **options: Any) -> bool:
        parent: Any = super()
        return self.attempt(lambda: parent.delete(key, version, **options), False)

    def has_key(self, key: Any, version: Any = None) -> bool:
        parent: Any = super()
        return self.attempt(lambda: parent.has_key(key, version), False)

    def touch(
        self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None, **options: Any
    ) -> bool:
        parent: Any = super()
        return self.attempt(lambda: parent.touch(key, timeout, version, **options), False)

    def clear(self) -> bool:
        parent: Any = super()
        return self.attempt(lambda: parent.clear(), False)

    def close(self, **kwargs: Any) -> None:
        """Nothing: Django closes its caches at the end of every request, and a thread's
        connections to these files are worth keeping open, as its database connection is."""


def cache_state() -> State:
    """The default cache: ok, degraded (answers slowly) or down. A cache in this process's
    memory is always ok."""
    cache = caches["default"]
    if isinstance(cache, FailSoftRedisCache):
        return cache.probe()
    return "ok"
