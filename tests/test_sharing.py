"""Deep links that never break and unfurl well wherever a member pastes them."""

import io
import json
from urllib.parse import urlsplit

import lxml.html
import pytest
from PIL import Image

from resources.models import FormerSlug, Resource

from .conftest import CLIENT_ORDER, SITE, decode_qr, meta, page, post_change


def rename(staff_client, resource: Resource, slug: str) -> None:
    response = post_change(staff_client, resource, slug=slug)
    assert response.status_code == 302, response.content.decode()
    resource.refresh_from_db()
    assert resource.slug == slug


def form_errors(response) -> list[str]:
    document = page(response)
    return [e.text_content().strip() for e in document.xpath("//ul[@class='errorlist']/li")]


# Renames


def test_renamed_resource_old_url_redirects_permanently(staff_client, client, seeded):
    resource = Resource.objects.get(slug="opennotes")
    rename(staff_client, resource, "opennotes-project")

    response = client.get("/resources/opennotes/")

    assert response.status_code == 301
    assert response["Location"] == "/resources/opennotes-project/"
    assert client.get("/resources/opennotes-project/").status_code == 200


def test_a_chain_of_renames_ends_in_one_hop(staff_client, client, seeded):
    resource = Resource.objects.get(slug="opennotes")
    rename(staff_client, resource, "open-notes")
    rename(staff_client, resource, "opennotes-project")

    for old in ["opennotes", "open-notes", "OpenNotes", "Open-Notes"]:
        response = client.get(f"/resources/{old}/")
        assert response.status_code == 301
        assert response["Location"] == "/resources/opennotes-project/"


def test_taking_back_an_old_slug_makes_it_current_again(staff_client, client, seeded):
    resource = Resource.objects.get(slug="opennotes")
    rename(staff_client, resource, "open-notes")
    rename(staff_client, resource, "opennotes")

    assert client.get("/resources/opennotes/").status_code == 200
    assert client.get("/resources/open-notes/")["Location"] == "/resources/opennotes/"
    assert list(resource.former_slugs.values_list("slug", flat=True)) == ["open-notes"]


def test_a_renamed_resource_cannot_take_another_resources_old_slug(staff_client, client, seeded):
    rename(staff_client, Resource.objects.get(slug="opennotes"), "opennotes-project")
    book = Resource.objects.get(slug="let-patients-help")

    response = post_change(staff_client, book, slug="opennotes")

    assert response.status_code == 200
    assert form_errors(response) == [
        "/resources/opennotes/ was the address of \u201cOpenNotes\u201d and still leads "
        "there. Choose another slug."
    ]
    assert Resource.objects.get(pk=book.pk).slug == "let-patients-help"
    assert client.get("/resources/opennotes/")["Location"] == "/resources/opennotes-project/"


def test_a_new_resource_cannot_take_an_old_slug(staff_client, seeded):
    rename(staff_client, Resource.objects.get(slug="opennotes"), "opennotes-project")
    data = {
        "title": "Another", "slug": "opennotes", "kind": "book", "audience": "providers",
        "position": 5,
        "summary": "New.", "tags": "",
        "creators-TOTAL_FORMS": 0, "creators-INITIAL_FORMS": 0,
        "links-TOTAL_FORMS": 0, "links-INITIAL_FORMS": 0,
    }  # fmt: skip

    response = staff_client.post("/admin/resources/resource/add/", data)

    assert response.status_code == 200
    assert "was the address of \u201cOpenNotes\u201d" in form_errors(response)[0]
    assert not Resource.objects.filter(title="Another").exists()


def test_admin_shows_the_short_link_and_former_addresses(staff_client, seeded):
    resource = Resource.objects.get(slug="opennotes")
    rename(staff_client, resource, "open-notes")
    rename(staff_client, resource, "opennotes-project")

    response = staff_client.get(f"/admin/resources/resource/{resource.pk}/change/")
    field = page(response).xpath("//div[contains(@class, 'field-addresses')]")[0]

    assert field.xpath(".//a/@href") == [f"/r/{resource.pk}/"]
    assert sorted(field.xpath(".//code/text()")) == [
        "/resources/open-notes/",
        "/resources/opennotes/",
    ]


def test_slugs_typed_with_capitals_are_saved_lowercase_and_clash_like_any_other(
    staff_client, client, seeded
):
    book = Resource.objects.get(slug="let-patients-help")

    refused = post_change(staff_client, book, slug="OpenNotes")
    assert refused.status_code == 200
    assert form_errors(refused) == ["Another resource already has this slug. Choose another."]

    rename_response = post_change(staff_client, book, slug="Let-Patients-Help-Book")
    assert rename_response.status_code == 302
    book.refresh_from_db()
    assert book.slug == "let-patients-help-book"


def test_an_address_typed_with_capitals_redirects_to_the_lowercase_one(client, seeded):
    response = client.get("/resources/OpenNotes/")
    assert response.status_code == 301
    assert response["Location"] == "/resources/opennotes/"


# Short links


def test_short_link_leads_to_the_current_address_whatever_the_renames(staff_client, client, seeded):
    resource = Resource.objects.get(slug="opennotes")
    assert client.get(f"/r/{resource.pk}/")["Location"] == "/resources/opennotes/"

    rename(staff_client, resource, "opennotes-project")

    response = client.get(f"/r/{resource.pk}/")
    assert response.status_code == 302
    assert response["Location"] == "/resources/opennotes-project/"


@pytest.mark.parametrize(
    "path",
    [
        "/r/abc/",
        "/r/99999999999999999999/",
        "/r/999999999999999999/",
        "/r/0/",
        "/r/-1/",
        "/resources/%C3%A9patients/",
        "/resources/opennotes/citation.docx",
    ],
)
def test_bad_deep_links_get_the_styled_404(client, seeded, path):
    response = client.get(path)
    assert response.status_code == 404
    assert page_text(response).startswith("We can’t find that page")


def page_text(response) -> str:
    return lxml.html.fromstring(response.content.decode()).xpath("string(//main)").strip()


# One public address


def test_every_absolute_url_comes_from_site_url_not_the_host_header(client, seeded, site_url):
    resource = Resource.objects.get(slug="transforming-health-care-delivery")
    urls = [
        "/",
        "/about/",
        "/handout/",
        resource.get_absolute_url(),
        "/feeds/resources.atom",
        "/feeds/tags/research.atom",
        "/sitemap.xml",
        "/robots.txt",
        f"{resource.get_absolute_url()}citation.ris",
        f"{resource.get_absolute_url()}citation.bib",
        f"{resource.get_absolute_url()}citation.json",
    ]
    for url in urls:
        body = client.get(url, headers={"host": "localhost"}).content.decode()
        assert "localhost" not in body, url
        assert "testserver" not in body, url
        assert SITE in body, url


# Unfurls


@pytest.mark.parametrize(
    "path", ["/", "/about/", "/handout/", *(f"/resources/{s}/" for s in CLIENT_ORDER)]
)
def test_every_page_unfurls_with_title_description_canonical_open_graph_and_card(
    client, seeded, site_url, path
):
    document = page(client.get(path))
    title = document.xpath("string(//title)")
    canonical = document.xpath("//link[@rel='canonical']/@href")

    assert canonical == [f"{SITE}{path}"]
    assert meta(document, "og:url") == canonical
    assert meta(document, "og:site_name") == ["Society for Participatory Medicine"]
    assert meta(document, "og:title") == [
        title.removesuffix(" | Society for Participatory Medicine")
    ]
    assert meta(document, "twitter:title") == meta(document, "og:title")
    assert len(meta(document, "description")[0]) > 40
    assert meta(document, "og:description") == meta(document, "description")
    assert meta(document, "twitter:description") == meta(document, "description")
    assert meta(document, "twitter:card") == ["summary_large_image"]
    image = meta(document, "og:image")[0]
    if path.startswith("/resources/"):
        assert image == f"{SITE}{path}card.png"
    else:
        assert image.startswith(f"{SITE}/static/img/share.")
    assert meta(document, "twitter:image") == meta(document, "og:image")
    assert meta(document, "og:image:alt")[0]
    assert meta(document, "og:type")[0] in {"website", "article", "book"}


def test_detail_page_unfurls_with_the_resources_own_title_and_summary(client, seeded):
    resource = Resource.objects.get(slug="let-patients-help")
    document = page(client.get(resource.get_absolute_url()))
    assert meta(document, "og:title") == [resource.title]
    assert meta(document, "description") == [resource.summary]
    assert meta(document, "og:type") == ["book"]


def fetch_image(client, url: str) -> Image.Image:
    response = client.get(urlsplit(url).path)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "image/png"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    image = Image.open(io.BytesIO(body))
    assert image.format == "PNG"
    return image


@pytest.mark.parametrize("path", ["/", "/about/", "/resources/opennotes/"])
def test_share_image_answers_as_a_png_of_the_stated_size(client, seeded, path):
    document = page(client.get(path))
    image = fetch_image(client, meta(document, "og:image")[0])
    assert [str(n) for n in image.size] == [
        *meta(document, "og:image:width"),
        *meta(document, "og:image:height"),
    ]
    assert image.size == (1200, 630)


def test_each_resource_has_its_own_share_card(client, seeded, site_url):
    resource = Resource.objects.get(slug="let-patients-help")
    document = page(client.get(resource.get_absolute_url()))
    card_url = meta(document, "og:image")[0]

    assert card_url == f"{SITE}/resources/let-patients-help/card.png"
    assert meta(document, "og:image:alt") == [
        "Let Patients Help!: recommended to providers by the Society for Participatory Medicine"
    ]
    card = fetch_image(client, card_url)
    other = fetch_image(client, "/resources/opennotes/card.png")
    assert card.tobytes() != other.tobytes()
    # The title is drawn in the site's dark teal on its pale tint.
    assert card.getpixel((5, 5)) == (0xEE, 0xF5, 0xF6)
    colors = card.getcolors(1_000_000)
    assert colors is not None
    assert (0x07, 0x3B, 0x45) in {color for _, color in colors}


def test_a_drafts_share_card_is_not_found(client, make_resource):
    draft = make_resource(is_published=False)
    assert client.get(f"{draft.get_absolute_url()}card.png").status_code == 404


# schema.org


def json_ld(document) -> dict:
    (block,) = document.xpath("//script[@type='application/ld+json']/text()")
    return json.loads(block)


EXPECTED_SCHEMA_TYPE = {
    "e-patients-white-paper": "Report",
    "opennotes": "WebSite",
    "danny-sands-presentations": "PresentationDigitalDocument",
    "transforming-health-care-delivery": "ScholarlyArticle",
    "patients-toolkit-for-diagnosis": "CreativeWork",
    "let-patients-help": "Book",
    "patient-centered-physician-pledge": "CreativeWork",
    "pew-research-health": "Report",
}


@pytest.mark.parametrize("slug", CLIENT_ORDER)
def test_detail_json_ld_has_the_type_creators_and_date_of_the_resource(
    client, seeded, site_url, slug
):
    resource = Resource.objects.get(slug=slug)
    data = json_ld(page(client.get(resource.get_absolute_url())))

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == EXPECTED_SCHEMA_TYPE[slug]
    assert data["name"] == resource.title
    assert data["mainEntityOfPage"] == f"{SITE}/resources/{slug}/"
    assert [a["name"] for a in data.get("author", [])] == [c.name for c in resource.creators.all()]
    assert data.get("datePublished", "") == resource.issued
    link = resource.primary_link
    assert link is not None
    assert data["url"] == link.url


def test_journal_article_json_ld_carries_journal_issue_and_identifiers(client, seeded):
    data = json_ld(page(client.get("/resources/transforming-health-care-delivery/")))
    assert data["author"] == [
        {"@type": "Person", "familyName": "Sands", "givenName": "D. Z.", "name": "D. Z. Sands"},
        {"@type": "Person", "familyName": "Wald", "givenName": "J. S.", "name": "J. S. Wald"},
    ]
    assert data["isPartOf"]["issueNumber"] == "1"
    assert data["isPartOf"]["isPartOf"]["volumeNumber"] == "9"
    assert data["isPartOf"]["isPartOf"]["isPartOf"]["name"] == "Yearbook of Medical Informatics"
    assert data["pagination"] == "170-176"
    assert {i["propertyID"]: i["value"] for i in data["identifier"]} == {
        "DOI": "10.15265/IY-2014-0017",
        "PMID": "25123739",
    }


def test_organisation_creators_are_organisations_in_json_ld(client, seeded):
    data = json_ld(page(client.get("/resources/patients-toolkit-for-diagnosis/")))
    assert data["author"] == [
        {"@type": "Organization", "name": "Society to Improve Diagnosis in Medicine"}
    ]


def test_home_json_ld_is_the_curated_list_in_order_and_the_society(client, seeded, site_url):
    graph = json_ld(page(client.get("/")))["@graph"]
    item_list = next(node for node in graph if node["@type"] == "ItemList")
    society = next(node for node in graph if node["@type"] == "Organization")

    assert [item["position"] for item in item_list["itemListElement"]] == list(range(1, 9))
    assert [item["url"] for item in item_list["itemListElement"]] == [
        f"{SITE}/resources/{slug}/" for slug in CLIENT_ORDER
    ]
    assert item_list["numberOfItems"] == 8
    assert society["name"] == "Society for Participatory Medicine"
    assert item_list["author"] == {"@id": society["@id"]}


def test_json_ld_cannot_be_broken_out_of_by_a_title(client, make_resource):
    resource = make_resource(title="</script><script>alert(1)</script> & more")
    document = page(client.get(resource.get_absolute_url()))
    assert document.xpath("//script[not(@src)][not(@type='application/ld+json')]") == []
    assert json_ld(document)["name"] == resource.title


# Reference managers: the item type Zotero's "Embedded Metadata" translator would choose.


def zotero_item_type(document) -> str:
    """The translator's rules: a citation_* tag that names a type wins (highwire type);
    otherwise og:type decides (book, website), and citation_title alone guesses an article."""
    names = set(document.xpath("//head/meta/@name"))
    if "citation_journal_title" in names:
        return "journalArticle"
    if "citation_technical_report_institution" in names:
        return "report"
    if names & {"citation_conference_title", "citation_conference"}:
        return "conferencePaper"
    if names & {"citation_book_title", "citation_inbook_title"}:
        return "bookSection"
    if "citation_dissertation_institution" in names:
        return "thesis"
    og_type = {"book": "book", "website": "webpage", "video.other": "videoRecording"}
    if meta(document, "og:type") and meta(document, "og:type")[0] in og_type:
        return og_type[meta(document, "og:type")[0]]
    if "citation_isbn" in names:
        return "book"
    return "journalArticle" if "citation_title" in names else "webpage"


EXPECTED_ZOTERO_TYPE = {
    "e-patients-white-paper": "report",
    "opennotes": "webpage",
    "danny-sands-presentations": "webpage",
    "transforming-health-care-delivery": "journalArticle",
    "patients-toolkit-for-diagnosis": "webpage",
    "let-patients-help": "book",
    "patient-centered-physician-pledge": "webpage",
    "pew-research-health": "report",
}


@pytest.mark.parametrize("slug", CLIENT_ORDER)
def test_citation_tags_give_reference_managers_the_right_item_and_every_creator(
    client, seeded, slug
):
    resource = Resource.objects.get(slug=slug)
    document = page(client.get(resource.get_absolute_url()))

    assert zotero_item_type(document) == EXPECTED_ZOTERO_TYPE[slug]
    assert meta(document, "citation_title") == [resource.title]
    assert meta(document, "citation_author") == [
        c.organisation or f"{c.family_name}, {c.given_names}" for c in resource.creators.all()
    ]
    if resource.date:
        assert meta(document, "citation_publication_date") == [
            "/".join(f"{p:02d}" for p in resource.date.parts)
        ]


def test_journal_article_citation_tags_are_complete(client, seeded):
    document = page(client.get("/resources/transforming-health-care-delivery/"))
    expected = {
        "citation_journal_title": ["Yearbook of Medical Informatics"],
        "citation_journal_abbrev": ["Yearb Med Inform"],
        "citation_publication_date": ["2014/08/15"],
        "citation_volume": ["9"],
        "citation_issue": ["1"],
        "citation_firstpage": ["170"],
        "citation_lastpage": ["176"],
        "citation_doi": ["10.15265/IY-2014-0017"],
        "citation_pmid": ["25123739"],
        "citation_author": ["Sands, D. Z.", "Wald, J. S."],
    }
    assert {key: meta(document, key) for key in expected} == expected


def test_a_book_with_an_isbn_is_still_a_book_and_carries_it(client, make_resource):
    book = make_resource(kind="book", isbn="978-0-306-40615-7", publisher="A Press")
    document = page(client.get(book.get_absolute_url()))
    assert zotero_item_type(document) == "book"
    assert meta(document, "citation_isbn") == ["978-0-306-40615-7"]
    assert meta(document, "citation_publisher") == ["A Press"]
    assert meta(document, "citation_journal_title") == []


# Copy link, QR code, handout


def test_every_list_item_and_detail_page_offers_its_permalink_to_copy(client, seeded, site_url):
    home = page(client.get("/"))
    for slug in CLIENT_ORDER:
        (item,) = home.xpath(f"//li[@id='{slug}']")
        assert item.xpath(".//*[@data-copy]/@data-copy") == [f"{SITE}/resources/{slug}/"]
    (script,) = home.xpath("//script[@src]/@src")
    assert script.startswith("/static/js/copy-link.")
    assert script in page(client.get("/resources/opennotes/")).xpath("//script/@src")
    assert client.get(script).status_code == 200


def test_detail_qr_code_decodes_to_the_short_link(client, seeded, site_url):
    resource = Resource.objects.get(slug="opennotes")
    document = page(client.get(resource.get_absolute_url()))
    (svg,) = document.xpath("//section[@class='share']//svg")

    assert decode_qr(lxml.html.tostring(svg, encoding="unicode")) == f"{SITE}/r/{resource.pk}/"
    assert svg.xpath("string(title)") == f"QR code for {SITE}/r/{resource.pk}/"


def test_handout_lists_every_resource_with_short_link_and_qr_code(client, seeded, site_url):
    document = page(client.get("/handout/"))
    items = document.xpath("//ol[@class='handout__list']/li")
    resources = list(Resource.objects.in_list_order())

    assert [item.xpath("string(.//h2)") for item in items] == [r.title for r in resources]
    for item, resource in zip(items, resources, strict=True):
        short = f"{SITE}/r/{resource.pk}/"
        assert item.xpath(".//p[@class='handout__url']/a/@href") == [short]
        assert resource.summary_lead in item.text_content()
        assert len(resource.summary_lead) <= len(resource.summary)
        (svg,) = item.xpath(".//svg")
        assert decode_qr(lxml.html.tostring(svg, encoding="unicode")) == short


# Drafts never leak


def test_drafts_leak_nowhere(client, seeded, make_resource):
    draft = make_resource(title="Secret draft title", slug="secret-draft", is_published=False)
    FormerSlug.objects.create(resource=draft, slug="old-secret-draft")
    tag = draft.tags.first()
    surfaces = [
        "/",
        "/handout/",
        "/feeds/resources.atom",
        f"/feeds/tags/{tag.slug}.atom",
        "/sitemap.xml",
        "/resources/citations.ris",
        "/resources/citations.bib",
        "/resources/citations.json",
    ]
    for url in surfaces:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"secret" not in response.content.lower(), url
    for url in [
        draft.get_absolute_url(),
        draft.get_short_url(),
        "/resources/old-secret-draft/",
        "/resources/Secret-Draft/",
        "/resources/secret-draft/citation.ris",
        "/resources/secret-draft/citation.json",
    ]:
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize(
    ("summary", "lead"),
    [
        ("One sentence only.", "One sentence only."),
        ("First part. Second part.", "First part."),
        ("By D. Z. Sands and Dr. Wald. Then more.", "By D. Z. Sands and Dr. Wald."),
        ("Is it? Yes.", "Is it?"),
    ],
)
def test_handout_uses_the_first_sentence_of_a_summary(summary, lead):
    assert Resource(summary=summary).summary_lead == lead
