import statistics
import time
from typing import Any

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment

from devtools.generated import generate, refuse_unless_scratch
from resources import search
from resources.models import Resource

QUERIES = ["shared decision", "patient portal", "chronic illness", "diagnosis safety"]
# Worst case: the two most common words of the corpus, which nearly every resource holds.
WORST = "patient engagement"


class Command(BaseCommand):
    help = (
        "Fill a scratch database (it refuses one that holds resources) with N generated "
        "resources, then time searches of two words through the whole site (server time, "
        "in this process). `make bench` runs it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--resources", type=int, default=10_000)
        parser.add_argument("--runs", type=int, default=40)

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_unless_scratch("bench_search")
        count = options["resources"]
        started = time.monotonic()
        generate(count)
        self.stdout.write(
            f"{connection.vendor}: {count} resources generated and indexed in "
            f"{time.monotonic() - started:.0f} s."
        )
        setup_test_environment()
        client = Client()
        self.stdout.write(
            "  server time of GET /resources/?q=..., in this process; cold: the first search "
            "after a change (nothing cached), warm: the same search again"
        )
        for query in [*QUERIES, WORST]:
            found = search.match(query).filter(Resource.objects.all()).count()
            client.get("/resources/", {"q": query})  # warm up the code paths
            cold, queries = self.time(client, query, options["runs"], clear=True)
            warm, _ = self.time(client, query, options["runs"], clear=False)
            self.stdout.write(
                f"  q={query!r} ({found} matches): cold median {cold[0]:.1f} ms "
                f"(p95 {cold[1]:.1f}, {queries} SQL queries); warm median {warm[0]:.1f} ms "
                f"(p95 {warm[1]:.1f})"
            )

    @staticmethod
    def time(client: Client, query: str, runs: int, clear: bool) -> tuple[tuple[float, float], int]:
        timings = []
        for _ in range(runs):
            if clear:
                cache.clear()
            began = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get("/resources/", {"q": query})
            timings.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200
        timings.sort()
        return (statistics.median(timings), timings[int(len(timings) * 0.95)]), len(queries)
