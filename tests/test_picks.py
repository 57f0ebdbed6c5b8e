"""A handout of a provider's own picks (/handout/?r=4&r=2) and the same picks' citations."""

import json
from urllib.parse import urlencode

import bibtexparser
import lxml.html
import pytest
import rispy
from django.utils import timezone

from resources.models import Resource

from .conftest import SITE, count_queries, page


def pk(slug: str) -> int:
    return Resource.objects.get(slug=slug).pk


def handout(client, *numbers):
    return page(client.get(f"/handout/?{urlencode([('r', n) for n in numbers])}"))


def handout_titles(document) -> list[str]:
    return [h.text_content() for h in document.xpath("//ol[@class='handout__list']/li//h2")]


def dropped(document) -> list[str]:
    return [
        " ".join(li.text_content().split()) for li in document.xpath("//div[@class='notice']//li")
    ]


def test_the_list_ticks_resources_into_a_plain_get_form_to_the_handout(client, seeded):
    document = page(client.get("/"))
    (form,) = document.xpath("//form[@id='picks']")
    assert (form.get("method"), form.get("action")) == ("get", "/handout/")
    assert form.xpath(".//button[@type='submit']/text()") == [
        "Make a handout of the ticked resources"
    ]
    boxes = document.xpath("//input[@type='checkbox'][@name='r']")
    expected = [
        str(pk(slug)) for slug in Resource.objects.in_list_order().values_list("slug", flat=True)
    ]
    assert [box.get("value") for box in boxes] == expected
    for box in boxes:
        assert box.get("form") == "picks"
        (label,) = document.xpath(f"//label[@for='{box.get('id')}']")
        assert label.text_content().startswith("Add to a handout: ")


def test_the_catalogue_results_tick_into_the_same_form(client, seeded):
    document = page(client.get("/resources/", {"q": "patients"}))
    (form,) = document.xpath("//form[@id='picks']")
    assert form.get("action") == "/handout/"
    shown = [li.get("id") for li in document.xpath("//ol[@class='resource-list']/li")]
    boxes = document.xpath("//ol[@class='resource-list']//input[@name='r']/@value")
    assert boxes == [str(pk(slug)) for slug in shown]
    assert shown  # the search found something to tick


def test_the_handout_shows_exactly_the_picks_in_the_order_given(client, seeded, site_url):
    toolkit, opennotes, pew = (
        pk("patients-toolkit-for-diagnosis"),
        pk("opennotes"),
        pk("pew-research-health"),
    )
    document = handout(client, toolkit, opennotes, pew)
    assert handout_titles(document) == [
        "The Patient’s Toolkit for Diagnosis",
        "OpenNotes",
        "Health Care Research from the Pew Research Center",
    ]
    assert document.xpath("//ol[@class='handout__list']//p[@class='handout__url']/a/@href") == [
        f"{SITE}/r/{toolkit}/",
        f"{SITE}/r/{opennotes}/",
        f"{SITE}/r/{pew}/",
    ]
    assert len(document.xpath("//ol[@class='handout__list']/li//svg")) == 3
    assert document.xpath("//h1/text()") == ["Resources picked for you"]
    assert dropped(document) == []
    # Its address is shareable: the canonical link keeps the picks and their order.
    canonical = f"{SITE}/handout/?r={toolkit}&r={opennotes}&r={pew}"
    assert document.xpath("//link[@rel='canonical']/@href") == [canonical]
    assert document.xpath("//meta[@name='robots']/@content") == ["noindex"]
    # For a patient resource the handout reads from the plain-language summary.
    (first,) = document.xpath("//ol[@class='handout__list']/li[1]")
    assert "A worksheet to fill in when you see a doctor or nurse about a health problem." in (
        first.text_content()
    )


def test_unknown_draft_retired_repeated_and_junk_numbers_are_dropped_with_a_notice(
    client, seeded, make_resource, site_url
):
    draft = make_resource(title="Unfinished", is_published=False)
    retired = make_resource(title="Retired one", archived_at=timezone.now())
    opennotes = pk("opennotes")
    response = client.get(
        "/handout/",
        {
            "r": [
                "abc",
                opennotes,
                "-1",
                draft.pk,
                "99999999999999999999",
                opennotes,
                retired.pk,
                "987654",
                "",
            ]
        },
    )
    document = page(response)
    assert handout_titles(document) == ["OpenNotes"]
    assert dropped(document) == [
        "abc: not a resource number",
        "-1: not a resource number",
        "99999999999999999999: not a resource number",
        f"{opennotes}: given twice",
        ": not a resource number",
        f"{draft.pk}: no resource has this number",
        f"{retired.pk}: retired from the list",
        "987654: no resource has this number",
    ]
    assert b"Unfinished" not in response.content
    # The address to share is the cleaned one.
    assert document.xpath("//link[@rel='canonical']/@href") == [f"{SITE}/handout/?r={opennotes}"]


def test_at_most_fifty_picks_and_the_rest_are_said_to_be_over_the_limit(client, make_resource):
    made = [make_resource() for _ in range(53)]
    document = handout(client, *[r.pk for r in reversed(made)])
    assert handout_titles(document) == [r.title for r in reversed(made)][:50]
    assert dropped(document) == [f"{r.pk}: over the limit of 50" for r in reversed(made[:3])]


def test_a_long_junk_value_is_quoted_shortened(client, seeded):
    document = handout(client, "x" * 500)
    assert dropped(document) == [f"{'x' * 20}\u2026: not a resource number"]
    assert handout_titles(document) == []
    assert "None of the resources asked for is on the list." in document.text_content()


def test_the_picked_handout_is_public_and_its_queries_do_not_grow_with_picks(client, make_resource):
    made = [make_resource() for _ in range(40)]
    few = f"/handout/?{urlencode([('r', r.pk) for r in made[:3]])}"
    many = f"/handout/?{urlencode([('r', r.pk) for r in made])}"
    assert count_queries(client, few) == count_queries(client, many)
    assert count_queries(client, many) <= 8
    response = client.get(few)
    assert "public" in response["Cache-Control"]


def test_the_handout_offers_the_picks_citations_and_they_download_in_order(client, seeded):
    order = ["let-patients-help", "opennotes", "transforming-health-care-delivery"]
    numbers = [pk(slug) for slug in order]
    query = urlencode([("r", n) for n in numbers])
    document = handout(client, *numbers, "junk")
    assert document.xpath("//p[@class='downloads']/a/@href") == [
        f"/resources/citations.{ext}?{query}" for ext in ("ris", "bib", "json")
    ]

    ris = client.get(f"/resources/citations.ris?{query}&r=junk&r={numbers[0]}")
    assert ris.status_code == 200
    assert ris["Content-Disposition"] == 'attachment; filename="spm-resources-picked.ris"'
    titles = [Resource.objects.get(slug=slug).title for slug in order]
    assert [e["title"] for e in rispy.loads(ris.content.decode())] == titles
    bib = bibtexparser.parse_string(
        client.get(f"/resources/citations.bib?{query}").content.decode()
    )
    assert [e.key for e in bib.entries] == order
    csl = json.loads(client.get(f"/resources/citations.json?{query}").content)
    assert [e["id"] for e in csl] == order


@pytest.mark.parametrize("query", ["r=abc", "r=-1", "r=99999999999999999999", "r="])
def test_citations_of_nothing_usable_are_a_clear_404(client, seeded, query):
    response = client.get(f"/resources/citations.ris?{query}")
    assert response.status_code == 404
    document = lxml.html.fromstring(response.content)
    assert document.xpath("//h1/text()") == ["We can\u2019t find that page"]


def test_the_citations_of_picks_leave_drafts_out(client, seeded, make_resource):
    draft = make_resource(title="Secret draft title", is_published=False)
    opennotes = pk("opennotes")
    response = client.get(f"/resources/citations.json?r={draft.pk}&r={opennotes}")
    assert [e["id"] for e in json.loads(response.content)] == ["opennotes"]
    assert b"Secret" not in response.content


def test_no_picks_is_still_the_whole_list(client, seeded):
    document = page(client.get("/handout/"))
    assert len(handout_titles(document)) == 8
    assert document.xpath("//h1/text()") == ["Participatory Medicine Resources for Providers"]
    assert document.xpath("//meta[@name='robots']") == []
