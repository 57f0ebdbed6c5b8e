"""Write the site's content back as YAML fixtures, in the layout of fixtures/.

The files are what `manage.py seed` loads: natural keys instead of ids, one entry per
object in a stable order, text as readable blocks, and fields left out where they hold
their default. Exporting, seeding an empty database from the export and exporting again
gives the same bytes, so a diff against fixtures/ shows exactly what staff changed.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml
from django.core import serializers
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models
from taggit.models import Tag

from principles.models import Principle, TextBlock
from resources.models import Creator, FormerSlug, Link, Resource, TaggedResource

WIDTH = 76

PRINCIPLES_HEADER = """\
# Seed content for the principles app: the Society's guiding principles and its
# own mission text, word for word as the client wrote them. `manage.py seed`
# loads this file into an empty database only, so staff edits made in the admin
# are never overwritten. `manage.py export_catalogue` writes it from the site.
"""

RESOURCES_HEADER = """\
# Seed content for the resources app: the resources the Society lists for
# providers, each followed by its creators (in citation order), its links, its
# former addresses and its topics. The topics come first because the resources
# refer to them. Bibliographic facts are only those a reliable source confirms:
# names stay initials where only initials are confirmed, and a date is as
# precise as its source ("2013", "2014-08-15"). `manage.py seed` loads this file
# into an empty database only, so staff edits made in the admin are never
# overwritten. `manage.py export_catalogue` writes it from the site.
"""


class Flow(dict[str, Any]):
    """A mapping written on one line: {resource: [slug], tag: [name]}."""


class Dumper(yaml.SafeDumper):
    pass


def represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Paragraphs as a literal block, a long line as a folded block; PyYAML falls back
    # to quoting whenever a block could not give the text back exactly.
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    if len(value) > WIDTH - 12 and " " in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=">")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


def represent_flow(dumper: yaml.SafeDumper, value: Flow) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=True)


def represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.SequenceNode:
    # Natural keys ([slug]) inline; the file's list of entries as a block.
    flow = all(not isinstance(item, dict) for item in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


Dumper.add_representer(str, represent_str)
Dumper.add_representer(Flow, represent_flow)
Dumper.add_representer(list, represent_list)


def plain(value: Any) -> Any:
    """Dates and times as ISO text (in UTC), so that the file reads the same everywhere."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)  # a natural key
    return value


# Fields written even where they hold their default: who a resource is for is a choice
# staff make for every resource, and the file should show it.
ALWAYS_WRITTEN = {"resources.resource": {"audience"}}


def entry(obj: models.Model, flow: bool = False) -> dict[str, Any]:
    """One fixture entry: natural keys, and only the fields that differ from the default
    (or that ALWAYS_WRITTEN names)."""
    (data,) = serializers.serialize(
        "python", [obj], use_natural_foreign_keys=True, use_natural_primary_keys=True
    )
    fields = {}
    always = ALWAYS_WRITTEN.get(data["model"], set())
    # The natural key first (slug, key), so that each entry says at once what it is.
    ordered = sorted(obj._meta.concrete_fields, key=lambda f: f.name not in ("slug", "key"))
    for field in ordered:
        if field.name not in data["fields"] or field.name == "version":
            continue
        value = data["fields"][field.name]
        default = field.get_default() if not callable(field.default) else object()
        if (value == default or value in ("", None)) and field.name not in always:
            continue
        fields[field.name] = plain(value)
    return {"model": data["model"], "fields": Flow(fields) if flow else fields}


def block(entries: Iterable[dict[str, Any]], comment: str = "") -> str:
    text = f"# {' '.join(comment.split())}\n\n" if comment else ""  # a comment is one line
    dumped = [
        yaml.dump(
            [e],
            Dumper=Dumper,
            sort_keys=False,
            allow_unicode=True,
            # A one-line entry stays on one line, however long.
            width=10_000 if isinstance(e["fields"], Flow) else WIDTH,
        )
        for e in entries
    ]
    # Small one-line entries stand together; larger ones are set apart by a blank line.
    joined = ""
    for previous, current in zip([None, *dumped], dumped, strict=False):
        if previous is not None:
            joined += "" if previous.count("\n") == current.count("\n") == 2 else "\n"
        joined += current
    return text + joined


def principles_file() -> str:
    parts = [PRINCIPLES_HEADER]
    parts.append(block((entry(p) for p in Principle.objects.order_by("position", "pk")),
                       "Guiding principles"))  # fmt: skip
    for page, label in TextBlock.Page.choices:
        blocks = TextBlock.objects.filter(page=page).order_by("position", "pk")
        if blocks:
            parts.append(block((entry(b) for b in blocks), f"Mission text: {label}"))
    return "\n".join(parts)


def resources_in_file_order() -> list[Resource]:
    """Curated order, except that a resource comes after the one that replaces it."""
    ordered: list[Resource] = []
    placed: set[int] = set()

    def place(resource: Resource, seen: frozenset[int] = frozenset()) -> None:
        if resource.pk in placed or resource.pk in seen:
            return
        target = resource.superseded_by
        if target is not None:
            place(target, seen | {resource.pk})
        ordered.append(resource)
        placed.add(resource.pk)

    for resource in Resource.objects.select_related("superseded_by").order_by("position", "pk"):
        place(resource)
    return ordered


def resources_file() -> str:
    parts = [RESOURCES_HEADER]
    tags = Tag.objects.order_by("name")
    parts.append(block((entry(t, flow=True) for t in tags), "Topics"))
    for number, resource in enumerate(resources_in_file_order(), start=1):
        status = "" if resource.status == "Published" else f" ({resource.status.lower()})"
        entries = [entry(resource)]
        entries += [entry(c, flow=True) for c in Creator.objects.filter(resource=resource)]
        entries += [entry(link) for link in Link.objects.filter(resource=resource)]
        entries += [
            entry(f, flow=True)
            for f in FormerSlug.objects.filter(resource=resource).order_by("slug")
        ]
        tagged = TaggedResource.objects.filter(content_object=resource).order_by("tag__name")
        entries += [entry(t, flow=True) for t in tagged.select_related("tag", "content_object")]
        parts.append(block(entries, f"{number}. {resource.title}{status}"))
    return "\n".join(parts)


def write_all(directory: Path, files: dict[str, str]) -> None:
    """Write every file or none: each goes to a temporary file first, then into place."""
    temporaries: list[tuple[str, Path]] = []
    try:
        for name, text in files.items():
            handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}.")
            temporaries.append((temporary, directory / name))
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
        for temporary, path in temporaries:
            os.replace(temporary, path)
    finally:
        for temporary, _ in temporaries:
            Path(temporary).unlink(missing_ok=True)


class Command(BaseCommand):
    help = (
        "Write the current principles, mission text and resources (with their creators, "
        "links, former addresses and topics) as YAML fixtures in the layout of fixtures/, "
        "so that staff edits can be reviewed as a diff and the seed kept current."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "directory",
            nargs="?",
            type=Path,
            default=Path("fixtures"),
            help="Where to write principles.yaml and resources.yaml (default: fixtures).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["directory"]
        try:
            directory.mkdir(parents=True, exist_ok=True)
            files = {"principles.yaml": principles_file(), "resources.yaml": resources_file()}
            write_all(directory, files)
        except OSError as exc:
            raise CommandError(
                f"Cannot write the export to {directory}: {exc.strerror or exc}. "
                "Nothing was written there; choose a directory you can write to."
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {', '.join(files)} to {directory}: "
                f"{Resource.objects.count()} resources, {Principle.objects.count()} principles, "
                f"{TextBlock.objects.count()} text blocks, {Tag.objects.count()} topics."
            )
        )
