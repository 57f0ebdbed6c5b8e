"""Link health: every link is checked against a local server this file starts (no network)."""

import socket
import time
from collections.abc import Callable, Iterator
from io import StringIO
from typing import Any

import httpx
import lxml.html
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from devtools.fake_sites import FakeSite, PageHandler
from resources import link_health
from resources.models import Link, LinkHealth, Resource
from tests.conftest import (
    count_queries,
    form_values,
    messages_shown,
    nothing_kept,
    page,
    record_health,
    submit,
    through_site,
)

TIMEOUT = "0.5"  # seconds: the "never answers" page sleeps longer than this
State = LinkHealth.State


def html_page(title: str) -> bytes:
    return (
        f"<!doctype html><html><head><title>{title}</title></head><body>Hi</body></html>".encode()
    )


class Site:
    """A local web site whose pages answer as real sites do, good and bad."""

    def __init__(self) -> None:
        self.title = "The toolkit"
        self.flaky = 200  # what /flaky answers now
        self.requests: list[tuple[str, str, str]] = []  # method, path, User-Agent
        self.huge_sent = 0
        self.huge_size = 200 * 1024 * 1024
        site = self

        class Handler(PageHandler):
            def answer(self) -> None:
                site.requests.append((self.command, self.path, self.headers.get("User-Agent", "")))
                path = self.path
                if path == "/ok":
                    self.send(200, html_page("A page"))
                elif path == "/report.pdf":
                    self.send(200, b"%PDF-1.7 " * 1000, kind="application/pdf")
                elif path == "/title":
                    self.send(200, html_page(site.title))
                elif path == "/old-301":
                    self.send(301, Location="/old-308")
                elif path == "/old-308":
                    self.send(308, Location=f"http://{self.headers['Host']}/ok")
                elif path == "/temporary-302":
                    self.send(302, Location="/ok")
                elif path.startswith("/status-"):
                    self.send(int(path.removeprefix("/status-")), html_page("Error"))
                elif path == "/no-head":
                    if self.command == "HEAD":
                        self.send(405)
                    else:
                        self.send(200, html_page("GET only"))
                elif path == "/bad-redirect":
                    self.send(302, Location="http://[::1")
                elif path in ("/loop-a", "/loop-b"):
                    self.send(301, Location="/loop-b" if path == "/loop-a" else "/loop-a")
                elif path.startswith("/chain-"):
                    hop = int(path.removeprefix("/chain-"))
                    self.send(302, Location=f"/chain-{hop + 1}")
                elif path == "/never-answers":
                    time.sleep(3)
                elif path == "/drip":
                    self.send_drip()
                elif path == "/huge":
                    self.send_huge()
                elif path == "/flaky":
                    self.send(site.flaky, html_page("Flaky"))
                else:
                    self.send(404, html_page("Not found"))

            def send_drip(self) -> None:
                """A page sent a byte at a time: each read comes within the read timeout."""
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", "1000")
                self.end_headers()
                try:
                    for _ in range(50):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        time.sleep(0.2)
                except OSError:
                    pass

            def send_huge(self) -> None:
                """An endless page: the checker must stop reading after its first bytes."""
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(site.huge_size))
                self.end_headers()
                if self.command == "HEAD":
                    return
                chunk = html_page("Big page") + b" " * (64 * 1024)
                try:
                    while site.huge_sent < site.huge_size:
                        self.wfile.write(chunk)
                        site.huge_sent += len(chunk)
                except OSError:
                    pass  # the checker hung up: what it should do

        self.server = FakeSite(Handler)
        self.base = self.server.base

    def url(self, path: str) -> str:
        return self.base + path

    def asked(self, path: str) -> list[str]:
        """The methods the checker used on ``path``, in order."""
        return [method for method, asked, _ in self.requests if asked == path]


@pytest.fixture
def site() -> Iterator[Site]:
    local = Site()
    local.server.start()
    yield local
    local.server.stop()


def unused_port() -> int:
    """A port nothing listens on: connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def linked(db: None) -> Callable[..., Resource]:
    """A published resource whose links lead to the given addresses (the first is primary)."""
    counter = iter(range(1, 1000))

    def make(*urls: str, **fields: Any) -> Resource:
        n = next(counter)
        resource = Resource.objects.create(
            title=fields.pop("title", f"Checked resource {n}"),
            slug=f"checked-{n}",
            kind=Resource.Kind.WEBSITE,
            summary=f"Resource {n}, whose links are checked.",
            is_published=fields.pop("is_published", True),
            position=n,
            **fields,
        )
        for position, url in enumerate(urls):
            Link.objects.create(
                resource=resource,
                label=f"Link {position + 1}",
                url=url,
                position=position,
            )
        return resource

    return make


def check(*slugs: str) -> str:
    out = StringIO()
    call_command("check_links", *slugs, "--timeout", TIMEOUT, stdout=out)
    return out.getvalue()


def current(url: str) -> LinkHealth | None:
    """What the checks found at ``url`` (None: not checked yet)."""
    return Link.objects.select_related("health").get(url=url).current_health


def health(url: str) -> LinkHealth:
    found = current(url)
    assert found is not None, f"{url} was not checked"
    return found


def states(site: Site) -> dict[str, str]:
    """Each link's address (the local site's by its path) and state, after the checks."""
    found = {}
    for link in Link.objects.select_related("health"):
        current = link.current_health
        found[link.url.removeprefix(site.base)] = current.state if current else "not checked"
    return found


ANSWERS = {
    # path: (state after one check, state after a second)
    "/ok": (State.OK, State.OK),
    "/report.pdf": (State.OK, State.OK),
    "/old-301": (State.MOVED, State.MOVED),
    "/old-308": (State.MOVED, State.MOVED),
    "/temporary-302": (State.OK, State.OK),
    "/status-404": (State.UNKNOWN, State.BROKEN),
    "/status-410": (State.UNKNOWN, State.BROKEN),
    "/status-500": (State.UNKNOWN, State.BROKEN),
    "/status-401": (State.UNVERIFIED, State.UNVERIFIED),
    "/status-403": (State.UNVERIFIED, State.UNVERIFIED),
    "/status-429": (State.UNVERIFIED, State.UNVERIFIED),
    "/no-head": (State.OK, State.OK),
    "/loop-a": (State.UNKNOWN, State.BROKEN),
    "/chain-1": (State.UNKNOWN, State.BROKEN),
    "/bad-redirect": (State.UNKNOWN, State.BROKEN),
    "/never-answers": (State.UNKNOWN, State.BROKEN),
    "/huge": (State.OK, State.OK),
}


def test_each_answer_gets_its_state_and_two_failures_in_a_row_make_broken(site, linked):
    refused = f"http://127.0.0.1:{unused_port()}/"
    linked(*(site.url(path) for path in ANSWERS))
    linked(refused)

    first = check()
    assert states(site) == {
        **{path: first_state for path, (first_state, _) in ANSWERS.items()},
        refused: State.UNKNOWN,
    }
    assert "Checked 18 links" in first
    assert "5 ok, 2 moved, 0 broken, 3 could not verify, 8 failed once" in first

    second = check()
    assert states(site) == {
        **{path: second_state for path, (_, second_state) in ANSWERS.items()},
        refused: State.BROKEN,
    }
    assert "5 ok, 2 moved, 8 broken, 3 could not verify" in second
    assert health(site.url("/bad-redirect")).problem.startswith(
        "bad answer from the server: Invalid URL in location header"
    )


def test_what_each_check_records(site, linked):
    linked(
        site.url("/ok"),
        site.url("/old-301"),
        site.url("/temporary-302"),
        site.url("/status-404"),
        site.url("/loop-a"),
        site.url("/chain-1"),
        site.url("/never-answers"),
        f"http://127.0.0.1:{unused_port()}/",
    )
    check()
    check()

    ok = health(site.url("/ok"))
    assert (ok.status_code, ok.final_url, ok.permanent_move, ok.title, ok.failures) == (
        200,
        site.url("/ok"),
        False,
        "A page",
        0,
    )
    assert ok.checked_at is not None
    assert ok.last_ok_at == ok.checked_at

    moved = health(site.url("/old-301"))
    assert (moved.status_code, moved.final_url, moved.permanent_move) == (
        200,
        site.url("/ok"),
        True,
    )
    temporary = health(site.url("/temporary-302"))
    assert (temporary.state, temporary.final_url, temporary.permanent_move) == (
        State.OK,
        site.url("/ok"),
        False,
    )
    missing = health(site.url("/status-404"))
    assert (missing.status_code, missing.failures, missing.describe()) == (
        404,
        2,
        "broken: HTTP 404 (2 failures in a row)",
    )
    assert missing.last_ok_at is None
    assert health(site.url("/loop-a")).problem == "redirect loop"
    assert health(site.url("/chain-1")).problem == "more than 10 redirects"
    assert health(site.url("/never-answers")).problem == "timed out"
    refused = LinkHealth.objects.get(problem="could not connect")
    assert refused.state == State.BROKEN


def test_only_the_start_of_a_huge_page_is_read(site, linked):
    linked(site.url("/huge"))
    started = time.monotonic()
    check()
    assert time.monotonic() - started < 10
    assert health(site.url("/huge")).title == "Big page"
    # Sockets buffer a few megabytes at most; the page is 200 MB.
    time.sleep(0.2)
    assert site.huge_sent < 20 * 1024 * 1024


def test_a_page_that_drips_a_byte_at_a_time_is_cut_off(site, linked):
    linked(site.url("/drip"))
    started = time.monotonic()
    check()
    assert time.monotonic() - started < 5  # the page would take 10 s
    dripped = health(site.url("/drip"))
    assert (dripped.problem, dripped.failures) == ("timed out", 1)


def test_head_first_then_get_where_head_is_refused_or_for_a_page_title(site, linked):
    linked(site.url("/report.pdf"), site.url("/no-head"), site.url("/ok"))
    check()
    assert site.asked("/report.pdf") == ["HEAD"]  # a file: no body downloaded at all
    assert site.asked("/no-head") == ["HEAD", "GET"]
    assert site.asked("/ok") == ["HEAD", "GET"]  # GET for the title only
    assert health(site.url("/no-head")).title == "GET only"


def test_the_user_agent_names_the_site_and_its_address(site, linked, settings):
    settings.SITE_URL = "https://resources.example.org"
    linked(site.url("/ok"))
    check()
    agents = {agent for _, _, agent in site.requests}
    assert len(agents) == 1
    (agent,) = agents
    assert "https://resources.example.org/" in agent
    assert "Participatory Medicine" in agent


def test_one_failure_keeps_the_previous_state_and_a_success_clears_it(site, linked):
    linked(site.url("/flaky"))
    check()
    assert health(site.url("/flaky")).state == State.OK

    site.flaky = 500
    check()
    after_one = health(site.url("/flaky"))
    assert (after_one.state, after_one.failures) == (State.OK, 1)
    assert after_one.describe() == "ok, but failed once (HTTP 500): checked again next time"

    site.flaky = 503
    check()
    assert health(site.url("/flaky")).state == State.BROKEN

    site.flaky = 200
    check()
    recovered = health(site.url("/flaky"))
    assert (recovered.state, recovered.failures) == (State.OK, 0)


def test_could_not_verify_neither_counts_as_a_failure_nor_clears_one(site, linked):
    linked(site.url("/flaky"))
    site.flaky = 500
    check()
    site.flaky = 403
    check()
    assert health(site.url("/flaky")).failures == 1
    site.flaky = 500
    check()
    assert health(site.url("/flaky")).state == State.BROKEN


def test_a_changed_title_is_flagged_until_the_resource_is_reviewed(site, linked, editor_client):
    resource = linked(site.url("/title"))
    check()
    first = health(site.url("/title"))
    assert (first.title, first.reviewed_title, first.title_changed) == (
        "The toolkit",
        "The toolkit",
        False,
    )

    site.title = "Domain for sale"
    check()
    assert health(site.url("/title")).title_changed

    attention = page(editor_client.get(reverse("admin:resources_resource_links")))
    (row,) = attention.xpath("//section[@id='retitled']//tbody/tr")
    assert [cell.text_content().strip() for cell in row.xpath("td")][2:] == [
        "The toolkit",
        "Domain for sale",
    ]

    changelist = reverse("admin:resources_resource_changelist")
    editor_client.post(changelist, {"action": "mark_reviewed", "_selected_action": [resource.pk]})
    assert health(site.url("/title")).reviewed_title == "Domain for sale"
    attention = page(editor_client.get(reverse("admin:resources_resource_links")))
    assert attention.xpath("//section[@id='retitled']//tbody/tr") == []


def test_a_review_date_typed_on_the_resource_page_accepts_the_new_titles(
    site, linked, editor_client
):
    resource = linked(site.url("/title"))
    check()
    site.title = "A new name"
    check()
    assert health(site.url("/title")).title_changed
    change = f"/admin/resources/resource/{resource.pk}/change/"
    today = timezone.localdate()
    response = submit(editor_client, change, {"last_reviewed_on": f"{today:%Y-%m-%d}"})
    assert response.status_code == 302
    assert health(site.url("/title")).reviewed_title == "A new name"


def test_checks_cover_published_resources_or_those_named(site, linked):
    linked(site.url("/ok"))
    draft = linked(site.url("/report.pdf"), is_published=False)
    check()
    assert current(site.url("/report.pdf")) is None

    check(draft.slug)
    assert health(site.url("/report.pdf")).state == State.OK


def test_the_command_fails_only_when_it_cannot_run(site, linked):
    linked(site.url("/status-404"))
    check()
    check()  # broken links are a finding, not a failure of the command
    with pytest.raises(CommandError, match="no-such-resource"):
        check("no-such-resource")
    with pytest.raises(CommandError, match="positive"):
        call_command("check_links", "--timeout", "0", stdout=StringIO())


def test_a_check_is_not_an_edit(site, linked):
    resource = linked(site.url("/ok"), site.url("/old-301"))
    versions = Version.objects.count()
    check()
    resource.refresh_from_db()
    assert resource.version == 1
    assert Version.objects.count() == versions


def test_a_check_never_overwrites_an_address_staff_changed_meanwhile(site, linked):
    linked(site.url("/status-404"))
    link = Link.objects.get()
    outcome = link_health.Outcome("failed", status_code=404, problem="HTTP 404")
    link_health.record_check(link.pk, link.url, outcome)
    Link.objects.filter(pk=link.pk).update(url=site.url("/ok"))

    # A check of the old address that finishes after the edit is dropped.
    assert link_health.record_check(link.pk, site.url("/status-404"), outcome) == ""
    assert current(site.url("/ok")) is None
    assert LinkHealth.objects.get().url == site.url("/status-404")


def test_a_new_address_starts_with_no_health(site, linked, editor_client):
    resource = linked(site.url("/status-404"))
    check()
    check()
    url = reverse("admin:resources_resource_change", args=[resource.pk])
    assert "broken: HTTP 404" in page(editor_client.get(url)).text_content()

    response = submit(editor_client, url, {"links-0-url": site.url("/ok")})
    assert response.status_code == 302
    document = page(editor_client.get(url))
    (state,) = document.xpath("//tr[@id='links-0']/td[contains(@class, 'field-check_state')]")
    assert state.text_content().strip() == "not checked yet"
    assert (
        page(editor_client.get(resource.get_absolute_url())).xpath(
            "//*[contains(@class, 'link-health')]"
        )
        == []
    )


def test_the_export_leaves_out_link_health(site, linked, tmp_path):
    linked(site.url("/ok"), site.url("/old-301"))
    call_command("export_catalogue", tmp_path / "before", stdout=StringIO())
    check()
    check()
    call_command("export_catalogue", tmp_path / "after", stdout=StringIO())
    for name in ("resources.yaml", "principles.yaml"):
        before = (tmp_path / "before" / name).read_bytes()
        assert before == (tmp_path / "after" / name).read_bytes()


# Staff: the admin list, its filter, "Check links now" and "Needs attention"

ADMIN = "/admin/resources/resource/"
ATTENTION = "/admin/resources/resource/links/"


def column(document, name: str) -> dict[str, str]:
    """The list's ``name`` column, by resource title."""
    rows = document.xpath("//table[@id='result_list']/tbody/tr")
    return {
        row.xpath("string(.//th[contains(@class, 'field-title')])").strip(): row.xpath(
            f"string(.//td[contains(@class, 'field-{name}')])"
        ).strip()
        for row in rows
    }


def test_the_list_shows_each_resources_worst_link_and_filters_by_state(linked, editor_client):
    linked("https://a.example/ok", "https://a.example/gone", title="Half broken")
    linked("https://b.example/ok", title="All fine")
    linked("https://c.example/new", title="Never checked")
    linked("https://d.example/old", title="Moved away")
    record_health("https://a.example/ok", State.OK)
    record_health("https://a.example/gone", State.BROKEN, status_code=404, failures=2)
    record_health("https://b.example/ok", State.OK)
    record_health("https://d.example/old", State.MOVED, final_url="https://d.example/new")

    listed = page(editor_client.get(ADMIN))
    assert column(listed, "links_state") == {
        "Half broken": "broken",
        "All fine": "ok",
        "Never checked": "not known yet",
        "Moved away": "moved",
    }
    filters = listed.xpath("//details[@data-filter-title='link check']//a/text()")
    assert filters == ["All", "Not known yet", "Ok", "Moved", "Broken", "Could not verify"]

    def titles(state: str) -> set[str]:
        return set(column(page(editor_client.get(ADMIN, {"links": state})), "title"))

    assert titles("broken") == {"Half broken"}
    assert titles("ok") == {"Half broken", "All fine"}
    assert titles("moved") == {"Moved away"}
    assert titles("unknown") == {"Never checked"}


def test_a_resource_page_shows_each_links_state_and_last_check(linked, editor_client):
    resource = linked("https://a.example/ok", "https://a.example/gone")
    record_health("https://a.example/gone", State.BROKEN, status_code=410, failures=3)
    document = page(editor_client.get(f"{ADMIN}{resource.pk}/change/"))

    def cells(name: str) -> list[str]:
        return [
            " ".join(cell.text_content().split())
            for cell in document.xpath(
                f"//tr[contains(@class, 'has_original')]/td[contains(@class, 'field-{name}')]"
            )
        ]

    checked = timezone.localtime(LinkHealth.objects.get().checked_at)
    assert cells("check_state") == ["not checked yet", "broken: HTTP 410 (3 failures in a row)"]
    assert cells("last_checked") == ["\u2014", f"{checked.day} {checked:%B %Y, %H:%M}"]


def test_check_links_now_checks_the_selected_resources(site, linked, editor_client, settings):
    settings.LINK_CHECK_TIMEOUT = float(TIMEOUT)
    chosen = linked(site.url("/ok"), site.url("/old-301"))
    linked(site.url("/report.pdf"))
    response = editor_client.post(
        ADMIN, {"action": "check_links_now", "_selected_action": [chosen.pk]}, follow=True
    )
    (message,) = messages_shown(response)
    assert message.startswith("Checked 2 links in ")
    assert message.endswith(": 1 ok, 1 moved, 0 broken, 0 could not verify.")
    assert health(site.url("/old-301")).state == State.MOVED
    assert current(site.url("/report.pdf")) is None
    assert column(page(response), "links_state")[chosen.title] == "moved"


def test_needs_attention_lists_broken_links_moves_and_changed_titles(linked, editor_client):
    linked("https://a.example/gone", "https://a.example/fine", title="With a dead link")
    linked("https://b.example/old", title="Moved on")
    linked("https://c.example/page", title="Retitled")
    linked("https://d.example/blocked", title="Behind a bot wall")
    record_health("https://a.example/gone", State.BROKEN, status_code=404, failures=2, problem="")
    record_health("https://a.example/fine", State.OK, title="Fine", reviewed_title="Fine")
    record_health(
        "https://b.example/old", State.MOVED, final_url="https://b.example/new", permanent_move=True
    )
    record_health(
        "https://c.example/page", State.OK, title="Parked domain", reviewed_title="The toolkit"
    )
    record_health("https://d.example/blocked", State.UNVERIFIED, status_code=403)

    document = page(editor_client.get(ATTENTION))

    def rows(section: str) -> list[list[str]]:
        return [
            [" ".join(" ".join(td.itertext()).split()) for td in tr.xpath("td")]
            for tr in document.xpath(f"//section[@id='{section}']//tbody/tr")
        ]

    (broken,) = rows("broken")
    assert broken[:2] == ["With a dead link", "Link 1 https://a.example/gone"]
    assert broken[2].startswith("HTTP 404, 2 times in a row")
    assert document.xpath("//section[@id='broken']//a[text()='Wayback Machine']/@href") == [
        "https://web.archive.org/web/https://a.example/gone"
    ]
    assert rows("moved") == [
        [
            "Moved on",
            "Link 1",
            "https://b.example/old",
            "https://b.example/new",
            "Use the new address for Link 1",
        ]
    ]
    assert rows("retitled") == [
        ["Retitled", "Link 1 https://c.example/page", "The toolkit", "Parked domain"]
    ]
    assert "1 link could not be verified" in document.text_content()
    tools = page(editor_client.get(ADMIN)).xpath("//ul[@class='object-tools']//a/@href")
    assert ATTENTION in tools


def test_use_the_new_address_is_one_recorded_edit(linked, editor_client):
    resource = linked("https://b.example/old", title="Moved on")
    record_health(
        "https://b.example/old", State.MOVED, final_url="https://b.example/new", title="New home"
    )
    change = f"{ADMIN}{resource.pk}/change/"
    stale_form = form_values(editor_client, change)  # someone opened the page before
    attention = page(editor_client.get(ATTENTION))
    (action,) = attention.xpath("//section[@id='moved']//form/@action")

    response = editor_client.post(action, follow=True)

    assert messages_shown(response) == [
        "\u201cMoved on\u201d now links to https://b.example/new (was https://b.example/old)."
    ]
    link = Link.objects.get(resource=resource)
    assert link.url == "https://b.example/new"
    resource.refresh_from_db()
    assert resource.version == 2
    (version,) = Version.objects.get_for_object(resource)
    assert version.revision.user.username == "volunteer"
    assert "changed to its new address https://b.example/new" in version.revision.get_comment()
    recorded = [v.field_dict["url"] for v in version.revision.version_set.all() if v._model is Link]
    assert recorded == ["https://b.example/new"]
    # What the check saw carries over: the new address was just found working.
    assert (health("https://b.example/new").state, health("https://b.example/new").title) == (
        State.OK,
        "New home",
    )
    assert page(response).xpath("//section[@id='moved']//tbody/tr") == []

    stale_form.update({"summary": "Typed on a form opened before the move.", "_save": "Save"})
    refused = editor_client.post(change, stale_form)
    assert refused.status_code == 200
    assert "your changes were not saved" in refused.content.decode()


def test_use_the_new_address_needs_a_post_and_a_move(linked, editor_client, client):
    linked("https://b.example/fine")
    link = record_health("https://b.example/fine", State.OK)
    url = f"{ATTENTION}{link.pk}/use-new-address/"
    assert editor_client.get(url).status_code == 405
    response = editor_client.post(url, follow=True)
    assert messages_shown(response) == [
        "This link has not moved permanently, as far as the last check knows."
    ]
    assert Link.objects.get(pk=link.pk).url == "https://b.example/fine"
    assert client.post(url).status_code == 302  # to the sign-in page
    assert client.get(ATTENTION).status_code == 302


# Providers: the detail page and the list


def test_the_detail_page_says_when_a_link_was_checked_and_marks_a_broken_one(linked, client):
    resource = linked("https://a.example/fine", "https://a.example/gone")
    checked = timezone.now()
    record_health("https://a.example/fine", State.OK, last_ok_at=checked)
    record_health(
        "https://a.example/gone", State.BROKEN, status_code=404, failures=2, last_ok_at=checked
    )

    document = page(client.get(resource.get_absolute_url()))
    items = document.xpath("//ul[@class='links']/li")
    notes = [
        " ".join(item.xpath("string(.//*[contains(@class, 'link-health')])").split())
        for item in items
    ]
    day = timezone.localdate(checked)
    assert notes == [
        f"Link checked on {day.day} {day:%B %Y}",
        "Link may be broken · archived copy of Link 2",
    ]
    assert items[0].xpath(".//time/@datetime") == [f"{day:%Y-%m-%d}"]
    assert items[1].xpath(".//a[contains(., 'archived copy')]/@href") == [
        "https://web.archive.org/web/https://a.example/gone"
    ]
    assert items[1].xpath("(.//a)[1]/@href") == ["https://a.example/gone"]  # still offered


def test_the_list_marks_a_broken_primary_link(linked, client):
    linked("https://a.example/gone", title="Gone")
    linked("https://b.example/fine", title="Fine")
    record_health("https://a.example/gone", State.BROKEN, status_code=404, failures=2)
    record_health("https://b.example/fine", State.OK, last_ok_at=timezone.now())

    document = page(client.get("/"))
    marks = {
        item.get("id"): [
            " ".join(m.text_content().split())
            for m in item.xpath(".//*[contains(@class, 'link-health')]")
        ]
        for item in document.xpath("//li[contains(@class, 'resource')]")
    }
    assert marks == {"checked-1": ["Link may be broken · archived copy of Link 1"], "checked-2": []}
    assert document.xpath("//li[@id='checked-1']//a[contains(., 'archived copy')]/@href") == [
        "https://web.archive.org/web/https://a.example/gone"
    ]


def test_link_health_costs_the_public_pages_no_query_per_link(linked, client):
    def make(count: int) -> None:
        for _ in range(count):
            n = Link.objects.count()
            resource = linked(f"https://a.example/{n}", f"https://b.example/{n}")
            for link in resource.links.all():
                record_health(link.url, State.BROKEN, status_code=404, failures=2)

    make(2)
    first = Resource.objects.first()
    assert first is not None
    pages = ["/", "/resources/", first.get_absolute_url()]

    def counts() -> list[int]:
        nothing_kept()  # each time from nothing kept, so that like is compared with like
        return [count_queries(client, url) for url in pages]

    few = counts()
    make(6)
    assert counts() == few


def test_the_link_bench_runs_and_reports_its_time(db):
    out = StringIO()
    call_command("bench_links", "--links", "40", "--hosts", "4", "--timeout", TIMEOUT, stdout=out)
    report = out.getvalue()
    assert "40 links on 4 local sites" in report
    assert "Checked 40 links in " in report
    assert LinkHealth.objects.count() == 40


def test_a_run_with_a_budget_stops_in_time_and_records_what_it_found(site, linked):
    linked(site.url("/ok"), site.url("/never-answers"))
    started = time.monotonic()
    summary = link_health.check_links(Link.objects.all(), link_health.Limits(timeout=5, budget=1))
    assert time.monotonic() - started < 4  # the page would keep it waiting 5 s
    assert (summary.checked, summary.unfinished) == (1, 1)
    assert str(summary).endswith(
        "1 ok, 0 moved, 0 broken, 0 could not verify, 1 not reached in time."
    )
    assert health(site.url("/ok")).state == State.OK
    assert current(site.url("/never-answers")) is None


def test_tls_and_dns_errors_could_be_ours_so_they_are_not_failures(site, linked):
    # HTTPS to a server that speaks plain HTTP: the TLS handshake fails.
    tls = site.url("/ok").replace("http://", "https://")
    linked(tls)
    check()
    check()
    refused = health(tls)
    assert (refused.state, refused.problem, refused.failures) == (
        State.UNVERIFIED,
        "secure connection (TLS) failed",
        0,
    )

    # A name that cannot be resolved, as the resolver reports it (no lookup made here).
    try:
        try:
            raise socket.gaierror(-2, "Name or service not known")
        except socket.gaierror as lookup:
            raise httpx.ConnectError(str(lookup)) from lookup
    except httpx.ConnectError as error:
        outcome = link_health.connect_problem(error)
    assert (outcome.verdict, outcome.problem) == (State.UNVERIFIED, "address not found (DNS)")


def test_a_link_found_broken_is_marked_on_the_cached_list_at_once(site, linked):
    linked(f"{site.base}/status-404", title="Soon gone")
    linked(f"{site.base}/ok", title="Fine")
    check()  # the first failure: nothing a visitor sees changes
    through_site("/")
    assert through_site("/").headers["X-Cache"] == "hit"
    check()  # the second failure: broken, and "checked on" stays the same day for the other
    after = through_site("/")
    assert after.headers["X-Cache"] == "miss"
    marks = lxml.html.fromstring(after.body).xpath(
        "//li[@id='checked-1']//a[contains(., 'archived copy')]"
    )
    assert len(marks) == 1
    check()  # found as before: the cached pages stay
    assert through_site("/").headers["X-Cache"] == "hit"
