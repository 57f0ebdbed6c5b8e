import os
import signal
import time
from contextlib import ExitStack
from typing import Any
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser

from devtools.faultproxy import FaultProxy, proxy_to
from devtools.load import HEADER, Load
from devtools.servers import running_gunicorn, scratch_postgres, through, workers_of

# Cached pages, pages made afresh (a new search each time would need the database), and the
# health checks: what a load balancer and visitors ask while parts fail.
PAGES = [
    "/",
    "/resources/opennotes/",
    "/about/",
    "/resources/",
    "/handout/",
    "/feeds/resources.atom",
    "/resources/opennotes/citation.ris",
    "/healthz",
]


class Command(BaseCommand):
    help = (
        "Run gunicorn with production settings on PostgreSQL and Redis, each reached through "
        "a local TCP proxy, under steady load; cut and restore Redis, the database and both, "
        "then reload gunicorn with HUP, and print for each phase the requests answered, "
        "failed and their latency (loopback only, about two minutes)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--postgres",
            default=os.environ.get("CHAOS_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"),
            help="a PostgreSQL server where a scratch database may be made (and dropped)",
        )
        parser.add_argument(
            "--redis",
            default=os.environ.get("CHAOS_REDIS_URL", "redis://127.0.0.1:6379/13"),
            help="a Redis database the run may fill (its keys have their own prefix)",
        )
        parser.add_argument("--seconds", type=float, default=8, help="length of each phase")
        parser.add_argument("--clients", type=int, default=8)

    def handle(self, *args: Any, **options: Any) -> None:
        seconds = options["seconds"]
        redis = urlsplit(options["redis"])
        postgres = urlsplit(options["postgres"])
        for name, url in (("--redis", redis), ("--postgres", postgres)):
            if url.hostname not in ("127.0.0.1", "localhost", "::1"):
                raise CommandError(f"{name} must be on this machine (loopback), not {url.netloc}")
        try:
            with ExitStack() as stack:
                database = stack.enter_context(scratch_postgres(options["postgres"]))
                pg = stack.enter_context(proxy_to("127.0.0.1", postgres.port or 5432))
                cache = stack.enter_context(proxy_to("127.0.0.1", redis.port or 6379))
                env = {
                    "DATABASE_URL": through(database, pg.port),
                    "REDIS_URL": through(options["redis"], cache.port),
                    "WEB_CONCURRENCY": "2",
                }
                port, master = stack.enter_context(
                    running_gunicorn(env, seed_env={"DATABASE_URL": database})
                )
                self.run_phases(port, master.pid, pg, cache, seconds, options["clients"])
        except OSError as error:
            raise CommandError(f"Could not reach PostgreSQL or Redis: {error}") from error

    def run_phases(
        self, port: int, master: int, pg: FaultProxy, cache: FaultProxy, seconds: float,
        clients: int,
    ) -> None:  # fmt: skip
        def both_cut() -> None:
            pg.cut("refuse")
            cache.cut("blackhole")

        def both_back() -> None:
            pg.restore()
            cache.restore()

        def reload() -> None:
            running = workers_of(master)
            os.kill(master, signal.SIGHUP)
            deadline = time.monotonic() + 30
            while workers_of(master) & running and time.monotonic() < deadline:
                time.sleep(0.1)

        phases = [
            ("steady", lambda: None),
            ("redis refused", lambda: cache.cut("refuse")),
            ("redis blackhole", lambda: cache.cut("blackhole")),
            ("redis back", cache.restore),
            ("database refused", lambda: pg.cut("refuse")),
            ("database back", pg.restore),
            ("both cut", both_cut),
            ("both back", both_back),
            ("HUP reload", reload),
            ("after the reload", lambda: None),
        ]
        failed = 0
        with Load(port, PAGES, clients=clients, timeout=30) as load:
            for page in PAGES:  # each kept once by the page cache before anything fails
                load.ask(page)
            marks = []
            for name, action in phases:
                start = time.monotonic()
                action()
                time.sleep(seconds)
                marks.append((name, start))
            end = time.monotonic()
        self.stdout.write(HEADER)
        for (name, start), (_, until) in zip(marks, [*marks[1:], ("end", end)], strict=True):
            summary = load.summary(start, until)
            failed += summary.errors
            self.stdout.write(summary.line(name))
        self.stdout.write(
            "answered: a status below 500; 503: the styled 'try again' page (pages never kept "
            "while the database is away); failed: any other 5xx or no answer."
        )
        if failed:
            self.stdout.write(self.style.ERROR(f"FAIL: {failed} requests failed."))
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS("PASS: no request failed."))
