"""Growing the list from identifiers: manage.py add_resource and the admin's "Add from
identifiers", against local stand-ins for the registries (tests/standins.py)."""

from io import StringIO

from django.core.management import CommandError, call_command
from reversion.models import Version

from resources.models import Notice, Resource

from .conftest import form_values, messages_shown, page, post_change, submit

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
    assert version.revision.comment == "Added from DOI 10.5555/opennotes.2012.1 via Crossref."
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
    assert "DOI" in lines[2]  # says what was expected
    assert "ISBN" in lines[2]
    assert Resource.objects.count() == 1


def test_a_registry_that_is_down_adds_nothing_and_says_so(registry, db, settings):
    registry.crossref.stop()
    output, ok = add_resource("10.5555/opennotes.2012.1")
    assert not ok
    assert "not added" in output
    assert not Resource.objects.exists()


# The admin's "Add from identifiers".


def posted_form(response, index: int = -1) -> dict:
    """What the form in a response would post as rendered (ticked boxes included)."""
    form = [f for f in page(response).forms if f.method.lower() == "post"][index]
    values: dict = {}
    for name, value in form.form_values():
        values.setdefault(name, []).append(value)
    return values


def look_up(client, *identifiers: str):
    data = form_values(client, ADD)
    data["identifiers"] = "\n".join(identifiers)
    return client.post(ADD, data)


def test_the_list_offers_add_from_identifiers(editor_client, seeded):
    document = page(editor_client.get("/admin/resources/resource/"))
    assert document.xpath("//ul[@class='object-tools']//a[@href=$url]/text()", url=ADD) == [
        "Add from identifiers"
    ]


def test_each_identifier_says_what_was_found_and_where_from(editor_client, registry, seeded):
    response = look_up(
        editor_client,
        "10.5555/OpenNotes.2012.1",
        "PMID: 25123739",
        "10.5555/no-such-work",
        "PMID:39000001",
    )
    assert response.status_code == 200
    found, duplicate, failed, retracted = page(response).xpath("//li[contains(@class,'preview ')]")
    rows = {
        " ".join(row.xpath("string(th)").split()): [
            " ".join(cell.text_content().split()) for cell in row.xpath("td")
        ]
        for row in found.xpath(".//tbody/tr")
    }
    assert rows["Title"][1] == "Crossref"
    assert rows["Published in"] == ["Annals of Internal Medicine", "Crossref"]
    assert rows["Creators"][0] == "Tom Delbanco; Jan Walker; The OpenNotes Collaborative"
    assert found.xpath(".//input[@type='checkbox'][@name='add']/@checked")
    assert "Already on the list" in duplicate.text_content()
    (link,) = duplicate.xpath(".//a")
    transforming = Resource.objects.get(pmid="25123739")
    assert link.get("href") == f"/admin/resources/resource/{transforming.pk}/change/"
    assert "Not found" in failed.text_content()
    warnings = [
        " ".join(w.text_content().split()) for w in retracted.xpath(".//p[@class='errornote']")
    ]
    assert warnings == [
        "Warning: This work has a retraction of 4 June 2020, reported by PubMed and Retraction "
        "Watch (through Crossref). If you add it, its page will say so. Read the notice."
    ]
    assert Resource.objects.count() == 8  # nothing is added before staff confirm


def test_confirming_one_lands_on_the_drafts_change_form(editor_client, registry, seeded):
    response = look_up(editor_client, "https://doi.org/10.5555/OpenNotes.2012.1")
    confirmed = editor_client.post(ADD, {**posted_form(response), "_create": "Add"})
    draft = Resource.objects.get(doi__iexact="10.5555/opennotes.2012.1")
    assert confirmed.status_code == 302
    assert confirmed["Location"] == f"/admin/resources/resource/{draft.pk}/change/"
    after = editor_client.get(confirmed["Location"])
    assert any("is a draft now" in m for m in messages_shown(after))
    (version,) = Version.objects.get_for_object(draft)
    assert version.revision.user.username == "volunteer"
    assert version.revision.comment == "Added from DOI 10.5555/opennotes.2012.1 via Crossref."
    # The draft cannot be published until staff write its summary.
    refused = submit(editor_client, f"/admin/resources/resource/{draft.pk}/change/",
                     {"is_published": "on"})  # fmt: skip
    assert refused.status_code == 200
    assert "Write the summary before publishing" in refused.content.decode()


def test_only_the_ticked_ones_are_added(editor_client, registry, seeded):
    response = look_up(editor_client, "10.5555/OpenNotes.2012.1", "PMID:39000001")
    data = posted_form(response)
    data["add"] = ["PMID:39000001"]
    confirmed = editor_client.post(ADD, {**data, "_create": "Add"})
    assert confirmed.status_code == 302
    assert Resource.objects.filter(pmid="39000001").exists()
    assert not Resource.objects.filter(doi__iexact="10.5555/opennotes.2012.1").exists()


def test_more_than_twenty_is_a_form_error(editor_client, registry, seeded):
    response = look_up(editor_client, *[f"10.5555/{n}" for n in range(21)])
    errors = page(response).xpath("//ul[@id='identifiers-errors']/li/text()")
    assert errors == [
        "Paste at most 20 identifiers at once (21 were pasted); manage.py add_resource takes "
        "any number."
    ]
    assert registry.requests() == 0


# The same checks in the ordinary add and change forms.


def test_the_change_form_refuses_an_identifier_another_resource_has(staff_client, seeded):
    book = Resource.objects.get(slug="let-patients-help")
    article = Resource.objects.get(pmid="25123739")
    response = post_change(staff_client, book, doi="10.15265/iy-2014-0017", pmid="25123739")
    assert response.status_code == 200
    document = page(response)
    for field in ("doi", "pmid"):
        (error,) = document.xpath(
            f"//div[contains(@class,'fieldBox') and contains(@class,'field-{field}')]"
            "//ul[@class='errorlist']/li"
        )
        assert " ".join(error.text_content().split()) == (
            f"Already on the list: {article.title}. Edit that one instead."
        )
        assert error.xpath(".//a/@href") == [f"/admin/resources/resource/{article.pk}/change/"]
    book.refresh_from_db()
    assert (book.doi, book.pmid) == ("", "")


def test_the_change_form_refuses_an_address_another_resource_links_to(staff_client, seeded):
    book = Resource.objects.get(slug="let-patients-help")
    # OpenNotes's site, spelt another way: http, capitals, a slash and a tracking parameter.
    response = post_change(
        staff_client, book, **{"links-0-url": "HTTP://OpenNotes.org/?utm_source=newsletter"}
    )
    assert response.status_code == 200
    assert "Already on the list: OpenNotes." in " ".join(page(response).text_content().split())
    assert not book.links.filter(url__icontains="opennotes").exists()


def test_an_isbn_10_is_stored_as_isbn_13(staff_client, seeded):
    book = Resource.objects.get(slug="let-patients-help")
    assert post_change(staff_client, book, isbn="0-306-40615-2").status_code == 302
    book.refresh_from_db()
    assert book.isbn == "978-0-306-40615-7"
    other = Resource.objects.get(slug="opennotes")
    refused = post_change(staff_client, other, isbn="9780306406157")
    assert refused.status_code == 200
    assert "Already on the list: " in refused.content.decode()
