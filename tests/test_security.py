"""Production settings as a visitor, a proxy and an attacker meet them."""

import json
import os
import subprocess
import sys

import pytest

from .conftest import PRODUCTION, ROOT, manage

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> dict:
    """Requests through the real production settings, in a process of their own."""
    database = tmp_path_factory.mktemp("production") / "db.sqlite3"
    result = subprocess.run(
        [sys.executable, "tests/production_probe.py"],
        cwd=ROOT,
        env={**manage_env(), **PRODUCTION, "DATABASE_URL": f"sqlite:///{database}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def manage_env() -> dict[str, str]:
    unwanted = {*PRODUCTION, "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {k: v for k, v in os.environ.items() if k not in unwanted}


@pytest.mark.parametrize("response", ["list", "detail", "missing", "login", "static"])
def test_every_response_carries_the_security_headers(production, response):
    answer = production[response]
    headers = answer["headers"]
    assert answer["status"] == {"missing": 404}.get(response, 200)
    assert headers["Content-Security-Policy"] == CSP
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "geolocation=()" in headers["Permissions-Policy"]
    if response != "static":
        assert headers["X-Frame-Options"] == "DENY"


def test_plain_http_is_sent_to_https(production):
    assert production["plain_http"] == {
        "status": 301,
        "location": "https://resources.example.org/",
    }


def test_staff_sign_in_through_the_tls_proxy_with_secure_host_only_cookies(production):
    sign_in = production["sign_in"]
    assert sign_in["status"] == 302
    assert sign_in["location"] == "/admin/second-factor/?next=%2Fadmin%2F"
    assert production["admin_after_password"] == "/admin/login/?next=/admin/"
    assert production["second_step"] == {"status": 302, "location": "/admin/"}
    assert production["admin_after_sign_in"] == 200
    cookies = sign_in["cookies"]
    assert set(cookies) == {"__Host-sessionid", "__Host-csrftoken"}
    for name, flags in cookies.items():
        assert flags["secure"] == "True", name
        assert flags["samesite"] == "Lax", name
        assert flags["domain"] == "", name  # __Host-: no Domain, so never sent to subdomains
    assert cookies["__Host-sessionid"]["httponly"] == "True"
    assert cookies["__Host-sessionid"]["max-age"] == str(9 * 60 * 60)  # a working day


def test_the_admin_path_comes_from_the_environment():
    result = manage(
        "shell", "--no-imports", "-c",
        "from django.urls import reverse; print(reverse('admin:index'))",
        ADMIN_PATH="staff-7f3a",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "/staff-7f3a/"


BOGUS_HOST = """
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
print(Client().get("/", headers={"host": "attacker.example"}).status_code)
"""


def test_a_refused_host_is_one_log_line_not_a_traceback():
    result = manage("shell", "--no-imports", "-c", BOGUS_HOST)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("400")
    logged = [line for line in result.stderr.splitlines() if "attacker.example" in line]
    assert logged == [
        "Invalid HTTP_HOST header: 'attacker.example'. "
        "You may need to add 'attacker.example' to ALLOWED_HOSTS."
    ]
    assert "Traceback" not in result.stderr
