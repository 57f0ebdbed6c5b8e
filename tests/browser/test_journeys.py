"""Whole visits, as providers, members and staff make them: with a pointer and with a keyboard."""

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from resources.models import Resource
from tests.browser.conftest import type_app_code
from tests.conftest import CLIENT_ORDER, enrolled

PASSWORD = "a long enough passphrase"

# What the focused element looks like: an outline (the site's, or the browser's own "auto"
# ring) or a box-shadow ring must show where focus is.
FOCUS = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  const box = element.getBoundingClientRect();
  return {
    element: `${element.tagName.toLowerCase()}#${element.id}.${element.className} `
      + `"${(element.innerText || element.value || "").trim().slice(0, 40)}"`,
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
    ring: style.boxShadow !== "none",
    onScreen: box.bottom > 0 && box.top < innerHeight && box.right > 0 && box.left < innerWidth,
  };
}"""


def focus_shows(page: Page) -> None:
    focus = page.evaluate(FOCUS)
    assert focus["outline"] or focus["ring"], f"no visible focus on {focus['element']}"
    assert focus["onScreen"], f"focus is off screen on {focus['element']}"


def press_tab_until(page: Page, selector: str, limit: int = 60) -> None:
    """Tab forward until ``selector`` has focus; every element on the way must show focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus_shows(page)
        if page.evaluate("selector => document.activeElement.matches(selector)", selector):
            return
    pytest.fail(f"{selector} not reached in {limit} presses of Tab")


def skip_to_main(page: Page) -> None:
    """The first Tab shows the skip link; Enter on it puts focus on the main content."""
    skip = page.locator("a.skip-link")
    hidden = skip.bounding_box()
    assert hidden is not None
    assert hidden["y"] + hidden["height"] <= 0, "the skip link shows before it has focus"

    press_tab_until(page, "a.skip-link", limit=1)
    expect(skip).to_be_in_viewport(ratio=1)
    expect(skip).to_have_text("Skip to main content")

    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def skip_admin_to_content(page: Page) -> None:
    """The admin's own skip link, first on every page, passes its header and menu."""
    press_tab_until(page, "a.skip-to-content-link", limit=1)
    page.keyboard.press("Enter")


@pytest.fixture
def visitor(browser: Browser) -> Iterator[Page]:
    """Someone not signed in, on a phone."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    yield context.new_page()
    context.close()


@pytest.fixture
def staff(browser: Browser, seeded, editors_group: Group) -> Iterator[Page]:
    """An Editor's browser on a laptop, not yet signed in."""
    user = User.objects.create_user("vera", password=PASSWORD, is_staff=True)
    user.groups.add(editors_group)
    enrolled(user)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield context.new_page()
    context.close()


def stub_other_sites(context: BrowserContext, url: str) -> None:
    """Answer for the site at ``url`` ourselves: the tests never reach out to the internet."""
    parts = urlsplit(url)

    def elsewhere(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html", body="<title>Elsewhere</title>")

    context.route(f"{parts.scheme}://{parts.netloc}/**", elsewhere)


def test_provider_opens_a_resource_from_the_list_and_follows_its_link(
    visitor: Page, live_server, seeded
):
    resource = Resource.objects.get(slug="opennotes")
    link = resource.primary_link
    assert link is not None
    stub_other_sites(visitor.context, link.url)
    visitor.goto(live_server.url)

    visitor.locator("li#opennotes h3 a").click()

    expect(visitor).to_have_url(f"{live_server.url}/resources/opennotes/")
    expect(visitor.locator("h1")).to_have_text(resource.title)
    primary = visitor.locator("section[aria-labelledby=links-heading] a.button")
    expect(primary).to_have_attribute("href", link.url)
    expect(primary).to_have_text(link.label)
    primary.click()
    expect(visitor).to_have_title("Elsewhere")
    assert visitor.url.rstrip("/") == link.url.rstrip("/")  # the browser adds a bare host's "/"


def test_member_deep_links_land_on_the_item(visitor: Page, live_server, seeded):
    last = Resource.objects.get(slug=CLIENT_ORDER[-1])

    visitor.goto(f"{live_server.url}/#{last.slug}")

    # The last item is far down the page: the browser scrolled to it.
    item = visitor.locator(f"li#{last.slug}")
    expect(item.locator("h3")).to_be_in_viewport(ratio=1)
    expect(item.locator("h3")).to_have_text(last.title)
    assert visitor.evaluate("document.querySelector(':target').id") == last.slug

    visitor.goto(f"{live_server.url}/resources/{last.slug}/")
    expect(visitor.locator("h1")).to_have_text(last.title)
    expect(visitor.locator(".eyebrow")).to_contain_text(
        f"Resource {len(CLIENT_ORDER)} of {len(CLIENT_ORDER)}"
    )
    # Back to the list lands on the same item, not on the top of the list.
    visitor.get_by_role("link", name="Back to the list").click()
    expect(visitor).to_have_url(f"{live_server.url}/#{last.slug}")
    expect(item.locator("h3")).to_be_in_viewport(ratio=1)


def sign_in(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "vera")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    type_app_code(page, "vera")
    expect(page).to_have_url(f"{live_server.url}/admin/")


def saved(page: Page) -> None:
    expect(page.locator(".messagelist .success")).to_have_count(1)
    expect(page.locator(".errornote")).to_have_count(0)


def list_titles(page: Page, live_server) -> list[str]:
    page.goto(live_server.url)
    return page.locator("ol.resource-list li.resource h3").all_text_contents()


def test_staff_changes_show_on_the_public_pages_at_once(
    staff: Page, visitor: Page, live_server, seeded
):
    resource = Resource.objects.get(slug="opennotes")
    detail = f"{live_server.url}/resources/opennotes/"
    change_form = f"{live_server.url}/admin/resources/resource/{resource.pk}/change/"
    # The visitor has seen the pages before each change: nothing cached may hide the change.
    before = list_titles(visitor, live_server)
    visitor.goto(detail)
    sign_in(staff, live_server)

    # A new summary.
    staff.goto(change_form)
    staff.fill("#id_summary", "Patients read the notes their clinicians write, and do better.")
    staff.locator("input[name=_save]").first.click()
    saved(staff)
    visitor.goto(detail)
    expect(visitor.locator(".lead")).to_have_text(
        "Patients read the notes their clinicians write, and do better."
    )
    visitor.goto(live_server.url)
    expect(visitor.locator("li#opennotes .resource__summary")).to_have_text(
        "Patients read the notes their clinicians write, and do better."
    )

    # The first two resources swap places.
    staff.goto(f"{live_server.url}/admin/resources/resource/")
    first, second = (
        staff.locator("#result_list tbody tr", has_text=title).locator("input[name$=-position]")
        for title in before[:2]
    )
    first_position, second_position = first.input_value(), second.input_value()
    first.fill(second_position)
    second.fill(first_position)
    staff.locator("#changelist-form input[name=_save]").click()
    saved(staff)
    assert list_titles(visitor, live_server) == [before[1], before[0], *before[2:]]

    # A new link.
    staff.goto(change_form)
    new_row = staff.locator("#id_links-INITIAL_FORMS").input_value()
    staff.fill(f"#id_links-{new_row}-label", "Read the 2010 study")
    staff.fill(f"#id_links-{new_row}-url", "https://example.org/opennotes-study")
    staff.fill(f"#id_links-{new_row}-position", "90")
    staff.locator("input[name=_save]").first.click()
    saved(staff)
    visitor.goto(detail)
    expect(visitor.get_by_role("link", name="Read the 2010 study", exact=True)).to_have_attribute(
        "href", "https://example.org/opennotes-study"
    )


def test_provider_with_a_keyboard_searches_and_opens_a_resource(visitor: Page, live_server, seeded):
    resource = Resource.objects.get(slug="patients-toolkit-for-diagnosis")
    visitor.goto(live_server.url)
    skip_to_main(visitor)

    visitor.goto(live_server.url)
    press_tab_until(visitor, "#site-q", limit=5)
    visitor.keyboard.type("diagnose")
    visitor.keyboard.press("Enter")
    expect(visitor).to_have_url(f"{live_server.url}/resources/?q=diagnose")

    skip_to_main(visitor)
    press_tab_until(visitor, "ol.resource-list li.resource h3 a")
    visitor.keyboard.press("Enter")
    expect(visitor).to_have_url(f"{live_server.url}{resource.get_absolute_url()}")
    expect(visitor.locator("h1")).to_have_text(resource.title)

    skip_to_main(visitor)
    press_tab_until(visitor, "section[aria-labelledby=links-heading] a.button")
    link = resource.primary_link
    assert link is not None
    assert visitor.evaluate("document.activeElement.href") == link.url


def test_staff_with_a_keyboard_edits_reorders_and_adds_a_link(
    staff: Page, visitor: Page, live_server, seeded
):
    resource = Resource.objects.get(slug="let-patients-help")
    detail = f"{live_server.url}{resource.get_absolute_url()}"
    before = list_titles(visitor, live_server)
    visitor.goto(detail)

    staff.goto(f"{live_server.url}/admin/login/")
    expect(staff.locator("#id_username")).to_be_focused()  # the form's autofocus
    focus_shows(staff)
    staff.keyboard.type("vera")
    press_tab_until(staff, "#id_password", limit=1)
    staff.keyboard.type(PASSWORD)
    staff.keyboard.press("Enter")
    type_app_code(staff, "vera")
    expect(staff).to_have_url(f"{live_server.url}/admin/")

    # A new summary and a new link, in one save of the change form.
    staff.goto(f"{live_server.url}/admin/resources/resource/{resource.pk}/change/")
    skip_admin_to_content(staff)
    press_tab_until(staff, "#id_summary")
    staff.keyboard.press("ControlOrMeta+a")
    staff.keyboard.type("A short book of what patients can do, by a patient who did it.")
    new_row = staff.locator("#id_links-INITIAL_FORMS").input_value()
    press_tab_until(staff, f"#id_links-{new_row}-label", limit=120)
    staff.keyboard.type("Listen to the author")
    press_tab_until(staff, f"#id_links-{new_row}-url", limit=1)
    staff.keyboard.type("https://example.org/let-patients-help-talk")
    press_tab_until(staff, "input[name=_save]")
    staff.keyboard.press("Enter")
    saved(staff)

    # The first two resources swap places in the list's order column.
    staff.goto(f"{live_server.url}/admin/resources/resource/")
    first, second = (staff.locator(f"#id_form-{row}-position").input_value() for row in (0, 1))
    press_tab_until(staff, "#id_form-0-position", limit=150)
    staff.keyboard.press("ControlOrMeta+a")
    staff.keyboard.type(second)
    press_tab_until(staff, "#id_form-1-position", limit=10)
    staff.keyboard.press("ControlOrMeta+a")
    staff.keyboard.type(first)
    press_tab_until(staff, "#changelist-form input[name=_save]", limit=80)
    staff.keyboard.press("Enter")
    saved(staff)

    visitor.goto(detail)
    expect(visitor.locator(".lead")).to_have_text(
        "A short book of what patients can do, by a patient who did it."
    )
    expect(visitor.get_by_role("link", name="Listen to the author", exact=True)).to_have_attribute(
        "href", "https://example.org/let-patients-help-talk"
    )
    assert list_titles(visitor, live_server) == [before[1], before[0], *before[2:]]
