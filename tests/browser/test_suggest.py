"""A member suggests a resource in Chromium, with JavaScript and without, on a phone and a
desktop, under the site's strict CSP: the form, its errors (summary first, each tied to its
field), the thank-you page; then staff see it in the queue. axe finds no WCAG 2.2 AA problem
and the browser reports no CSP violation. Screenshots go under pytest's temporary directory
(or SCREENSHOTS, when set), to look at."""

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

from suggestions.models import PlusOne, Suggestion
from tests.browser.conftest import type_app_code
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_csp import RECORD_VIOLATIONS
from tests.browser.test_link_health_screens import overflow
from tests.conftest import enrolled

pytestmark = pytest.mark.usefixtures("fresh_defences")

SIZES = {"phone": (390, 844), "desktop": (1280, 800)}


def checked(page: Page, axe_source: str, javascript: bool) -> None:
    """No accessibility problem, nothing wider than the window, and no CSP violation."""
    assert overflow(page) == []
    if javascript:  # axe and the violation log are scripts: they need JavaScript on
        assert axe_violations(page, axe_source) == []
        assert page.evaluate("window.cspViolations") == []


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
@pytest.mark.parametrize("size", SIZES)
def test_a_member_suggests_a_resource(
    browser: Browser, live_server, seeded, clock, axe_source, size, javascript, tmp_path: Path
):
    shots = Path(os.environ.get("SCREENSHOTS", tmp_path))
    width, height = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": height}, java_script_enabled=javascript
    )
    page = context.new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    response = page.goto(f"{live_server.url}/")
    assert response is not None
    page.get_by_role("link", name="Suggest it").click()
    expect(page.locator("h1")).to_have_text("Suggest a resource")
    checked(page, axe_source, javascript)
    counter = page.locator(".field__count")
    expect(counter).to_have_count(1 if javascript else 0)
    if javascript:
        expect(counter).to_have_text("2,000 characters left")
    tag = "js" if javascript else "nojs"
    if javascript:
        page.screenshot(path=shots / f"suggest-form-{width}.png", full_page=True)

    # Sent with the note missing and a web address of another kind.
    page.get_by_label("DOI, PubMed ID, ISBN or web address").fill("ftp://example.org/paper.pdf")
    clock.advance(10)
    page.get_by_role("button", name="Send the suggestion").click()
    expect(page).to_have_title("Error: Suggest a resource | Society for Participatory Medicine")
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # autofocus: read first, with or without JavaScript
    expect(summary.get_by_role("link")).to_have_count(2)
    note = page.get_by_label("Why would it help providers?")
    expect(note).to_have_attribute("aria-invalid", "true")
    expect(note).to_have_accessible_description(
        "A few sentences, at most 2,000 characters and two links. Please do not include any "
        "patient\u2019s health information. Error: Say in a few words why it would help "
        "providers."
    )
    expect(page.get_by_label("DOI, PubMed ID, ISBN or web address")).to_have_value(
        "ftp://example.org/paper.pdf"
    )
    checked(page, axe_source, javascript)
    page.screenshot(path=shots / f"suggest-errors-{width}-{tag}.png", full_page=True)
    summary.get_by_role("link").last.click()  # the note's error leads to the note
    expect(note).to_be_focused()

    page.get_by_label("DOI, PubMed ID, ISBN or web address").fill("10.5555/OpenNotes.2012.1")
    note.fill("Shows clinicians how sharing visit notes changes the conversation.")
    if javascript:
        expect(counter).to_have_text("1,934 characters left")
    page.get_by_label("Your name").fill("Pat Member")
    page.get_by_label("Your email").fill("pat@example.org")
    clock.advance(10)
    page.get_by_role("button", name="Send the suggestion").click()
    expect(page).to_have_url(f"{live_server.url}/suggest/thanks/")
    expect(page.locator("h1")).to_have_text("Thank you for your suggestion")
    checked(page, axe_source, javascript)
    page.screenshot(path=shots / f"suggest-thanks-{width}-{tag}.png", full_page=True)
    context.close()

    suggestion = Suggestion.objects.get()
    assert (suggestion.status, suggestion.email) == ("new", "pat@example.org")


@pytest.mark.parametrize("size", SIZES)
def test_staff_see_the_queue(
    page: Page, live_server, db, registry, axe_source, size, tmp_path: Path
):
    shots = Path(os.environ.get("SCREENSHOTS", tmp_path))
    width, height = SIZES[size]
    waiting = Suggestion.objects.create(
        identifier="10.5555/OpenNotes.2012.1",
        key="doi:10.5555/opennotes.2012.1",
        note="Shows clinicians how sharing visit notes changes the conversation.",
        email="pat@example.org",
    )
    PlusOne.objects.create(suggestion=waiting, note="Our residents loved it.")
    Suggestion.objects.create(
        identifier="https://www.example.org/shared-decisions",
        key="url:https://example.org/x",
        note="A practical guide to shared decision making in primary care.",
    )
    Suggestion.objects.create(
        identifier="https://pills.example/cheap",
        note="Buy cheap pills",
        status="spam",
        spam_reason="filled in the hidden field",
    )
    enrolled(User.objects.create_superuser("staff", password="a long enough passphrase"))
    page.set_viewport_size({"width": width, "height": height})
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", "a long enough passphrase")
    page.click("input[type=submit]")
    type_app_code(page, "staff")
    expect(page.locator("#suggestion-queue")).to_contain_text("2 new suggestions")
    page.screenshot(path=shots / f"admin-index-{width}.png", full_page=True)
    page.locator("#suggestion-queue a").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    assert axe_violations(page, axe_source) == []
    assert page.evaluate("window.cspViolations") == []
    page.screenshot(path=shots / f"admin-queue-{width}.png", full_page=True)

    page.get_by_role("link", name="10.5555/OpenNotes.2012.1").click()
    expect(page.locator(".resolves-to")).to_contain_text("Annals of Internal Medicine")
    assert axe_violations(page, axe_source) == []
    assert page.evaluate("window.cspViolations") == []
    page.screenshot(path=shots / f"admin-suggestion-{width}.png", full_page=True)
