"""Growing the list from identifiers: manage.py add_resource and the admin's "Add from
identifiers", against local stand-ins for the registries (tests/standins.py)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from reversion.models import Version

from resources.models import Notice, Resource

from .conftest import form_values, messages_shown, page, submit

ADD = "/admin/resources/resource/add-from-identifiers/"


def add_resource(*identifiers: str) -> tuple[str, bool]:
    """What add_resource prints, and whether it exited 0."""
    out = StringIO()
    try:
        call_command("add_resource", *identifiers, stdout=out)
    except CommandError:
        return out.getvalue(), False
    return out.getvalue(), True


def test_the_seeds_doi_and_pmid_are_already_on_the_list(registry, seeded):
    output, ok = add_resource(
        "https://doi.org/10.15265/iy-2014-0017.", "PMID: 25123739", "doi:10.15265/IY-2014-0017"
    )
    assert ok
    lines = output.splitlines()
    assert len(lines) == 3
    for line in lines:
        assert "already on the list as \u201cTransforming health care delivery" in line, line
        assert line.endswith("(http://127.0.0.1:8000/resources/transforming-health-care-delivery/)")
    assert registry.requests() == 0  # known by its identifier: no registry was asked
    assert Resource.objects.count() == 8


def test_a_doi_becomes_a_draft_with_its_creators_links_and_history(registry, seeded):
    output, ok = add_resource("10.5555/OpenNotes.2012.1")
    assert ok, output
    draft = Resource.objects.get(doi__iexact="10.5555/opennotes.2012.1")
    assert output == (
        f"10.5555/OpenNotes.2012.1: added as draft \u201c{draft.title}\u201d "
        f"(http://127.0.0.1:8000/admin/resources/resource/{draft.pk}/change/)\n"
    )
    assert not draft.is_published
    assert draft.kind == "journal-article"
    assert (draft.container_title, draft.container_short) == (
        "Annals of Internal Medicine",
        "Ann Intern Med",
    )
    assert draft.summary == ""
    assert "Patients can read the notes" in draft.abstract
    assert "<" not in draft.abstract
    creators = [(c.given_names, c.family_name, c.organisation) for c in draft.creators.all()]
    assert creators == [
        ("Tom", "Delbanco", ""),
        ("Jan", "Walker", ""),
        ("", "", "The OpenNotes Collaborative"),
    ]
    assert [link.url for link in draft.links.all()][
        -1
    ] == "https://doi.org/10.5555/OpenNotes.2012.1"
    (version,) = Version.objects.get_for_object(draft)
    assert version.revision.comment == "Added from DOI 10.5555/OpenNotes.2012.1 via Crossref."
    # Asked again, in another spelling: it is on the list now.
    again, ok = add_resource("https://dx.doi.org/10.5555/opennotes.2012.1")
    assert ok
    assert "already on the list" in again
    assert Resource.objects.filter(doi__iexact="10.5555/opennotes.2012.1").count() == 1


def test_a_retracted_article_is_added_with_its_notice(registry, db):
    output, ok = add_resource("PMID:39000001")
    assert ok, output
    draft = Resource.objects.get(pmid="39000001")
    kinds = set(Notice.objects.filter(resource=draft).values_list("kind", flat=True))
    assert "retraction" in kinds


def test_the_same_work_twice_in_one_batch_is_added_once(registry, db):
    output, ok = add_resource("PMC9000001", "39000001")
    assert ok, output
    first, second = output.splitlines()
    assert "added as draft" in first
    assert "already on the list" in second
    assert Resource.objects.count() == 1


def test_what_cannot_be_added_says_why_and_the_exit_status_says_so(registry, db):
    output, ok = add_resource("10.5555/opennotes.2012.1", "10.5555/no-such-work", "hello")
    assert not ok
    lines = output.splitlines()
    assert "added as draft" in lines[0]
    assert lines[1].startswith("10.5555/no-such-work: not added: ")
    assert lines[2].startswith("hello: not added: ")
    assert "DOI" in lines[2] and "ISBN" in lines[2]  # says what was expected
    assert Resource.objects.count() == 1


def test_a_registry_that_is_down_adds_nothing_and_says_so(registry, db, settings):
    registry.crossref.stop()
    output, ok = add_resource("10.5555/opennotes.2012.1")
    assert not ok
    assert "not added" in output
    assert not Resource.objects.exists()
