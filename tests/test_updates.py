"""The retraction watch: `manage.py check_updates` asks Crossref and PubMed again, records each
retraction, correction or expression of concern once, and readers, reference managers,
search engines and staff are told."""

import copy
import json
from collections.abc import Callable
from io import StringIO
from typing import Any

import lxml.html
import pytest
import rispy
from django.core.management import call_command
from django.urls import reverse

from resources import curation
from resources.models import Notice, Resource
from tests.conftest import change_url, count_queries, nothing_kept, page, submit, through_site
from tests.registry_records import RETRACTED, SHOUTING_ARTICLE
from tests.standins import unused_port

DOI = "10.5555/retracted.2019.7"
TITLE = "Portal messages and CO2 in the clinic"
RETRACTION_NOTICE = "https://doi.org/10.5555/retraction.2020.1"
NEEDS_ATTENTION = "/admin/resources/resource/links/"


def check_updates(*slugs: str) -> str:
    out = StringIO()
    call_command("check_updates", *slugs, stdout=out)
    return out.getvalue()


def words(element: Any) -> str:
    return " ".join(element.text_content().split())


def clean_record() -> dict[str, Any]:
    """Crossref's record of the article before anything was said about it."""
    record = copy.deepcopy(RETRACTED)
    del record["updated-by"]
    return record


@pytest.fixture
def article(registry, make_resource: Callable[..., Resource]) -> Resource:
    """A published article with a DOI, whose Crossref record is still clean."""
    registry.works[DOI] = clean_record()
    return make_resource(
        title=TITLE, slug="portal-messages", doi=DOI, issued="2019-05", container_title="BMJ"
    )


@pytest.fixture
def retracted_later(registry, article: Resource) -> Resource:
    """The article checked while clean, then after Crossref learnt of its retraction."""
    assert "new notices 0" in check_updates()
    registry.works[DOI] = copy.deepcopy(RETRACTED)
    check_updates()
    return article


def detail(client: Any, resource: Resource) -> lxml.html.HtmlElement:
    return page(client.get(resource.get_absolute_url()))


def list_entry(client: Any, resource: Resource) -> lxml.html.HtmlElement:
    (entry,) = page(client.get("/")).xpath(f"//li[@id='{resource.slug}']")
    return entry


# The check


def test_a_retraction_that_appears_later_is_recorded_once(registry, article):
    first = check_updates()
    assert first == (
        "Checked 1 resource for retractions and corrections; new notices 0; could not check 0.\n"
    )
    assert not Notice.objects.exists()

    registry.works[DOI] = copy.deepcopy(RETRACTED)
    second = check_updates()
    assert f"new notices 2: a retraction of \u201c{TITLE}\u201d, a correction of" in second
    assert registry.crossref.paths().count(f"/works/{DOI}") == 2  # asked afresh each time

    assert "new notices 0; could not check 0." in check_updates()
    retraction = Notice.objects.get(resource=article, kind="retraction")
    assert (retraction.issued, retraction.url, retraction.source) == (
        "2020-06-04",
        RETRACTION_NOTICE,
        "Retraction Watch (through Crossref)",
    )
    assert Notice.objects.filter(resource=article).count() == 2  # the correction too


def test_a_registry_that_is_down_changes_nothing_and_the_summary_says_so(
    registry, retracted_later, settings
):
    before = list(Notice.objects.values_list("pk", "kind", "issued", "notice_url", "found_at"))
    settings.LOOKUP_CROSSREF_URL = f"http://127.0.0.1:{unused_port()}"
    said = check_updates()
    assert said.startswith("Checked 0 resources for retractions and corrections; new notices 0;")
    assert "could not check 1: Crossref could not be reached to look up DOI " + DOI in said
    after = list(Notice.objects.values_list("pk", "kind", "issued", "notice_url", "found_at"))
    assert after == before


def test_a_registry_that_forgets_a_notice_deletes_nothing(registry, retracted_later):
    registry.works[DOI] = clean_record()
    assert "new notices 0; could not check 0." in check_updates()
    assert Notice.objects.filter(kind="retraction").count() == 1


PUBMED_NOTICE = "https://pubmed.ncbi.nlm.nih.gov/3900099/"


@pytest.fixture
def retracted_in_pubmed(registry, make_resource: Callable[..., Resource]) -> tuple[Resource, str]:
    """A PubMed record with no notices, then with its RetractionIn: (the resource, what the
    second check said)."""
    registry.articles["3900002"] = SHOUTING_ARTICLE.replace(
        "<CommentsCorrectionsList>", "<!--"
    ).replace("</CommentsCorrectionsList>", "-->")
    resource = make_resource(title="The patient as a partner in care", pmid="3900002")
    assert "new notices 0" in check_updates()
    registry.articles["3900002"] = SHOUTING_ARTICLE.replace(
        '<CommentsCorrections RefType="ErratumIn">',
        '<CommentsCorrections RefType="RetractionIn">'
        "<RefSource>JAMA. 1980 Jan 4;14(1):2</RefSource>"
        '<PMID Version="1">3900099</PMID></CommentsCorrections>'
        '<CommentsCorrections RefType="ErratumIn">',
    )
    return resource, check_updates()


def test_a_retraction_in_pubmed_is_recorded_once_from_its_xml(registry, retracted_in_pubmed):
    resource, said = retracted_in_pubmed
    assert "new notices 3: a retraction of \u201cThe patient as a partner in care\u201d" in said
    assert "an expression of concern about" in said
    assert registry.crossref.requests == []  # no DOI: Crossref is not asked
    assert "new notices 0; could not check 0." in check_updates()
    retraction = Notice.objects.get(resource=resource, kind="retraction")
    assert (retraction.issued, retraction.url, retraction.source) == (
        "1980-01-04",
        PUBMED_NOTICE,
        "PubMed",
    )


def test_many_resources_are_checked_side_by_side_pubmed_ids_in_one_request(registry, make_resource):
    for n in range(6):
        doi = f"10.5555/batch.{n}"
        registry.agencies[doi] = "Crossref"
        registry.works[doi] = {**clean_record(), "DOI": doi}
        make_resource(doi=doi, pmid="39000001" if n == 0 else "")
    make_resource(pmid="3900002")
    make_resource()  # nothing to look up: not asked about
    registry.delay = 0.1
    said = check_updates()
    assert said.startswith("Checked 7 resources")
    (efetch,) = registry.eutils.requests
    assert set(efetch.param("id").split(",")) == {"39000001", "3900002"}
    assert 1 < registry.crossref.most_in_flight <= 5  # Crossref's limit


def test_only_the_resources_named_are_checked(registry, article, make_resource):
    other = make_resource(doi="10.5555/opennotes.2012.1")
    assert check_updates(other.slug).startswith("Checked 1 resource ")
    assert registry.crossref.paths() == ["/works/10.5555/opennotes.2012.1"]
    with pytest.raises(Exception, match="No resource with the slug no-such-thing"):
        check_updates("no-such-thing")


# What readers see


def test_the_detail_page_says_retracted_on_the_date_with_the_notice(client, retracted_later):
    document = detail(client, retracted_later)
    (box,) = document.xpath("//div[contains(@class, 'notice--warning')]")
    assert words(box).startswith("Retracted on 4 June 2020. Its publisher has retracted")
    assert box.xpath(".//a[.='Read the notice']/@href") == [RETRACTION_NOTICE]
    assert box.xpath("following::h1")  # a reader meets it before the title
    (notices,) = document.xpath("//dt[.='Notices from its publisher']/following-sibling::dd")
    assert [words(li) for li in notices.xpath(".//li")] == [
        "Retraction, 4 June 2020: read it (retraction)",
        "Correction, 1 August 2019: read it (correction)",
    ]


def test_the_list_entry_says_retracted_on_the_date_with_the_notice(client, retracted_later):
    entry = list_entry(client, retracted_later)
    (mark,) = entry.xpath(".//p[@class='notice-mark']")
    assert mark.xpath("string(strong)") == "Retracted on 4 June 2020"
    (link,) = mark.xpath(".//a")
    assert link.get("href") == RETRACTION_NOTICE
    assert words(link) == f"Read the notice about {TITLE}"
    # Right under the title, before anything else about it.
    assert entry.index(mark) == 1


def test_a_retraction_found_in_pubmed_is_in_the_list_entry(client, retracted_in_pubmed):
    resource, _ = retracted_in_pubmed
    (mark,) = list_entry(client, resource).xpath(".//p[@class='notice-mark']")
    assert mark.xpath("string(strong)") == "Retracted on 4 January 1980"
    assert mark.xpath(".//a/@href") == [PUBMED_NOTICE]


def test_a_notice_with_no_day_or_no_date_says_what_is_known(client, article):
    Notice.objects.create(resource=article, kind="retraction", issued="2020-06", source="PubMed")
    assert list_entry(client, article).xpath("string(.//p[@class='notice-mark']/strong)") == (
        "Retracted in June 2020"
    )
    Notice.objects.all().delete()
    Notice.objects.create(resource=article, kind="retraction", source="PubMed")
    mark = list_entry(client, article).xpath(".//p[@class='notice-mark']")[0]
    assert (mark.xpath("string(strong)"), mark.xpath(".//a")) == ("Retracted", [])


def test_an_expression_of_concern_has_its_own_words(client, article):
    Notice.objects.create(
        resource=article,
        kind="expression of concern",
        issued="2001-02-02",
        notice_url="https://pubmed.ncbi.nlm.nih.gov/11000001/",
        source="PubMed",
    )
    (box,) = detail(client, article).xpath("//div[contains(@class, 'notice--warning')]")
    assert words(box).startswith(
        "Expression of concern issued on 2 February 2001. Its publisher has told readers of "
        "serious concerns"
    )
    mark = list_entry(client, article).xpath("string(.//p[@class='notice-mark']/strong)")
    assert mark == "Expression of concern issued on 2 February 2001"


def test_a_correction_alone_is_listed_but_raises_no_warning(client, article):
    Notice.objects.create(resource=article, kind="correction", issued="2019-08-01",
                          notice_doi="10.5555/correction.2019.2", source="Crossref")  # fmt: skip
    document = detail(client, article)
    assert document.xpath("//div[contains(@class, 'notice--warning')]") == []
    assert list_entry(client, article).xpath(".//p[@class='notice-mark']") == []
    (notices,) = document.xpath("//dt[.='Notices from its publisher']/following-sibling::dd")
    assert words(notices) == "Correction, 1 August 2019: read it (correction)"


def test_two_registries_reporting_one_retraction_make_one_line(client, registry, article):
    registry.works[DOI] = copy.deepcopy(RETRACTED)
    article.pmid = "39000001"
    article.save()
    check_updates()
    # Crossref (Retraction Watch) and PubMed each give their own link to the notice.
    assert Notice.objects.filter(kind="retraction").count() == 2
    (notices,) = detail(client, article).xpath(
        "//dt[.='Notices from its publisher']/following-sibling::dd"
    )
    retractions = [words(li) for li in notices.xpath(".//li") if "Retraction" in words(li)]
    assert retractions == ["Retraction, 4 June 2020: read it (retraction)"]
    # The publisher's notice, by its DOI, is the one linked.
    assert notices.xpath(".//li[1]/a/@href") == [RETRACTION_NOTICE]


def test_an_archived_retracted_resource_keeps_the_retraction_above_its_archive_notice(
    client, retracted_later
):
    curation.archive([retracted_later], user=None)
    document = detail(client, retracted_later)
    (warning,) = document.xpath("//div[contains(@class, 'notice--warning')]")
    assert warning.xpath("string(.//strong)") == "Retracted on 4 June 2020."
    assert warning.xpath("following-sibling::div[contains(@class, 'notice--archived')]")
    assert page(client.get("/")).xpath(f"//li[@id='{retracted_later.slug}']") == []


def test_the_retraction_retires_the_cached_pages(registry, article):
    for path in ("/", article.get_absolute_url()):
        through_site(path)
        assert through_site(path).headers["X-Cache"] == "hit"
    registry.works[DOI] = copy.deepcopy(RETRACTED)
    check_updates()
    for path in ("/", article.get_absolute_url()):
        after = through_site(path)
        assert after.headers["X-Cache"] == "miss"
        assert "Retracted on 4 June 2020" in words(lxml.html.fromstring(after.body))
    # A check that finds nothing new keeps them.
    check_updates()
    assert through_site("/").headers["X-Cache"] == "hit"


def test_deleting_a_notice_retires_the_cached_pages(retracted_later):
    path = retracted_later.get_absolute_url()
    through_site(path)
    assert through_site(path).headers["X-Cache"] == "hit"
    Notice.objects.filter(kind="retraction").delete()
    after = through_site(path)
    assert after.headers["X-Cache"] == "miss"
    assert "Retracted" not in words(lxml.html.fromstring(after.body))


def test_the_list_reads_notices_in_the_same_queries_however_many(client, article, make_resource):
    Notice.objects.create(resource=article, kind="retraction", source="PubMed")
    nothing_kept()  # each count from nothing kept, so that like is compared with like
    few = count_queries(client, "/")
    for _ in range(30):
        flagged = make_resource()
        Notice.objects.create(resource=flagged, kind="retraction", source="PubMed")
    nothing_kept()
    assert count_queries(client, "/") == few
    assert len(page(client.get("/")).xpath("//p[@class='notice-mark']")) == 31


# What machines read


def json_ld(document: lxml.html.HtmlElement) -> dict[str, Any]:
    (block,) = document.xpath("//script[@type='application/ld+json']/text()")
    return json.loads(block)


def test_json_ld_says_retracted_and_links_the_notices(client, retracted_later):
    data = json_ld(detail(client, retracted_later))
    assert data["creativeWorkStatus"] == "Retracted"
    assert data["correction"] == [
        {
            "@type": "CorrectionComment",
            "name": "Retraction",
            "url": RETRACTION_NOTICE,
            "datePublished": "2020-06-04",
        },
        {
            "@type": "CorrectionComment",
            "name": "Correction",
            "url": "https://doi.org/10.5555/correction.2019.2",
            "datePublished": "2019-08-01",
        },
    ]


def test_json_ld_of_an_expression_of_concern_is_a_comment_not_a_status(client, article):
    Notice.objects.create(resource=article, kind="expression of concern", issued="2001-02-02",
                          source="PubMed")  # fmt: skip
    data = json_ld(detail(client, article))
    assert "creativeWorkStatus" not in data
    assert data["comment"] == [
        {"@type": "Comment", "name": "Expression of concern", "datePublished": "2001-02-02"}
    ]


def download(client: Any, resource: Resource, extension: str) -> str:
    response = client.get(f"/resources/{resource.slug}/citation.{extension}")
    assert response.status_code == 200
    return response.content.decode()


NOTE = f"Retracted on 4 June 2020 (notice: {RETRACTION_NOTICE})."


def test_the_csl_json_download_says_retracted_with_the_notice(client, retracted_later):
    (record,) = json.loads(download(client, retracted_later, "json"))
    assert record["status"] == "retracted"
    assert record["note"].startswith(NOTE + " Recommended by the Society")
    retraction = record["custom"]["notices"][0]
    assert (retraction["type"], retraction["issued"], retraction["DOI"]) == (
        "retraction",
        {"date-parts": [[2020, 6, 4]]},
        "10.5555/retraction.2020.1",
    )


def test_the_ris_and_bibtex_downloads_carry_the_note(client, retracted_later):
    (entry,) = rispy.loads(download(client, retracted_later, "ris"))
    assert entry["notes"][0].startswith(NOTE)
    bibtex = download(client, retracted_later, "bib")
    assert (
        "note = {Retracted on 4 June 2020 (notice: https://doi.org/10.5555/retraction.2020.1)."
        in (bibtex)
    )


def test_ama_and_vancouver_cite_the_retraction_and_apa_marks_it(client, retracted_later):
    document = detail(client, retracted_later)
    ama = words(document.xpath("//figure[@id='cite-ama']//blockquote")[0])
    vancouver = words(document.xpath("//figure[@id='cite-vancouver']//blockquote")[0])
    apa = words(document.xpath("//figure[@id='cite-apa']//blockquote")[0])
    assert ama.endswith(f"doi:{DOI} Retraction in: doi:10.5555/retraction.2020.1")
    assert "Retracted" in apa  # APA's own style, from the record's status
    assert vancouver.endswith("Retraction in: doi:10.5555/retraction.2020.1")
    copied = document.xpath("//figure[@id='cite-ama']//blockquote/@data-copy")[0]
    assert copied.endswith("Retraction in: doi:10.5555/retraction.2020.1")


# What staff see


def test_needs_attention_lists_the_retraction_first_until_it_is_archived(
    editor_client, retracted_later
):
    document = page(editor_client.get(NEEDS_ATTENTION))
    assert document.xpath("string(//h1)") == "Needs attention"
    sections = document.xpath("//section/@id")
    assert sections[0] == "notices"
    (row,) = document.xpath("//section[@id='notices']//tbody/tr")
    cells = {td.get("data-label"): words(td) for td in row.xpath("td[@data-label]")}
    assert cells == {
        "Resource": TITLE,
        "Notice": f"Retraction notice about {TITLE}",
        "Date": "4 June 2020",
        "Reported by": cells["Reported by"],
    }
    assert cells["Reported by"].startswith("Retraction Watch (through Crossref), found ")
    assert row.xpath("td[@data-label='Notice']/a/@href") == [RETRACTION_NOTICE]

    (form,) = row.xpath(".//form")
    response = editor_client.post(form.get("action"))
    assert response.status_code == 302
    retracted_later.refresh_from_db()
    assert retracted_later.archived_at is not None
    after = page(editor_client.get(NEEDS_ATTENTION))
    assert after.xpath("//section[@id='notices']//tbody/tr") == []
    assert "Archived \u201cPortal messages" in words(after.xpath("//ul[@class='messagelist']")[0])


def test_archiving_from_needs_attention_takes_a_post_and_the_right_to_change(
    client, retracted_later
):
    url = reverse("admin:resources_resource_archive_now", args=[retracted_later.pk])
    assert client.post(url).status_code == 302  # to sign in
    retracted_later.refresh_from_db()
    assert retracted_later.archived_at is None


def test_the_resource_list_counts_them_and_filters_the_retracted(
    editor_client, retracted_later, make_resource
):
    make_resource(title="Never retracted")
    listed = page(editor_client.get("/admin/resources/resource/"))
    (button,) = listed.xpath("//ul[@class='object-tools']//a[contains(., 'Needs attention')]")
    assert words(button) == "Needs attention 1 retracted or under concern"
    retracted = page(editor_client.get("/admin/resources/resource/", {"notices": "retracted"}))
    titles = [words(a) for a in retracted.xpath("//th[contains(@class, 'field-title')]/a")]
    assert titles == [TITLE]


def test_the_change_form_warns_and_shows_the_notices_read_only(editor_client, retracted_later):
    document = page(editor_client.get(change_url(retracted_later)))
    (warning,) = document.xpath("//form//div[contains(@class, 'notice-warning')]")
    assert words(warning).startswith(
        "Retracted on 4 June 2020, as Retraction Watch (through Crossref) reports. Read the notice."
    )
    kinds = document.xpath("//div[@id='notices-group']//td[contains(@class, 'field-kind')]")
    assert sorted(words(td) for td in kinds) == ["correction", "retraction"]
    links = document.xpath(
        "//div[@id='notices-group']//td[contains(@class, 'field-notice_link')]//a/@href"
    )
    assert RETRACTION_NOTICE in links
    assert document.xpath("//div[@id='notices-group']//input[not(@type='hidden')]") == []
    # The form still saves, notices and all.
    saved = submit(editor_client, change_url(retracted_later), {"summary": "Still here."})
    assert saved.status_code == 302
    assert Notice.objects.filter(resource=retracted_later).count() == 2


def test_a_resource_with_no_serious_notice_has_no_warning(editor_client, article):
    document = page(editor_client.get(change_url(article)))
    assert document.xpath("//div[contains(@class, 'notice-warning')]") == []
