import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandParser
from django.test.utils import override_settings

from resources.lookup import Found, lookup_many

GOAL_SECONDS = 3.0


class Registry(BaseHTTPRequestHandler):
    """doi.org's RA API and Crossref's /works, answering every request after a delay."""

    protocol_version = "HTTP/1.1"
    delay = 0.2

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        time.sleep(self.delay)
        path = unquote(self.path.split("?")[0])
        if path.startswith("/ra/"):
            body: Any = [{"DOI": path.removeprefix("/ra/"), "RA": "Crossref"}]
        else:
            doi = path.removeprefix("/works/")
            body = {
                "status": "ok",
                "message-type": "work",
                "message": {
                    "DOI": doi,
                    "type": "journal-article",
                    "title": [f"Paper {doi}"],
                    "author": [{"given": "Ada", "family": "Lovelace"}],
                    "container-title": ["Journal of Benchmarks"],
                    "issued": {"date-parts": [[2024, 1, 2]]},
                },
            }
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Server(ThreadingHTTPServer):
    daemon_threads = True


class Command(BaseCommand):
    help = (
        "Time lookup_many over DOIs against local stand-ins for doi.org and Crossref that "
        "answer every request after a delay (each DOI costs two requests: its agency, then "
        "its record). Loopback only; nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dois", type=int, default=20)
        parser.add_argument("--delay", type=float, default=0.2, help="Seconds per answer.")

    def handle(self, *args: Any, **options: Any) -> None:
        Registry.delay = options["delay"]
        servers = [Server(("127.0.0.1", 0), Registry) for _ in range(2)]
        for server in servers:
            threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        doi_org, crossref = (f"http://127.0.0.1:{s.server_address[1]}" for s in servers)
        # Distinct prefixes: no DOI's agency is known from another's.
        dois = [f"10.{90000 + n}/bench.{n}" for n in range(options["dois"])]
        try:
            with override_settings(
                LOOKUP_DOI_URL=doi_org,
                LOOKUP_CROSSREF_URL=crossref,
                OUTBOUND_ALLOWED_ADDRESSES=[f"127.0.0.1:{s.server_address[1]}" for s in servers],
            ):
                cache.delete_many([f"lookup:ra:{doi.split('/')[0]}" for doi in dois])
                started = time.monotonic()
                outcomes = lookup_many(dois, use_cache=False)
                seconds = time.monotonic() - started
        finally:
            for server in servers:
                server.shutdown()
                server.server_close()
        found = sum(isinstance(outcome, Found) for outcome in outcomes)
        serial = 2 * len(dois) * options["delay"]
        verdict = "under" if seconds < GOAL_SECONDS else "OVER"
        self.stdout.write(
            f"{found} of {len(dois)} DOIs looked up in {seconds:.2f} s against registries that "
            f"answer in {options['delay'] * 1000:.0f} ms ({serial:.1f} s one after another); "
            f"{verdict} the goal of {GOAL_SECONDS:g} s."
        )
