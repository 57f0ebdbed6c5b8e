"""make backup and its restore: every row comes back."""

from io import StringIO

import lxml.html
import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from principles.models import Principle
from resources import search
from resources.models import Resource


def every_row() -> dict[str, list[dict]]:
    """Every row of every table the site's models own (content, history, users, sessions),
    but the search feed's epoch, which a restore renews on purpose (the test below)."""
    rows = {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.managed
    }
    for row in rows["resources.SearchSequence"]:
        del row["epoch"]
    return rows


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


def test_search_counts_kept_before_a_restore_are_never_corrected_by_later_changes(
    transactional_db, seeded, client, make_resource, tmp_path
):
    """The search index's feed numbers its changes; a restored backup holds an earlier
    number, and the changes after it are numbered again. Counts kept at a number given
    out before the restore must then be counted afresh, not corrected by the new ones."""

    def total() -> str:
        document = lxml.html.fromstring(client.get("/resources/", {"q": "notes"}).content)
        return " ".join(document.xpath("string(//p[@class='summary-line'])").split())

    backup = tmp_path / "spm.backup"
    call_command("backup", str(backup), stdout=StringIO())
    before = total()
    for n in range(3):
        make_resource(title=f"Notes number {n}")
    counted = total()  # kept at the feed's number now
    assert counted != before
    kept_at = search.present()
    assert kept_at is not None
    call_command("restore", str(backup), "--yes", stdout=StringIO())
    # Edits after the restore, none of them about notes and before anyone searches, number
    # the feed past where the counts of before the restore were kept.
    other = Resource.objects.get(slug="pew-research-health")
    while (search.present() or (0, 0))[0] <= kept_at[0]:
        other.title = f"{other.title}."
        other.save()
    assert total() == before
