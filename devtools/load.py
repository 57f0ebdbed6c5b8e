"""Steady load on the site from a few threads, each request on a new connection (as a
proxy without upstream keep-alive sends them), recorded so that any stretch of it can be
summed up: answered, failed, and how long answers took."""

from __future__ import annotations

import http.client
import itertools
import threading
import time
from dataclasses import dataclass, field

from devtools.servers import HOST


@dataclass(frozen=True)
class Outcome:
    at: float  # time.monotonic() when the answer (or the failure) came
    path: str
    status: int | None  # None: no answer at all (refused, reset, timed out)
    seconds: float


@dataclass
class Summary:
    requests: int = 0
    answered: int = 0  # any status below 500
    unavailable: int = 0  # 503: the styled "try again" page
    errors: int = 0  # another 5xx, or no answer: what must never happen
    latencies: list[float] = field(default_factory=list)

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))]

    def line(self, name: str) -> str:
        return (
            f"{name:<24} {self.requests:>6} {self.answered:>8} {self.unavailable:>6} "
            f"{self.errors:>6} {self.percentile(0.5) * 1000:>8.1f} "
            f"{self.percentile(0.99) * 1000:>8.1f} {max(self.latencies, default=0) * 1000:>8.1f}"
        )


HEADER = (
    f"{'phase':<24} {'asked':>6} {'answered':>8} {'503':>6} {'failed':>6} "
    f"{'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
)


class Load:
    def __init__(self, port: int, paths: list[str], clients: int = 8, timeout: float = 10):
        self.port = port
        self.paths = paths
        self.clients = clients
        self.timeout = timeout
        self.outcomes: list[Outcome] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.turn = itertools.count()

    def ask(self, path: str) -> int | None:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        try:
            connection.request("GET", path, headers={"X-Forwarded-Proto": "https"})
            response = connection.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            return None
        finally:
            connection.close()

    def client(self) -> None:
        while not self.stopping.is_set():
            path = self.paths[next(self.turn) % len(self.paths)]
            started = time.monotonic()
            status = self.ask(path)
            done = time.monotonic()
            with self.lock:
                self.outcomes.append(Outcome(done, path, status, done - started))

    def __enter__(self) -> Load:
        for _ in range(self.clients):
            thread = threading.Thread(target=self.client, daemon=True)
            thread.start()
            self.threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(self.timeout + 5)

    def summary(self, since: float, until: float | None = None) -> Summary:
        summary = Summary()
        with self.lock:
            chosen = [o for o in self.outcomes if o.at >= since and (until is None or o.at < until)]
        for outcome in chosen:
            summary.requests += 1
            summary.latencies.append(outcome.seconds)
            if outcome.status is None or (outcome.status >= 500 and outcome.status != 503):
                summary.errors += 1
            elif outcome.status == 503:
                summary.unavailable += 1
            else:
                summary.answered += 1
        return summary
