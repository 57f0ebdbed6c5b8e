"""Embeds for the Society's WordPress: oEmbed discovery, the oEmbed answer, and the compact
embed views that only the origins in EMBED_ALLOWED_ORIGINS may frame."""

import json
import re
from typing import Any
from urllib.parse import quote

import lxml.html
import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resources.models import Notice, Resource

from .conftest import CLIENT_ORDER, SITE, manage, page, through_site

WORDPRESS = "https://participatorymedicine.org"


def policy(header: str) -> dict[str, list[str]]:
    """A Content-Security-Policy header as {directive: [values]}."""
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def oembed(client: Client, url: str, **params: str) -> Any:
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in {"url": url, **params}.items())
    return client.get(f"/oembed?{query}")


def embedded(answer: dict[str, Any]) -> tuple[lxml.html.HtmlElement, lxml.html.HtmlElement]:
    """The blockquote and the frame of an oEmbed answer's html."""
    parts = lxml.html.fragments_fromstring(answer["html"])
    assert [part.tag for part in parts] == ["blockquote", "iframe"]
    return parts[0], parts[1]


# Discovery: what WordPress reads from a page pasted into a post.


@pytest.mark.parametrize(
    ("path", "embedded_url"),
    [
        ("/", f"{SITE}/"),
        ("/?page=1", f"{SITE}/"),
        ("/resources/opennotes/", f"{SITE}/resources/opennotes/"),
    ],
)
def test_the_list_and_resource_pages_advertise_oembed_early_in_the_head(
    client, seeded, site_url, path, embedded_url
):
    response = client.get(path)
    links = page(response).xpath("//head/link[@type='application/json+oembed']")

    assert len(links) == 1
    assert links[0].get("rel") == "alternate"
    assert links[0].get("href") == (f"{SITE}/oembed?url={quote(embedded_url, safe='')}&format=json")
    # WordPress reads at most the first 150 KB, and only up to </head>.
    body = response.content
    at = body.index(b'type="application/json+oembed"')
    assert at < body.index(b"</head>") < 150 * 1024


def test_a_draft_staff_preview_advertises_no_embed(client, seeded, site_url, staff_client):
    Resource.objects.filter(slug="opennotes").update(is_published=False)
    document = page(staff_client.get("/resources/opennotes/"))
    assert document.xpath("//head/link[@type='application/json+oembed']") == []


# The oEmbed answer.


def test_the_discovered_address_answers_a_rich_embed_of_the_resource(client, seeded, site_url):
    href = page(client.get("/resources/opennotes/")).xpath(
        "//head/link[@type='application/json+oembed']/@href"
    )[0]
    response = client.get(href.removeprefix(SITE))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    answer = response.json()
    assert {k: v for k, v in answer.items() if k != "html"} == {
        "version": "1.0",
        "type": "rich",
        "title": "OpenNotes",
        "provider_name": "Society for Participatory Medicine",
        "provider_url": f"{SITE}/",
        "width": 600,
        "height": 280,
    }
    blockquote, frame = embedded(answer)
    secret = blockquote.get("data-secret")
    assert re.fullmatch(r"[A-Za-z0-9]{10}", secret)
    assert blockquote.get("class") == "wp-embedded-content"
    assert blockquote.xpath("a/@href") == [f"{SITE}/resources/opennotes/"]
    assert blockquote.text_content() == "OpenNotes"
    assert frame.get("class") == "wp-embedded-content"
    assert frame.get("src") == f"{SITE}/embed/resources/opennotes/#?secret={secret}"
    assert frame.get("data-secret") == secret
    assert frame.get("sandbox").split() == [
        "allow-scripts",
        "allow-popups",
        "allow-popups-to-escape-sandbox",
    ]
    assert frame.get("security") == "restricted"
    assert (frame.get("width"), frame.get("height")) == ("600", "280")
    assert frame.get("title") == "OpenNotes (Society for Participatory Medicine)"


def test_the_list_is_embedded_from_its_address(client, seeded, site_url):
    answer = oembed(client, f"{SITE}/", format="json").json()
    blockquote, frame = embedded(answer)
    assert answer["title"] == "Participatory Medicine Resources for Providers"
    assert (answer["width"], answer["height"]) == (600, 640)
    assert blockquote.xpath("a/@href") == [f"{SITE}/"]
    assert frame.get("src").startswith(f"{SITE}/embed/#?secret=")


@pytest.mark.parametrize(
    ("limits", "size"),
    [
        ({"maxwidth": "400", "maxheight": "150"}, (400, 150)),
        ({"maxwidth": "900", "maxheight": "1000"}, (600, 280)),
        ({"maxwidth": "120"}, (120, 280)),
        ({"maxheight": "100"}, (600, 100)),
    ],
)
def test_the_size_never_exceeds_what_the_consumer_allows(client, seeded, site_url, limits, size):
    answer = oembed(client, f"{SITE}/resources/opennotes/", **limits).json()
    _, frame = embedded(answer)
    assert (answer["width"], answer["height"]) == size
    assert (int(frame.get("width")), int(frame.get("height"))) == size


def test_a_renamed_resource_and_its_short_link_embed_the_resource_as_it_is_now(
    client, seeded, site_url
):
    resource = Resource.objects.get(slug="opennotes")
    resource.slug = "opennotes-project"
    resource.save()

    for url in (
        f"{SITE}/resources/opennotes/",
        "http://resources.example.org/resources/OpenNotes/",
        f"{SITE}/r/{resource.pk}/",
    ):
        answer = oembed(client, url).json()
        _, frame = embedded(answer)
        assert frame.get("src").startswith(f"{SITE}/embed/resources/opennotes-project/#?"), url


@pytest.mark.parametrize(
    "url",
    [
        "https://elsewhere.example/resources/opennotes/",
        f"{SITE}/resources/no-such-resource/",
        f"{SITE}/resources/draft-one/",
        f"{SITE}/resources/",
        f"{SITE}/about/",
        "http://[broken/",
        "javascript:alert(1)",
    ],
)
def test_an_address_with_nothing_to_embed_is_a_clear_404(client, seeded, site_url, url):
    Resource.objects.filter(slug="opennotes").update(slug="draft-one", is_published=False)
    response = oembed(client, url)
    assert response.status_code == 404
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.json()["error"].startswith("Nothing to embed at")
    assert "only the list" in response.json()["error"]


@pytest.mark.parametrize(
    ("query", "status", "error"),
    [
        (f"url={SITE}/&format=xml", 501, "Only format=json is offered."),
        ("format=json", 400, "Give the address of the list or of a resource as url"),
        (f"url={SITE}/&maxwidth=wide", 400, "maxwidth must be a whole number of pixels"),
        (f"url={SITE}/&maxheight=-5", 400, "maxheight must be a whole number of pixels"),
    ],
)
def test_a_request_the_endpoint_cannot_answer_says_why(
    client, seeded, site_url, query, status, error
):
    response = client.get(f"/oembed?{query}")
    assert response.status_code == status
    assert response.json()["error"].startswith(error)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    url=st.one_of(
        st.text(max_size=60),
        st.builds(lambda tail: f"{SITE}/{tail}", st.text(max_size=40)),
        st.builds(lambda tail: f"{SITE}/resources/{tail}/", st.text(max_size=30)),
        st.builds(lambda tail: f"{SITE}/r/{tail}/", st.text(max_size=25)),
    ),
    limit=st.text(max_size=12),
    form=st.sampled_from(["json", "xml", "", "JSON"]),
)
def test_fuzzed_oembed_requests_never_get_a_500(seeded, site_url, url, limit, form):
    client = Client(raise_request_exception=False)
    try:
        response = client.get(
            "/oembed", {"url": url, "maxwidth": limit, "maxheight": limit, "format": form}
        )
    except (UnicodeEncodeError, ValueError):
        return  # the test client itself cannot build this request: no server would see it
    assert response.status_code in {200, 400, 404, 501}, (url, limit, form)
    assert "error" in response.json() or response.json()["type"] == "rich"


def test_the_answer_is_kept_by_the_page_cache(seeded, site_url):
    path = f"/oembed?url={quote(SITE + '/', safe='')}&format=json&maxwidth=500"
    first, second = through_site(path), through_site(path)
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("miss", "hit")
    assert second.headers["Access-Control-Allow-Origin"] == "*"
    assert json.loads(second.body) == json.loads(first.body)
    assert json.loads(second.body)["width"] == 500


# The embed views.


def test_the_embedded_list_shows_the_start_of_the_list_and_links_to_all_of_it(
    client, seeded, site_url, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        response = client.get("/embed/")
    document = page(response)
    titles = document.xpath("//ol[@class='embed__list']/li//h2/a")
    expected = [Resource.objects.get(slug=slug) for slug in CLIENT_ORDER[:3]]
    assert [a.text_content() for a in titles] == [r.title for r in expected]
    assert [a.get("href") for a in titles] == [f"{SITE}/resources/{r.slug}/" for r in expected]
    assert document.xpath("//p[@class='embed__more']/a")[0].text_content() == (
        "All 8 resources on the list"
    )
    # Every link leads to this site, in a new tab; nothing inline for the CSP to refuse.
    for link in document.xpath("//a"):
        assert link.get("href").startswith(f"{SITE}/")
        assert (link.get("target"), link.get("rel")) == ("_blank", "noopener")
    assert document.xpath("//script/@src") == [document.xpath("//script/@src")[0]]
    assert re.fullmatch(r"/static/js/embed\.[0-9a-f]{12}\.js", document.xpath("//script/@src")[0])
    assert document.xpath("//script[not(@src)] | //style | //*[@style]") == []
    assert document.xpath("//link[@rel='canonical']/@href") == [f"{SITE}/"]


def test_an_embedded_resource_says_what_it_is_and_if_it_was_retracted(
    client, seeded, site_url, django_assert_max_num_queries
):
    resource = Resource.objects.get(slug="opennotes")
    Notice.objects.create(resource=resource, kind="retraction", issued="2020-06-04")
    with django_assert_max_num_queries(3):
        response = client.get("/embed/resources/opennotes/")
    document = page(response)
    assert document.xpath("//h1/a")[0].text_content() == "OpenNotes"
    assert document.xpath("//h1/a/@href") == [f"{SITE}/resources/opennotes/"]
    assert document.xpath("//p[@class='embed__notice']")[0].text_content() == (
        "Retracted on 4 June 2020"
    )
    meta = " ".join(document.xpath("//p[@class='embed__meta']")[0].text_content().split())
    assert meta.startswith(resource.get_kind_display())
    assert document.xpath("//p[@class='embed__summary']")[0].text_content() == (
        resource.summary_lead
    )


def test_an_archived_resource_embeds_saying_it_left_the_list(client, seeded, site_url):
    Resource.objects.filter(slug="opennotes").update(archived_at=timezone.now())
    document = page(client.get("/embed/resources/opennotes/"))
    assert document.xpath("//p[@class='embed__note']")[0].text_content() == (
        "No longer on the list of resources for providers."
    )


def test_a_renamed_resources_old_embed_address_leads_on(client, seeded):
    resource = Resource.objects.get(slug="opennotes")
    resource.slug = "opennotes-project"
    resource.save()
    response = client.get("/embed/resources/opennotes/")
    assert response.status_code == 301
    assert response["Location"] == "/embed/resources/opennotes-project/"
    assert client.get("/embed/resources/no-such-thing/").status_code == 404


# Who may frame what.


def test_embed_views_may_be_framed_by_the_allowed_origins_only(client, seeded, settings):
    settings.EMBED_ALLOWED_ORIGINS = [WORDPRESS, "http://localhost:9000"]
    for path in ("/embed/", "/embed/resources/opennotes/"):
        response = client.get(path)
        directives = policy(response["Content-Security-Policy"])
        assert directives["frame-ancestors"] == [WORDPRESS, "http://localhost:9000"], path
        assert directives["script-src"] == ["'self'"]
        assert "X-Frame-Options" not in response
        assert response["Cross-Origin-Resource-Policy"] == "cross-origin"


def test_with_no_allowed_origin_no_one_may_frame_the_embeds(client, seeded, settings):
    settings.EMBED_ALLOWED_ORIGINS = []
    response = client.get("/embed/")
    assert policy(response["Content-Security-Policy"])["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize(
    "path", ["/", "/resources/opennotes/", f"/oembed?url={quote(SITE + '/', safe='')}"]
)
def test_every_other_page_still_refuses_every_frame(client, seeded, settings, site_url, path):
    settings.EMBED_ALLOWED_ORIGINS = [WORDPRESS]
    response = client.get(path)
    assert policy(response["Content-Security-Policy"])["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"


def test_the_page_cache_keeps_each_pages_own_frame_ancestors(seeded, settings):
    settings.EMBED_ALLOWED_ORIGINS = [WORDPRESS]
    for path, ancestors, frame_options in [
        ("/embed/resources/opennotes/", [WORDPRESS], None),
        ("/resources/opennotes/", ["'none'"], "DENY"),
    ]:
        miss, hit = through_site(path), through_site(path)
        assert (miss.headers["X-Cache"], hit.headers["X-Cache"]) == ("miss", "hit")
        for answer in (miss, hit):
            directives = policy(answer.headers["Content-Security-Policy"])
            assert directives["frame-ancestors"] == ancestors, path
            assert answer.headers.get("X-Frame-Options") == frame_options, path
        revalidated = through_site(path, HTTP_IF_NONE_MATCH=hit.headers["ETag"])
        assert revalidated.status == 304
        assert policy(revalidated.headers["Content-Security-Policy"])["frame-ancestors"] == (
            ancestors
        )


def test_the_embeds_own_stylesheet_and_script_may_be_loaded_from_any_origin(db):
    # A sandboxed frame's origin is opaque: to the browser, the embed loading its own
    # stylesheet is another origin asking.
    for path in ("/static/css/embed.css", "/static/js/embed.js"):
        answer = through_site(path)
        assert answer.status == 200, path
        assert answer.headers["Cross-Origin-Resource-Policy"] == "cross-origin", path
    assert through_site("/static/css/site.css").headers["Cross-Origin-Resource-Policy"] == (
        "same-origin"
    )


# The setting.


@pytest.mark.parametrize(
    "value",
    ["https://participatorymedicine.org/", "participatorymedicine.org", "https://*.example.org"],
)
def test_a_malformed_allowed_origin_refuses_to_start(value):
    result = manage("check", EMBED_ALLOWED_ORIGINS=value)
    assert result.returncode != 0
    assert "EMBED_ALLOWED_ORIGINS must list origins like https://participatorymedicine.org" in (
        result.stderr
    )
    assert repr(value) in result.stderr


def test_allowed_origins_are_read_as_a_browser_names_them():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.EMBED_ALLOWED_ORIGINS)",
        EMBED_ALLOWED_ORIGINS="HTTPS://Participatorymedicine.org, http://localhost:8443",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "['https://participatorymedicine.org', 'http://localhost:8443']"
    )
