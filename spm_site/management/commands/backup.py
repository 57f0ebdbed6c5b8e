from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from spm_site.backups import BackupError, back_up, engine


class Command(BaseCommand):
    help = (
        "Copy the whole database to a file while the site runs (SQLite's online backup, "
        "or pg_dump for PostgreSQL). Restore it with `manage.py restore FILE`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file",
            nargs="?",
            type=Path,
            help="Where to write the backup (default: backups/spm-<date>-<time>.<kind>).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            kind = engine()
            suffix = "sqlite3" if kind == "sqlite" else "pgdump"
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            target = options["file"] or Path("backups") / f"spm-{stamp}.{suffix}"
            back_up(target)
        except (BackupError, OSError) as exc:
            raise CommandError(f"No backup was made: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Backed up the {kind} database to {target}."))
