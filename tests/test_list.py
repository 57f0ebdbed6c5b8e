"""The Resources for Providers page, as a provider on a phone sees it."""

import re

import lxml.html
import pytest

from resources.models import Resource

from .conftest import CLIENT_ORDER, ENGAGEMENT, PRINCIPLES, SOCIETY, count_queries, nothing_kept


def item_ids(html: str) -> list[str]:
    return re.findall(r'<li class="resource" id="([^"]+)"', html)


def test_home_shows_principles_mission_and_all_resources_in_order(client, seeded):
    response = client.get("/")
    html = response.content.decode()

    assert response.status_code == 200
    assert html.count("<h1") == 1
    for principle in PRINCIPLES:
        assert principle in html
    assert ENGAGEMENT in html
    assert "<h2>Patients can help</h2>" in html
    assert "reimbursement) to pursue." in html
    assert item_ids(html) == CLIENT_ORDER


def test_each_item_links_to_its_detail_page_and_straight_to_the_resource(client, seeded):
    html = client.get("/").content.decode()
    for resource in Resource.objects.all():
        assert f'id="{resource.slug}"' in html
        assert f'href="/resources/{resource.slug}/"' in html
        link = resource.primary_link
        assert link is not None
        assert f'href="{link.url}"' in html
        assert resource.summary.replace("'", "&#x27;") in html


def test_home_shows_kind_creators_and_year(client, seeded):
    html = client.get("/").content.decode()
    item = html.split('id="transforming-health-care-delivery"')[1].split("</li>")[0]
    assert "Journal article" in item
    assert "D. Z. Sands and J. S. Wald" in item
    assert "2014" in item


def test_draft_resources_are_not_listed(client, make_resource):
    shown = make_resource(title="Shown to providers")
    make_resource(title="Still a draft", is_published=False)

    html = client.get("/").content.decode()

    assert item_ids(html) == [shown.slug]
    assert "Still a draft" not in html


def test_staff_order_decides_the_list_order(client, make_resource):
    second = make_resource(position=20)
    first = make_resource(position=10)
    assert item_ids(client.get("/").content.decode()) == [first.slug, second.slug]


def test_empty_list_says_so(client, db):
    html = client.get("/").content.decode()
    assert "The list is being updated" in html


def test_home_uses_the_same_number_of_queries_for_8_and_200_resources(
    client, seeded, make_resource
):
    nothing_kept()
    with_8 = count_queries(client, "/")
    for _ in range(192):
        make_resource()
    assert Resource.objects.published().count() == 200
    nothing_kept()
    assert count_queries(client, "/") == with_8
    # Nothing kept: the generation token, the order token, the page count, the page's ids,
    # the read its entries' digests are made from, the principles' and text blocks' read;
    # then the page's resources, the principles and text blocks, the entries' details
    # (five) and the token again. Kept entries and principles, and a length and ids kept
    # under the order token, need only the two tokens and the two reads of digests.
    assert with_8 <= 17
    assert count_queries(client, "/") <= 6


def test_about_page_shows_the_society_text(client, seeded):
    response = client.get("/about/")
    assert response.status_code == 200
    assert SOCIETY in response.content.decode()


@pytest.mark.parametrize("url", ["/", "/about/", "/resources/opennotes/", "/no-such-page/"])
def test_pages_have_no_inline_styles_or_scripts(client, seeded, url):
    html = client.get(url).content.decode()
    page = lxml.html.fromstring(html)
    assert page.xpath("//*[@style]") == []
    assert page.xpath("//style") == []
    for script in page.xpath("//script"):
        # Scripts are files; the only inline ones are JSON-LD data, which never runs.
        assert script.get("src") or script.get("type") == "application/ld+json"
        assert not script.get("src") or not (script.text or "").strip()
    assert 'rel="stylesheet" href="/static/css/site.' in html


@pytest.mark.parametrize("url", ["/", "/about/", "/resources/opennotes/"])
def test_pages_have_landmarks_one_heading_and_a_skip_link(client, seeded, url):
    html = client.get(url).content.decode()
    assert html.count("<h1") == 1
    assert '<main id="main"' in html
    assert "<header" in html
    assert "<footer" in html
    assert '<nav class="site-nav"' in html
    assert '<a class="skip-link" href="#main">' in html
    assert '<html lang="en">' in html


def test_a_resource_without_links_still_lists_and_opens(client, make_resource):
    resource = make_resource(title="Not online yet")
    resource.links.all().delete()

    item = client.get("/").content.decode().split(f'id="{resource.slug}"')[1].split("</li>")[0]
    detail = client.get(resource.get_absolute_url()).content.decode()

    assert 'class="button"' not in item
    assert f'href="{resource.get_absolute_url()}"' in item
    assert "Open it" not in detail


def test_a_long_list_comes_in_pages_of_fifty(client, make_resource):
    made = [make_resource(position=n) for n in range(60)]
    first = lxml.html.fromstring(client.get("/").content)
    assert len(first.xpath("//ol[@class='resource-list']/li")) == 50
    assert first.xpath("//link[@rel='canonical']/@href")[0].endswith("/")
    assert first.xpath("//a[@rel='next']/@href") == ["?page=2"]
    second = lxml.html.fromstring(client.get("/?page=2").content)
    items = second.xpath("//ol[@class='resource-list']/li/@id")
    assert items == [resource.slug for resource in made[50:]]
    assert second.xpath("//ol[@class='resource-list']/@start") == ["51"]
    assert second.xpath("//link[@rel='canonical']/@href")[0].endswith("/?page=2")
    # Page 1 is the list's own address, the one its canonical link gives.
    assert second.xpath("//a[@rel='prev']/@href") == ["/"]
    numbers = second.xpath("//nav[@aria-label='Pages of the list']//li/*")
    assert [(n.tag, n.text, n.get("href")) for n in numbers if n.get("rel") is None] == [
        ("a", "1", "/"),
        ("span", "2", None),
    ]


@pytest.mark.parametrize("number", ["3", "0", "-1", "abc", "9" * 30])
def test_a_page_beyond_the_list_is_a_styled_404(client, make_resource, number):
    for n in range(60):
        make_resource(position=n)
    response = client.get("/", {"page": number})
    assert response.status_code == 404
    assert lxml.html.fromstring(response.content).xpath("//h1")
