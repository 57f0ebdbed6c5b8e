import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults

import lxml.html
import pytest
import resvg_py
import zxingcpp
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image
from taggit.models import Tag

import outbound
from principles.models import Principle, TextBlock
from resources import link_health
from resources.models import Creator, Link, Notice, Resource
from spm_site.wsgi import application
from tests.registry_records import stock
from tests.standins import Registries, loopback_only, registries

ROOT = Path(__file__).resolve().parent.parent
# Installed from package-lock.json by `make checkers` (a prerequisite of `make test`).
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
NU_CHECKER = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

# The client's order: the slugs of the eight resources as the seed loads them.
CLIENT_ORDER = [
    "e-patients-white-paper",
    "opennotes",
    "danny-sands-presentations",
    "transforming-health-care-delivery",
    "patients-toolkit-for-diagnosis",
    "let-patients-help",
    "patient-centered-physician-pledge",
    "pew-research-health",
]


def pytest_configure(config: pytest.Config) -> None:
    """The machine's cache (used without Redis) in a directory of this run's own, never the
    one beside the site's database that `make run` fills."""
    from django.conf import settings

    default = settings.CACHES["default"]
    if default["BACKEND"] == "spm_site.caches.MachineCache":
        default["LOCATION"] = tempfile.mkdtemp(prefix="spm-test-cache-")
        config.add_cleanup(lambda: shutil.rmtree(default["LOCATION"], ignore_errors=True))


def nothing_kept() -> None:
    """Empty the cache (pages, fragments, search results, citations), and forget the
    fragments and pages held in this process's memory too."""
    from resources import fragments
    from spm_site.wsgi import application as site

    cache.clear()
    fragments.RECENT.clear()
    site.recent.entries.clear()


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    """Each test starts with nothing kept."""
    nothing_kept()


@pytest.fixture(autouse=True)
def local_servers_allowed(settings: Any) -> None:
    """The tests' stand-ins for other sites listen on 127.0.0.1, which outbound/ refuses
    everywhere else; tests of that refusal turn this off (tests/test_outbound.py)."""
    settings.OUTBOUND_ALLOW_PRIVATE = True
    outbound.forget_all()  # no host paused or throttled by an earlier test


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def through_site(path: str, method: str = "GET", **environ: str) -> Answer:
    """One request through the whole WSGI application gunicorn serves (page cache
    included), which the test client skips. ``environ`` adds CGI-style headers."""
    request = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path.partition("?")[0],
        "QUERY_STRING": path.partition("?")[2],
        "HTTP_HOST": "testserver",
        **environ,
    }
    setup_testing_defaults(request)
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started[:] = [status, headers]

    # As the test client does: the test's transaction holds the connection, so Django must
    # not close it at the start or end of the request.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        result = application(request, start_response)
        body = b"".join(result)
        if hasattr(result, "close"):
            result.close()
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)
    return Answer(int(started[0].split()[0]), dict(started[1]), body)


def count_queries(client: Client, url: str) -> int:
    """How many SQL queries one successful GET of ``url`` makes."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def run_seed(*args: str) -> str:
    out = StringIO()
    call_command("seed", *args, stdout=out)
    return out.getvalue()


def page(response: Any) -> lxml.html.HtmlElement:
    """The response's HTML, parsed, to assert on elements rather than on strings."""
    assert response.status_code == 200, response.status_code
    return lxml.html.fromstring(response.content.decode())


def meta(document: lxml.html.HtmlElement, key: str) -> list[str]:
    """The content of every <meta name=key> or <meta property=key>, in page order."""
    return document.xpath(f"//head/meta[@name='{key}' or @property='{key}']/@content")


def form_values(client: Client, url: str, form_id: str | None = None) -> dict[str, Any]:
    """What the admin form at ``url`` would post as it is rendered, unchanged.

    Tests change a few of these values and post them back, as a person editing the
    page would, so hidden fields (the version the form was opened at) come along.
    """
    document = page(client.get(url))
    forms = [f for f in document.forms if f.method.lower() == "post"]
    if form_id is not None:
        forms = [f for f in forms if f.get("id") == form_id]
    form = forms[-1]
    values: dict[str, Any] = {}
    for name, value in form.form_values():
        if name in values:  # a multiple select
            values[name] = [
                *(values[name] if isinstance(values[name], list) else [values[name]]),
                value,
            ]
        else:
            values[name] = value
    return values


def submit(client: Client, url: str, changes: dict[str, Any], form_id: str | None = None):
    """Open the admin form at ``url``, apply ``changes`` (None unticks or removes), post it."""
    data = form_values(client, url, form_id)
    if "action" not in changes and not any(k.endswith("-action") for k in changes):
        data["_save"] = "Save"  # the button a person presses, unless running an action
    data.update(changes)
    return client.post(url, {key: value for key, value in data.items() if value is not None})


def enrolled(user: User) -> TOTPDevice:
    """``user``'s authenticator app, set up and confirmed as enrolment leaves it."""
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def app_code(device: TOTPDevice) -> str:
    """The code the authenticator app shows now (RFC 6238, from the device's own key).

    The site takes a code once and accepts the neighbouring 30-second steps, so a second
    sign-in within the same step gets the next step's code, as the app would show soon.
    Never the step before: a test that crosses a step's end before typing it would be
    refused, as a person would be who typed a code that old.
    """
    device.refresh_from_db()
    now = time.time()
    for offset in (0, 1):
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = now + offset * device.step
        if totp.t() > device.last_t:
            return f"{totp.token():0{device.digits}d}"
    raise AssertionError("no unused code in the steps the site accepts")


def signed_in(user: User) -> Client:
    """A browser signed in as ``user`` through both steps (password and code), as
    ``django_otp.login`` leaves the session; tests of the forms themselves sign in by them."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or enrolled(user)
    browser = Client()
    browser.force_login(user)
    session = browser.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return browser


@pytest.fixture
def staff_client(db: None) -> Client:
    """A superuser's browser; the ``client`` fixture stays an anonymous visitor's."""
    user = User.objects.create_user("admin", password="x", is_staff=True, is_superuser=True)
    return signed_in(user)


def editor(username: str = "volunteer", first_name: str = "Vera", last_name: str = "Volunteer"):
    """A staff member in the Editors group (made by a migration), not a superuser."""
    user = User.objects.create_user(
        username, password="x", is_staff=True, first_name=first_name, last_name=last_name
    )
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def editor_client(db: None) -> Client:
    return signed_in(editor())


@pytest.fixture
def seeded(db: None) -> None:
    """The database as `make run` leaves it: the client's content from the YAML fixtures."""
    run_seed()


@pytest.fixture
def make_resource(db: None) -> Callable[..., Resource]:
    """Create a published resource with one primary link and a tag; keywords override fields."""
    counter = iter(range(1, 1_000_000))

    def make(**fields: Any) -> Resource:
        n = next(counter)
        tags = fields.pop("tags", ["testing"])
        creators = fields.pop("creators", [{"given_names": "Ada", "family_name": f"Author{n}"}])
        values: dict[str, Any] = {
            "title": f"Resource number {n}",
            "slug": f"resource-{n}",
            "kind": Resource.Kind.ARTICLE,
            "issued": "2020",
            "is_published": True,
            "summary": f"Summary of resource {n}.",
            "why_it_matters": f"Why resource {n} matters.",
            "position": 1000 + n,
        }
        values.update(fields)
        resource = Resource.objects.create(**values)
        Link.objects.create(
            resource=resource,
            label=f"Open resource {n}",
            url=f"https://example.org/{n}",
        )
        Link.objects.create(
            resource=resource, label="Another copy", url=f"https://example.com/{n}", position=1
        )
        for position, creator in enumerate(creators, start=1):
            Creator.objects.create(resource=resource, position=position, **creator)
        resource.tags.add(*tags)
        return resource

    return make


@pytest.fixture
def principle_and_block(db: None) -> tuple[Principle, TextBlock]:
    return (
        Principle.objects.create(key="p", text="A principle.", position=1),
        TextBlock.objects.create(key="b", heading="A heading", body="A body.", position=1),
    )


def needed(present: bool, message: str) -> None:
    """Skip a test whose tool is not installed here; in CI, which installs every tool, fail it."""
    if not present:
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core, the accessibility engine, as script text to run in a page."""
    needed(AXE.exists(), "axe-core is not installed (make checkers runs npm ci)")
    return AXE.read_text()


@pytest.fixture(scope="session")
def nu_checker() -> list[str]:
    """The command that runs the Nu HTML checker (the W3C validator's engine)."""
    java = shutil.which("java")
    needed(java is not None, "Java is not installed (apt-get install default-jre-headless)")
    needed(NU_CHECKER.exists(), "The Nu HTML checker is not installed (make checkers runs npm ci)")
    return [str(java), "-jar", str(NU_CHECKER)]


def nu_errors(nu_checker: list[str], directory: Path, sources: dict[str, str]) -> list[str]:
    """Run the Nu HTML checker once over every page saved in ``directory`` (its Java start-up
    is most of its time) and name each error by ``sources`` (file name -> what the page is)."""
    checked = subprocess.run(
        [*nu_checker, "--errors-only", "--format", "json", str(directory)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    messages = json.loads(checked.stderr or checked.stdout)["messages"]
    errors = [
        f"{sources[Path(m['url']).name]}, line {m.get('lastLine')}: {m['message']}"
        for m in messages
    ]
    assert errors or checked.returncode == 0, checked.stderr
    return errors


def decode_qr(svg: str) -> str:
    """Rasterise an inline SVG QR code as a phone camera would see it, and read it back."""
    svg = svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    png = resvg_py.svg_to_bytes(svg_string=svg, width=400, height=400, background="#ffffff")
    (result,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return result.text


@dataclass(frozen=True)
class PublicPage:
    path: str
    status: int = 200
    method: str = "GET"


@pytest.fixture
def public_pages(seeded: None, make_resource: Callable[..., Resource]) -> list[PublicPage]:
    """Every public HTML page, in each of its states, over the seed and enough more resources
    for a second page of results and an archived resource with its replacement.

    A new page joins the accessibility and HTML checks by being added here
    (tests/test_html_validity.py fails while a page route is missing).
    """
    for _ in range(20):
        make_resource()
    make_resource(
        title="A retired guide",
        slug="retired-guide",
        archived_at=timezone.now(),
        superseded_by=Resource.objects.get(slug="opennotes"),
    )
    # A retracted resource: its mark in the list and the warning on its page are checked too.
    Notice.objects.create(
        resource=Resource.objects.get(slug="resource-1"),
        kind="retraction",
        issued="2020-06-04",
        notice_doi="10.5555/retraction.2020.1",
        source="Retraction Watch (through Crossref)",
    )
    topics = Tag.objects.order_by("slug").values_list("slug", flat=True)
    # Each resource of the seed; a generated one (retracted) and an archived one stand for
    # the rest.
    details = [*CLIENT_ORDER, "resource-1", "retired-guide"]
    # A provider's picks, with a number that is dropped (and said so).
    picks = [Resource.objects.get(slug=slug).pk for slug in ["opennotes", "resource-1"]]
    return [
        PublicPage("/"),
        PublicPage("/about/"),
        PublicPage("/handout/"),
        PublicPage(f"/handout/?r={picks[0]}&r={picks[1]}&r=abc"),
        PublicPage("/resources/"),
        PublicPage("/resources/?page=2"),
        PublicPage("/resources/?q=diagnose"),
        PublicPage("/resources/?kind=book&sort=title"),
        PublicPage("/resources/?audience=patients"),
        PublicPage("/resources/?q=xylophone"),
        PublicPage("/resources/?q=patients&format=pdf", status=400),
        *(PublicPage(f"/resources/tags/{slug}/") for slug in topics),
        *(PublicPage(f"/resources/{slug}/") for slug in details),
        PublicPage("/embed/"),
        *(PublicPage(f"/embed/resources/{slug}/") for slug in ["opennotes", *details[-2:]]),
        PublicPage("/suggest/"),
        PublicPage("/suggest/thanks/"),
        PublicPage("/suggest/thanks/?already=1"),
        PublicPage("/suggest/listed/opennotes/"),
        PublicPage("/no-such-page/", status=404),
        PublicPage("/", status=405, method="POST"),
    ]


# The guiding principles and mission text exactly as the client wrote them.
PRINCIPLES = [
    "To guide patients and caregivers to be actively engaged in their health and health care "
    "experiences.",
    "To guide health professional practices where patient experience and contribution is an "
    "integral goal of excellence.",
    "To encourage mutual collaboration among patients, health professionals, caregivers and "
    "others allowing them to partner in determining care.",
]
ENGAGEMENT = (
    "Patient engagement involves a shift in perspective, rights, and responsibilities. Rich "
    "conversations await us as patients and providers alike shift toward the shared "
    "responsibilities of participatory medicine. Participatory medicine is not about patients "
    "taking over."
)
PATIENTS_CAN_HELP = [
    "Patients want to see good business practices in healthcare: good customer service, good "
    "IT, good working relationships. They can see and compare the customer service in other "
    "industries and can help healthcare get better at it.",
    "We also understand the economic and cultural pressures providers face today: increasing "
    "pressure to see more patients, an explosion of new data to keep up with, insurance clerks "
    "who veto a professional\u2019s recommendations, demands to adopt EMRs, and despite the "
    "rising cost of care, incessant pressure not to pay providers more.",
    "Engaged, motivated, well-informed \u201ce-patients\u201d are more involved in their own "
    "care, and can often find information that providers don\u2019t have time (or "
    "reimbursement) to pursue.",
]
SOCIETY = (
    "The Society for Participatory Medicine is a 501(c)(3) not-for-profit membership "
    "organization that seeks to encourage mutual collaboration among patients, health "
    "professionals, caregivers and others across the continuum of care. The Society provides a "
    "forum for its members to interact and exchange ideas on health issues, influence policy, "
    "advocate, conduct research, educate patients, caregivers, and health care professionals in "
    "best practices in participatory medicine. SPM fosters initiatives that impact the quality, "
    "efficacy, safety and viability of healthcare policy and practice."
)


ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        # (The browser tests allow async-unsafe calls in this process only.)
        if k
        not in {
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DEBUG",
            "DJANGO_ENV",
            "SITE_URL",
            "CONTACT_EMAIL",
            "OUTBOUND_ALLOW_PRIVATE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "k7Qm2vX9pL4rT8wZ1cN6bF3hJ5dS0aG7yU2iO9eR4tW6qP1xV8nM3lK5jH0gD2fB",
    "ALLOWED_HOSTS": "resources.example.org",
    "SITE_URL": "https://resources.example.org",
    "CONTACT_EMAIL": "webmaster@example.org",
}


def change_url(resource: Resource) -> str:
    return f"/admin/resources/resource/{resource.pk}/change/"


def post_change(client, resource: Resource, **changes: Any):
    """Open the resource's change form, as staff would, change some fields and save it."""
    return submit(client, change_url(resource), changes)


def messages_shown(response) -> list[str]:
    return [
        " ".join(m.text_content().split())
        for m in page(response).xpath("//ul[@class='messagelist']/li")
    ]


def record_health(url: str, state: str, **fields: Any) -> Link:
    """Record that the checks found ``state`` at the link to ``url``."""
    link = Link.objects.get(url=url)
    defaults = {"status_code": 200, "final_url": url, "failures": 0, "last_ok_at": None}
    link_health.store(link.pk, url, state=state, **{**defaults, **fields})
    return link


# The public address tests give SITE_URL, unlike the test client's Host (testserver).
SITE = "https://resources.example.org"


@pytest.fixture
def site_url(settings):
    """A public address unlike the test client's Host (testserver), so a leak would show."""
    settings.SITE_URL = SITE
    return SITE


@pytest.fixture
def registry(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Registries]:
    """The registries' stand-ins on 127.0.0.1, stocked with records shaped like real ones,
    and the site pointed at them; no connection beyond this machine is let through."""
    loopback_only(monkeypatch)
    with registries() as found:
        found.point(settings)
        settings.CONTACT_EMAIL = "webmaster@example.org"
        settings.NCBI_API_KEY = ""
        settings.LOOKUP_TIMEOUT = 2.0
        stock(found)
        yield found


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch):
    """The time the suggestion form's token and rate limit read, moved only by the test."""
    from suggestions import defences
    from tests.suggesting import Clock

    moved = Clock()
    monkeypatch.setattr(defences, "clock", moved)
    return moved


@pytest.fixture
def fresh_defences(db: None) -> None:
    """No form token seen and no post counted yet (they live in a cache of their own)."""
    from django.core.cache import caches

    caches["defences"].clear()


@pytest.fixture
def smtp_server(settings: Any):
    """A real SMTP server on 127.0.0.1, and the site's mail settings pointed at it."""
    from tests.suggesting import SMTPServer

    server = SMTPServer()
    server.controller.start()
    server.point(settings)
    try:
        yield server
    finally:
        server.controller.stop()
