"""Two app servers (gunicorn, production settings) on one database and one cache: a staff
edit made through one is on the public page of the other at the next request.

On PostgreSQL with Redis (CI's second pass) that is the deployment the README describes
for sites that outgrow one machine; on SQLite the two share one database file, and each
keeps its own cache, which the generation token retires all the same.
"""

import http.client
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlencode

import lxml.html
from django.conf import settings
from django_otp.oath import TOTP

from devtools.servers import HOST, free_port, scratch_postgres, serving

ROOT = Path(__file__).resolve().parent.parent
ENROL_STAFF = (
    "from django_otp.plugins.otp_totp.models import TOTPDevice; "
    "from django.contrib.auth.models import User; "
    "print(TOTPDevice.objects.create(user=User.objects.get(username='staff')).key)"
)


@contextmanager
def scratch_database(tmp_path: Path) -> Iterator[str]:
    """A database of the kind the suite runs on, made for this test and dropped after."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'shared.sqlite3'}"
        return
    with scratch_postgres(url) as database:
        yield database


class Browser:
    """Just enough of a browser for the admin over plain HTTP behind a (pretend) proxy:
    it keeps cookies, even the Secure ones, and says it came over HTTPS."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, str]:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        headers = {"X-Forwarded-Proto": "https", "Origin": f"https://{HOST}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";")[0]
        connection.close()
        return response.status, dict(response.getheaders()), text

    def form(self, path: str, form_id: str | None = None) -> dict[str, list[str]]:
        status, _, text = self.request("GET", path)
        assert status == 200, (path, status)
        forms = [f for f in lxml.html.fromstring(text).forms if f.method.lower() == "post"]
        form = [f for f in forms if form_id is None or f.get("id") == form_id][-1]
        values: dict[str, list[str]] = {}
        for name, value in form.form_values():
            values.setdefault(name, []).append(value)
        return values


def title_on(port: int, path: str) -> tuple[str, str]:
    """The page's <h1> as an anonymous visitor sees it, and whether the cache served it."""
    status, headers, text = Browser(port).request("GET", path)
    assert status == 200
    heading = lxml.html.fromstring(text).xpath("//h1")[0].text_content()
    return " ".join(heading.split()), headers.get("X-Cache", "")


def test_an_edit_through_one_server_shows_on_the_other_at_once(tmp_path: Path) -> None:
    with scratch_database(tmp_path) as database, ExitStack() as servers:
        env = {
            **os.environ,
            "DJANGO_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": HOST,
            "SITE_URL": "https://resources.example.org",
            "CONTACT_EMAIL": "webmaster@example.org",
            "DATABASE_URL": database,
            "WEB_CONCURRENCY": "1",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SUPERUSER_PASSWORD": "a long enough password",
        }
        for command in (["migrate", "--no-input"], ["seed"],
                        ["createsuperuser", "--no-input", "--username", "staff",
                         "--email", "staff@example.org"]):  # fmt: skip
            subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env,
                           check=True, capture_output=True)  # fmt: skip
        # The superuser's authenticator app as enrolment leaves it (the key: what the phone holds).
        key = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", ENROL_STAFF],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        ).stdout.split()[-1]  # fmt: skip
        ports = []
        for _ in range(2):
            port = free_port()
            gunicorn = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
            servers.enter_context(
                serving(
                    gunicorn, port, "gunicorn", 60, cwd=ROOT, env={**env, "BIND": f"{HOST}:{port}"}
                )
            )
            ports.append(port)
        first, second = ports
        path = "/resources/opennotes/"
        title_on(second, path)
        before, cached = title_on(second, path)
        assert cached == "hit"

        staff = Browser(first)
        login = f"/{settings.ADMIN_PATH}login/"
        form = staff.form(login)
        form.update(username=["staff"], password=["a long enough password"])
        status, headers, _ = staff.request("POST", login, form)
        assert status == 302
        second_step = headers["Location"]
        form = staff.form(second_step, "second-factor-form")
        form["code"] = [f"{TOTP(bytes.fromhex(key)).token():06d}"]
        assert staff.request("POST", second_step, form)[0] == 302
        status, _, changes = staff.request(
            "GET", f"/{settings.ADMIN_PATH}resources/resource/?q=opennotes"
        )
        assert status == 200
        link = lxml.html.fromstring(changes).xpath("//table[@id='result_list']//th/a/@href")[0]
        form = staff.form(link)
        form["title"] = ["OpenNotes, edited on the first server"]
        form["_save"] = ["Save"]
        assert staff.request("POST", link, form)[0] == 302

        after, cached = title_on(second, path)
        assert after == "OpenNotes, edited on the first server" != before
        assert cached == "miss"
        assert title_on(second, path)[1] == "hit"
