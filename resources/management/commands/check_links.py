from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from resources.link_health import Limits, check_links
from resources.models import Link, Resource


class Command(BaseCommand):
    help = (
        "Check the links of every published resource (or of the resources named by slug) "
        "and record what was found: ok, moved, broken (two failures in a row) or could not "
        "verify. Exits non-zero only when the check could not run; safe to run from cron "
        "or a systemd timer while staff edit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slugs", nargs="*", help="Check only these resources.")
        parser.add_argument(
            "--timeout",
            type=float,
            default=settings.LINK_CHECK_TIMEOUT,
            help="Seconds to wait to connect, or for each read (default %(default)s).",
        )
        parser.add_argument(
            "--workers", type=int, default=64, help="Requests at once (default %(default)s)."
        )
        parser.add_argument(
            "--per-host",
            type=int,
            default=4,
            help="Requests at once to any one host (default %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["timeout"] <= 0 or options["workers"] < 1 or options["per_host"] < 1:
            raise CommandError("--timeout, --workers and --per-host must be positive.")
        slugs: list[str] = options["slugs"]
        resources = (
            Resource.objects.filter(slug__in=slugs) if slugs else Resource.objects.published()
        )
        if slugs:
            missing = set(slugs) - set(resources.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"No resource with the slug {', '.join(sorted(missing))}.")
        links = Link.objects.filter(resource__in=resources).order_by("resource__position", "pk")
        limits = Limits(
            timeout=options["timeout"], workers=options["workers"], per_host=options["per_host"]
        )
        summary = check_links(links, limits)
        self.stdout.write(str(summary))
