"""Import a reference library, as the admin's "Import a reference library" does."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from resources import references
from spm_site.public_urls import absolute_url


class Command(BaseCommand):
    help = (
        "Add each record of a RIS, BibTeX or CSL-JSON file (as Zotero, EndNote and Mendeley "
        "export them) to the list as a draft, unless it is already on the list, repeated in "
        "the file or has no title. One line per record; the exit status is 0 when the file "
        "could be read, even if records were skipped, and nothing is saved when it cannot."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help="A .ris, .bib or .json file.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be done; save nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path} cannot be opened: {error.strerror}.") from None
        try:
            library = references.read(data, path.name)
        except references.Unreadable as error:
            raise CommandError(str(error)) from None
        report = references.import_library(library, dry_run=options["dry_run"])
        for outcome in report.outcomes:
            line = outcome.describe(report.dry_run)
            if outcome.resource is not None and not report.dry_run:
                admin = reverse("admin:resources_resource_change", args=[outcome.resource.pk])
                line += f" {absolute_url(admin)}"
            self.stdout.write(line)
            for warning in outcome.warnings:
                self.stdout.write(f"  {warning}")
        self.stdout.write(report.summary)
        if report.dry_run:
            self.stdout.write("Dry run: nothing was saved.")
