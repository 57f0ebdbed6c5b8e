"""Staff sign in by keyboard alone, in Chromium: the password, then enrolment from the QR
code (first time) or the code from the app; the new pages are axe-clean, nothing breaks the
strict CSP, and nothing is wider than a phone. Screenshots go under pytest's temporary
directory (or SCREENSHOTS, when set), to look at."""

import os
from base64 import b32decode
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django_otp.oath import TOTP
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import type_app_code
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_csp import RECORD_VIOLATIONS
from tests.browser.test_link_health_screens import overflow

PASSWORD = "a long enough passphrase"
SIZES = {"phone": (390, 844), "desktop": (1280, 800)}


def press_tab_until(page: Page, selector: str, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} never took the focus")


def clean(page: Page, axe_source: str) -> None:
    """No accessibility problem, nothing wider than the window, no CSP violation so far."""
    assert axe_violations(page, axe_source) == []
    assert overflow(page) == []
    assert page.evaluate("window.cspViolations") == []


def password_by_keyboard(page: Page, url: str, username: str) -> None:
    page.goto(f"{url}/admin/login/")
    expect(page.locator("#id_username")).to_be_focused()
    page.keyboard.type(username)
    press_tab_until(page, "#id_password", limit=1)
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")


@pytest.mark.parametrize("size", SIZES)
def test_first_sign_in_by_keyboard_enrols_and_then_asks_for_the_code(
    browser: Browser, live_server, seeded, axe_source: str, size: str, tmp_path: Path
):
    shots = Path(os.environ.get("SCREENSHOTS", tmp_path))
    width, height = SIZES[size]
    User.objects.create_user("nina", password=PASSWORD, is_staff=True, is_superuser=True)
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.add_init_script(RECORD_VIOLATIONS)

    password_by_keyboard(page, live_server.url, "nina")

    expect(page).to_have_url(f"{live_server.url}/admin/second-factor/enrol/?next=%2Fadmin%2F")
    expect(page.locator("#id_code")).to_be_focused()  # the field's autofocus
    expect(page.locator(".second-factor-qr svg")).to_be_visible()
    clean(page, axe_source)
    page.screenshot(path=shots / f"enrol-{size}.png", full_page=True)
    secret = page.locator("#second-factor-secret").inner_text().replace(" ", "")
    phone = TOTP(b32decode(secret + "=" * (-len(secret) % 8)))  # the app, from the typed key
    page.keyboard.type(f"{(phone.token() + 500_000) % 1_000_000:06d}")  # mistyped
    page.keyboard.press("Enter")
    expect(page.locator("#id_code_error")).to_contain_text("That code is not right")
    expect(page.locator("#id_code")).to_be_focused()
    clean(page, axe_source)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(f"{phone.token():06d}")
    page.keyboard.press("Enter")

    expect(page.locator(".second-factor-code-list li")).to_have_count(10)
    clean(page, axe_source)
    page.screenshot(path=shots / f"recovery-codes-{size}.png", full_page=True)
    press_tab_until(page, "a.button", limit=60)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/admin/")
    expect(page.locator("#site-name")).to_be_visible()
    assert page.evaluate("window.cspViolations") == []

    # The next sign-in: the password, then the code from the app.
    context.clear_cookies()
    password_by_keyboard(page, live_server.url, "nina")
    expect(page).to_have_url(f"{live_server.url}/admin/second-factor/?next=%2Fadmin%2F")
    clean(page, axe_source)
    page.screenshot(path=shots / f"code-{size}.png", full_page=True)
    type_app_code(page, "nina")
    expect(page).to_have_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/auth/user/")
    expect(page.locator("#result_list")).to_contain_text("nina")
    assert axe_violations(page, axe_source) == []  # the admin's own list: a table that scrolls
    assert page.evaluate("window.cspViolations") == []
    context.close()
