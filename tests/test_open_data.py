"""The open-data interface: a resource's address answers its citation in the type asked for
(as doi.org does), a catalogue address gives all its results as a file, and other sites'
scripts may read the data, never the HTML pages."""

import json
from typing import Any

import bibtexparser
import lxml.html
import pytest
import rispy
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from resources.models import FormerSlug, Resource

from .conftest import CLIENT_ORDER, Answer, page, through_site

ARTICLE = "/resources/transforming-health-care-delivery/"
CSL = "application/vnd.citationstyles.csl+json"
RIS = "application/x-research-info-systems"
BIBTEX = "application/x-bibtex"
TEXT = "text/x-bibliography"
# What Firefox and Chrome send when a person opens a page.
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CHROME = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)
VANCOUVER = (
    "Sands DZ, Wald JS. Transforming health care delivery through consumer engagement, "
    "health data transparency, and patient-generated health information. Yearb Med Inform. "
    "2014 Aug 15;9(1):170\u20136. doi:10.15265/IY-2014-0017 PubMed PMID: 25123739.\n"
)


def ask(path: str, accept: str | None = None, **environ: str) -> Answer:
    """One request through the page cache, with this Accept header (none when None)."""
    if accept is not None:
        environ["HTTP_ACCEPT"] = accept
    return through_site(path, **environ)


def vary(answer: Answer) -> list[str]:
    return [name.strip() for name in answer.headers.get("Vary", "").split(",")]


def is_html(answer: Answer) -> bool:
    return answer.headers["Content-Type"].startswith("text/html")


def shown_citation(style: str) -> str:
    """The citation the article's page shows (and its copy button copies) in ``style``."""
    (block,) = lxml.html.fromstring(ask(ARTICLE).body).xpath(
        f"//figure[@id='cite-{style}']/blockquote"
    )
    return block.get("data-copy")


# A resource's address, by Accept


def test_the_address_answers_csl_json_as_one_record(seeded):
    answer = ask(ARTICLE, CSL)
    assert answer.status == 200
    assert answer.headers["Content-Type"] == f"{CSL}; charset=utf-8"
    record = json.loads(answer.body)
    assert record["id"] == "transforming-health-care-delivery"
    assert record["type"] == "article-journal"
    assert record["author"] == [
        {"family": "Sands", "given": "D. Z."},
        {"family": "Wald", "given": "J. S."},
    ]
    assert record["issued"] == {"date-parts": [[2014, 8, 15]]}
    assert (record["DOI"], record["PMID"]) == ("10.15265/IY-2014-0017", "25123739")
    assert "Content-Disposition" not in answer.headers  # an answer, not a download


def test_the_address_answers_ris(seeded):
    answer = ask(ARTICLE, RIS)
    assert answer.headers["Content-Type"] == f"{RIS}; charset=utf-8"
    (entry,) = rispy.loads(answer.body.decode())
    assert entry["type_of_reference"] == "JOUR"
    assert entry["authors"] == ["Sands, D. Z.", "Wald, J. S."]
    assert entry["secondary_title"] == "Yearbook of Medical Informatics"
    assert (entry["start_page"], entry["end_page"]) == ("170", "176")
    assert entry["doi"] == "10.15265/IY-2014-0017"


def test_the_address_answers_bibtex(seeded):
    answer = ask(ARTICLE, BIBTEX)
    assert answer.headers["Content-Type"] == f"{BIBTEX}; charset=utf-8"
    library = bibtexparser.parse_string(answer.body.decode())
    assert library.failed_blocks == []
    (entry,) = library.entries
    fields = {field.key: field.value for field in entry.fields}
    assert (entry.entry_type, entry.key) == ("article", "transforming-health-care-delivery")
    assert fields["journal"] == "Yearbook of Medical Informatics"
    assert fields["pages"] == "170--176"


def test_the_address_answers_a_formatted_citation_in_each_style(seeded):
    answer = ask(ARTICLE, f"{TEXT}; style=vancouver")
    assert answer.headers["Content-Type"] == f"{TEXT}; charset=utf-8"
    assert answer.body.decode() == VANCOUVER
    # The same text as the page shows beside its copy button, for every style.
    for style in ["ama", "apa", "vancouver"]:
        cited = ask(ARTICLE, f"{TEXT}; style={style}; locale=en-US").body.decode()
        assert cited == shown_citation(style) + "\n", style
    assert ask(ARTICLE, f"{TEXT}; style=AMA").body.decode().startswith("Sands DZ, Wald JS.")


def test_a_bibliography_without_a_style_is_apa_as_at_doi_org(seeded):
    cited = ask(ARTICLE, TEXT).body.decode()
    assert cited.startswith("Sands, D. Z., & Wald, J. S. (2014).")
    assert cited == shown_citation("apa") + "\n"


@pytest.mark.parametrize("accept", [None, "", "*/*", "text/html", "text/*", FIREFOX, CHROME])
def test_browsers_and_clients_that_ask_for_nothing_in_particular_get_the_page(seeded, accept):
    answer = ask(ARTICLE, accept)
    assert answer.status == 200
    assert is_html(answer)
    assert lxml.html.fromstring(answer.body).xpath("string(//h1)").startswith("Transforming")


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (f"text/html;q=0.5, {BIBTEX}", BIBTEX),  # a higher q-value wins
        (f"{RIS}, {BIBTEX}", RIS),  # equal: the client's first
        (f"{BIBTEX};q=0.4, {RIS};q=0.6", RIS),
        (f"{RIS};q=0, {BIBTEX};q=0.1", BIBTEX),  # q=0: not at all
        (f"application/pdf, {CSL};q=0.2", CSL),  # what cannot be had is passed over
        (f"{TEXT}; style=chicago, {BIBTEX};q=0.5", BIBTEX),  # so is a style not offered
        (f"{TEXT}; style=apa; locale=fr-FR, text/html;q=0.1", "text/html"),  # or a language
        ("application/pdf, */*;q=0.1", "text/html"),
    ],
)
def test_q_values_and_wildcards_choose_as_http_says(seeded, accept, expected):
    answer = ask(ARTICLE, accept)
    assert answer.status == 200
    assert answer.headers["Content-Type"].partition(";")[0] == expected


def test_the_style_asked_with_the_highest_q_value_is_given(seeded):
    answer = ask(ARTICLE, f"{TEXT}; style=ama; q=0.5, {TEXT}; style=vancouver")
    assert answer.body.decode() == VANCOUVER


@pytest.mark.parametrize(
    "accept",
    ["application/pdf", "image/png", f"{TEXT}; style=chicago", f"{TEXT}; locale=de-DE", "nonsense"],
)
def test_a_type_not_offered_gets_406_listing_what_is(seeded, accept):
    for _ in range(2):
        answer = ask(ARTICLE, accept)
        assert answer.status == 406
        assert "X-Cache" not in answer.headers  # never kept
        assert answer.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert "Accept" in vary(answer)
        offered = [
            line.split("Accept: ", 1)[1].split()[0].rstrip(";")
            for line in answer.body.decode().splitlines()
            if "Accept: " in line
        ]
        assert offered == ["text/html", RIS, BIBTEX, CSL, TEXT]
        assert "style=apa|ama|vancouver" in answer.body.decode()


def test_a_draft_or_missing_resource_is_not_found_in_any_type(seeded, make_resource):
    draft = make_resource(is_published=False)
    for accept in [CSL, RIS, f"{TEXT}; style=apa"]:
        assert ask(draft.get_absolute_url(), accept).status == 404
        assert ask("/resources/no-such-resource/", accept).status == 404


def test_a_former_address_redirects_a_data_request_too(seeded):
    resource = Resource.objects.get(slug="opennotes")
    FormerSlug.objects.create(resource=resource, slug="open-notes-old")
    moved = ask("/resources/open-notes-old/", RIS)
    assert moved.status == 301
    assert moved.headers["Location"] == "/resources/opennotes/"
    # Another site's script following the redirect must be allowed to.
    assert moved.headers["Access-Control-Allow-Origin"] == "*"
    (entry,) = rispy.loads(ask("/resources/opennotes/", RIS).body.decode())
    assert entry["title"] == "OpenNotes"
    short = ask(f"/r/{resource.pk}/", RIS)
    assert (short.status, short.headers["Location"]) == (302, "/resources/opennotes/")
    assert short.headers["Access-Control-Allow-Origin"] == "*"


# The page cache keeps each answer apart


def test_each_answer_varies_on_accept_and_is_kept_apart_in_the_page_cache(seeded):
    first_page = ask(ARTICLE, FIREFOX)
    first_ris = ask(ARTICLE, RIS)
    # An HTML visit first did not make the next data answer HTML, nor the reverse.
    assert (first_page.headers["X-Cache"], first_ris.headers["X-Cache"]) == ("miss", "miss")
    assert is_html(first_page)
    assert rispy.loads(first_ris.body.decode())[0]["title"].startswith("Transforming")

    again = {
        "page (another browser)": ask(ARTICLE, CHROME),
        "page (no Accept)": ask(ARTICLE),
        "RIS": ask(ARTICLE, RIS),
        "RIS (with q-values)": ask(ARTICLE, f"{RIS}, text/html;q=0.1"),
    }
    assert {name: a.headers["X-Cache"] for name, a in again.items()} == dict.fromkeys(again, "hit")
    assert again["page (another browser)"].body == first_page.body
    assert again["page (no Accept)"].body == first_page.body
    assert again["RIS"].body == again["RIS (with q-values)"].body == first_ris.body

    for accept in [CSL, BIBTEX, f"{TEXT}; style=ama", f"{TEXT}; style=apa"]:
        miss, hit = ask(ARTICLE, accept), ask(ARTICLE, accept)
        assert (miss.headers["X-Cache"], hit.headers["X-Cache"]) == ("miss", "hit"), accept
        assert hit.body == miss.body
    # No style is APA: the same answer, kept once.
    unstyled = ask(ARTICLE, TEXT)
    assert unstyled.headers["X-Cache"] == "hit"
    assert unstyled.body == ask(ARTICLE, f"{TEXT}; style=apa").body

    for answer in [first_page, first_ris, *again.values()]:
        assert "Accept" in vary(answer)
        assert "Accept-Encoding" in vary(answer)


def test_each_answer_has_its_own_etag_and_a_304_keeps_the_cors_header(seeded):
    page_etag = ask(ARTICLE).headers["ETag"]
    data = ask(ARTICLE, BIBTEX)
    assert data.headers["ETag"] != page_etag
    unchanged = ask(ARTICLE, BIBTEX, HTTP_IF_NONE_MATCH=data.headers["ETag"])
    assert unchanged.status == 304
    assert unchanged.headers["Access-Control-Allow-Origin"] == "*"
    assert "Accept" in vary(unchanged)
    # The page's ETag is not the data's: a browser revalidating the page gets the page.
    assert ask(ARTICLE, FIREFOX, HTTP_IF_NONE_MATCH=data.headers["ETag"]).status == 200


def test_an_edit_reaches_every_kept_answer(seeded, staff_client):
    assert "Transforming" in ask(ARTICLE, f"{TEXT}; style=vancouver").body.decode()
    resource = Resource.objects.get(slug="transforming-health-care-delivery")
    resource.title = "A corrected title"
    resource.save()
    assert (
        ask(ARTICLE, f"{TEXT}; style=vancouver")
        .body.decode()
        .startswith("Sands DZ, Wald JS. A corrected title. Yearb Med Inform.")
    )


def test_signed_in_staff_get_data_answers_that_no_cache_keeps(seeded, staff_client):
    session = staff_client.cookies[settings.SESSION_COOKIE_NAME].value
    cookie = {"HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}={session}"}
    answer = ask(ARTICLE, RIS, **cookie)
    assert rispy.loads(answer.body.decode())[0]["doi"] == "10.15265/IY-2014-0017"
    assert "X-Cache" not in answer.headers
    assert "private" in answer.headers["Cache-Control"]


# A catalogue address, with ?format=


@pytest.fixture
def many(seeded, make_resource) -> list[Resource]:
    """More resources on one topic than a page of results holds (25)."""
    return [make_resource(title=f"Zebrafinch study {n}", tags=["many"]) for n in range(30)]


def test_a_catalogue_address_gives_all_its_results_in_each_format(client, many):
    everything = list(Resource.objects.listed().in_list_order().values_list("title", flat=True))
    assert len(everything) == 38  # more than a page of results

    csl = client.get("/resources/?format=csl")
    assert csl["Content-Type"] == CSL
    assert csl["Content-Disposition"] == 'attachment; filename="spm-resources.json"'
    assert [record["title"] for record in json.loads(csl.content)] == everything

    ris = client.get("/resources/?format=ris&page=2")  # a page number changes nothing
    assert ris["Content-Type"] == f"{RIS}; charset=utf-8"
    assert [entry["title"] for entry in rispy.loads(ris.content.decode())] == everything

    bib = client.get("/resources/?format=bib")
    assert bib["Content-Type"] == f"{BIBTEX}; charset=utf-8"
    library = bibtexparser.parse_string(bib.content.decode())
    assert library.failed_blocks == []
    assert [entry.key for entry in library.entries][:8] == CLIENT_ORDER


def test_the_files_keep_the_search_the_filters_and_the_order(client, many, make_resource):
    titled = client.get("/resources/", {"q": "zebrafinch study", "sort": "title", "format": "ris"})
    expected = sorted((f"Zebrafinch study {n}" for n in range(30)), key=str.lower)
    assert [entry["title"] for entry in rispy.loads(titled.content.decode())] == expected

    ranked = client.get("/resources/", {"q": "diagnose", "format": "csl"})
    assert [r["title"] for r in json.loads(ranked.content)] == [
        "The Patient\u2019s Toolkit for Diagnosis"
    ]

    make_resource(title="Zebrafinch handbook", kind="book", tags=["many"])
    topic = client.get("/resources/tags/many/", {"kind": "article", "format": "bib"})
    assert topic["Content-Disposition"] == 'attachment; filename="spm-resources-many.bib"'
    keys = [entry.key for entry in bibtexparser.parse_string(topic.content.decode()).entries]
    assert keys == [resource.slug for resource in many]


def test_the_catalogue_page_links_its_results_files(client, many):
    document = page(client.get("/resources/", {"q": "zebrafinch study", "sort": "title"}))
    (line,) = document.xpath("//p[@class='downloads']")
    assert " ".join(line.text_content().split()).startswith(
        "Save all 30 results to a reference manager:"
    )
    assert line.xpath("a/@href") == [
        f"/resources/?q=zebrafinch+study&sort=title&format={name}" for name in ["ris", "bib", "csl"]
    ]


@pytest.mark.parametrize("value", ["pdf", "RIS", "json", "<b>x</b>"])
def test_an_unknown_format_gets_a_400_page_offering_the_others(client, seeded, value):
    response = client.get("/resources/", {"q": "patients", "format": value})
    assert response.status_code == 400
    document = lxml.html.fromstring(response.content.decode())
    assert document.xpath("string(//h1)") == "No such format"
    assert f"\u201c{value}\u201d" in document.xpath("string(//main//p)")
    assert document.xpath("//main//ul/li/a/@href") == [
        f"/resources/?q=patients&format={name}" for name in ["ris", "bib", "csl"]
    ]
    assert "Access-Control-Allow-Origin" not in response


def queries(client: Any, url: str, accept: str = "*/*") -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, headers={"accept": accept}).status_code == 200
    return len(captured)


def test_the_data_answers_cost_the_same_queries_for_8_and_200_resources(
    client, seeded, make_resource
):
    urls = [(ARTICLE, RIS), (ARTICLE, f"{TEXT}; style=vancouver"), (ARTICLE, CSL)]
    urls += [("/resources/?format=bib", "*/*"), ("/resources/?q=patient&format=ris", "*/*")]
    few = {url: queries(client, *url) for url in urls}
    for n in range(192):
        make_resource(title=f"Patient resource {n}")
    assert {url: queries(client, *url) for url in urls} == few
    assert max(few.values()) <= 12


# Who may read what: CORS


DATA = [
    (ARTICLE, CSL),
    (ARTICLE, RIS),
    (ARTICLE, BIBTEX),
    (ARTICLE, f"{TEXT}; style=vancouver"),
    (ARTICLE, "application/pdf"),  # the 406 says what is offered: a script may read it
    ("/resources/?format=csl", None),
    ("/resources/?q=patients&kind=book&format=ris", None),
    ("/resources/tags/diagnosis/?format=bib", None),
    (f"{ARTICLE}citation.ris", None),
    (f"{ARTICLE}citation.bib", None),
    (f"{ARTICLE}citation.json", None),
    ("/resources/citations.ris", None),
    ("/resources/citations.json", None),
    ("/feeds/resources.atom", None),
    ("/feeds/tags/diagnosis.atom", None),
]
HTML_PAGES = [
    ("/", None),
    ("/", RIS),  # asked for data, the list still answers its page, without the header
    (ARTICLE, None),
    (ARTICLE, FIREFOX),
    ("/resources/", None),
    ("/resources/?q=patients", BIBTEX),
    ("/resources/tags/diagnosis/", None),
    ("/resources/?format=pdf", None),  # the 400 page
    ("/resources/no-such-resource/", RIS),  # the 404 page
    ("/handout/", None),
    ("/about/", None),
    ("/suggest/", None),
    (f"/{settings.ADMIN_PATH}login/", None),
    (f"/{settings.ADMIN_PATH}", None),
]


def test_data_answers_may_be_read_by_any_site_html_pages_never(seeded):
    for path, accept in DATA:
        for visit in ["first", "again"]:  # made, then from the page cache
            answer = ask(path, accept, HTTP_ORIGIN="https://elsewhere.example")
            assert not is_html(answer), (path, accept)
            assert answer.headers.get("Access-Control-Allow-Origin") == "*", (path, accept, visit)
    for path, accept in HTML_PAGES:
        for visit in ["first", "again"]:
            answer = ask(path, accept, HTTP_ORIGIN="https://elsewhere.example")
            assert is_html(answer) or answer.status == 302, (path, accept)
            assert "Access-Control-Allow-Origin" not in answer.headers, (path, accept, visit)
