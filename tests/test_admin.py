"""The admin is the staff's user interface: every word editable, no edit lost, no 500."""

import json
import re
from html import unescape
from typing import Any

import pytest
from taggit.models import Tag

from principles.models import Principle, TextBlock
from resources.models import Link, Resource

from .conftest import change_url, form_values, page, post_change, submit


def test_admin_shows_the_site_title_and_the_list_columns(staff_client, seeded):
    response = staff_client.get("/admin/resources/resource/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "SPM Resources" in html
    for column in [
        "column-position",
        "column-title",
        "column-kind",
        "column-is_published",
        "column-updated_at",
    ]:
        assert column in html
    assert html.index("e-Patients: How They Can Help") < html.index("Let Patients Help!")


def test_staff_edit_through_the_change_form_shows_on_the_public_pages(staff_client, client, seeded):
    resource = Resource.objects.get(slug="opennotes")
    response = post_change(
        staff_client,
        resource,
        title="OpenNotes: sharing visit notes",
        summary="A clearer summary written by staff.",
        tags="open notes, transparency",
    )
    assert response.status_code == 302

    home = client.get("/").content.decode()
    detail = client.get("/resources/opennotes/").content.decode()
    assert "OpenNotes: sharing visit notes" in home
    assert "A clearer summary written by staff." in home
    assert '<a href="/resources/tags/transparency/">transparency</a>' in detail


def test_unpublishing_in_the_admin_takes_a_resource_off_the_site(staff_client, client, seeded):
    resource = Resource.objects.get(slug="opennotes")
    assert post_change(staff_client, resource, is_published=None).status_code == 302
    assert 'id="opennotes"' not in client.get("/").content.decode()
    assert client.get("/resources/opennotes/").status_code == 404


@pytest.mark.parametrize(
    "url", ["ftp://example.org/file.pdf", "javascript:alert(1)", "mailto:someone@example.org"]
)
def test_admin_refuses_a_link_that_is_not_http_or_https(staff_client, seeded, url):
    resource = Resource.objects.get(slug="opennotes")
    response = post_change(staff_client, resource, **{"links-0-url": url})
    assert response.status_code == 200
    assert (
        "Enter a full web address that starts with http:// or https://."
        in response.content.decode()
    )
    assert not Link.objects.filter(url=url).exists()


def test_admin_accepts_http_and_https_links(staff_client, seeded):
    resource = Resource.objects.get(slug="opennotes")
    response = post_change(staff_client, resource, **{"links-0-url": "http://example.org/notes"})
    assert response.status_code == 302
    assert resource.links.filter(url="http://example.org/notes").exists()


def test_admin_has_no_primary_tick_the_first_link_is_the_one_the_list_opens(staff_client, seeded):
    resource = Resource.objects.get(slug="opennotes")
    form = page(staff_client.get(change_url(resource)))
    names = {field.get("name") for field in form.iter("input", "select", "textarea")}
    assert "links-0-position" in names
    assert not {name for name in names if name and name.endswith("is_primary")}


def test_admin_reordering_links_changes_the_one_the_list_opens(staff_client, client, seeded):
    resource = Resource.objects.get(slug="opennotes")
    links = list(resource.links.order_by("position", "pk"))
    assert f'class="button" href="{links[0].url}"' in client.get("/").content.decode()
    response = post_change(
        staff_client, resource, **{"links-0-position": 30, "links-1-position": 5}
    )
    assert response.status_code == 302
    assert resource.primary_link == links[1]
    home = client.get("/").content.decode()
    assert f'class="button" href="{links[1].url}"' in home
    detail = page(client.get("/resources/opennotes/"))
    buttons = detail.xpath("//section[@aria-labelledby='links-heading']//a[@class='button']")
    assert [a.get("href") for a in buttons] == [links[1].url]


def test_admin_adds_a_resource_with_its_creators_and_links(staff_client, client, seeded):
    data = {
        "title": "A new resource", "slug": "a-new-resource", "kind": "book",
        "audience": "providers", "position": 5,
        "summary": "Added by staff.", "is_published": "on", "tags": "books",
        "creators-TOTAL_FORMS": 2, "creators-INITIAL_FORMS": 0,
        "creators-MIN_NUM_FORMS": 0, "creators-MAX_NUM_FORMS": 1000,
        "creators-0-role": "author", "creators-0-given_names": "Grace",
        "creators-0-family_name": "Hopper", "creators-0-credentials": "PhD",
        "creators-0-position": 1,
        "creators-1-role": "editor",
        "creators-1-organisation": "Society for Participatory Medicine",
        "creators-1-position": 2,
        "links-TOTAL_FORMS": 1, "links-INITIAL_FORMS": 0,
        "links-MIN_NUM_FORMS": 0, "links-MAX_NUM_FORMS": 1000,
        "links-0-label": "Read it", "links-0-url": "https://example.org/new",
        "links-0-position": 0,
    }  # fmt: skip
    response = staff_client.post("/admin/resources/resource/add/", data)
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert html.index('id="a-new-resource"') < html.index('id="e-patients-white-paper"')
    detail = client.get("/resources/a-new-resource/").content.decode()
    assert (
        '<p class="byline">Grace Hopper, PhD; edited by Society for Participatory Medicine</p>'
        in detail
    )


def test_admin_refuses_a_duplicate_slug_with_a_form_error(staff_client, seeded):
    resource = Resource.objects.get(slug="opennotes")
    response = post_change(staff_client, resource, slug="let-patients-help")
    assert response.status_code == 200
    assert "Another resource already has this slug. Choose another." in response.content.decode()


def list_row(values: dict[str, Any], resource: Resource) -> str:
    """The form prefix of ``resource``'s row in the admin list's editable columns."""
    (key,) = [k for k, v in values.items() if k.endswith("-id") and str(v) == str(resource.pk)]
    return key.removesuffix("-id")


def test_admin_reorders_from_the_list(staff_client, client, seeded):
    pew = Resource.objects.get(slug="pew-research-health")
    values = form_values(staff_client, "/admin/resources/resource/", "changelist-form")
    row = list_row(values, pew)
    response = submit(
        staff_client,
        "/admin/resources/resource/",
        {f"{row}-position": 1, "_save": "Save"},
        "changelist-form",
    )
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert html.index('id="pew-research-health"') < html.index('id="e-patients-white-paper"')


@pytest.mark.parametrize(
    ("query", "expected", "absent"),
    [
        ("kind__exact=book", "Let Patients Help!", "OpenNotes"),
        ("is_published__exact=1", "OpenNotes", "A hidden draft"),
        ("q=Delbanco", "OpenNotes", "Let Patients Help!"),
    ],
)
def test_admin_filters_and_search(staff_client, seeded, make_resource, query, expected, absent):
    make_resource(title="A hidden draft", is_published=False)
    html = staff_client.get(f"/admin/resources/resource/?{query}").content.decode()
    assert expected in html
    assert absent not in html


def test_admin_filters_by_tag(staff_client, seeded):
    tag = Tag.objects.get(name="diagnosis")
    html = staff_client.get(f"/admin/resources/resource/?tags__id__exact={tag.pk}").content.decode()
    assert "The Patient’s Toolkit for Diagnosis" in html
    assert "OpenNotes" not in html


def test_admin_change_form_prefills_the_slug_and_links_to_the_site(staff_client, seeded):
    resource = Resource.objects.get(slug="opennotes")
    html = staff_client.get(f"/admin/resources/resource/{resource.pk}/change/").content.decode()
    assert "View on site" in html
    add = staff_client.get("/admin/resources/resource/add/").content.decode()
    found = re.search(r'data-prepopulated-fields="([^"]*)"', add)
    assert found is not None
    (slug_field,) = json.loads(unescape(found.group(1)))
    assert slug_field["id"] == "#id_slug"
    assert slug_field["dependency_ids"] == ["#id_title"]


def test_staff_edit_principles_and_mission_text(staff_client, client, seeded):
    principle = Principle.objects.get(key="engaged-patients")
    response = submit(
        staff_client,
        f"/admin/principles/principle/{principle.pk}/change/",
        {"text": "An edited principle.", "position": 99},
    )
    assert response.status_code == 302
    block = TextBlock.objects.get(key="patients-can-help")
    response = submit(
        staff_client,
        f"/admin/principles/textblock/{block.pk}/change/",
        {"heading": "Patients help", "body": "First.\n\nSecond.", "position": 1},
    )
    assert response.status_code == 302

    html = client.get("/").content.decode()
    assert "An edited principle." in html
    assert html.index("An edited principle.") > html.index("mutual-collaboration")
    assert "<h2>Patients help</h2>" in html
    assert "<p>First.</p>\n\n<p>Second.</p>" in html
