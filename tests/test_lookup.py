"""Looking up a DOI, a PubMed ID, a PMCID, an ISBN or a web page, against local stand-ins
for doi.org, Crossref, DataCite, NCBI's E-utilities and ID converter, Open Library and a
publisher's site, answering in each one's own format (records shaped like real ones)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from resources.identifiers import recognise
from resources.lookup import (
    BadAnswer,
    Busy,
    Found,
    NotFound,
    NotRecognised,
    Refused,
    SuggestedLink,
    TooLarge,
    TooSlow,
    Unreachable,
    lookup,
    lookup_many,
    suggest,
)
from tests.registry_records import (
    BOOK,
    OPEN_NOTES,
    html_reply,
)
from tests.standins import (
    Asked,
    Reply,
    Trap,
    drip,
    loopback_only,
    megabytes,
    unused_port,
)


@pytest.fixture(autouse=True)
def nothing_beyond_this_machine(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    return loopback_only(monkeypatch)


def found(outcome: Any) -> Found:
    assert isinstance(outcome, Found), outcome
    return outcome


# DOIs


def test_a_crossref_doi_becomes_one_clean_record(registry):
    result = found(lookup("https://doi.org/10.5555/opennotes.2012.1"))
    record = result.record
    assert record["type"] == "article-journal"
    assert record["title"] == (
        "Inviting patients to read their doctors\u2019 notes: a quasi-experimental study"
    )
    assert result.title_markup == (
        "Inviting patients to read their doctors\u2019 notes: a <i>quasi</i>-experimental study"
    )
    # The organisation stays whole; "et al." is nobody.
    assert record["author"] == [
        {"family": "Delbanco", "given": "Tom"},
        {"family": "Walker", "given": "Jan"},
        {"literal": "The OpenNotes Collaborative"},
    ]
    assert record["abstract"] == (
        "Background: Patients can read the notes their doctors write, through secure portals."
        "\n\nObjective: To evaluate the effect on doctors & patients."
    )
    assert record["issued"] == {"date-parts": [[2012, 10, 2]]}
    assert (record["container-title"], record["container-title-short"]) == (
        "Annals of Internal Medicine",
        "Ann Intern Med",
    )
    assert (record["volume"], record["issue"], record["page"]) == ("157", "7", "461-470")
    assert record["DOI"] == "10.5555/OpenNotes.2012.1"
    assert record["URL"] == "https://www.acpjournals.org/doi/10.5555/opennotes.2012.1"
    assert record["subject"] == ["Internal Medicine"]
    assert set(result.provenance.values()) == {"Crossref"}
    assert result.updates == ()


def test_crossref_is_asked_politely_by_a_site_that_names_itself(registry):
    found(lookup("10.5555/opennotes.2012.1"))
    (ra,) = registry.doi_org.requests
    (work,) = registry.crossref.requests
    assert ra.path == "/ra/10.5555/opennotes.2012.1"
    assert work.path == "/works/10.5555/opennotes.2012.1"
    assert work.param("mailto") == "webmaster@example.org"
    assert "mailto:webmaster@example.org" in work.headers["user-agent"]
    assert "Participatory Medicine" in work.headers["user-agent"]


def test_crossrefs_retraction_and_correction_come_with_the_record(registry):
    result = found(lookup("10.5555/retracted.2019.7"))
    assert result.record["title"] == "Portal messages and CO2 in the clinic"
    assert result.title_markup == "Portal messages and CO<sub>2</sub> in the clinic"
    assert result.retracted
    retraction, correction = result.updates
    assert (retraction.kind, retraction.date, retraction.notice_doi, retraction.source) == (
        "retraction",
        "2020-06-04",
        "10.5555/retraction.2020.1",
        "Retraction Watch (through Crossref)",
    )
    assert retraction.notice_url == "https://doi.org/10.5555/retraction.2020.1"
    assert (correction.kind, correction.date, correction.serious) == (
        "correction",
        "2019-08-01",
        False,
    )
    assert [u.kind for u in result.serious_updates] == ["retraction"]


def test_a_retraction_notice_says_what_it_retracts(registry):
    result = found(lookup("10.5555/retraction.2020.1"))
    assert result.notice_for == ("10.5555/retracted.2019.7",)
    assert not result.retracted


def test_another_agencys_doi_is_read_through_content_negotiation(registry):
    result = found(lookup("doi:10.5072/zenodo.4242"))
    assert result.record == {
        "type": "report",
        "title": "Patients as partners: a toolkit for clinics",
        "author": [
            {"literal": "Society for Participatory Medicine"},
            {"family": "Sands", "given": "Daniel Z."},
        ],
        "issued": {"date-parts": [[2021, 5]]},
        "publisher": "Zenodo",
        "DOI": "10.5072/ZENODO.4242",
        "URL": "https://zenodo.org/record/4242",
        "abstract": "A toolkit.\n\nFor clinics & patients.",
    }
    assert set(result.provenance.values()) == {"DataCite (through doi.org)"}
    # doi.org's redirect to the agency was followed, and the agency asked for CSL-JSON.
    (negotiated,) = registry.datacite.requests
    assert negotiated.headers["accept"] == "application/vnd.citationstyles.csl+json"
    assert registry.crossref.requests == []


def test_an_unknown_doi_is_not_found(registry):
    result = lookup("10.5555/no-such-thing")
    assert isinstance(result, NotFound)
    assert result.message == (
        "doi.org knows no DOI 10.5555/no-such-thing: check it for typing errors."
    )


def test_the_agency_of_a_prefix_is_asked_once(registry):
    found(lookup("10.5555/opennotes.2012.1"))
    found(lookup("10.5555/retracted.2019.7"))
    assert len(registry.doi_org.requests) == 1  # a prefix belongs to one agency
    assert len(registry.crossref.requests) == 2


# PubMed IDs and PMCIDs


def test_a_pubmed_record_keeps_its_group_author_whole_and_its_retraction(registry):
    result = found(lookup("PMID: 39000001"))
    record = result.record
    assert record["title"] == "Portal messages and CO2 in the clinic"
    assert result.title_markup == "Portal messages and CO<sub>2</sub> in the <i>clinic</i>"
    assert record["author"] == [
        {"family": "Author", "given": "A"},
        {"family": "Zee", "given": "Mary Ann"},
        {"literal": "Patient Portal Study Group"},
    ]
    assert (record["container-title"], record["container-title-short"]) == (
        "BMJ (Clinical research ed.)",
        "BMJ",
    )
    assert (record["volume"], record["issue"], record["page"]) == ("365", "8", "132-142")
    assert record["issued"] == {"date-parts": [[2019, 5]]}
    assert record["abstract"] == (
        "Background: Portals carry messages.\n\nResults: More messages, fewer visits."
    )
    assert (record["PMID"], record["DOI"], record["PMCID"]) == (
        "39000001",
        "10.5555/retracted.2019.7",
        "PMC9000001",
    )
    assert record["subject"] == ["Humans", "Patient Portals"]
    retractions = [u for u in result.updates if u.kind == "retraction"]
    assert {(u.source, u.date, u.notice_url or u.notice_doi) for u in retractions} == {
        ("PubMed", "2020-06-04", "https://pubmed.ncbi.nlm.nih.gov/39000099/"),
        (
            "Retraction Watch (through Crossref)",
            "2020-06-04",
            "https://doi.org/10.5555/retraction.2020.1",
        ),
    }
    # PubMed has no publisher: Crossref fills it in, and says so.
    assert (record["publisher"], result.provenance["publisher"]) == ("BMJ", "Crossref")
    assert result.provenance["title"] == "PubMed"


def test_ncbi_is_told_the_tool_and_a_contact_and_the_key_when_there_is_one(registry, settings):
    settings.NCBI_API_KEY = "k3y"
    found(lookup("39000001"))
    (efetch,) = registry.eutils.requests
    assert (efetch.param("db"), efetch.param("id"), efetch.param("retmode")) == (
        "pubmed",
        "39000001",
        "xml",
    )
    assert (efetch.param("tool"), efetch.param("email"), efetch.param("api_key")) == (
        "spm-resources",
        "webmaster@example.org",
        "k3y",
    )


def test_an_old_record_in_capitals_is_title_cased_with_its_notices(registry):
    result = found(lookup("https://pubmed.ncbi.nlm.nih.gov/3900002/"))
    record = result.record
    assert record["title"] == "The Patient as a Partner in Care: Part II"
    assert record["author"] == [{"family": "Smith", "given": "John"}]
    assert record["container-title"] == "JAMA"  # one word in capitals: an acronym, kept
    assert record["issued"] == {"date-parts": [[1978, 12]]}
    assert [(u.kind, u.date, u.notice_url) for u in result.updates] == [
        ("correction", "1979-03", ""),
        ("expression of concern", "2001-02-02", "https://pubmed.ncbi.nlm.nih.gov/11000001/"),
    ]
    assert registry.crossref.requests == []  # no DOI: nothing to ask Crossref


def test_a_pmcid_is_turned_into_its_pubmed_id_first(registry):
    result = found(lookup("https://pmc.ncbi.nlm.nih.gov/articles/PMC9000001/"))
    assert (result.record["PMID"], result.record["PMCID"]) == ("39000001", "PMC9000001")
    (converted,) = registry.idconv.requests
    assert (converted.param("ids"), converted.param("format"), converted.param("tool")) == (
        "PMC9000001",
        "json",
        "spm-resources",
    )


def test_unknown_pubmed_and_pmc_ids_are_not_found(registry):
    missing = lookup("12345678")
    assert isinstance(missing, NotFound)
    assert missing.message == "PubMed has no record with the ID 12345678."
    not_in_pmc = lookup("PMC1")
    assert isinstance(not_in_pmc, NotFound)
    assert not_in_pmc.message == "PubMed Central has no article PMC1."


def test_many_pubmed_ids_are_asked_in_one_request(registry):
    outcomes = lookup_many(["39000001", "3900002", "12345678"])
    assert [type(o) for o in outcomes] == [Found, Found, NotFound]
    (efetch,) = registry.eutils.requests
    assert efetch.param("id") == "39000001,3900002,12345678"
    unknown = lookup_many(["11111111", "22222222"])
    assert [str(o) for o in unknown if isinstance(o, NotFound)] == [
        "PubMed has no record with the ID 11111111.",
        "PubMed has no record with the ID 22222222.",
    ]
    assert len(registry.eutils.requests) == 2


# ISBNs


def test_an_isbn_10_finds_the_book_by_its_isbn_13(registry):
    result = found(lookup("ISBN 0-306-40615-2"))
    assert result.record == {
        "type": "book",
        "title": "Let patients help: a patient engagement handbook",
        "author": [
            {"family": "deBronkart", "given": "Dave"},
            {"literal": "Society for Participatory Medicine"},
        ],
        "issued": {"date-parts": [[2013, 4]]},
        "publisher": "CreateSpace",
        "publisher-place": "Nashua, NH",
        "number-of-pages": "126",
        "ISBN": "9780306406157",
        "URL": "https://openlibrary.org/books/OL1234567M/Let_patients_help",
        "subject": ["Patient participation"],
    }
    (asked,) = registry.openlibrary.requests
    assert (asked.path, asked.param("jscmd"), asked.param("format")) == (
        "/api/books",
        "data",
        "json",
    )
    assert asked.param("bibkeys") == "ISBN:9780306406157,ISBN:0306406152"


def test_a_book_that_does_not_hold_the_isbn_asked_for_is_not_believed(registry):
    registry.books["ISBN:9781316060513"] = {**BOOK, "identifiers": {"isbn_13": ["9781593275846"]}}
    result = lookup("978-1-316-06051-3")
    assert isinstance(result, NotFound)
    assert result.message.startswith(
        "Open Library answered with another book for the ISBN 9781316060513"
    )


def test_an_isbn_open_library_does_not_know(registry):
    result = lookup("9781593275846")
    assert isinstance(result, NotFound)
    assert result.message == "Open Library has no book with the ISBN 9781593275846."


# Web pages


def test_a_pages_citation_tags_come_first(registry):
    result = found(lookup(registry.web.url("/article?utm_source=newsletter")))
    record = result.record
    assert record["title"] == "Shared notes in primary care"
    assert record["author"] == [
        {"family": "Sands", "given": "Daniel Z."},
        {"family": "Public", "given": "Jane Q."},
        {"literal": "World Health Organization"},
    ]
    assert record["container-title-short"] == "J PARTICIP MED"  # as the journal spells it
    assert (record["issued"], record["page"]) == ({"date-parts": [[2013, 8, 15]]}, "170-176")
    assert record["URL"] == registry.web.url("/2013/shared-notes")  # the canonical address
    assert record["subject"] == ["patient portals", "open notes"]
    assert record["abstract"] == "What happens when patients read their notes."
    assert result.provenance["title"] == "the page's citation_* tags"
    assert result.provenance["abstract"] == "the page's title and meta tags"
    assert result.provenance["URL"] == "the page itself"


def test_json_ld_and_open_graph_describe_a_blog_post(registry):
    result = found(lookup(registry.web.url("/blog")))
    record = result.record
    assert record["type"] == "post-weblog"
    assert record["title"] == "Five questions to ask your doctor"
    assert record["author"] == [
        {"literal": "Patient Advocates of America"},
        {"family": "Lee", "given": "Kim"},
    ]
    assert (record["issued"], record["publisher"]) == ({"date-parts": [[2024, 2, 29]]}, "Blog Co.")
    assert record["container-title"] == "The Patient Blog"
    assert (result.provenance["author"], result.provenance["container-title"]) == (
        "the page's JSON-LD",
        "the page's Open Graph tags",
    )


def test_dublin_core_keeps_an_agency_whole(registry):
    record = found(lookup(registry.web.url("/report"))).record
    assert record["title"] == "Partners in care: a national report"
    assert record["author"] == [{"literal": "Agency for Healthcare Research and Quality"}]
    assert record["issued"] == {"date-parts": [[2016, 3]]}


def test_a_doi_on_the_page_hands_over_to_the_doi_registries(registry):
    result = found(lookup(registry.web.url("/with-doi")))
    assert result.record["title"].startswith("Inviting patients to read their doctors")
    assert result.provenance["title"] == "Crossref"
    assert (result.record["URL"], result.provenance["URL"]) == (
        registry.web.url("/with-doi"),
        "the page itself",
    )


def test_a_page_that_turns_programs_away_falls_back_on_the_doi_in_its_address(registry):
    registry.misbehave["/doi/full/10.5555/opennotes.2012.1"] = lambda asked: html_reply(
        "<h1>Are you a robot?</h1>", 403
    )
    result = found(lookup(registry.web.url("/doi/full/10.5555/opennotes.2012.1")))
    assert result.provenance["title"] == "Crossref"
    assert result.notes[0].endswith("The DOI in its address was looked up instead.")


def test_script_in_a_title_ends_up_as_text(registry):
    result = found(lookup(registry.web.url("/script")))
    assert result.record["title"] == "alert(2)Portals now"
    assert result.title_markup == "alert(2)Portals <i>now</i>"
    assert "<script" not in result.title_markup
    assert "<script" not in json.dumps(result.record)


def test_a_file_is_not_a_page_to_read(registry):
    result = lookup(registry.web.url("/handout.pdf"))
    assert isinstance(result, NotFound)
    assert "is application/pdf, not a web page" in result.message


# Registries on a bad day: every failure is an outcome, with a sentence for staff


def test_not_recognised(registry):
    result = lookup("the opennotes paper")
    assert isinstance(result, NotRecognised)
    assert "is not an identifier the site can look up" in result.message
    assert registry.requests() == 0


def test_a_registry_that_is_down(registry, settings):
    settings.LOOKUP_CROSSREF_URL = f"http://127.0.0.1:{unused_port()}"
    result = lookup("10.5555/opennotes.2012.1")
    assert isinstance(result, Unreachable)
    assert result.message.startswith("Crossref could not be reached to look up DOI 10.5555/")
    assert "connection refused" in result.message


def test_a_registry_that_answers_with_a_web_page(registry):
    registry.misbehave["/works/10.5555/opennotes.2012.1"] = lambda asked: html_reply(
        "<html><body>Maintenance</body></html>"
    )
    result = lookup("10.5555/opennotes.2012.1")
    assert isinstance(result, BadAnswer)
    assert "Crossref sent an answer about DOI 10.5555/opennotes.2012.1 that cannot be read" in (
        result.message
    )
    assert "answered with a web page instead of data" in result.message


def test_a_registry_that_answers_with_broken_json_or_xml(registry):
    registry.misbehave["/works/10.5555/opennotes.2012.1"] = lambda asked: Reply(
        200, '{"message": {'
    )
    assert isinstance(lookup("10.5555/opennotes.2012.1"), BadAnswer)
    registry.misbehave["/entrez/eutils/efetch.fcgi"] = lambda asked: Reply(
        200, "<PubmedArticleSet><PubmedArticle>", "text/xml"
    )
    broken = lookup("39000001")
    assert isinstance(broken, BadAnswer)
    assert "PubMed answered with XML that cannot be read" in broken.message


def test_xml_that_declares_entities_is_refused(registry):
    laughs = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><PubmedArticleSet/>'
    registry.misbehave["/entrez/eutils/efetch.fcgi"] = lambda asked: Reply(200, laughs, "text/xml")
    result = lookup("39000001")
    assert isinstance(result, BadAnswer)
    assert "declares entities" in result.message


def test_a_registry_that_drips_its_answer_is_cut_at_the_deadline(registry, settings):
    settings.LOOKUP_TIMEOUT = 0.5  # each read; the whole request gets 1 s
    registry.misbehave["/works/10.5555/opennotes.2012.1"] = lambda asked: Reply(
        200, chunks=drip(50, 0.2)
    )
    started = time.monotonic()
    result = lookup("10.5555/opennotes.2012.1")
    assert time.monotonic() - started < 3  # the answer would take 10 s
    assert isinstance(result, TooSlow)
    assert result.message.startswith("Crossref took too long to answer about DOI 10.5555/")


def test_a_registry_that_sends_10_mb(registry):
    registry.misbehave["/works/10.5555/opennotes.2012.1"] = lambda asked: Reply(
        200, chunks=megabytes(10)
    )
    result = lookup("10.5555/opennotes.2012.1")
    assert isinstance(result, TooLarge)
    assert "sent more than 5 MB; the rest was not read" in result.message


def test_a_registry_that_asks_us_to_slow_down_is_waited_for(registry):
    calls: list[Asked] = []

    def busy_once(asked: Asked) -> Reply | None:
        calls.append(asked)
        if len(calls) == 1:
            return Reply(429, '{"status": "failed"}', headers={"Retry-After": "1"})
        return None  # then the stand-in's own answer

    registry.misbehave["/works/10.5555/opennotes.2012.1"] = busy_once
    result = found(lookup("10.5555/opennotes.2012.1"))
    assert result.record["volume"] == "157"
    first, second = registry.crossref.requests
    assert second.at - first.at >= 0.9


def test_a_registry_that_asks_for_a_long_pause(registry):
    registry.misbehave["/works/10.5555/opennotes.2012.1"] = lambda asked: Reply(
        429, "{}", headers={"Retry-After": "120"}
    )
    result = lookup("10.5555/opennotes.2012.1")
    assert isinstance(result, Busy)
    assert result.message == (
        "Crossref asked the site to slow down; look up DOI 10.5555/opennotes.2012.1 again in "
        "a few minutes."
    )


@pytest.fixture
def trap() -> Iterator[Trap]:
    found = Trap()
    yield found
    found.close()


def test_a_page_that_redirects_to_a_private_address_is_refused(registry, trap, settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    settings.OUTBOUND_ALLOWED_ADDRESSES = [registry.web.address]
    registry.pages["/moved"] = Reply(301, "", "text/html", {"Location": trap.url(path="/admin")})
    result = lookup(registry.web.url("/moved"))
    assert isinstance(result, Refused)
    assert result.message.startswith(f"{registry.web.url('/moved')} was not looked up: 127.0.0.1")
    assert trap.accepted == 0


def test_a_private_address_is_never_looked_up(registry, settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    for address in (
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://10.0.0.7/",
    ):
        result = lookup(address)
        assert isinstance(result, Refused), address
        assert "is a private or internal network address" in result.message
    assert registry.requests() == 0


# Many at once, and the cache


def test_many_identifiers_are_looked_up_at_once_within_each_registrys_limits(registry):
    dois = [f"10.5555/many.{n}" for n in range(20)]
    for doi in dois:
        registry.agencies[doi] = "Crossref"
        registry.works[doi] = {**OPEN_NOTES, "DOI": doi, "title": [f"Paper {doi}"]}
    registry.delay = 0.2
    outcomes = lookup_many([*dois, "not an identifier", "ISBN 0-306-40615-2"])
    assert [o.record["title"] for o in outcomes[:20] if isinstance(o, Found)] == [
        f"Paper {doi}" for doi in dois
    ]
    assert isinstance(outcomes[20], NotRecognised)
    assert isinstance(outcomes[21], Found)
    # Side by side, but never more than Crossref's 5 at once.
    assert 1 < registry.crossref.most_in_flight <= 5


def test_a_record_found_is_kept_and_a_failure_is_not(registry, settings):
    found(lookup("10.5555/opennotes.2012.1"))
    asked = registry.requests()
    found(lookup("https://doi.org/10.5555/OPENNOTES.2012.1"))  # another spelling
    assert registry.requests() == asked
    found(lookup("10.5555/opennotes.2012.1", use_cache=False))
    assert registry.requests() == asked + 1

    settings.LOOKUP_CROSSREF_URL = f"http://127.0.0.1:{unused_port()}"
    assert isinstance(lookup("10.5555/retracted.2019.7"), Unreachable)
    settings.LOOKUP_CROSSREF_URL = registry.crossref.base
    assert isinstance(lookup("10.5555/retracted.2019.7"), Found)


# In the site's own vocabulary


def test_a_record_suggests_a_resource_its_creators_and_links(registry):
    suggestion = suggest(found(lookup("39000001")))
    assert suggestion.fields == {
        "kind": "journal-article",
        "title": "Portal messages and CO2 in the clinic",
        "container_title": "BMJ (Clinical research ed.)",
        "container_short": "BMJ",
        "publisher": "BMJ",
        "volume": "365",
        "issue": "8",
        "pages": "132-142",
        "doi": "10.5555/retracted.2019.7",
        "pmid": "39000001",
        "pmcid": "PMC9000001",
        "issued": "2019-05",
    }
    assert suggestion.creators == [
        {"role": "author", "given_names": "A", "family_name": "Author", "organisation": "",
         "credentials": "", "position": 1},
        {"role": "author", "given_names": "Mary Ann", "family_name": "Zee", "organisation": "",
         "credentials": "", "position": 2},
        {"role": "author", "given_names": "", "family_name": "",
         "organisation": "Patient Portal Study Group", "credentials": "", "position": 3},
    ]  # fmt: skip
    assert suggestion.links == [
        SuggestedLink(
            "Free full text (PubMed Central)", "https://pmc.ncbi.nlm.nih.gov/articles/PMC9000001/"
        ),
        SuggestedLink("Read the article (by its DOI)", "https://doi.org/10.5555/retracted.2019.7"),
        SuggestedLink("PubMed record", "https://pubmed.ncbi.nlm.nih.gov/39000001/"),
    ]
    assert suggestion.provenance["publisher"] == "Crossref"
    assert suggestion.provenance["title"] == "PubMed"
    assert any(update.kind == "retraction" for update in suggestion.updates)


def test_a_book_and_a_page_suggest_their_kinds_and_the_publishers_page_first(registry):
    book = suggest(found(lookup("0306406152")))
    assert (book.fields["kind"], book.fields["isbn"], book.fields["issued"]) == (
        "book",
        "9780306406157",
        "2013-04",
    )
    assert book.creators[1]["organisation"] == "Society for Participatory Medicine"
    assert book.links[0] == SuggestedLink(
        "About the book", "https://openlibrary.org/books/OL1234567M/Let_patients_help"
    )
    article = suggest(found(lookup("10.5555/opennotes.2012.1")))
    assert article.links[0] == SuggestedLink(
        "Read the article", "https://www.acpjournals.org/doi/10.5555/opennotes.2012.1"
    )
    report = suggest(found(lookup("10.5072/zenodo.4242")))
    assert report.fields["kind"] == "research-reports"
    assert report.creators[0]["organisation"] == "Society for Participatory Medicine"


def test_a_suggestion_fits_the_models_fields(registry):
    long_title = "A " + "very " * 80 + "long title"
    registry.works["10.5555/opennotes.2012.1"]["title"] = [long_title]
    suggestion = suggest(found(lookup("10.5555/opennotes.2012.1")))
    assert len(suggestion.fields["title"]) == 300
    assert suggestion.fields["title"].endswith("\u2026")
    assert suggestion.warnings == [
        "The title was longer than 300 characters and has been cut short."
    ]


def test_recognise_then_lookup_takes_an_identifier_as_well(registry):
    assert isinstance(lookup(recognise("10.5555/opennotes.2012.1")), Found)


def test_the_lookup_bench_runs_and_reports_its_time():
    out = StringIO()
    call_command("bench_lookups", "--dois", "4", "--delay", "0.05", stdout=out)
    assert out.getvalue().startswith("4 of 4 DOIs looked up in ")
    assert "against registries that answer in 50 ms" in out.getvalue()
