"""`make bench`: how fast the public pages are served, side by side with the floor.

In ONE run, on loopback, with the server pinned to one core and wrk to the other: the
list, a detail page and a search page (with the page cache and without it), served as
`make run` serves them (gunicorn.conf.py as it is: all its workers, their recycling, the
machine's shared cache), the same bytes as the list from a trivial WSGI app on the same
gunicorn set-up (the Python floor), and from nginx as a static file when nginx is
installed. Figures are best read as ratios: these machines are noisy.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment

from devtools import targets
from devtools.generated import generate, refuse_unless_scratch
from devtools.servers import HOST, NGINX_PREAMBLE, free_port, production_env, serving
from resources.models import Resource

SEARCH = "/resources/?q=shared+decision"
PRINCIPLES = Path(settings.BASE_DIR) / "fixtures" / "principles.yaml"
NGINX_STATIC = (
    NGINX_PREAMBLE
    + """
    server {{
        listen {host}:{port};
        location / {{ root {directory}/site; default_type text/html; }}
    }}
}}
"""
)


@dataclass
class Run:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float | None = None
    queries: str = ""

    @classmethod
    def from_wrk(cls, name: str, out: str, **more: Any) -> Run:
        """The figures of wrk's --latency output."""
        return cls(
            name=name,
            requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
            p50_ms=milliseconds(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),  # type: ignore[union-attr]
            p99_ms=milliseconds(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),  # type: ignore[union-attr]
            **more,
        )


def cpu_seconds(root: int) -> float:
    """User and system CPU time of a process and all its descendants, those that have
    ended included."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # the process has gone
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        # Its own time and that of its children that have ended (workers gunicorn recycled).
        times[pid] = sum(int(n) for n in fields[11:15]) / ticks
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(times.get(pid, 0.0) for pid in tree)


def milliseconds(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


class Command(BaseCommand):
    help = (
        "Fill a scratch SQLite database (it refuses one that holds resources) with N "
        "generated resources and the seed's principles, then load the list, a detail page "
        "and a search with wrk against gunicorn with production settings, beside the Python "
        "floor and nginx. `make bench` runs it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--resources", type=int, default=1000)
        parser.add_argument("--seconds", type=int, default=8, help="per measurement")
        parser.add_argument("--connections", type=int, default=16)

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_unless_scratch("bench_pages")
        self.wrk = shutil.which("wrk")
        if not self.wrk:
            raise CommandError("wrk is not installed (apt-get install wrk).")
        if connection.vendor != "sqlite":
            raise CommandError("The page benchmark runs on a scratch SQLite database.")
        self.cores = self.two_cores()
        self.options = options
        # The home page shows the principles and mission text: the seed's, word for word.
        call_command("seed", PRINCIPLES, stdout=StringIO())
        generate(options["resources"])
        detail = f"/resources/{Resource.objects.listed().in_list_order()[60].slug}/"
        pages = {"list /": "/", "detail": detail, "search": SEARCH}
        queries = self.queries_per_page(pages)
        database = Path(settings.DATABASES["default"]["NAME"])
        self.stdout.write(
            f"{Resource.objects.listed().count()} resources; {options['connections']} "
            f"connections for {options['seconds']} s each; server on core {self.cores[0]}, "
            f"wrk on core {self.cores[1]}; production settings, gunicorn as gunicorn.conf.py "
            "sets it (all its workers, recycled as in production)."
        )
        runs: list[Run] = []
        with tempfile.TemporaryDirectory() as directory:
            site = Path(directory) / "site"
            site.mkdir()
            Path(directory).chmod(0o755)  # nginx's workers may run as another user
            for cached in (False, True):
                with self.site(database, cached) as port:
                    if not cached:
                        (site / "index.html").write_bytes(self.body(port, "/"))
                        (site / "index.html").chmod(0o644)
                    for name, path in pages.items():
                        label = f"{name} ({'page cache' if cached else 'no page cache'})"
                        runs.append(self.load(label, port, path, queries[name]))
            with self.floor(site / "index.html") as port:
                runs.append(self.load("Python floor (same bytes)", port, "/"))
            if shutil.which("nginx") or Path("/usr/sbin/nginx").exists():
                with self.nginx(Path(directory)) as port:
                    runs.append(self.load("nginx static file (same bytes)", port, "/"))
            else:
                self.stdout.write("nginx is not installed: no static-file figure.")
        self.report(runs)

    def two_cores(self) -> tuple[str, str]:
        cores = sorted(os.sched_getaffinity(0))
        if len(cores) < 2:
            raise CommandError("Two cores are needed: one for the server, one for wrk.")
        return str(cores[0]), str(cores[1])

    def queries_per_page(self, pages: dict[str, str]) -> dict[str, str]:
        """SQL queries of a render with nothing cached, then of one with its fragments kept."""
        setup_test_environment()
        client = Client()
        counts = {}
        for name, path in pages.items():
            cache.clear()
            made = []
            for _ in range(2):
                with CaptureQueriesContext(connection) as captured:
                    assert client.get(path).status_code == 200, path
                made.append(len(captured))
            counts[name] = "/".join(map(str, made))
        connection.close()
        return counts

    @contextmanager
    def site(self, database: Path, cached: bool) -> Iterator[int]:
        env = {"PAGE_CACHE_SECONDS": "3600" if cached else "0", "REDIS_URL": ""}
        with self.gunicorn("gunicorn", production_env(database, 0), env) as port:
            yield port

    @contextmanager
    def floor(self, body: Path) -> Iterator[int]:
        env = {"FLOOR_BODY": str(body)}
        with self.gunicorn(
            "floor", dict(os.environ), env, "devtools.python_floor:application"
        ) as port:
            yield port

    @contextmanager
    def gunicorn(
        self, name: str, base: dict[str, str], env: dict[str, str], *app: str
    ) -> Iterator[int]:
        """gunicorn.conf.py as it is, on the server's core, serving the site or ``app``."""
        port = free_port()
        env = {**base, **env, "BIND": f"{HOST}:{port}"}
        command = ["taskset", "-c", self.cores[0], sys.executable, "-m", "gunicorn",
                   "--config", "gunicorn.conf.py", "--access-logfile", "/dev/null",
                   *app]  # fmt: skip
        with serving(command, port, name, 60, cwd=settings.BASE_DIR, env=env) as server:
            self.server = server
            yield port

    @contextmanager
    def nginx(self, directory: Path) -> Iterator[int]:
        port = free_port()
        config = directory / "nginx.conf"
        config.write_text(NGINX_STATIC.format(directory=directory, host=HOST, port=port))
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        command = ["taskset", "-c", self.cores[0], nginx, "-c", str(config), "-p", str(directory)]
        with serving(command, port, "nginx", 10) as server:
            self.server = server
            yield port

    @staticmethod
    def body(port: int, path: str) -> bytes:
        client = http.client.HTTPConnection(HOST, port, timeout=30)
        client.request("GET", path, headers={"X-Forwarded-Proto": "https"})
        response = client.getresponse()
        body = response.read()
        client.close()
        if response.status != 200:
            raise CommandError(f"{path} answered {response.status}")
        return body

    def load(self, name: str, port: int, path: str, queries: str = "") -> Run:
        url = f"http://{HOST}:{port}{path}"
        self.body(port, path)  # fill the page cache, if any
        command = ["taskset", "-c", self.cores[1], str(self.wrk), "-t1",
                   f"-c{self.options['connections']}", f"-d{self.options['seconds']}s",
                   "--latency", "--timeout", "10s",
                   "-H", "X-Forwarded-Proto: https", url]  # fmt: skip
        started = cpu_seconds(self.server.pid)
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        spent = cpu_seconds(self.server.pid) - started
        out = done.stdout
        total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        if errors or "Socket errors" in out:
            raise CommandError(f"{name}: wrk saw errors:\n{out}")
        return Run.from_wrk(
            name, out, cpu_ms=spent * 1000 / total if total else None, queries=queries
        )

    def report(self, runs: list[Run]) -> None:
        self.stdout.write(
            f"{'':42} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/req':>11} {'SQL':>6}"
        )
        for run in runs:
            cpu = f"{run.cpu_ms:.2f}" if run.cpu_ms is not None else "?"
            self.stdout.write(
                f"{run.name:42} {run.requests_per_second:9.0f} {run.p50_ms:8.2f} "
                f"{run.p99_ms:8.2f} {cpu:>11} {run.queries:>6}"
            )
        self.stdout.write(
            "SQL: queries of a render with nothing cached / with its fragments kept "
            "(a page-cache hit makes one: the generation token)."
        )
        by_name = {run.name: run.requests_per_second for run in runs}
        cached = next(run for run in runs if run.name == "list / (page cache)")
        floor = by_name.get("Python floor (same bytes)")
        static = by_name.get("nginx static file (same bytes)")
        for name in ("list / (page cache)", "list / (no page cache)"):
            if floor:
                self.stdout.write(f"{name} / Python floor: {by_name[name] / floor:.1%}")
            if static:
                self.stdout.write(f"{name} / nginx: {by_name[name] / static:.2%}")
        connections = self.options["connections"]
        if floor:
            targets.at_least(
                "cached / as make run serves it, share of the Python floor",
                100 * cached.requests_per_second / floor,
                60,
            )
        targets.at_most(f"cached / p99 at {connections} connections", cached.p99_ms, 25)
