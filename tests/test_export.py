"""export_catalogue: the site's content back as fixtures, exact enough to rebuild it."""

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models
from django.utils import timezone
from taggit.models import Tag

from principles.models import Principle, TextBlock
from resources.models import Creator, FormerSlug, Link, Resource, SeedLoad, TaggedResource

from .conftest import run_seed

CONTENT = [Tag, Resource, Creator, Link, FormerSlug, TaggedResource, Principle, TextBlock]


def export(directory: Path) -> dict[str, bytes]:
    call_command("export_catalogue", str(directory), stdout=StringIO())
    return {path.name: path.read_bytes() for path in sorted(directory.glob("*.yaml"))}


def readable(value: object) -> object:
    """A field's value, with a related object named by its natural key instead of its id."""
    if isinstance(value, models.Model):
        return value.natural_key()  # type: ignore[attr-defined]
    return value


def everything() -> dict[str, list[dict[str, object]]]:
    """Every field of every object of the content, ids aside (they differ between databases)."""
    content = {}
    for model in CONTENT:
        rows = []
        for obj in model._default_manager.all():
            rows.append(
                {
                    field.name: readable(getattr(obj, field.name))
                    for field in model._meta.concrete_fields
                    if not field.primary_key and field.name != "version"
                }
            )
        content[model._meta.label] = sorted(rows, key=repr)
    return content


def empty_the_database() -> None:
    for model in reversed(CONTENT):
        model._default_manager.all().delete()
    SeedLoad.objects.all().delete()  # as a new database has never been seeded


def test_exporting_the_seed_gives_back_the_fixtures_byte_for_byte(seeded, tmp_path):
    exported = export(tmp_path)
    for path in settings.SEED_FIXTURES:
        assert exported[path.name] == path.read_bytes(), path.name


@pytest.fixture
def edited(seeded, make_resource):
    """The seed after a season of staff edits: every kind of field and object in use."""
    opennotes = Resource.objects.get(slug="opennotes")
    opennotes.slug = "opennotes-project"
    opennotes.last_reviewed_on = date(2026, 3, 4)
    opennotes.save()
    old = Resource.objects.get(slug="pew-research-health")
    old.archived_at = timezone.now()
    old.superseded_by = make_resource(title="A newer survey", slug="a-newer-survey", position=5)
    old.save()
    draft = make_resource(
        title="A draft with \u201cquotes\u201d, a colon: and\nnew lines\n\nin its text",
        slug="a-draft",
        is_published=False,
        tags=["Brand New Topic", "research"],
        creators=[
            {"given_names": "Ada", "family_name": "Lovelace", "credentials": "PhD"},
            {"organisation": "An Editing Society", "role": Creator.Role.EDITOR},
        ],
    )
    draft.why_it_matters = (
        "  Leading spaces, trailing spaces  \n\n\ttabs and 'quotes' # not a comment"
    )
    draft.audience = Resource.Audience.PATIENTS
    draft.plain_summary = "Read it: it helps.\n\nA second paragraph, with \u201cquotes\u201d."
    draft.save()
    Tag.objects.create(name="an unused topic", slug="an-unused-topic")
    Principle.objects.create(
        key="a-fourth", text="A fourth principle: added by staff.", position=40
    )


def test_the_export_round_trip_is_exact(edited, tmp_path):
    before = everything()
    first = export(tmp_path / "first")

    empty_the_database()
    for name in first:
        run_seed(str(tmp_path / "first" / name))
    after = everything()
    second = export(tmp_path / "second")

    assert after == before
    assert second == first


def test_exporting_into_a_directory_that_cannot_be_written_says_so_and_writes_nothing(
    seeded, tmp_path
):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")

    with pytest.raises(CommandError, match=r"Cannot write the export to .*a-file/export: "):
        call_command("export_catalogue", str(blocker / "export"), stdout=StringIO())
    assert blocker.read_text() == "not a directory"


def test_export_reports_what_it_wrote(seeded, tmp_path):
    out = StringIO()
    call_command("export_catalogue", str(tmp_path), stdout=out)
    assert out.getvalue().strip() == (
        f"Wrote principles.yaml, resources.yaml to {tmp_path}: 8 resources, 3 principles, "
        "3 text blocks, 12 topics."
    )
