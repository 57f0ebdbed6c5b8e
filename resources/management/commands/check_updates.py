from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from resources.models import Resource
from resources.updates import check_updates


class Command(BaseCommand):
    help = (
        "Ask Crossref again about every resource with a DOI, and PubMed about every one "
        "with a PubMed ID (or only the resources named by slug), and record each "
        "retraction, correction or expression of concern they report, once. A registry that "
        "does not answer changes nothing already recorded. Prints one summary line; exits "
        "non-zero only when the check could not run. Safe to run daily from cron or a "
        "systemd timer while staff edit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slugs", nargs="*", help="Check only these resources.")

    def handle(self, *args: Any, **options: Any) -> None:
        slugs: list[str] = options["slugs"]
        # Drafts and archived resources too: a draft may be published, and an archived
        # resource's page stays online.
        resources = Resource.objects.filter(~Q(doi="") | ~Q(pmid=""))
        if slugs:
            missing = set(slugs) - set(
                Resource.objects.filter(slug__in=slugs).values_list("slug", flat=True)
            )
            if missing:
                raise CommandError(f"No resource with the slug {', '.join(sorted(missing))}.")
            resources = resources.filter(slug__in=slugs)
        summary = check_updates(resources.order_by("position", "pk"))
        self.stdout.write(str(summary))
