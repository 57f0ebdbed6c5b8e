"""nginx's micro-cache, configured word for word as the README's deploy guide says (without
TLS), in front of gunicorn with production settings: anonymous visitors share a copy kept
for a second, staff and the admin never do, and kept pages outlive the app server.

One gunicorn and one nginx serve the whole module; the outage test stops the app server,
so it comes last.
"""

import http.client
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode

import lxml.html
import pytest
from django.conf import settings
from django_otp.oath import TOTP

from devtools.servers import (
    HOST,
    behind_nginx,
    free_port,
    guide_nginx_block,
    nginx_config,
    production_env,
    serving,
)
from tests.conftest import needed
from tests.test_two_servers import ENROL_STAFF

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a long enough password"
PAGE = "/resources/opennotes/"
SET_UP = (
    "from django.core.management import call_command; "
    "from django.contrib.auth.models import User; "
    "call_command('migrate', interactive=False, verbosity=0); "
    "call_command('seed', verbosity=0); "
    f"User.objects.create_superuser('staff', 'staff@example.org', {PASSWORD!r}); "
) + ENROL_STAFF


@pytest.fixture(scope="module", autouse=True)
def nginx_installed() -> None:
    needed(
        bool(shutil.which("nginx") or Path("/usr/sbin/nginx").exists()),
        "nginx is not installed (apt-get install nginx-light)",
    )


@dataclass
class Site:
    proxy: int  # nginx's port
    gunicorn: subprocess.Popen
    database: Path
    key: str  # the staff member's authenticator key


@pytest.fixture(scope="module")
def site(nginx_installed: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    database = tmp_path_factory.mktemp("nginx") / "db.sqlite3"
    port = free_port()
    env = {**production_env(database, port), "WEB_CONCURRENCY": "1"}
    # One start-up of Django instead of four (the set-up is most of this file's time).
    key = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SET_UP], cwd=ROOT, env=env, check=True,
        capture_output=True, text=True,
    ).stdout.split()[-1]  # fmt: skip
    gunicorn = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
    with (
        serving(gunicorn, port, "gunicorn", 60, cwd=ROOT, env=env) as server,
        behind_nginx(port) as proxy,
    ):
        yield Site(proxy, server, database, key)


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    text: str

    @property
    def cache(self) -> str | None:
        """What nginx's micro-cache did (MISS, HIT, BYPASS, STALE...); None outside it."""
        return self.headers.get("X-Cache-Status")

    def heading(self) -> str:
        return " ".join(lxml.html.fromstring(self.text).xpath("//h1")[0].text_content().split())


class Visitor:
    """A browser over plain HTTP to nginx: it keeps cookies, even the Secure ones."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict | None = None, headers: dict | None = None
    ) -> Answer:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=10)
        # nginx passes on the Host without its port: the origin the site sees.
        headers = {"Origin": f"https://{HOST}", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";")[0]
        return Answer(response.status, response.headers, text)

    def get(self, path: str, **headers: str) -> Answer:
        return self.request("GET", path, headers=headers)

    def form(self, path: str, form_id: str | None = None) -> dict[str, list[str]]:
        answer = self.get(path)
        assert answer.status == 200, (path, answer.status)
        forms = [f for f in lxml.html.fromstring(answer.text).forms if f.method.lower() == "post"]
        form = [f for f in forms if form_id is None or f.get("id") == form_id][-1]
        values: dict[str, list[str]] = {}
        for name, value in form.form_values():
            values.setdefault(name, []).append(value)
        return values

    def sign_in(self, key: str) -> None:
        """The two steps staff take: password, then the authenticator app's code."""
        login = f"/{settings.ADMIN_PATH}login/"
        form = self.form(login)
        form.update(username=["staff"], password=[PASSWORD])
        answer = self.request("POST", login, form)
        assert answer.status == 302, answer.status
        second_step = answer.headers["Location"]
        form = self.form(second_step, "second-factor-form")
        form["code"] = [f"{TOTP(bytes.fromhex(key)).token():06d}"]
        assert self.request("POST", second_step, form).status == 302
        assert "__Host-sessionid" in self.cookies


def test_the_guide_block_is_what_runs() -> None:
    config = nginx_config("/scratch", 8443, [8001, 8002])
    guide = guide_nginx_block()
    assert "proxy_cache_use_stale updating error timeout http_500 http_503;" in guide
    assert "listen 127.0.0.1:8443;" in config
    assert "upstream app_servers { server 127.0.0.1:8001; server 127.0.0.1:8002; }" in config
    assert "10.0.0.11" not in config
    assert "listen 443" not in config
    changed = [line for line in guide.splitlines() if line.strip() not in config]
    # Only the lines for loopback without TLS differ from the guide (and the cache's folder).
    assert len(changed) == 5, changed


def test_an_anonymous_page_is_a_miss_then_a_hit(site: Site) -> None:
    first, second = Visitor(site.proxy).get("/"), Visitor(site.proxy).get("/")
    assert (first.status, second.status) == (200, 200)
    assert (first.cache, second.cache) == ("MISS", "HIT")
    assert second.text == first.text
    # Browsers are still told to ask again each time: the second is nginx's alone.
    assert "no-cache" in second.headers["Cache-Control"]


def test_a_citation_asked_by_accept_is_kept_apart_from_the_page(site: Site) -> None:
    csl = "application/vnd.citationstyles.csl+json"
    page = Visitor(site.proxy).get(PAGE)
    citation = Visitor(site.proxy).get(PAGE, Accept=csl)
    again = Visitor(site.proxy).get(PAGE, Accept=csl)
    assert page.headers["Content-Type"].startswith("text/html")
    assert citation.headers["Content-Type"].startswith(csl)
    assert again.cache == "HIT"
    assert again.text == citation.text
    assert Visitor(site.proxy).get(PAGE).headers["Content-Type"].startswith("text/html")


def test_a_compressed_copy_goes_only_to_clients_that_accept_gzip(site: Site) -> None:
    path = "/resources/?q=compressed"
    zipped = Visitor(site.proxy).request("GET", path, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    plain = Visitor(site.proxy).get(path)
    assert "Content-Encoding" not in plain.headers
    assert lxml.html.fromstring(plain.text).xpath("//h1")


def test_signed_in_staff_see_the_preview_never_the_shared_copy(site: Site) -> None:
    anonymous = Visitor(site.proxy)
    anonymous.get(PAGE)
    assert anonymous.get(PAGE).cache == "HIT"
    # Unpublished without a signal: every cache still holds the public page.
    published(site.database, "opennotes", False)
    try:
        staff = Visitor(site.proxy)
        staff.sign_in(site.key)
        preview = staff.get(PAGE)
        assert preview.status == 200
        assert preview.cache == "BYPASS"
        assert "private" in preview.headers["Cache-Control"]
        assert "draft" in words(preview)  # the preview banner: rendered for them, now
        # Their answer was not kept for anyone else.
        after = anonymous.get(PAGE)
        assert after.status == 200
        assert "draft" not in words(after)
    finally:
        published(site.database, "opennotes", True)


def published(database: Path, slug: str, value: bool) -> None:
    """Publish or unpublish without a signal, as a bare update() would: no cache is told."""
    with sqlite3.connect(database) as connection:
        connection.execute(
            "UPDATE resources_resource SET is_published = ? WHERE slug = ?", (value, slug)
        )


def words(answer: Answer) -> str:
    return lxml.html.fromstring(answer.text).text_content().lower()


@pytest.mark.parametrize("path", [f"/{settings.ADMIN_PATH}login/", "/healthz", "/readyz"])
def test_the_admin_and_the_probes_always_reach_the_app(site: Site, path: str) -> None:
    answers = [Visitor(site.proxy).get(path) for _ in range(2)]
    assert [answer.cache for answer in answers] == [None, None]  # not under the cache at all
    if path.endswith("login/"):
        tokens = [
            lxml.html.fromstring(a.text).xpath("//input[@name='csrfmiddlewaretoken']/@value")
            for a in answers
        ]
        assert tokens[0]
        assert tokens[0] != tokens[1]


class Stub(BaseHTTPRequestHandler):
    """An app server whose answers count, each path with its own caching headers."""

    HEADERS = {
        "/healthz": [],
        "/public": [("Cache-Control", "public, no-cache")],
        "/set-cookie": [("Cache-Control", "public, no-cache"), ("Set-Cookie", "seen=1")],
        "/private": [("Cache-Control", "private, no-cache")],
        "/unmarked": [],
    }
    count = 0
    lock = threading.Lock()

    def do_GET(self) -> None:
        with self.lock:
            Stub.count += 1
            body = f"answer {Stub.count}".encode()
        self.send_response(200)
        for name, value in self.HEADERS[self.path]:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def stub_proxy(nginx_installed: None) -> Iterator[int]:
    server = ThreadingHTTPServer((HOST, 0), Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with behind_nginx(server.server_address[1]) as proxy:
            yield proxy
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("path", "kept"),
    [("/public", True), ("/set-cookie", False), ("/private", False), ("/unmarked", False)],
)
def test_only_answers_marked_public_without_a_cookie_are_kept(
    stub_proxy: int, path: str, kept: bool
) -> None:
    first, second = Visitor(stub_proxy).get(path), Visitor(stub_proxy).get(path)
    assert (second.text == first.text) is kept
    assert second.cache == ("HIT" if kept else "MISS")


def test_a_request_with_the_session_cookie_is_never_answered_from_the_cache(
    stub_proxy: int,
) -> None:
    anonymous = Visitor(stub_proxy).get("/public")
    signed_in = Visitor(stub_proxy).get("/public", Cookie="__Host-sessionid=abc")
    assert signed_in.cache == "BYPASS"
    assert signed_in.text != anonymous.text
    assert Visitor(stub_proxy).get("/public").text == anonymous.text  # theirs was not kept


def test_with_the_app_server_stopped_kept_pages_are_served_stale(site: Site) -> None:
    Visitor(site.proxy).get("/")  # kept
    site.gunicorn.terminate()
    site.gunicorn.wait(timeout=30)
    time.sleep(2)  # past the second the copy is fresh for
    answers = [Visitor(site.proxy).get("/") for _ in range(5)]
    assert [a.status for a in answers] == [200] * 5
    assert {a.cache for a in answers} <= {"STALE", "UPDATING"}
    assert "STALE" in {a.cache for a in answers}
    assert answers[0].heading()  # the whole page, not an error
    # A page never kept: nginx says the app is away (the visitor's 10 s timeout: no hang).
    never_kept = Visitor(site.proxy).get("/resources/?q=never+asked+before")
    assert never_kept.status in (502, 504)
