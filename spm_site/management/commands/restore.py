from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from spm_site.backups import BackupError, restore


class Command(BaseCommand):
    help = (
        "Replace the whole database with a backup made by `manage.py backup`. Everything "
        "changed since that backup is lost: make a backup of the current state first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The backup file to restore.")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Confirm that the current content may be replaced.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            raise CommandError(
                "Restoring replaces everything in the database with the backup. Run "
                "`manage.py backup` first, then repeat this command with --yes."
            )
        try:
            restore(options["file"])
        except (BackupError, OSError) as exc:
            raise CommandError(f"Nothing was restored: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Restored the database from {options['file']}."))
