"""Taking turns per host: so many requests at once, so many a second, and a pause when
the host answers 429 Too Many Requests.

One gate per host and port, shared by every client in the process (two staff members'
lookups share Crossref's allowance), kept in a process-wide table. The rate is a token
bucket: ``burst`` requests may go at once, then one every 1/``per_second`` seconds. The
pause after a 429 lasts as long as its Retry-After asks (seconds or an HTTP date).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class HostLimit:
    concurrent: int = 4
    per_second: float = 20.0
    burst: int = 0  # 0: as many as per_second, at least one

    @property
    def bucket(self) -> int:
        return self.burst or max(1, math.ceil(self.per_second))


class Gate:
    def __init__(self, limit: HostLimit) -> None:
        self.limit = limit
        self.lock = threading.Lock()
        self.tokens = float(limit.bucket)
        self.stamp = time.monotonic()
        self.paused_until = 0.0
        self.threads = threading.BoundedSemaphore(limit.concurrent)

    def reserve(self) -> tuple[float, bool]:
        """Take the next turn: (seconds to wait for it, whether the host asked for the pause)."""
        with self.lock:
            now = time.monotonic()
            self.tokens = min(
                self.limit.bucket, self.tokens + (now - self.stamp) * self.limit.per_second
            )
            self.stamp = now
            self.tokens -= 1
            wait = 0.0 if self.tokens >= 0 else -self.tokens / self.limit.per_second
            paused = self.paused_until - now
            return max(wait, paused), paused > wait

    def give_back(self) -> None:
        """A turn reserved but not used (the wait was too long for the caller)."""
        with self.lock:
            self.tokens = min(self.limit.bucket, self.tokens + 1)

    def pause(self, seconds: float) -> None:
        with self.lock:
            self.paused_until = max(self.paused_until, time.monotonic() + seconds)


_gates: dict[tuple[str, HostLimit], Gate] = {}
_gates_lock = threading.Lock()


def gate(key: str, limit: HostLimit) -> Gate:
    with _gates_lock:
        found = _gates.get((key, limit))
        if found is None:
            found = _gates[(key, limit)] = Gate(limit)
        return found


def forget_all() -> None:
    """Start afresh (tests): no host is paused, every bucket is full."""
    with _gates_lock:
        _gates.clear()


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for: a number of seconds, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
