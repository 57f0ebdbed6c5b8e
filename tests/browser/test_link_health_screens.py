"""Link health as people see it: a broken link on a phone and a desktop, and the staff's list.

Each test saves a full-page screenshot under pytest's temporary directory, to look at.
"""

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page, expect

from resources.models import Link, LinkHealth, Resource
from tests.browser.conftest import type_app_code
from tests.conftest import enrolled, record_health

State = LinkHealth.State
SIZES = [(390, 844), (1280, 800)]


@pytest.fixture
def checked(seeded) -> None:
    """The seed as a run of the link checks might find it: two older addresses have moved on."""
    checked_on = timezone.now()
    for link in Link.objects.all():
        record_health(link.url, State.OK, last_ok_at=checked_on, title=link.label)
    record_health(
        "http://pewinternet.org/Reports/2013/Health-online.aspx",
        State.BROKEN,
        status_code=404,
        failures=2,
        last_ok_at=None,
    )
    record_health(
        "https://www.improvediagnosis.org/page/PatientResources",
        State.MOVED,
        final_url="https://www.improvediagnosis.org/patient-resources/toolkit-for-diagnosis/",
        permanent_move=True,
        last_ok_at=checked_on,
    )
    record_health(
        "https://opennotes.org",
        State.OK,
        title="OpenNotes | Home",
        reviewed_title="OpenNotes: Patients and clinicians on the same page",
        last_ok_at=checked_on,
    )


def overflow(page: Page) -> list[str]:
    """What sticks out of the window on the right: a phone user would scroll sideways."""
    return page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
            .map((e) => `${e.tagName}.${e.className}`)"""
    )


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_a_broken_link_is_marked_with_an_archived_copy(
    page: Page, live_server, checked, width, height, tmp_path: Path
):
    page.set_viewport_size({"width": width, "height": height})
    resource = Resource.objects.get(slug="pew-research-health")
    page.goto(f"{live_server.url}{resource.get_absolute_url()}")
    page.screenshot(path=tmp_path / f"detail-broken-{width}.png", full_page=True)

    mark = page.locator(".links .link-health--broken")
    expect(mark).to_have_count(1)
    expect(mark).to_be_visible()
    expect(mark).to_contain_text("Link may be broken")
    archived = mark.get_by_role("link", name="archived copy")
    assert archived.get_attribute("href") == (
        "https://web.archive.org/web/http://pewinternet.org/Reports/2013/Health-online.aspx"
    )
    box = mark.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= width
    expect(page.locator(".links .link-health:not(.link-health--broken)").first).to_contain_text(
        "Link checked on"
    )
    assert overflow(page) == []


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_list_marks_the_broken_link(
    page: Page, live_server, checked, width, height, tmp_path: Path
):
    Link.objects.filter(url__contains="pewinternet.org/Reports/2013").update(position=0)
    pew = Link.objects.get(url="https://www.pewresearch.org/internet/")
    record_health(pew.url, State.BROKEN, status_code=410, failures=2)
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/#pew-research-health")
    item = page.locator("li#pew-research-health")
    item.screenshot(path=tmp_path / f"list-broken-{width}.png")

    expect(item.locator(".link-health--broken")).to_contain_text("Link may be broken")
    assert overflow(page) == []


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_links_that_need_attention_fit_the_screen(
    page: Page, live_server, checked, width, height, tmp_path: Path
):
    enrolled(User.objects.create_superuser("staff", password="a long enough passphrase"))
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/admin/login/?next=/admin/resources/resource/links/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", "a long enough passphrase")
    page.click("input[type=submit]")
    type_app_code(page, "staff")
    expect(page.get_by_role("heading", name="Needs attention", exact=True)).to_be_visible()
    page.screenshot(path=tmp_path / f"needs-attention-{width}.png", full_page=True)

    expect(page.locator("#broken tbody tr")).to_have_count(1)
    expect(page.locator("#retitled tbody tr")).to_have_count(1)
    button = page.get_by_role("button", name="Use the new address")
    button.scroll_into_view_if_needed()
    expect(button).to_be_visible()
    assert overflow(page) == []

    button.click()
    expect(page.locator(".messagelist")).to_contain_text("now links to")
    expect(page.locator("#moved")).to_contain_text("Moved permanently (0)")
