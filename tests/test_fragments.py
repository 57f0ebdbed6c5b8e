"""Fragments kept per object: after an edit, the pages show the change, and every entry the
edit did not touch comes from the cache as it was kept, not rendered again."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import lxml.html
import pytest
from django.test import Client
from django.test.signals import template_rendered
from reversion.models import Version
from taggit.models import Tag

from resources import fragments
from resources.models import Resource

from .conftest import CLIENT_ORDER, page, post_change, record_health, submit

ITEM = "includes/resource_item.html"
ADMIN = "/admin/resources/resource/"


@contextmanager
def entries_rendered() -> Iterator[list[str]]:
    """The slugs of the list entries rendered (not taken from the cache) meanwhile."""
    rendered: list[str] = []

    def listen(sender: Any, template: Any, context: Any, **kwargs: Any) -> None:
        if template.name == ITEM:
            rendered.append(context["resource"].slug)

    template_rendered.connect(listen)
    try:
        yield rendered
    finally:
        template_rendered.disconnect(listen)


def entries(document: lxml.html.HtmlElement) -> dict[str, lxml.html.HtmlElement]:
    return {li.get("id"): li for li in document.xpath("//ol[@class='resource-list']/li")}


def title(entry: lxml.html.HtmlElement) -> str:
    return " ".join(entry.xpath("string(./h3)").split())


def visit(client: Client, url: str = "/") -> tuple[lxml.html.HtmlElement, list[str]]:
    """The page at ``url``, parsed, and which entries were rendered to make it."""
    with entries_rendered() as rendered:
        document = page(client.get(url))
    return document, rendered


@pytest.fixture
def warm(client: Client, seeded: None) -> Client:
    """The list with every entry kept: a second visit renders none of them."""
    first, rendered = visit(client)
    assert sorted(rendered) == sorted(CLIENT_ORDER)
    again, rendered = visit(client)
    assert rendered == []
    assert lxml.html.tostring(again) == lxml.html.tostring(first)
    return client


def test_a_new_title_is_shown_and_the_other_entries_are_reused(warm, editor_client):
    resource = Resource.objects.get(slug="opennotes")
    assert post_change(editor_client, resource, title="OpenNotes, retitled").status_code == 302

    document, rendered = visit(warm)

    assert rendered == ["opennotes"]
    shown = entries(document)
    assert title(shown["opennotes"]) == "OpenNotes, retitled"
    assert list(shown) == CLIENT_ORDER
    detail = page(warm.get("/resources/opennotes/"))
    assert detail.xpath("string(//h1)") == "OpenNotes, retitled"
    # The pages next to it name it in their previous and next links.
    before = page(warm.get(f"/resources/{CLIENT_ORDER[0]}/"))
    assert before.xpath("string(//li[@class='pager__next']/a)").endswith("OpenNotes, retitled")


def test_a_new_place_in_the_order_moves_the_entry_and_reuses_the_others(warm, editor_client):
    last = Resource.objects.get(slug=CLIENT_ORDER[-1])
    first = Resource.objects.get(slug=CLIENT_ORDER[0])
    assert post_change(editor_client, last, position=str(first.position - 1)).status_code == 302

    document, rendered = visit(warm)

    assert rendered == [last.slug]
    assert list(entries(document)) == [last.slug, *CLIENT_ORDER[:-1]]
    assert document.xpath("//ol[@class='resource-list']/@start") == ["1"]
    moved = page(warm.get(last.get_absolute_url()))
    assert "Resource 1 of 8" in moved.xpath("string(//p[@class='eyebrow'])")
    assert moved.xpath("//li[@class='pager__prev']") == []
    was_first = page(warm.get(first.get_absolute_url()))
    assert "Resource 2 of 8" in was_first.xpath("string(//p[@class='eyebrow'])")
    assert was_first.xpath("string(//li[@class='pager__prev']/a)").endswith(last.title)


def test_a_broken_link_is_marked_and_the_other_entries_are_reused(warm):
    resource = Resource.objects.get(slug="opennotes")
    link = resource.primary_link
    assert link is not None
    record_health(link.url, "broken", failures=2, status_code=404)

    document, rendered = visit(warm)

    assert rendered == ["opennotes"]
    marked = [slug for slug, li in entries(document).items() if "Link may be broken" in
              li.text_content()]  # fmt: skip
    assert marked == ["opennotes"]
    detail = page(warm.get("/resources/opennotes/"))
    assert "Link may be broken" in detail.xpath("string(//ul[@class='links']/li[1])")


def test_a_check_that_finds_a_link_as_before_renders_nothing_again(warm):
    link = Resource.objects.get(slug="opennotes").primary_link
    assert link is not None
    record_health(link.url, "ok", status_code=200)  # the first check: nothing shown changes
    document, rendered = visit(warm)
    assert rendered == []
    assert "Link may be broken" not in document.text_content()


def test_an_archived_resource_leaves_the_list_and_no_other_entry_is_rendered(warm, editor_client):
    archived = Resource.objects.get(slug="pew-research-health")
    editor_client.post(ADMIN, {"action": "archive", "_selected_action": [archived.pk]})

    document, rendered = visit(warm)

    assert rendered == []
    assert list(entries(document)) == [s for s in CLIENT_ORDER if s != archived.slug]
    detail = page(warm.get(archived.get_absolute_url()))
    assert "Archived." in detail.xpath("string(//div[contains(@class, 'notice--archived')])")
    assert "Resource" not in detail.xpath("string(//p[@class='eyebrow'])").split(" ·")[0]
    kept = page(warm.get(f"/resources/{CLIENT_ORDER[-2]}/"))
    assert "Resource 7 of 7" in kept.xpath("string(//p[@class='eyebrow'])")


def test_a_published_draft_joins_the_list_and_the_other_entries_are_reused(
    warm, editor_client, make_resource
):
    draft = make_resource(title="Newly published", is_published=False, position=1)
    preview = page(editor_client.get(draft.get_absolute_url()))
    assert "Draft: not public." in preview.text_content()
    document, rendered = visit(warm)
    assert "newly-published" not in entries(document)
    assert rendered == []

    assert (
        submit(editor_client, f"{ADMIN}{draft.pk}/change/", {"is_published": "on"}).status_code
        == 302
    )

    document, rendered = visit(warm)
    assert rendered == [draft.slug]
    assert list(entries(document)) == [draft.slug, *CLIENT_ORDER]
    published = page(warm.get(draft.get_absolute_url()))
    assert "Draft: not public." not in published.text_content()
    assert "Resource 1 of 9" in published.xpath("string(//p[@class='eyebrow'])")


def test_merged_topics_show_on_the_entries_that_had_them_and_the_others_are_reused(
    warm, editor_client
):
    keep = Tag.objects.get(name="patient engagement")
    duplicate = Tag.objects.create(name="engaging patients", slug="engaging-patients")
    Resource.objects.get(slug="opennotes").tags.add(duplicate)
    before = set(Resource.objects.filter(tags__in=[keep, duplicate]).values_list("slug", flat=True))
    document, rendered = visit(warm)
    assert rendered == ["opennotes"]

    confirm = editor_client.post(
        "/admin/taggit/tag/", {"action": "merge", "_selected_action": [keep.pk, duplicate.pk]}
    )
    (form,) = [f for f in page(confirm).forms if f.xpath(".//input[@name='keep']")]
    values: dict[str, list[str]] = {}
    for name, value in form.form_values():
        values.setdefault(name, []).append(value)
    response = editor_client.post("/admin/taggit/tag/", {**values, "keep": str(keep.pk)})
    assert response.status_code == 302
    assert not Tag.objects.filter(pk=duplicate.pk).exists()

    document, rendered = visit(warm)
    assert rendered == ["opennotes"]  # the one resource that had the merged topic
    for slug, entry in entries(document).items():
        topics = entry.xpath(".//ul[@class='tags']/li/a/text()")
        assert "engaging patients" not in topics
        assert ("patient engagement" in topics) == (slug in before)


def test_a_restored_version_is_shown_and_the_other_entries_are_reused(warm, editor_client):
    resource = Resource.objects.get(slug="opennotes")
    original = resource.title
    post_change(editor_client, resource, title="A title to undo")
    document, rendered = visit(warm)
    assert title(entries(document)["opennotes"]) == "A title to undo"

    history = page(editor_client.get(f"{ADMIN}{resource.pk}/history/"))
    versions = history.xpath("//table[@id='change-history']//th/a/@href")
    assert Version.objects.get_for_object(resource).count() == len(versions) == 2
    assert submit(editor_client, versions[-1], {}).status_code == 302

    document, rendered = visit(warm)
    assert rendered == ["opennotes"]
    assert title(entries(document)["opennotes"]) == original
    assert page(warm.get("/resources/opennotes/")).xpath("string(//h1)") == original


def test_a_search_shows_an_edit_and_reuses_the_other_results(client, seeded, editor_client):
    search = "/resources/?q=patients"
    document, rendered = visit(client, search)
    found = list(entries(document))
    assert len(found) > 2
    assert rendered == found
    assert visit(client, search)[1] == []
    resource = Resource.objects.get(slug=found[1])
    post_change(editor_client, resource, title=f"{resource.title}, for patients, retitled")

    document, rendered = visit(client, search)

    assert rendered == [resource.slug]
    assert title(entries(document)[resource.slug]) == f"{resource.title}, for patients, retitled"
    marked = entries(document)[resource.slug].xpath(".//h3//mark/text()")
    assert "patients" in [word.lower() for word in marked]


def test_a_resource_page_shows_the_new_day_a_link_was_last_found_working(client, seeded):
    link = Resource.objects.get(slug="opennotes").primary_link
    assert link is not None
    first, later = datetime(2026, 3, 2, 12, tzinfo=UTC), datetime(2026, 5, 9, 12, tzinfo=UTC)

    def checked_on() -> str:
        detail = page(client.get("/resources/opennotes/"))
        return detail.xpath("string(//ul[@class='links']/li[1]//time/@datetime)")

    record_health(link.url, "ok", last_ok_at=first)
    assert checked_on() == "2026-03-02"
    assert checked_on() == "2026-03-02"  # kept
    record_health(link.url, "ok", last_ok_at=later)
    assert checked_on() == "2026-05-09"


def test_a_new_release_files_its_fragments_apart_and_the_tests_are_no_part_of_it(
    tmp_path, settings
):
    """A deploy that changes code, templates or static files (whose digests are in the
    addresses the pages give) never serves fragments or pages an older one made."""
    files = {
        "templates/includes/item.html": "<li>",
        "resources/views.py": "x = 1",
        "requirements.lock": "django==6.1.3",
        "static/css/site.css": "body {}",
        "tests/test_x.py": "",
    }
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    settings.BASE_DIR = tmp_path
    digest = fragments.release.__wrapped__

    first = digest()
    (tmp_path / "tests/test_x.py").write_text("assert True")
    assert digest() == first
    changed = ["templates/includes/item.html", "resources/views.py", "requirements.lock",
               "static/css/site.css"]  # fmt: skip
    for path in changed:
        (tmp_path / path).write_text((tmp_path / path).read_text() + " ")
        assert digest() != first, path
        first = digest()
    settings.SITE_URL = "https://elsewhere.example.org"
    assert digest() != first
