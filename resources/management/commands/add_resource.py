"""Add resources from their identifiers, as the admin's "Add from identifiers" does."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from resources import intake
from resources.models import Resource
from spm_site.public_urls import absolute_url


class Command(BaseCommand):
    help = (
        "Look up each DOI, PubMed ID, PMCID, ISBN or web address in its registry and add it "
        "to the list as a draft (staff write its summary and publish it). One line per "
        "identifier; the exit status is 0 when every one was added or is already on the list."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("identifiers", nargs="+", metavar="IDENTIFIER")

    def handle(self, *args: Any, **options: Any) -> None:
        failed = 0
        for preview in intake.preview(options["identifiers"]):
            result: intake.Preview | Resource = preview
            if preview.status == "found":
                result = intake.add_found(preview)
            if isinstance(result, Resource):
                admin = absolute_url(reverse("admin:resources_resource_change", args=[result.pk]))
                self.stdout.write(f"{preview.text}: added as draft \u201c{result}\u201d ({admin})")
            elif result.duplicates:
                listed = result.duplicates[0]
                self.stdout.write(
                    f"{preview.text}: already on the list as \u201c{listed}\u201d "
                    f"({absolute_url(listed.get_absolute_url())})"
                )
            else:
                failed += 1
                self.stdout.write(f"{preview.text}: not added: {result.message}")
        if failed:
            raise CommandError(f"{failed} of {len(options['identifiers'])} could not be added.")
