"""One resource's own page: the deep link members share."""

import lxml.html
import pytest
from django.test import Client, RequestFactory
from django.views.defaults import server_error

from resources.models import Resource

from .conftest import CLIENT_ORDER, count_queries


@pytest.mark.parametrize("slug", CLIENT_ORDER)
def test_every_seeded_resource_has_a_detail_page(client, seeded, slug):
    resource = Resource.objects.get(slug=slug)
    response = client.get(f"/resources/{slug}/")
    html = response.content.decode()

    assert response.status_code == 200
    assert f"<title>{resource.title}".replace("'", "&#x27;") in html
    assert resource.get_kind_display() in html
    assert f"Resource {CLIENT_ORDER.index(slug) + 1} of 8" in html
    for link in resource.links.all():
        assert f'href="{link.url}"' in html
    for tag in resource.tags.all():
        assert f'<li><a href="/resources/tags/{tag.slug}/">{tag.name}</a></li>' in html
    assert f'href="/#{slug}"' in html


def test_detail_page_shows_the_bibliographic_facts(client, seeded):
    html = client.get("/resources/transforming-health-care-delivery/").content.decode()
    assert "Why it matters to providers" in html
    assert "Yearbook of Medical Informatics" in html
    assert '<p class="byline">D. Z. Sands and J. S. Wald</p>' in html
    assert '<a href="https://doi.org/10.15265/IY-2014-0017">10.15265/IY-2014-0017</a>' in html
    assert '<a href="https://pubmed.ncbi.nlm.nih.gov/25123739/">25123739</a>' in html
    assert "9(1), pages 170-176" in html
    assert '<time datetime="2014-08-15">15 August 2014</time>' in html


def test_detail_page_links_previous_and_next_in_curated_order(client, seeded):
    html = client.get("/resources/opennotes/").content.decode()
    assert 'href="/resources/e-patients-white-paper/" rel="prev"' in html
    assert 'href="/resources/danny-sands-presentations/" rel="next"' in html

    first = client.get(f"/resources/{CLIENT_ORDER[0]}/").content.decode()
    assert 'rel="prev"' not in first
    last = client.get(f"/resources/{CLIENT_ORDER[-1]}/").content.decode()
    assert 'rel="next"' not in last


def test_numbering_and_neighbours_skip_drafts(client, make_resource):
    first = make_resource(position=1)
    make_resource(position=2, is_published=False)
    third = make_resource(position=3)

    html = client.get(third.get_absolute_url()).content.decode()

    assert "Resource 2 of 2" in html
    assert f'href="{first.get_absolute_url()}" rel="prev"' in html


def test_draft_resource_page_is_not_found(client, make_resource):
    draft = make_resource(is_published=False)
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_unknown_slug_gets_a_helpful_styled_404(client, seeded):
    response = client.get("/resources/no-such-resource/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "We can’t find that page" in html
    assert '<a class="button" href="/">See all resources for providers</a>' in html
    assert "/static/css/site." in html


@pytest.mark.parametrize(
    "path", ["/resources/%00/", "/resources/x%2Fy/", "/resources/" + "a" * 300 + "/"]
)
def test_malformed_slugs_get_a_404_not_an_error(client, db, path):
    assert client.get(path).status_code == 404


def test_server_error_page_is_styled_and_points_back(rf: RequestFactory):
    response = server_error(rf.get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in html
    assert 'href="/"' in html


def test_detail_uses_the_same_number_of_queries_for_8_and_200_resources(
    client, seeded, make_resource
):
    with_8 = count_queries(client, "/resources/opennotes/")
    for _ in range(192):
        make_resource(position=15)
    assert count_queries(client, "/resources/opennotes/") == with_8
    # The generation token, the resource, the order token, its place (number and total,
    # previous, next), the five reads its fragments' digest is made from; then, for
    # fragments not kept, its details (five) and the token again. Kept fragments need none
    # of the last six, and a place kept under the order token one read (its neighbours).
    assert with_8 <= 17
    assert count_queries(client, "/resources/opennotes/") <= 9


def test_detail_page_shows_its_permalink_and_short_link_from_site_url(client, seeded, settings):
    settings.SITE_URL = "https://resources.example.org"
    resource = Resource.objects.get(slug="opennotes")
    page = lxml.html.fromstring(client.get("/resources/opennotes/").content)
    shown = [p.get("data-copy") for p in page.xpath("//section[@class='share']//*[@data-copy]")]
    assert shown == [
        "https://resources.example.org/resources/opennotes/",
        f"https://resources.example.org/r/{resource.pk}/",
    ]
    assert page.xpath("//section[@class='share']//a/@href") == [
        *shown,
        "/handout/",
        f"/handout/?r={resource.pk}",
    ]


def test_an_unknown_host_gets_a_styled_400(client, db):
    response = client.get("/", headers={"host": "not-our-site.example"})
    assert response.status_code == 400
    assert "That request could not be understood" in response.content.decode()


def test_a_form_posted_without_its_csrf_token_gets_a_clear_403(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": "a", "password": "b"})
    assert response.status_code == 403
    assert "Please send the form again" in response.content.decode()
