"""The seed content: the client's words, loaded once, never over a staff edit."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from principles.models import Principle, TextBlock
from resources.models import Link, Resource

from .conftest import CLIENT_ORDER, ENGAGEMENT, PATIENTS_CAN_HELP, PRINCIPLES, SOCIETY, run_seed

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def test_seed_loads_all_eight_resources_in_the_clients_order(seeded):
    resources = list(Resource.objects.published().in_list_order())
    assert [r.slug for r in resources] == CLIENT_ORDER
    assert resources[0].title == "e-Patients: How They Can Help Us Heal Health Care"
    assert resources[3].doi == "10.15265/IY-2014-0017"
    assert resources[3].pmid == "25123739"
    for resource in resources:
        assert resource.summary, resource.slug
        assert resource.why_it_matters, resource.slug
        assert resource.primary_link is not None, resource.slug
        assert resource.tags.exists(), resource.slug


def test_seed_loads_the_principles_and_mission_text_as_the_client_wrote_them(seeded):
    assert [p.text for p in Principle.objects.all()] == PRINCIPLES
    blocks = {block.key: block for block in TextBlock.objects.all()}
    assert blocks["shared-responsibility"].body == ENGAGEMENT
    assert blocks["patients-can-help"].heading == "Patients can help"
    assert blocks["patients-can-help"].body.split("\n\n") == PATIENTS_CAN_HELP
    assert blocks["about-the-society"].body == SOCIETY
    assert blocks["about-the-society"].page == TextBlock.Page.ABOUT


def test_seed_run_again_keeps_staff_edits_deletions_and_renames(seeded):
    Resource.objects.filter(slug="opennotes").update(title="OpenNotes, edited by staff")
    Resource.objects.filter(slug="let-patients-help").update(slug="let-patients-help-book")
    Principle.objects.filter(key="excellent-practice").delete()
    Link.objects.filter(resource__slug="pew-research-health").exclude(position=10).delete()

    output = run_seed()

    assert "Skipped principles.yaml" in output
    assert "Skipped resources.yaml" in output
    assert Resource.objects.get(slug="opennotes").title == "OpenNotes, edited by staff"
    assert not Resource.objects.filter(slug="let-patients-help").exists()
    assert Resource.objects.count() == 8
    assert Principle.objects.count() == 2
    assert Link.objects.filter(resource__slug="pew-research-health").count() == 1


def test_plain_loaddata_would_overwrite_the_staff_edit_that_seed_keeps(seeded):
    Resource.objects.filter(slug="opennotes").update(title="Edited")
    run_seed()
    assert Resource.objects.get(slug="opennotes").title == "Edited"

    # The fixtures are ordinary Django fixtures with natural keys, which is why
    # set-up must not use loaddata: it writes the fixture's values back.
    call_command("loaddata", FIXTURES / "resources.yaml", verbosity=0)
    assert Resource.objects.get(slug="opennotes").title == "OpenNotes"
    assert Resource.objects.count() == 8


def test_seed_reuses_tags_that_already_exist(db):
    Resource.objects.create(title="Staff's own", slug="own", kind="book", summary="s")
    Resource.objects.get(slug="own").tags.add("research")
    Resource.objects.all().delete()

    run_seed()

    assert Resource.objects.filter(tags__name="research").count() >= 1


def test_seed_reports_a_missing_file_clearly(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot read seed file"):
        run_seed(str(tmp_path / "missing.yaml"))


def test_seed_reports_broken_yaml_clearly(db, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("- model: resources.resource\n  fields: {title: [unclosed\n")
    with pytest.raises(CommandError, match="is not valid YAML"):
        run_seed(str(broken))


def test_seed_rejects_an_unknown_model(db, tmp_path):
    odd = tmp_path / "odd.yaml"
    odd.write_text("- model: resources.nothing\n  fields: {}\n")
    with pytest.raises(CommandError, match=r"unknown model 'resources\.nothing'"):
        run_seed(str(odd))


def test_seed_refuses_invalid_content_and_loads_nothing_from_that_file(db, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "- model: resources.resource\n"
        "  fields: {slug: fine, title: Fine, kind: book, summary: A book.}\n"
        "- model: resources.link\n"
        "  fields: {resource: [fine], label: Bad, url: 'javascript:alert(1)'}\n"
    )
    with pytest.raises(CommandError, match=r"resources\.link .*url: Enter a full web address"):
        run_seed(str(bad))
    assert not Resource.objects.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- model: resources.resource\n", "each with a 'model' and its 'fields'"),
        ("- model: 12\n  fields: {}\n", "each with a 'model' and its 'fields'"),
        ("just: a mapping\n", "must be a list of entries"),
        (
            "- model: resources.resource\n"
            "  fields: {colour: red, slug: a, title: T, kind: book, summary: s}\n",
            "Resource has no field named 'colour'",
        ),
        (
            "- model: resources.link\n"
            "  fields: {resource: [missing], label: L, url: 'https://a.example'}\n",
            "Resource matching query does not exist",
        ),
        (
            "- model: resources.resource\n"
            "  fields: {slug: a, title: T, kind: book, summary: s, issued: soon}\n",
            "issued: Enter the date as precisely as it is known: 2014, 2014-08 or 2014-08-15.",
        ),
    ],
)
def test_seed_explains_malformed_entries(db, tmp_path, text, message):
    fixture = tmp_path / "malformed.yaml"
    fixture.write_text(text)
    with pytest.raises(CommandError, match=re.escape(message)):
        run_seed(str(fixture))
    assert not Resource.objects.exists()


def test_content_staff_deleted_never_comes_back(seeded):
    Resource.objects.all().delete()
    Principle.objects.all().delete()

    output = run_seed()

    assert "Skipped resources.yaml: loaded once already, on" in output
    assert "Skipped principles.yaml: loaded once already, on" in output
    assert Resource.objects.count() == 0
    assert Principle.objects.count() == 0


def test_a_broken_seed_file_does_not_stop_a_seeded_site(seeded, tmp_path):
    broken = tmp_path / "resources.yaml"
    broken.write_text("- model: resources.resource\n  fields: {title: [unclosed\n")

    output = run_seed(str(broken))

    assert "Skipped resources.yaml: loaded once already" in output
    assert Resource.objects.count() == 8
