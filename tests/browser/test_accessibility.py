"""axe-core finds no WCAG 2.2 AA problem on any public page, in either layout or colour scheme."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

from resources.models import Resource
from tests.browser.conftest import type_app_code
from tests.conftest import PublicPage, enrolled

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# A phone in the light scheme, a laptop in the dark one: both layouts and both palettes.
VIEWS: dict[str, dict[str, Any]] = {
    "phone, light": {"viewport": {"width": 390, "height": 844}, "color_scheme": "light"},
    "desktop, dark": {"viewport": {"width": 1280, "height": 800}, "color_scheme": "dark"},
}


def axe_violations(page: Page, axe_source: str) -> list[str]:
    """What axe reports on the page as it is shown now, one line per rule and element."""
    # Run as page script text, so the site's Content-Security-Policy stays as users get it.
    page.evaluate(axe_source)
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA
    )
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']}: {node['target']}"
        for violation in result["violations"]
        for node in violation["nodes"]
    ]


SUBMIT_FORM = """([action, method]) => {
  const form = document.createElement("form");
  form.action = action;
  form.method = method;
  document.body.append(form);
  form.submit();
}"""


def open_page(page: Page, base_url: str, public: PublicPage) -> None:
    if public.method == "GET":
        response = page.goto(f"{base_url}{public.path}")
    else:
        # Only a form sends another method: the page a visitor would get back after one.
        with page.expect_navigation() as navigation:
            page.evaluate(SUBMIT_FORM, [public.path, public.method])
        response = navigation.value
    assert response is not None
    assert response.status == public.status, public


@pytest.mark.parametrize("view", VIEWS)
def test_public_pages_have_no_accessibility_violations(
    browser: Browser, live_server, public_pages: list[PublicPage], axe_source: str, view: str
):
    context = browser.new_context(**VIEWS[view])
    page = context.new_page()
    found = {}
    for public in public_pages:
        open_page(page, live_server.url, public)
        violations = axe_violations(page, axe_source)
        if violations:
            found[f"{public.method} {public.path}"] = violations
    context.close()
    assert not found, "\n".join(f"{path}:\n  " + "\n  ".join(v) for path, v in found.items())


@pytest.mark.parametrize("view", VIEWS)
def test_the_admin_list_and_change_form_have_no_accessibility_violations(
    browser: Browser, live_server, seeded, axe_source: str, view: str
):
    enrolled(User.objects.create_superuser("staff", password="a long enough passphrase"))
    resource = Resource.objects.get(slug="opennotes")
    context = browser.new_context(**VIEWS[view])
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    assert axe_violations(page, axe_source) == []
    page.fill("#id_username", "staff")
    page.fill("#id_password", "a long enough passphrase")
    page.click("input[type=submit]")
    type_app_code(page, "staff")
    expect(page).to_have_url(f"{live_server.url}/admin/")

    found = {}
    for path in ["/admin/resources/resource/", f"/admin/resources/resource/{resource.pk}/change/"]:
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("#content h1")).to_be_visible()
        violations = axe_violations(page, axe_source)
        if violations:
            found[path] = violations
    context.close()
    assert not found, "\n".join(f"{path}:\n  " + "\n  ".join(v) for path, v in found.items())
