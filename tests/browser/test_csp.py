"""The strict Content-Security-Policy breaks nothing: public pages and the admin, in Chromium."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from resources.models import Resource
from tests.browser.conftest import type_app_code
from tests.conftest import enrolled

# Every violation the browser reports, collected before any page script runs.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.cspViolations.push(`${e.violatedDirective}: ${e.blockedURI} (${e.sourceFile})`);
});
"""


@pytest.fixture
def watched(page: Page) -> Page:
    page.add_init_script(RECORD_VIOLATIONS)
    return page


def violations(page: Page) -> list[str]:
    return page.evaluate("window.cspViolations")


def sign_in(page: Page, live_server) -> None:
    enrolled(User.objects.create_superuser("staff", password="a long enough passphrase"))
    page.goto(f"{live_server.url}/admin/login/")
    assert violations(page) == []
    page.fill("#id_username", "staff")
    page.fill("#id_password", "a long enough passphrase")
    page.click("input[type=submit]")
    type_app_code(page, "staff")
    expect(page).to_have_url(f"{live_server.url}/admin/")


@pytest.mark.parametrize("path", ["/", "/about/", "/handout/", "/resources/opennotes/", "/nope/"])
def test_public_pages_raise_no_csp_violation(watched, live_server, seeded, path):
    response = watched.goto(f"{live_server.url}{path}")
    assert response is not None
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert violations(watched) == []


def test_the_admin_works_under_the_csp(watched, live_server, seeded):
    sign_in(watched, live_server)
    resource = Resource.objects.get(slug="opennotes")

    watched.goto(f"{live_server.url}/admin/resources/resource/")
    assert violations(watched) == []

    watched.goto(f"{live_server.url}/admin/resources/resource/{resource.pk}/change/")
    # The inline formsets' "add another" and the date widgets are the admin's own scripts.
    rows = watched.locator("#links-group tr.form-row.dynamic-links")
    before = rows.count()
    watched.locator("#links-group .add-row a").click()
    expect(rows).to_have_count(before + 1)
    watched.locator(".field-last_reviewed_on .datetimeshortcuts a").first.click()
    expect(watched.locator("#id_last_reviewed_on")).not_to_have_value("")
    watched.fill("#id_summary", "Checked and saved in a browser.")
    watched.locator("input[name=_continue]").first.click()
    expect(watched.locator(".messagelist .success")).to_have_count(1)
    assert violations(watched) == []

    # Two versions now: the history offers to compare them.
    watched.goto(f"{live_server.url}/admin/resources/resource/{resource.pk}/history/")
    assert violations(watched) == []
    watched.locator("input[type=submit][value=compare]").click()
    expect(watched.locator("ins").first).to_be_visible()
    assert violations(watched) == []
