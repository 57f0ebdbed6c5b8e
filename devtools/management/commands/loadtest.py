import http.client
import threading
import time
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from devtools.servers import HOST, running_site

PAGES = [
    "/",
    "/about/",
    "/handout/",
    "/resources/e-patients-white-paper/",
    "/resources/opennotes/",
    "/resources/danny-sands-presentations/",
    "/resources/transforming-health-care-delivery/",
    "/resources/patients-toolkit-for-diagnosis/",
    "/resources/let-patients-help/",
    "/resources/patient-centered-physician-pledge/",
    "/resources/pew-research-health/",
    "/resources/opennotes/citation.ris",
    "/feeds/resources.atom",
    "/sitemap.xml",
    "/robots.txt",
    "/r/4/",
    "/no-such-page/",
]
EXPECTED = {"/r/4/": 302, "/no-such-page/": 404}


class Command(BaseCommand):
    help = (
        "Send REQUESTS requests over the public pages, from CLIENTS keep-alive connections, "
        "to gunicorn with production settings (loopback only, bounded), and count errors: "
        "any answer other than the page's usual one, or no answer."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--requests", type=int, default=10_000)
        parser.add_argument("--clients", type=int, default=16)
        parser.add_argument("--max-seconds", type=float, default=300)

    def handle(self, *args: Any, **options: Any) -> None:
        with running_site() as port:
            result = self.load(
                port, options["requests"], options["clients"], options["max_seconds"]
            )
        statuses, errors, elapsed, latencies = result
        done = sum(statuses.values())
        latencies.sort()
        self.stdout.write(
            f"{done} requests in {elapsed:.1f} s ({done / elapsed:.0f}/s) from "
            f"{options['clients']} connections; statuses {dict(sorted(statuses.items()))}; "
            f"p50 {latencies[len(latencies) // 2] * 1000:.1f} ms, "
            f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.1f} ms; errors: {errors}."
        )
        if errors or done < options["requests"]:
            self.stdout.write(self.style.ERROR("FAIL"))
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS("PASS: no errors."))

    def load(
        self, port: int, total: int, clients: int, max_seconds: float
    ) -> tuple[Counter[int], int, float, list[float]]:
        statuses: Counter[int] = Counter()
        latencies: list[float] = []
        errors = 0
        lock = threading.Lock()
        counter = iter(range(total))
        deadline = time.monotonic() + max_seconds

        def client() -> None:
            nonlocal errors
            connection = http.client.HTTPConnection(HOST, port, timeout=30)
            for n in counter:
                if time.monotonic() > deadline:
                    break
                path = PAGES[n % len(PAGES)]
                started = time.monotonic()
                try:
                    connection.request("GET", path, headers={"X-Forwarded-Proto": "https"})
                    response = connection.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException):
                    connection.close()
                    connection = http.client.HTTPConnection(HOST, port, timeout=30)
                    status = 0
                with lock:
                    latencies.append(time.monotonic() - started)
                    statuses[status] += 1
                    errors += status != EXPECTED.get(path, 200)
            connection.close()

        started = time.monotonic()
        threads = [threading.Thread(target=client) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return statuses, errors, time.monotonic() - started, latencies
