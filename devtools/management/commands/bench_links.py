import random
import time
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from devtools.fake_sites import FakeSite, PageHandler
from devtools.generated import generated_slug, refuse_unless_scratch
from resources.models import Link, Resource

# What the generated links lead to, and how often: mostly working pages, with the slow,
# silent and failing sites a real list meets.
PAGES = {
    "/page": 52,  # an HTML page: HEAD, then GET for its title
    "/report.pdf": 10,  # a file: HEAD only
    "/slow": 10,  # answers after 1 to 3 seconds
    "/never-answers": 2,  # accepts the connection, then says nothing
    "/drip": 1,  # sends its page one byte a second, for ever
    "/moved": 5,  # 301 to another address
    "/no-head": 3,  # refuses HEAD (405), answers GET
    "/missing": 8,  # 404
    "/error": 4,  # 500
    "/bot-wall": 3,  # 403
    "/loop": 2,  # a redirect loop
}
GOAL_SECONDS = 30


class Handler(PageHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real sites answer

    def answer(self) -> None:
        path = self.path.split("?")[0]
        page = b"<!doctype html><title>A page</title>" + b"<p>Text.</p>" * 2000
        try:
            match path:
                case "/page" | "/new":
                    self.send(200, page)
                case "/report.pdf":
                    self.send(200, b"%PDF-1.7" + b" " * 200_000, kind="application/pdf")
                case "/slow":
                    time.sleep(random.uniform(1, 3))
                    self.send(200, page)
                case "/never-answers":
                    time.sleep(60)
                case "/drip":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    for _ in range(60):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        time.sleep(1)
                case "/moved":
                    self.send(301, Location="/new")
                case "/no-head" if self.command == "HEAD":
                    self.send(405)
                case "/no-head":
                    self.send(200, page)
                case "/missing":
                    self.send(404, b"Not found")
                case "/error":
                    self.send(500, b"Server error")
                case "/bot-wall":
                    self.send(403, b"Are you a robot?")
                case "/loop":
                    self.send(301, Location=self.path)
        except OSError:
            pass  # the checker gave up on this one


class Command(BaseCommand):
    help = (
        "Fill a scratch database (it refuses one that holds resources) with resources whose "
        "links lead to local servers with slow, silent and failing pages, then time "
        "`check_links` over all of them. `make bench` runs it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--links", type=int, default=1000)
        parser.add_argument("--hosts", type=int, default=50, help="Sites, on 127.0.0.x.")
        parser.add_argument("--timeout", type=float, default=10.0)

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_unless_scratch("bench_links")
        servers = [self.serve(f"127.0.0.{n}") for n in range(1, options["hosts"] + 1)]
        try:
            counts = self.fill(options["links"], servers)
            out = StringIO()
            # The bench's own sites are on loopback, which outbound/ refuses for any other.
            own = [f"{host!s}:{port}" for host, port, *_ in (s.server_address for s in servers)]
            started = time.monotonic()
            with override_settings(OUTBOUND_ALLOWED_ADDRESSES=own):
                call_command("check_links", "--timeout", str(options["timeout"]), stdout=out)
            seconds = time.monotonic() - started
        finally:
            for server in servers:
                server.stop()
        mix = ", ".join(f"{count} {path}" for path, count in counts.items())
        self.stdout.write(
            f"{options['links']} links on {len(servers)} local sites ({mix}), "
            f"timeouts {options['timeout']:g} s:"
        )
        self.stdout.write(f"  {out.getvalue().strip()}")
        verdict = "under" if seconds < GOAL_SECONDS else "OVER"
        self.stdout.write(f"  {seconds:.1f} s in all, {verdict} the goal of {GOAL_SECONDS} s.")

    def serve(self, address: str) -> FakeSite:
        try:
            server = FakeSite(Handler, address)
        except OSError as error:
            raise CommandError(
                f"Cannot listen on {address} ({error.strerror}): each site of the bench has an "
                "address of its own in 127.0.0.0/8, as Linux provides (on macOS, add them with "
                "`sudo ifconfig lo0 alias 127.0.0.N`), or use --hosts 1."
            ) from error
        server.start()
        return server

    def fill(self, count: int, servers: list[FakeSite]) -> dict[str, int]:
        rng = random.Random(1)
        paths = rng.choices(list(PAGES), weights=list(PAGES.values()), k=count)
        now = timezone.now()
        with transaction.atomic():
            resources = Resource.objects.bulk_create(
                [
                    Resource(
                        title=f"Generated resource {n}",
                        slug=generated_slug(n),
                        kind=Resource.Kind.WEBSITE,
                        summary="A resource whose link is checked.",
                        position=n,
                        is_published=True,
                        first_published_at=now,
                    )
                    for n in range(count)
                ]
            )
            links = []
            for n, (resource, path) in enumerate(zip(resources, paths, strict=True)):
                url = f"{servers[n % len(servers)].base}{path}?link={n}"
                links.append(Link(resource=resource, label="Open it", url=url))
            Link.objects.bulk_create(links)
        return {path: paths.count(path) for path in PAGES}
