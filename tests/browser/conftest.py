"""Browser tests: Debian's Chromium driven by Playwright, against pytest-django's live server."""

import importlib
import os
import shutil

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# Playwright's sync API runs an event loop in the test thread; Django refuses database
# work from such a thread unless told that this is intended (it is, in tests).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        message = "Chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs it: a missing browser there is a fault
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "permissions": ["clipboard-read", "clipboard-write"]}


@pytest.fixture(autouse=True)
def plain_static_names(settings):
    """The live server serves static files from their sources, by their plain names."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def editors_group(transactional_db: None) -> Group:
    """The Editors group as its migration makes it.

    The live server's tests empty every table between tests, and with them the rows that
    data migrations wrote; Django recreates the permissions, and this the group.
    """
    migration = importlib.import_module("resources.migrations.0006_editors_group")
    group, _ = Group.objects.get_or_create(name=migration.GROUP)
    group.permissions.set(migration.permissions(apps))
    return group


def type_app_code(page, username: str) -> None:
    """The second step of signing in: type the code ``username``'s authenticator app shows
    now into the focused field, and press Enter."""
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from playwright.sync_api import expect

    from tests.conftest import app_code

    expect(page.locator("#id_code")).to_be_focused()
    page.keyboard.type(app_code(TOTPDevice.objects.get(user__username=username, confirmed=True)))
    page.keyboard.press("Enter")
