"""`make bench-nginx`: the site behind nginx configured as the deploy guide says, measured.

The site as `make run` starts it (gunicorn.conf.py: all its workers; production settings on
a seeded scratch copy), nginx in front with the guide's block (its micro-cache), and wrk on
the list, a detail page and a search through it, each beside the same nginx serving its
bytes as a file. nginx (one worker) and gunicorn share one core, wrk has the other. Then
every app server is stopped and the list is asked for again. Figures are best read as
ratios: these machines are noisy.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from devtools import targets
from devtools.management.commands.bench_pages import NGINX_STATIC, SEARCH, Run
from devtools.servers import HOST, behind_nginx, free_port, running_gunicorn, serving, workers_of

FILE = {"list /": "list.html", "detail": "detail.html", "search": "search.html"}
TARGET = 0.5  # the share of nginx's static figure the site is held to
NEVER_KEPT = "/resources/?q=never+kept+by+nginx"


def fetch(port: int, path: str) -> tuple[int, str, bytes]:
    """Status, nginx's X-Cache-Status and body of one GET."""
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        return response.status, response.getheader("X-Cache-Status") or "-", body
    finally:
        connection.close()


class Command(BaseCommand):
    help = (
        "Load the site through nginx set up as the deploy guide says (its micro-cache), "
        "beside nginx serving the same bytes as a file, then stop the app server and show "
        "the list still served. `make bench-nginx` runs it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seconds", type=int, default=5, help="per measurement")
        parser.add_argument("--connections", type=int, default=16)
        parser.add_argument(
            "--rounds", type=int, default=2, help="each figure is the best of this many runs"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.wrk = shutil.which("wrk")
        if not self.wrk:
            raise CommandError("wrk is not installed (apt-get install wrk).")
        cores = sorted(os.sched_getaffinity(0))
        if len(cores) < 2:
            raise CommandError("Two cores are needed: one for the servers, one for wrk.")
        self.servers_core, self.wrk_core = str(cores[0]), str(cores[1])
        self.options = options
        with tempfile.TemporaryDirectory() as directory, running_gunicorn() as (app, gunicorn):
            self.pin(gunicorn.pid)
            try:
                with behind_nginx(app, cpu=self.servers_core) as proxy:
                    home = fetch(proxy, "/")[2]
                    pages = {"list /": "/", "detail": self.a_detail_page(home), "search": SEARCH}
                    self.stdout.write(
                        f"{options['connections']} connections for {options['seconds']} s "
                        f"each; nginx (1 worker) and gunicorn ({len(workers_of(gunicorn.pid))} "
                        f"workers, production settings) on core {self.servers_core}, wrk on "
                        f"core {self.wrk_core}; the best of {options['rounds']} runs each, "
                        "taken in turn."
                    )
                    # Each page's bytes as nginx sends them, as a file of its own.
                    files = {name: fetch(proxy, path)[2] for name, path in pages.items()}
                    with self.static_nginx(Path(directory), files) as static:
                        loads = {}
                        for name, path in pages.items():
                            loads[f"{name} through nginx"] = (proxy, path)
                            loads[f"{name} as a static file"] = (static, f"/{FILE[name]}")
                        runs = self.best_of(loads)
                    self.report(runs)
                    gunicorn.terminate()
                    gunicorn.wait(timeout=30)
                    self.while_away(proxy)
            except RuntimeError as exc:
                raise CommandError(str(exc)) from exc

    def pin(self, master: int) -> None:
        """gunicorn's master and workers on the servers' core (new workers inherit it)."""
        for pid in (master, *workers_of(master)):
            os.sched_setaffinity(pid, {int(self.servers_core)})

    @staticmethod
    def a_detail_page(home: bytes) -> str:
        found = re.search(rb'href="(/resources/[a-z0-9-]+/)"', home)
        if not found:
            raise CommandError("The list links to no resource page.")
        return found.group(1).decode()

    @contextmanager
    def static_nginx(self, directory: Path, files: dict[str, bytes]) -> Iterator[int]:
        """nginx as the guide's runs (one worker, the same core), serving each page's bytes."""
        directory.chmod(0o755)  # nginx's workers may run as another user
        (directory / "site").mkdir()
        for name, body in files.items():
            (directory / "site" / FILE[name]).write_bytes(body)
            (directory / "site" / FILE[name]).chmod(0o644)
        port = free_port()
        config = directory / "nginx.conf"
        config.write_text(NGINX_STATIC.format(directory=directory, host=HOST, port=port))
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        command = ["taskset", "-c", self.servers_core, nginx, "-c", str(config),
                   "-p", str(directory)]  # fmt: skip
        with serving(command, port, "nginx", 10, path=f"/{FILE['list /']}"):
            yield port

    def best_of(self, targets: dict[str, tuple[int, str]]) -> list[Run]:
        """Each target's best run of several, taken in turn so that a burst of load from
        elsewhere on the machine falls on every figure alike."""
        rounds = [
            [self.load(name, port, path) for name, (port, path) in targets.items()]
            for _ in range(self.options["rounds"])
        ]
        return [
            max(runs, key=lambda run: run.requests_per_second) for runs in zip(*rounds, strict=True)
        ]

    def load(self, name: str, port: int, path: str) -> Run:
        command = ["taskset", "-c", self.wrk_core, str(self.wrk), "-t1",
                   f"-c{self.options['connections']}", f"-d{self.options['seconds']}s",
                   "--latency", f"http://{HOST}:{port}{path}"]  # fmt: skip
        out = subprocess.run(command, capture_output=True, text=True, timeout=120).stdout
        if "Non-2xx or 3xx responses" in out or "Socket errors" in out:
            raise CommandError(f"{name}: wrk saw errors:\n{out}")
        return Run.from_wrk(name, out)

    def report(self, runs: list[Run]) -> None:
        """Each page through nginx, then its bytes as a file, and the first's share of it."""
        self.stdout.write(f"{'':32} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'of static':>10}")
        short = []
        for proxied, static in zip(runs[::2], runs[1::2], strict=True):
            share = proxied.requests_per_second / static.requests_per_second
            for run, shown in ((proxied, f"{share:10.0%}"), (static, "")):
                self.stdout.write(
                    f"{run.name:32} {run.requests_per_second:9.0f} {run.p50_ms:8.2f} "
                    f"{run.p99_ms:8.2f} {shown:>10}"
                )
            if share < TARGET:
                short.append(proxied.name)
            targets.at_least(f"{proxied.name}, share of nginx static", 100 * share, 100 * TARGET)
        if short:
            self.stdout.write(
                self.style.ERROR(f"Below {TARGET:.0%} of static: {', '.join(short)}.")
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Every page through nginx >= {TARGET:.0%} of its static file.")
            )

    def while_away(self, proxy: int, seconds: float = 2.0) -> None:
        """With every app server stopped: what nginx answers for the list, and a new page."""
        outcomes: Counter[tuple[int, str]] = Counter()
        stop = time.monotonic() + seconds
        while time.monotonic() < stop:
            status, cache, _ = fetch(proxy, "/")
            outcomes[status, cache] += 1
        answered = ", ".join(f"{n} x {status} {cache}" for (status, cache), n in outcomes.items())
        self.stdout.write(f"App server stopped: the list over {seconds:.0f} s: {answered}.")
        served = sum(n for (status, _), n in outcomes.items() if status == 200)
        targets.at_least(
            "list / with every app server stopped, answered 200",
            100 * served / sum(outcomes.values()),
            100,
        )
        status, cache, _ = fetch(proxy, NEVER_KEPT)
        self.stdout.write(f"App server stopped: a page never kept: {status} {cache}.")
