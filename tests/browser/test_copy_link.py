"""The copy buttons, as a provider on a phone uses them."""

import pytest
from playwright.sync_api import Page, expect

from resources.models import Resource


@pytest.fixture
def phone(page: Page) -> Page:
    page.set_viewport_size({"width": 390, "height": 844})
    return page


def test_copy_button_copies_the_permalink_and_says_so(phone, live_server, seeded):
    resource = Resource.objects.get(slug="opennotes")
    phone.goto(f"{live_server.url}{resource.get_absolute_url()}")
    share = phone.locator(".share .permalink").first
    button = share.get_by_role("button", name="Copy OpenNotes")

    button.click()

    expect(share.get_by_role("status")).to_have_text("Copied")
    copied = phone.evaluate("navigator.clipboard.readText()")
    assert copied == share.get_attribute("data-copy")
    assert copied.endswith("/resources/opennotes/")


def test_each_list_item_copies_its_own_link(phone, live_server, seeded):
    phone.goto(live_server.url)
    item = phone.locator("li#let-patients-help")

    item.get_by_role("button", name="Copy Let Patients Help!").click()

    expect(item.get_by_role("status")).to_have_text("Copied")
    assert phone.evaluate("navigator.clipboard.readText()").endswith(
        "/resources/let-patients-help/"
    )


def test_without_javascript_the_link_is_there_to_copy_by_hand(browser, live_server, seeded):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/resources/opennotes/")
    assert page.locator(".copy-button").count() == 0
    expect(page.locator(".share .permalink a").first).to_have_text(
        "http://127.0.0.1:8000/resources/opennotes/"
    )
    context.close()
