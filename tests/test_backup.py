"""make backup and its restore: every row comes back."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from principles.models import Principle
from resources.models import Resource


def every_row() -> dict[str, list[dict]]:
    """Every row of every table the site's models own (content, history, users, sessions)."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.managed
    }


def test_a_backup_restores_every_row(transactional_db, seeded, staff_client, tmp_path):
    staff_client.get("/admin/")  # a session and a user among the rows
    before = every_row()
    backup = tmp_path / "spm.backup"
    out = StringIO()
    call_command("backup", str(backup), stdout=out)
    assert out.getvalue().startswith("Backed up the ")

    Resource.objects.all().delete()
    Principle.objects.filter(key="engaged-patients").update(text="Changed after the backup.")
    assert every_row() != before

    call_command("restore", str(backup), "--yes", stdout=StringIO())

    assert every_row() == before


def test_restore_asks_for_confirmation_and_changes_nothing_without_it(
    transactional_db, seeded, tmp_path
):
    backup = tmp_path / "spm.backup"
    call_command("backup", str(backup), stdout=StringIO())
    Resource.objects.filter(slug="opennotes").delete()

    with pytest.raises(CommandError, match=r"Run `manage\.py backup` first, then repeat"):
        call_command("restore", str(backup))
    assert not Resource.objects.filter(slug="opennotes").exists()


def test_restoring_something_that_is_not_a_backup_is_a_clear_error(
    transactional_db, seeded, tmp_path
):
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("not a database")
    with pytest.raises(CommandError, match="Nothing was restored"):
        call_command("restore", str(not_a_backup), "--yes")
    with pytest.raises(CommandError, match="There is no backup file at"):
        call_command("restore", str(tmp_path / "missing.backup"), "--yes")
    assert Resource.objects.count() == 8
