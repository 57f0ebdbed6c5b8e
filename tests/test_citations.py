"""Cite this resource: AMA, APA and Vancouver text, and RIS, BibTeX and CSL-JSON files."""

import json

import bibtexparser
import pytest
import rispy

from resources.kinds import KIND_TYPES, Kind
from resources.models import Creator, Resource

from .conftest import CLIENT_ORDER, page, submit

ARTICLE = "/resources/transforming-health-care-delivery/"

# The published styles, applied by hand to the article's facts (AMA Manual of Style,
# 11th edition, 3.11; APA Publication Manual, 7th edition, 10.1; NLM's Citing Medicine,
# 2nd edition, chapter 1, as its CSL style nlm-citation-sequence writes it).
AMA = (
    "Sands DZ, Wald JS. Transforming health care delivery through consumer engagement, "
    "health data transparency, and patient-generated health information. Yearb Med Inform. "
    "2014;9(1):170-176. doi:10.15265/IY-2014-0017"
)
APA = (
    "Sands, D. Z., & Wald, J. S. (2014). Transforming health care delivery through consumer "
    "engagement, health data transparency, and patient-generated health information. "
    "Yearbook of Medical Informatics, 9(1), 170\u2013176. https://doi.org/10.15265/IY-2014-0017"
)
# Citing Medicine: names inverted with initials and no periods, the journal's NLM
# abbreviation, the full date of issue ("2014 Aug 15"), volume(issue):pages with the last
# page shortened to the digits that change, then the DOI and the PubMed ID. (The CSL style
# joins the page range with an en dash, as CSL does, and the DOI and PMID with a space.)
VANCOUVER = (
    "Sands DZ, Wald JS. Transforming health care delivery through consumer engagement, "
    "health data transparency, and patient-generated health information. Yearb Med Inform. "
    "2014 Aug 15;9(1):170\u20136. doi:10.15265/IY-2014-0017 PubMed PMID: 25123739."
)


def citation_block(client, path: str, key: str):
    (block,) = page(client.get(path)).xpath(f"//figure[@id='cite-{key}']/blockquote")
    return block


def test_journal_article_is_cited_in_ama_and_apa_as_the_styles_say(client, seeded):
    ama = citation_block(client, ARTICLE, "ama")
    apa = citation_block(client, ARTICLE, "apa")

    assert ama.xpath("string(p)") == AMA
    assert ama.get("data-copy") == AMA
    assert ama.xpath("p/i/text()") == ["Yearb Med Inform"]
    assert apa.xpath("string(p)") == APA
    assert apa.get("data-copy") == APA
    assert apa.xpath("p/i/text()") == ["Yearbook of Medical Informatics", "9"]


def test_journal_article_is_cited_in_vancouver_as_nlm_says_with_a_copy_button(client, seeded):
    document = page(client.get(ARTICLE))
    (figure,) = document.xpath("//figure[@id='cite-vancouver']")
    (block,) = figure.xpath("blockquote")

    assert figure.xpath("string(figcaption)") == "Vancouver (NLM)"
    assert block.xpath("string(p)") == VANCOUVER
    assert block.get("data-copy") == VANCOUVER  # what static/js/copy-link.js copies
    assert block.get("data-copy-label") == "Vancouver (NLM) citation"
    assert block.xpath("p//i") == []  # NLM sets nothing in italics
    # Beside AMA and APA, in that order.
    assert document.xpath("//section[@class='cite']/figure/@id") == [
        "cite-ama",
        "cite-apa",
        "cite-vancouver",
    ]


def test_a_title_ending_in_an_exclamation_mark_takes_no_extra_period(client, seeded):
    ama = citation_block(client, "/resources/let-patients-help/", "ama")
    assert ama.xpath("string(p)").startswith("deBronkart D. Let Patients Help! 2013.")


def test_a_web_book_in_vancouver_gives_the_day_it_was_cited(client, seeded):
    vancouver = citation_block(client, "/resources/let-patients-help/", "vancouver")
    assert vancouver.xpath("string(p)") == (
        "deBronkart D. Let Patients Help! [Internet]. 2013 [cited 2026 Nov 25]. "
        "Available from: https://www.epatientdave.com/"
    )


def test_citation_text_cannot_inject_markup(client, make_resource):
    resource = make_resource(title="<img src=x onerror=alert(1)> & friends")
    block = citation_block(client, resource.get_absolute_url(), "apa")
    assert block.xpath(".//img") == []
    assert "<img src=x onerror=alert(1)> & friends" in block.xpath("string(p)")


def download(client, path: str):
    response = client.get(path)
    assert response.status_code == 200, path
    return response


@pytest.mark.parametrize(
    ("extension", "content_type"),
    [
        ("ris", "application/x-research-info-systems; charset=utf-8"),
        ("bib", "application/x-bibtex; charset=utf-8"),
        ("json", "application/vnd.citationstyles.csl+json"),
    ],
)
def test_downloads_have_the_right_type_and_file_name(client, seeded, extension, content_type):
    one = download(client, f"{ARTICLE}citation.{extension}")
    assert one["Content-Type"] == content_type
    assert one["Content-Disposition"] == (
        f'attachment; filename="transforming-health-care-delivery.{extension}"'
    )
    whole = download(client, f"/resources/citations.{extension}")
    assert whole["Content-Type"] == content_type
    assert whole["Content-Disposition"] == (
        f'attachment; filename="spm-resources-for-providers.{extension}"'
    )


def test_detail_page_links_each_download(client, seeded):
    links = page(client.get(ARTICLE)).xpath("//p[@class='downloads']/a/@href")
    assert links == [f"{ARTICLE}citation.ris", f"{ARTICLE}citation.bib", f"{ARTICLE}citation.json"]


def test_the_whole_list_downloads_in_curated_order(client, seeded):
    ris = rispy.loads(download(client, "/resources/citations.ris").content.decode())
    bib = bibtexparser.parse_string(download(client, "/resources/citations.bib").content.decode())
    csl = json.loads(download(client, "/resources/citations.json").content)
    titles = list(Resource.objects.in_list_order().values_list("title", flat=True))

    assert [entry["title"] for entry in ris] == titles
    assert [entry["title"] for entry in bib.entries] == titles
    assert [entry["title"] for entry in csl] == titles
    assert [entry.key for entry in bib.entries] == CLIENT_ORDER
    assert bib.failed_blocks == []


@pytest.fixture
def every_kind(make_resource) -> list[Resource]:
    """One resource of each kind, with persons, an organisation, an editor and identifiers."""
    resources = []
    for n, kind in enumerate(Kind, start=1):
        resources.append(
            make_resource(
                kind=kind,
                title=f"Study {n}: 50% of patients & {{braces}} read_notes",
                issued="2019-03-07",
                container_title="Journal of Participatory Medicine",
                publisher="JMIR Publications",
                volume="11",
                issue="2",
                pages="e12345",
                doi=f"10.2196/{12000 + n}",
                pmid=str(31000000 + n),
                isbn="978-0-306-40615-7",
                creators=[
                    {"given_names": "Dave", "family_name": "deBronkart"},
                    {"given_names": "D. Z.", "family_name": "Sands"},
                    {"organisation": "Society for Participatory Medicine"},
                    {"given_names": "Jan", "family_name": "Walker", "role": Creator.Role.EDITOR},
                ],
            )
        )
    return resources


AUTHORS = ["deBronkart, Dave", "Sands, D. Z.", "Society for Participatory Medicine"]


def test_ris_round_trips_every_kind(client, every_kind):
    for resource in every_kind:
        (entry,) = rispy.loads(
            download(client, f"{resource.get_absolute_url()}citation.ris").content.decode()
        )
        assert entry["type_of_reference"] == KIND_TYPES[resource.kind].ris
        assert entry["title"] == resource.title
        assert entry["authors"] == AUTHORS
        assert entry["secondary_authors"] == ["Walker, Jan"]
        assert entry["year"] == "2019"
        assert entry["date"] == "2019/03/07"
        assert entry["doi"] == resource.doi
        assert entry["accession_number"] == resource.pmid
        assert entry["issn"] == resource.isbn
        assert entry["urls"] == [resource.primary_link.url]


def test_bibtex_round_trips_every_kind(client, every_kind):
    for resource in every_kind:
        text = download(client, f"{resource.get_absolute_url()}citation.bib").content.decode()
        library = bibtexparser.parse_string(text)
        assert library.failed_blocks == []
        (entry,) = library.entries
        fields = {field.key: field.value for field in entry.fields}
        assert entry.entry_type == KIND_TYPES[resource.kind].bibtex
        assert entry.key == resource.slug
        # TeX's specials are escaped and stray braces dropped, so the file always parses.
        assert fields["title"] == r"Study {}: 50\% of patients \& braces read\_notes".format(
            resource.title.split(":")[0].removeprefix("Study ")
        )
        names = [name.strip() for name in fields["author"].split(" and ")]
        assert names == ["deBronkart, Dave", "Sands, D. Z.", "{Society for Participatory Medicine}"]
        assert fields["editor"] == "Walker, Jan"
        assert fields["year"] == "2019"
        assert fields["doi"] == resource.doi
        assert fields["pmid"] == resource.pmid
        assert fields["isbn"] == resource.isbn
        assert fields["pages"] == "e12345"
        assert fields["url"] == resource.primary_link.url


def test_csl_json_round_trips_every_kind(client, every_kind):
    for resource in every_kind:
        (record,) = json.loads(
            download(client, f"{resource.get_absolute_url()}citation.json").content
        )
        assert record["type"] == KIND_TYPES[resource.kind].csl
        assert record["title"] == resource.title
        assert record["author"] == [
            {"family": "deBronkart", "given": "Dave"},
            {"family": "Sands", "given": "D. Z."},
            {"literal": "Society for Participatory Medicine"},
        ]
        assert record["editor"] == [{"family": "Walker", "given": "Jan"}]
        assert record["issued"] == {"date-parts": [[2019, 3, 7]]}
        assert (record["DOI"], record["PMID"], record["ISBN"]) == (
            resource.doi,
            resource.pmid,
            resource.isbn,
        )
        assert record["container-title"] == "Journal of Participatory Medicine"


def test_a_resource_with_no_creators_or_date_still_cites(client, make_resource):
    resource = make_resource(creators=[], issued="", title="Anonymous page")
    for extension in ["ris", "bib", "json"]:
        download(client, f"{resource.get_absolute_url()}citation.{extension}")
    for key in ["ama", "apa", "vancouver"]:
        text = citation_block(client, resource.get_absolute_url(), key).xpath("string(p)")
        # With no creator the title leads, once (NLM's "[Internet]" after it).
        assert text.lower().startswith(("anonymous page.", "anonymous page [internet]."))
        assert text.lower().count("anonymous page") == 1


def test_an_edit_shows_in_the_citations_at_once(client, staff_client, seeded):
    before = citation_block(client, ARTICLE, "ama").xpath("string(p)")
    resource = Resource.objects.get(slug="transforming-health-care-delivery")
    response = submit(staff_client, f"/admin/resources/resource/{resource.pk}/change/",
                      {"title": "A corrected title"})  # fmt: skip
    assert response.status_code == 302

    after = citation_block(client, ARTICLE, "ama").xpath("string(p)")
    assert after != before
    assert after.startswith("Sands DZ, Wald JS. A corrected title. Yearb Med Inform.")
