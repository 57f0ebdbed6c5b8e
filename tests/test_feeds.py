"""Atom feeds, the sitemap and robots.txt: how readers and search engines find the list."""

from datetime import timedelta

import feedparser
import lxml.etree
import lxml.html
from django.utils import timezone

from resources.models import Resource
from tests.conftest import SITE


def parse_feed(client, path: str):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    return feed


def test_feed_lists_every_published_resource_newest_first(client, seeded, site_url):
    newest = Resource.objects.get(slug="opennotes")
    Resource.objects.filter(pk=newest.pk).update(created_at=timezone.now() + timedelta(days=1))

    feed = parse_feed(client, "/feeds/resources.atom")

    assert feed.feed.title == "Participatory Medicine Resources for Providers"
    assert feed.feed.id == f"{SITE}/"
    assert feed.feed.updated
    assert feed.feed.author == "Society for Participatory Medicine"
    assert {link.rel: link.href for link in feed.feed.links} == {
        "alternate": f"{SITE}/",
        "self": f"{SITE}/feeds/resources.atom",
    }
    assert len(feed.entries) == Resource.objects.count()
    assert feed.entries[0].title == "OpenNotes"
    for entry in feed.entries:
        resource = Resource.objects.get(title=entry.title)
        assert entry.link == f"{SITE}{resource.get_absolute_url()}"
        assert entry.id == entry.link
        assert entry.summary == resource.summary
        assert entry.author == resource.byline
        assert entry.updated
        assert entry.published
        assert sorted(tag.term for tag in entry.tags) == resource.tag_names
    published = [entry.published_parsed for entry in feed.entries]
    assert published == sorted(published, reverse=True)


def test_each_topic_has_its_own_feed(client, seeded, site_url):
    feed = parse_feed(client, "/feeds/tags/diagnosis.atom")
    assert feed.feed.title == "Participatory Medicine Resources for Providers: diagnosis"
    assert [entry.title for entry in feed.entries] == ["The Patient’s Toolkit for Diagnosis"]


def test_feeds_are_advertised_on_the_pages(client, seeded, site_url):
    home = lxml.html.fromstring(client.get("/").content.decode())
    detail = lxml.html.fromstring(
        client.get("/resources/patients-toolkit-for-diagnosis/").content.decode()
    )
    alternate = "//link[@rel='alternate'][@type='application/atom+xml']/@href"
    assert home.xpath(alternate) == [f"{SITE}/feeds/resources.atom"]
    assert f"{SITE}/feeds/tags/diagnosis.atom" in detail.xpath(alternate)
    for href in detail.xpath(alternate):
        assert client.get(href.removeprefix(SITE)).status_code == 200


def test_unknown_topic_feed_is_a_404(client, seeded):
    assert client.get("/feeds/tags/no-such-topic.atom").status_code == 404


SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def test_sitemap_lists_the_pages_and_every_published_resource_with_lastmod(
    client, seeded, make_resource, site_url
):
    draft = make_resource(is_published=False)
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = lxml.etree.fromstring(response.content)
    entries = {
        url.findtext("s:loc", namespaces=SITEMAP_NS): url.findtext(
            "s:lastmod", namespaces=SITEMAP_NS
        )
        for url in root.findall("s:url", SITEMAP_NS)
    }
    for resource in Resource.objects.published():
        loc = f"{SITE}{resource.get_absolute_url()}"
        assert entries[loc] == timezone.localtime(resource.updated_at).date().isoformat()
    assert f"{SITE}{draft.get_absolute_url()}" not in entries
    for page in ["/", "/about/", "/handout/"]:
        assert f"{SITE}{page}" in entries
    assert len(entries) == Resource.objects.published().count() + 3


def test_robots_txt_names_the_sitemap(client, db, site_url):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert f"Sitemap: {SITE}/sitemap.xml" in lines
    # The admin's address is not listed: it may be a secret (ADMIN_PATH), and its pages
    # already tell robots not to index them.
    assert not [line for line in lines if "admin" in line.lower()]
