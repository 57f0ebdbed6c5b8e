"""The page cache: anonymous visitors get public pages from it, staff never do, and any
change to what a page shows is on that page at the next request."""

import ast
import gzip
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext
from taggit.models import Tag

from principles.models import Principle, TextBlock
from resources import fragments
from resources.models import Creator, FormerSlug, Link, Notice, Resource, TaggedResource
from spm_site import pagecache
from tests.conftest import Answer, submit, through_site


def text(answer: Answer) -> str:
    return " ".join(lxml.html.fromstring(answer.body).text_content().split())


def titles_in_order(answer: Answer) -> list[str]:
    document = lxml.html.fromstring(answer.body)
    return [
        " ".join(h.text_content().split())
        for h in document.xpath("//ol[@class='resource-list']/li/h3")
    ]


def test_a_second_visit_is_served_from_the_cache_with_one_query(seeded: None) -> None:
    first = through_site("/")
    with CaptureQueriesContext(connection) as queries:
        second = through_site("/")
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("miss", "hit")
    assert second.body == first.body
    assert len(queries) == 1  # the generation token, nothing else
    assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]


def test_signed_in_staff_bypass_the_cache(seeded: None, staff_client: Any) -> None:
    through_site("/resources/opennotes/")  # an anonymous visit fills the cache
    Resource.objects.filter(slug="opennotes").update(is_published=False)  # no signal: stale
    session = staff_client.cookies[settings.SESSION_COOKIE_NAME].value
    staff = through_site(
        "/resources/opennotes/", HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}={session}"
    )
    assert "X-Cache" not in staff.headers
    assert "private" in staff.headers["Cache-Control"]
    assert "draft" in text(staff).lower()  # the preview banner: rendered for them, now


def test_a_staff_preview_of_a_draft_is_never_kept_for_visitors(
    seeded: None, staff_client: Any
) -> None:
    Resource.objects.filter(slug="opennotes").update(is_published=False)
    pagecache.bump()
    session = staff_client.cookies[settings.SESSION_COOKIE_NAME].value
    cookie = f"{settings.SESSION_COOKIE_NAME}={session}"
    for _ in range(2):
        preview = through_site("/resources/opennotes/", HTTP_COOKIE=cookie)
        assert preview.status == 200
        assert "draft" in text(preview).lower()
    for _ in range(2):
        visitor = through_site("/resources/opennotes/")
        assert visitor.status == 404
        assert "draft" not in text(visitor).lower()


def test_pages_with_a_cookie_or_an_error_are_not_kept(seeded: None) -> None:
    assert through_site("/no-such-page/").status == 404
    assert "X-Cache" not in through_site("/no-such-page/").headers
    login = f"/{settings.ADMIN_PATH}login/"
    assert "X-Cache" not in through_site(login).headers
    posted = through_site("/", method="POST")
    assert posted.status == 405
    assert "X-Cache" not in posted.headers


def resource(slug: str = "opennotes") -> Resource:
    return Resource.objects.get(slug=slug)


def rename_resource_in_the_admin(client: Any) -> str:
    url = f"/{settings.ADMIN_PATH}resources/resource/{resource().pk}/change/"
    assert submit(client, url, {"title": "OpenNotes, renamed by staff"}).status_code == 302
    return "OpenNotes, renamed by staff"


def add_link(client: Any) -> str:
    Link.objects.create(resource=resource(), label="A mirror kept by staff",
                        url="https://mirror.example.org/notes", position=9)  # fmt: skip
    return "A mirror kept by staff"


def change_creator(client: Any) -> str:
    Creator.objects.create(resource=resource(), family_name="Newauthor", given_names="Nia",
                           position=9)  # fmt: skip
    return "Newauthor"


def rename_topic(client: Any) -> str:
    tag = Tag.objects.filter(resources_taggedresource_items__content_object=resource()).first()
    assert tag is not None
    tag.name = "A renamed topic"
    tag.save()
    return "A renamed topic"


def add_topic(client: Any) -> str:
    resource().tags.add("freshly added topic")
    return "freshly added topic"


def edit_principle(client: Any) -> str:
    principle = Principle.objects.first()
    assert principle is not None
    principle.text = "A principle the staff just rewrote."
    principle.save()
    return "A principle the staff just rewrote."


def edit_text_block(client: Any) -> str:
    block = TextBlock.objects.on_page(TextBlock.Page.RESOURCES).first()
    assert block is not None
    block.body = "Mission text the staff just rewrote."
    block.save()
    return "Mission text the staff just rewrote."


CHANGES: list[tuple[Callable[[Any], str], str]] = [
    (rename_resource_in_the_admin, "/resources/opennotes/"),
    (add_link, "/resources/opennotes/"),
    (change_creator, "/resources/opennotes/"),
    (rename_topic, "/resources/opennotes/"),
    (add_topic, "/resources/opennotes/"),
    (edit_principle, "/"),
    (edit_text_block, "/"),
]


def test_each_app_registers_the_models_its_public_pages_show() -> None:
    assert pagecache.watched() == {
        Resource, Link, Creator, FormerSlug, TaggedResource, Tag, Notice, Principle, TextBlock,
    }  # fmt: skip


def test_the_page_cache_names_no_app_or_model_of_its_own() -> None:
    source = Path(pagecache.__file__).read_text()
    tree = ast.parse(source)
    imported = {
        alias.name if isinstance(node, ast.Import) else node.module or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not {name for name in imported if name.startswith(("resources", "principles", "taggit"))}
    strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
    assert not {
        v
        for v in strings
        if isinstance(v, str) and v.startswith(("resources.", "principles.", "taggit."))
    }


def test_a_renamed_address_is_on_the_page_at_the_next_request(seeded: None) -> None:
    through_site("/resources/opennotes/")
    assert through_site("/resources/opennotes/").headers["X-Cache"] == "hit"
    through_site("/resources/open-notes-old/")  # a 404, never kept
    FormerSlug.objects.create(resource=resource(), slug="open-notes-old")
    # A former address now redirects here, at once; the page itself shows none of its
    # former addresses, so the copy kept is checked and holds.
    moved = through_site("/resources/open-notes-old/")
    assert (moved.status, moved.headers["Location"]) == (301, "/resources/opennotes/")
    assert through_site("/resources/opennotes/").headers["X-Cache"] == "revalidated"


@pytest.mark.parametrize(("change", "path"), CHANGES, ids=[c.__name__ for c, _ in CHANGES])
def test_each_kind_of_change_is_on_the_public_page_at_the_next_request(
    seeded: None, editor_client: Any, change: Callable[[Any], str], path: str
) -> None:
    through_site(path)
    assert through_site(path).headers["X-Cache"] == "hit"
    expected = change(editor_client)
    after = through_site(path)
    assert after.headers["X-Cache"] == "miss"
    assert expected in text(after)


def test_a_new_order_is_on_the_list_at_the_next_request(seeded: None) -> None:
    before = titles_in_order(through_site("/"))
    first, second = Resource.objects.listed().in_list_order()[:2]
    first.position, second.position = second.position, first.position
    first.save()
    second.save()
    after = titles_in_order(through_site("/"))
    assert after[:2] == [before[1], before[0]]


def test_a_deleted_resource_leaves_the_list_at_the_next_request(seeded: None) -> None:
    assert "OpenNotes" in " ".join(titles_in_order(through_site("/")))
    resource().delete()
    assert "OpenNotes" not in " ".join(titles_in_order(through_site("/")))


def test_a_matching_etag_gets_304_until_the_page_changes(seeded: None) -> None:
    first = through_site("/")
    etag = first.headers["ETag"]
    again = through_site("/", HTTP_IF_NONE_MATCH=etag)
    assert (again.status, again.body) == (304, b"")
    assert again.headers["ETag"] == etag
    assert through_site("/", HTTP_IF_NONE_MATCH='"something-else"').status == 200
    edit_principle(None)
    changed = through_site("/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status == 200
    assert changed.headers["ETag"] != etag


def test_last_modified_answers_if_modified_since(seeded: None) -> None:
    first = through_site("/")
    modified = first.headers["Last-Modified"]
    assert through_site("/", HTTP_IF_MODIFIED_SINCE=modified).status == 304
    assert through_site("/", HTTP_IF_MODIFIED_SINCE="Mon, 01 Jan 2001 00:00:00 GMT").status == 200
    assert through_site("/", HTTP_IF_MODIFIED_SINCE="not a date").status == 200


def test_html_is_compressed_for_clients_that_accept_gzip(seeded: None) -> None:
    plain = through_site("/")
    zipped = through_site("/", HTTP_ACCEPT_ENCODING="br, gzip;q=0.8")
    refused = through_site("/", HTTP_ACCEPT_ENCODING="gzip;q=0")
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.body) == plain.body
    assert len(zipped.body) < len(plain.body) / 2
    assert int(zipped.headers["Content-Length"]) == len(zipped.body)
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    assert "Content-Encoding" not in refused.headers


def test_the_admin_is_never_compressed_or_cached(seeded: None, staff_client: Any) -> None:
    session = staff_client.cookies[settings.SESSION_COOKIE_NAME].value
    answer = through_site(
        f"/{settings.ADMIN_PATH}resources/resource/",
        HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}={session}",
        HTTP_ACCEPT_ENCODING="gzip",
    )
    assert answer.status == 200
    assert "Content-Encoding" not in answer.headers  # it carries a CSRF token: no BREACH
    assert "X-Cache" not in answer.headers


def test_head_is_answered_from_the_cache_without_a_body(seeded: None) -> None:
    full = through_site("/")
    head = through_site("/", method="HEAD")
    assert (head.status, head.body, head.headers["X-Cache"]) == (200, b"", "hit")
    assert head.headers["Content-Length"] == str(len(full.body))


def test_a_release_retires_every_cached_page(seeded: None, monkeypatch) -> None:
    """A release migrates; new templates must not be hidden behind old cached pages."""
    through_site("/")
    assert through_site("/").headers["X-Cache"] == "hit"
    call_command("migrate", verbosity=0)
    # The same code: the page is made from the same rows, and the copy holds.
    assert through_site("/").headers["X-Cache"] == "revalidated"
    call_command("migrate", verbosity=0)
    # Other code or templates (resources/fragments.py's release): made again.
    monkeypatch.setattr(fragments, "release", lambda: "next-release")
    assert through_site("/").headers["X-Cache"] == "miss"


@contextmanager
def templates_rendered() -> Iterator[list[str]]:
    """The names of the templates rendered meanwhile."""
    rendered: list[str] = []

    def listen(sender: Any, template: Any, context: Any, **kwargs: Any) -> None:
        rendered.append(template.name)

    template_rendered.connect(listen)
    try:
        yield rendered
    finally:
        template_rendered.disconnect(listen)


def test_a_page_an_edit_left_alone_is_checked_not_made_again(
    seeded: None, make_resource: Callable[..., Resource]
) -> None:
    first = through_site("/")
    assert through_site("/").headers["X-Cache"] == "hit"
    make_resource(title="A draft not yet on the list", is_published=False)  # a new token
    with templates_rendered() as rendered:
        again = through_site("/")
    assert again.headers["X-Cache"] == "revalidated"
    assert rendered == []
    assert (again.body, again.headers["ETag"]) == (first.body, first.headers["ETag"])
    assert again.headers["Last-Modified"] == first.headers["Last-Modified"]
    assert through_site("/", HTTP_IF_NONE_MATCH=first.headers["ETag"]).status == 304
    assert through_site("/").headers["X-Cache"] == "hit"  # filed under the new token
    # An edit of an entry the page shows: made again, with it.
    opennotes = resource()
    opennotes.title = "OpenNotes, renamed"
    opennotes.save()
    changed = through_site("/")
    assert changed.headers["X-Cache"] == "miss"
    assert "OpenNotes, renamed" in titles_in_order(changed)


def test_a_resource_page_is_made_again_only_when_it_or_its_neighbours_change(
    seeded: None,
) -> None:
    path = resource("e-patients-white-paper").get_absolute_url()
    first = through_site(path)
    far = resource("pew-research-health")  # last on the list: not a neighbour
    far.title = "Pew, renamed"
    far.save()
    again = through_site(path)
    assert again.headers["X-Cache"] == "revalidated"
    assert again.body == first.body
    neighbour = resource("opennotes")  # the next one, linked from the page
    neighbour.title = "OpenNotes, renamed"
    neighbour.save()
    changed = through_site(path)
    assert changed.headers["X-Cache"] == "miss"
    links = lxml.html.fromstring(changed.body).xpath("//a[@href='/resources/opennotes/']")
    assert [" ".join(a.text_content().split()) for a in links] == ["Next OpenNotes, renamed"]


def test_what_a_page_was_made_from_is_never_sent(seeded: None, staff_client: Any, settings) -> None:
    internal = {pagecache.INPUTS.lower(), pagecache.UNCHANGED.lower()}
    paths = ["/", resource().get_absolute_url(), "/resources/?q=notes"]
    for path in paths:
        through_site(path)
        pagecache.bump()
        for answer in (through_site(path), through_site(path)):  # made again, then a hit
            assert not internal & {name.lower() for name in answer.headers}, path
        assert not internal & {name.lower() for name in staff_client.get(path).headers}, path
    settings.PAGE_CACHE_SECONDS = 0
    for path in paths:
        assert not internal & {name.lower() for name in through_site(path).headers}, path
