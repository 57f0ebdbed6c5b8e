"""Run with DJANGO_ENV=production: requests through the real production settings, as JSON.

tests/test_security.py starts this in a process of its own (settings are read once per
process), as a TLS-terminating proxy would forward requests, and checks what comes back.
"""

import json
import os
import re
import sys
from typing import Any

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spm_site.settings")
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

setup_test_environment()
call_command("migrate", verbosity=0)
from tests.conftest import app_code, enrolled  # noqa: E402

device = enrolled(User.objects.create_superuser("staff", password="a long enough passphrase"))

host = os.environ["ALLOWED_HOSTS"].split(",")[0]
proxy = {"x-forwarded-proto": "https", "host": host}
client = Client(enforce_csrf_checks=True)
report: dict[str, Any] = {}

call_command("seed", verbosity=0)
pages = [
    ("list", "/"),
    ("detail", "/resources/opennotes/"),
    ("missing", "/no-such-page/"),
    ("login", "/admin/login/"),
]
for name, path in pages:
    response = client.get(path, headers=proxy)
    report[name] = {"status": response.status_code, "headers": dict(response.headers)}
stylesheet = re.search(
    r'href="(/static/css/site\.[0-9a-f]+\.css)"', client.get("/", headers=proxy).text
)
assert stylesheet is not None
static = client.get(stylesheet.group(1), headers=proxy)
report["static"] = {"status": static.status_code, "headers": dict(static.headers)}

plain = client.get("/", headers={"host": host})  # the proxy forgot to say it was HTTPS
report["plain_http"] = {"status": plain.status_code, "location": plain.get("Location")}

login_page = client.get("/admin/login/", headers=proxy)
token = client.cookies["__Host-csrftoken"].value
signed_in = client.post(
    "/admin/login/?next=/admin/",
    {"username": "staff", "password": "a long enough passphrase", "csrfmiddlewaretoken": token},
    headers={
        **proxy,
        "origin": f"https://{host}",
        "referer": f"https://{host}/admin/login/",
    },
)
report["sign_in"] = {
    "status": signed_in.status_code,
    "location": signed_in.get("Location"),
    "cookies": {
        name: {
            key: str(morsel[key]) for key in ("secure", "httponly", "samesite", "domain", "max-age")
        }
        for name, morsel in client.cookies.items()
    },
}
report["admin_after_password"] = client.get("/admin/", headers=proxy).get("Location")
second_step = client.post(
    signed_in["Location"],
    {"code": app_code(device), "csrfmiddlewaretoken": client.cookies["__Host-csrftoken"].value},
    headers={**proxy, "origin": f"https://{host}", "referer": f"https://{host}/admin/login/"},
)
report["second_step"] = {"status": second_step.status_code, "location": second_step.get("Location")}
report["admin_after_sign_in"] = client.get("/admin/", headers=proxy).status_code
print(json.dumps(report))
