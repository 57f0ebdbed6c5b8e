"""Adding from identifiers as staff see it, on a phone and a desktop: what was found, what is
already on the list and what was not found, then the draft. Screenshots go under pytest's
temporary directory (or SCREENSHOTS, when set), to look at."""

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from resources.models import Resource
from tests.browser.conftest import type_app_code
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_link_health_screens import overflow
from tests.conftest import enrolled

SIZES = [(390, 844), (1280, 800)]


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_add_from_identifiers_fits_the_screen_and_lands_on_the_draft(
    page: Page, live_server, seeded, registry, axe_source, width, height, tmp_path: Path
):
    shots = Path(os.environ.get("SCREENSHOTS", tmp_path))
    enrolled(User.objects.create_superuser("staff", password="a long enough passphrase"))
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/admin/login/?next=/admin/resources/resource/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", "a long enough passphrase")
    page.click("input[type=submit]")
    type_app_code(page, "staff")
    page.get_by_role("link", name="Add from identifiers").click()

    page.get_by_label("Identifiers").fill(
        "10.5555/OpenNotes.2012.1\nPMID: 25123739\n10.5555/no-such-work\nPMID:39000001"
    )
    page.get_by_role("button", name="Look them up").click()
    page.screenshot(path=shots / f"identifiers-{width}.png", full_page=True)
    previews = page.locator("li.preview")
    expect(previews).to_have_count(4)
    expect(previews.nth(1)).to_contain_text("Already on the list")
    expect(previews.nth(2)).to_contain_text("Not found")
    expect(previews.nth(3).locator(".errornote").first).to_contain_text("retraction")
    assert overflow(page) == []
    assert axe_violations(page, axe_source) == []

    page.get_by_label("Add \u201cPortal messages").uncheck()
    page.get_by_role("button", name="Add the ticked ones as drafts").click()
    draft = Resource.objects.get(doi__iexact="10.5555/opennotes.2012.1")
    expect(page).to_have_url(f"{live_server.url}/admin/resources/resource/{draft.pk}/change/")
    expect(page.locator(".messagelist")).to_contain_text("is a draft now")
    page.screenshot(path=shots / f"identifiers-draft-{width}.png")
    assert not Resource.objects.filter(pmid="39000001").exists()
