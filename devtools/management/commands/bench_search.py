import io
import statistics
import sys
import time
from typing import Any
from urllib.parse import urlencode

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from devtools import targets
from devtools.generated import generate, rare_word, refuse_unless_scratch
from resources import search
from resources.catalogue import Choices, filtered
from resources.models import Resource
from spm_site.wsgi import application

# The two most common words of the corpus, which nearly every resource holds.
COMMON = "patient engagement"
# Each page measured: a label, the path and its query, and its target in ms (the
# search's differs by engine).
PAGES = [
    ("the list, GET /", "/", {}, 5),
    ("a resource's page", "/resources/generated-0/", {}, 5),
    ("search, common words", "/resources/", {"q": COMMON}, None),
    ("search, two topic words", "/resources/", {"q": "shared decision"}, None),
    ("search, a rare word", "/resources/", {"q": "<rare>"}, None),
    ("search with filters", "/resources/",
     {"q": "shared decision", "kind": "book", "tag": "patient-topic"}, None),
]  # fmt: skip
SEARCH_TARGET = {"sqlite": 20, "postgresql": 30}
# Generating more than this many resources in one go is not tried if the first size
# shows it would take longer than --generate-seconds.
DEFAULT_SIZES = [10_000, 100_000]


def served(path: str, query: str) -> tuple[str, str]:
    """GET ``path`` from the WSGI application gunicorn serves, as an anonymous visitor
    behind the proxy; its status and what the page cache did."""
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_NAME": "localhost", "SERVER_PORT": "80", "HTTP_HOST": "localhost",
        "HTTP_X_FORWARDED_PROTO": "https", "HTTP_ACCEPT_ENCODING": "gzip",
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr,
    }  # fmt: skip
    answer: list[Any] = []
    body = application(
        environ, lambda status, headers, exc_info=None: answer.extend([status, headers])
    )
    b"".join(body)
    status, headers = answer
    return status, dict(headers).get("X-Cache", "")


class Command(BaseCommand):
    help = (
        "Fill a scratch database (it refuses one that holds resources) with generated "
        "resources, at each size asked for, and time the pages right after an edit: the "
        "list, a resource's page and searches, server time in this process. `make bench` "
        "runs it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--resources", type=int, nargs="+", default=DEFAULT_SIZES)
        parser.add_argument("--runs", type=int, default=15)
        parser.add_argument(
            "--generate-seconds",
            type=float,
            default=240,
            help="Skip a size whose generation would take longer than this (estimated "
            "from the sizes before it).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_unless_scratch("bench_search")
        client = Client(HTTP_HOST="localhost")  # to find what the pages show
        made = 0
        rate = 0.0  # seconds per resource generated, from the sizes so far
        for size in sorted(options["resources"]):
            more = size - made
            if rate and rate * more > options["generate_seconds"]:
                self.stdout.write(
                    f"{connection.vendor}: {size} resources not measured: generating "
                    f"{more} more would take about {rate * more:.0f} s at this machine's "
                    f"pace, over --generate-seconds {options['generate_seconds']:.0f}."
                )
                continue
            started = time.monotonic()
            generate(more, start=made)
            took = time.monotonic() - started
            rate = took / more
            made = size
            self.stdout.write(
                f"{connection.vendor}: {size} resources generated and indexed "
                f"({more} in {took:.0f} s)."
            )
            self.measure(client, options["runs"])

    def measure(self, client: Client, runs: int) -> None:
        self.stdout.write(
            "  server time of each page right after an edit (a title saved, of a resource "
            "not on the page): the WSGI application gunicorn serves (page cache included), "
            "called in this process; median and 95th percentile"
        )
        rare = rare_word()
        pages = [
            (label, path, {k: rare if v == "<rare>" else v for k, v in params.items()}, target)
            for label, path, params, target in PAGES
        ]
        edited = self.not_shown(client, pages)
        for label, path, params, target in pages:
            query = urlencode(params)
            served(path, query)  # the code paths warmed up
            timings = []
            outcomes = set()
            for run in range(runs):
                edited.title = f"Edited title {run}"
                edited.save()  # as an admin save: reindexed, the generation bumped
                began = time.perf_counter()
                outcome = served(path, query)
                timings.append((time.perf_counter() - began) * 1000)
                # Asked of Django each time: made again, or found made from the same rows.
                assert outcome in {("200 OK", "miss"), ("200 OK", "revalidated")}, (path, outcome)
                outcomes.add(outcome[1])
            # The queries, counted on one more run (counting them costs time of its own).
            edited.title = "Edited title, counted"
            edited.save()
            with CaptureQueriesContext(connection) as captured:
                served(path, query)
            queries = len(captured)
            in_sql = [sum(float(q["time"]) for q in captured.captured_queries) * 1000]
            timings.sort()
            goal = target or SEARCH_TARGET.get(connection.vendor, 20)
            median = statistics.median(timings)
            matches = ""
            if params.get("q"):
                choices = Choices(
                    q=params["q"], kind=params.get("kind", ""), topics=params.get("tag", "").split()
                )
                found = filtered(choices, search.match(choices.q)).count()
                matches = f", {found} results"
            shown = " ".join(f"{k}={v!r}" for k, v in params.items())
            self.stdout.write(
                f"  {label} ({shown or path}{matches}): median {median:.1f} ms, "
                f"p95 {timings[int(len(timings) * 0.95)]:.1f} ms, {queries} SQL queries "
                f"({in_sql[0]:.0f} ms in SQL), page cache: {'/'.join(sorted(outcomes))}; "
                f"target <= {goal} ms: {'met' if median <= goal else 'not met'}"
            )
            size = Resource.objects.count()
            targets.at_most(f"{connection.vendor}, {size:,}: {label} after an edit", median, goal)

    @staticmethod
    def not_shown(
        client: Client, pages: list[tuple[str, str, dict[str, str], int | None]]
    ) -> Resource:
        """The last resource of the list that none of the measured pages shows."""
        shown = b"".join(client.get(path, params).content for _, path, params, _ in pages)
        for resource in Resource.objects.order_by("-position", "-pk")[:100]:
            if f'id="{resource.slug}"'.encode() not in shown:
                return resource
        return Resource.objects.order_by("-position", "-pk")[0]
