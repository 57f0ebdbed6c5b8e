from collections import Counter
from pathlib import Path
from typing import Any

import reversion
import yaml
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.base import DeserializationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.formats import date_format

from resources.models import Resource, SeedLoad

# What history records on its own; the rest is followed from these (a resource's links).
HISTORY_ROOTS = {"resources.resource", "principles.principle", "principles.textblock", "taggit.tag"}

# Shared vocabularies: existing rows are reused, and their presence alone
# does not mean the content of a file was loaded before.
VOCABULARIES = {"taggit.tag"}


class Command(BaseCommand):
    help = (
        "Load the seed content (YAML fixtures) into an empty database, once: each file "
        "loaded is recorded, and a file already loaded, or whose tables already hold "
        "rows, is skipped whole, so nothing staff edited, deleted or renamed in the admin "
        "is ever overwritten or brought back."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "fixtures",
            nargs="*",
            type=Path,
            help="YAML fixture files to load (default: the files in settings.SEED_FIXTURES).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for path in options["fixtures"] or settings.SEED_FIXTURES:
            self.seed(Path(path))

    def seed(self, path: Path) -> None:
        # Recorded once loaded: content staff deleted never comes back, and a broken
        # file (or a missing one) never stops a site that was seeded long ago.
        done = SeedLoad.objects.filter(name=path.name).first()
        if done is not None:
            self.stdout.write(
                f"Skipped {path.name}: loaded once already, on "
                f"{date_format(timezone.localtime(done.loaded_at), 'j F Y')}."
            )
            return
        entries = self.read(path)
        models_in_file = {self.model_for(path, entry) for entry in entries}
        try:
            # One transaction for the check and the load: a second `seed` started
            # at the same moment waits, then finds the tables filled and skips.
            with transaction.atomic():
                filled = self.filled(models_in_file)
                if not filled:
                    loaded = self.load(path, entries)
                # A database filled before loads were recorded counts as seeded too.
                SeedLoad.objects.get_or_create(name=path.name)
        except (DeserializationError, FieldDoesNotExist, IntegrityError) as exc:
            raise CommandError(f"{path}: {exc}. Nothing from this file was loaded.") from exc

        if filled:
            self.stdout.write(
                f"Skipped {path.name}: the database already holds {', '.join(filled)} "
                "(edits made in the admin are kept)."
            )
        else:
            summary = ", ".join(f"{n} {name}" for name, n in loaded.items()) or "nothing new"
            self.stdout.write(self.style.SUCCESS(f"Loaded {summary} from {path.name}."))

    def filled(self, models_in_file: set[type[models.Model]]) -> list[str]:
        """The content tables of the file that already hold rows."""
        return sorted(
            str(model._meta.verbose_name_plural)
            for model in models_in_file
            if model._meta.label_lower not in VOCABULARIES and model._default_manager.exists()
        )

    def load(self, path: Path, entries: list[dict[str, Any]]) -> Counter[str]:
        loaded: Counter[str] = Counter()
        roots: list[models.Model] = []
        for item in serializers.deserialize("python", entries):
            instance = item.object
            if instance.pk is not None:  # found by its natural key: keep it as it is
                continue
            try:
                instance.full_clean()
            except ValidationError as exc:
                problems = "; ".join(
                    f"{field}: {' '.join(errors)}" for field, errors in exc.message_dict.items()
                )
                raise CommandError(
                    f"{path}: {instance._meta.label_lower} \u201c{instance}\u201d is not valid "
                    f"({problems}). Nothing from this file was loaded."
                ) from exc
            if isinstance(instance, Resource) and instance.is_published:
                # A file written by hand may leave this out; the export never does.
                instance.first_published_at = instance.first_published_at or instance.created_at
            # Saved as written (a raw save): dates and counters in the file are kept.
            item.save()
            loaded[str(instance._meta.verbose_name_plural)] += 1
            if instance._meta.label_lower in HISTORY_ROOTS:
                roots.append(instance)
        # History starts here: one revision per resource (with its links, creators and
        # tags), principle, text block and tag, so each can be restored on its own.
        for root in roots:
            with reversion.create_revision():
                reversion.set_comment(f"Loaded from the seed file {path.name}.")
                reversion.add_to_revision(root)
        return loaded

    def read(self, path: Path) -> list[dict[str, Any]]:
        try:
            entries = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"Cannot read seed file {path}: {exc.strerror}.") from exc
        except yaml.YAMLError as exc:
            raise CommandError(f"{path} is not valid YAML: {exc}") from exc
        if not isinstance(entries, list) or not all(
            isinstance(entry, dict)
            and isinstance(entry.get("model"), str)
            and isinstance(entry.get("fields"), dict)
            for entry in entries
        ):
            raise CommandError(
                f"{path} must be a list of entries, each with a 'model' and its 'fields'."
            )
        return entries

    def model_for(self, path: Path, entry: dict[str, Any]) -> type[models.Model]:
        try:
            return apps.get_model(entry["model"])
        except (LookupError, ValueError) as exc:
            raise CommandError(f"{path}: unknown model {entry['model']!r}.") from exc
