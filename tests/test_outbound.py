"""One way out to the network: every request names the site, stays within its limits and
never reaches a private address, for lookups and link checks alike (no network: stand-ins
on 127.0.0.1, and a trap that counts the connections made to it)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

import outbound
from outbound.addresses import parse_address
from resources.models import Link, LinkHealth, Resource
from tests.standins import (
    Asked,
    Reply,
    StandIn,
    Trap,
    drip,
    loopback_only,
    megabytes,
    serving,
    unused_port,
)

State = LinkHealth.State


@pytest.fixture
def trap() -> Iterator[Trap]:
    found = Trap()
    yield found
    found.close()


@pytest.fixture
def strict(settings: Any) -> Any:
    """Production's rule: no private address, except the exact ones a test allows."""
    settings.OUTBOUND_ALLOW_PRIVATE = False
    settings.OUTBOUND_ALLOWED_ADDRESSES = []
    return settings


@pytest.fixture(autouse=True)
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every TCP connection the clients try to open, by (address, port); only loopback
    ones are really made."""
    return loopback_only(monkeypatch)


@pytest.fixture
def names(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Host names the tests make up, and the addresses the resolver gives for them."""
    table: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def resolve(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in table:
            return [
                (
                    socket.AF_INET6 if ":" in address else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (address, port),
                )
                for address in table[host]
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return table


def fetch(url: str, **changes: Any) -> outbound.Fetched:
    with outbound.Outbound(outbound.config(**{"retries": 0, **changes})) as client:
        return client.get(url)


def ok(asked: Asked) -> Reply:
    return Reply(200, '{"ok": true}')


@pytest.fixture
def site() -> Iterator[StandIn]:
    with serving(ok) as stand_in:
        yield stand_in


# Identifying the site


def test_every_request_names_the_site_its_address_and_a_contact(site, settings):
    settings.SITE_URL = "https://resources.example.org"
    settings.CONTACT_EMAIL = "webmaster@example.org"
    assert fetch(site.url("/")).json() == {"ok": True}
    (asked,) = site.requests
    agent = asked.headers["user-agent"]
    assert agent.startswith("SPM-Resources/1.0 (+https://resources.example.org/;")
    assert "mailto:webmaster@example.org" in agent
    assert "Society for Participatory Medicine" in agent


def test_no_proxy_is_taken_from_the_environment(site, trap, monkeypatch):
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, trap.url())
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert fetch(site.url("/")).status == 200
    assert (len(site.requests), trap.accepted) == (1, 0)


# Never a private address


PRIVATE = [
    "http://10.0.0.1/",
    "http://10.255.255.254:8080/admin",
    "http://172.16.5.4/",
    "http://172.31.255.1/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/",
    "http://0.0.0.0/",
    "http://224.0.0.1/",
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    "http://[fe80::1]/",
    "http://[ff02::1]/",
    "https://[::ffff:10.0.0.1]/",
]


@pytest.mark.parametrize("url", PRIVATE)
def test_a_private_address_is_refused_before_any_connection(url, strict, connections):
    with pytest.raises(outbound.PrivateAddress) as refused:
        fetch(url)
    assert "private or internal network address" in str(refused.value)
    assert connections == []


LOOPBACK = [
    "http://127.0.0.1:{port}/",
    "http://127.1.2.3:{port}/",
    "http://localhost:{port}/",
    "http://[::1]:{port}/",
    "http://[::ffff:127.0.0.1]:{port}/",
    "http://2130706433:{port}/",  # 127.0.0.1 as one number, as resolvers accept it
]


@pytest.mark.parametrize("template", LOOPBACK)
def test_the_servers_own_loopback_is_never_reached(template, strict, trap, connections):
    with pytest.raises(outbound.PrivateAddress):
        fetch(template.format(port=trap.port))
    assert (trap.accepted, connections) == (0, [])


def test_the_trap_does_count_a_connection_when_private_addresses_are_allowed(settings, trap):
    # The proof above means something: the same request, allowed, does reach the trap.
    settings.OUTBOUND_ALLOW_PRIVATE = True
    with pytest.raises(outbound.OutboundError):
        fetch(trap.url())  # the trap hangs up without answering
    assert trap.accepted == 1


@pytest.mark.parametrize(
    "addresses",
    [["127.0.0.1"], ["10.1.2.3"], ["93.184.215.14", "192.168.0.7"], ["2606:2800::1", "::1"]],
)
def test_a_name_resolving_to_any_private_address_is_refused(addresses, strict, names, connections):
    names["news.example"] = addresses
    with pytest.raises(outbound.PrivateAddress) as refused:
        fetch("https://news.example/story")
    assert str(refused.value).startswith("news.example (")
    assert connections == []


def test_the_connection_goes_to_the_address_that_was_checked(strict, site, names, connections):
    # DNS rebinding: the name is resolved once, and the connection is made to the very
    # address checked, never to a second answer from the resolver.
    strict.OUTBOUND_ALLOWED_ADDRESSES = [site.address]
    names["registry.example"] = ["127.0.0.1"]
    assert fetch(f"http://registry.example:{site.port}/").status == 200
    assert connections == [("127.0.0.1", site.port)]
    assert site.requests[0].headers["host"] == f"registry.example:{site.port}"


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:{trap}/",
        "http://localhost:{trap}/",
        "http://[::1]:{trap}/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.8/internal",
    ],
)
def test_a_redirect_to_a_private_address_is_refused(location, strict, trap, connections):
    def redirect(asked: Asked) -> Reply:
        return Reply(302, headers={"Location": location.format(trap=trap.port)})

    with serving(redirect) as allowed:
        # Only the redirecting stand-in's own address is allowed; nothing else private is.
        strict.OUTBOUND_ALLOWED_ADDRESSES = [allowed.address]
        with pytest.raises(outbound.PrivateAddress):
            fetch(allowed.url("/moved"))
        assert allowed.paths() == ["/moved"]
    assert trap.accepted == 0
    assert connections == [("127.0.0.1", allowed.port)]


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/file",
        "file:///etc/passwd",
        "gopher://example.org/",
        "http://user:secret@example.org/",
        "http:///no-host",
    ],
)
def test_only_plain_web_addresses_are_fetched(url, connections):
    with pytest.raises(outbound.Refused):
        fetch(url)
    assert connections == []


def test_a_redirect_to_another_scheme_is_not_followed():
    moved = serving(lambda asked: Reply(301, headers={"Location": "file:///etc/passwd"}))
    with moved as stand_in, pytest.raises(outbound.Refused) as refused:
        fetch(stand_in.url("/"))
    assert "not a web address" in str(refused.value)


def test_the_async_client_refuses_private_addresses_too(strict, trap, connections):
    async def ask() -> None:
        async with (
            outbound.AsyncOutbound(outbound.config()) as client,
            client.stream("GET", f"http://localhost:{trap.port}/"),
        ):
            pass

    with pytest.raises(outbound.PrivateAddress):
        run_apart(ask)
    assert (trap.accepted, connections) == (0, [])


def run_apart(make: Any) -> None:
    """Run a coroutine on an event loop of its own thread, as the link checks do (the browser
    tests leave Playwright's loop running in this one)."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(make())
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def test_address_policy_reads_exact_addresses_and_ports():
    policy = outbound.AddressPolicy.from_list(False, ["127.0.0.1:8000", "[::1]:8001"])
    assert policy.allowed == {("127.0.0.1", 8000), ("::1", 8001)}
    with pytest.raises(ValueError, match="not an IP address and port"):
        outbound.AddressPolicy.from_list(False, ["localhost:8000"])
    for public in ("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "8.8.8.8"):
        address = parse_address(public)
        assert address is not None
        assert outbound.is_public(address)


# Limits: size, time, retries, turns per host


def test_a_10_mb_answer_is_cut_off_with_a_clear_error():
    def huge(asked: Asked) -> Reply:
        return Reply(200, chunks=megabytes(10))  # no Content-Length: found out by reading

    with serving(huge) as registry:
        with pytest.raises(outbound.TooLarge) as cut:
            fetch(registry.url("/works"), max_bytes=1024 * 1024)
        assert str(cut.value) == "127.0.0.1 sent more than 1 MB; the rest was not read."
        time.sleep(0.2)
        # Read up to the limit, plus what the sockets' buffers hold: never the whole.
        assert registry.sent < 8 * 1024 * 1024


def test_an_answer_announced_too_large_is_not_read_at_all():
    def announced(asked: Asked) -> Reply:
        return Reply(200, chunks=megabytes(10), declared_length=10 * 1024 * 1024)

    with serving(announced) as registry, pytest.raises(outbound.TooLarge):
        fetch(registry.url("/"), max_bytes=1024 * 1024)


def test_a_server_that_drips_is_cut_at_the_deadline():
    with serving(lambda asked: Reply(200, chunks=drip(50, 0.2))) as slow:
        started = time.monotonic()
        with pytest.raises(outbound.TooSlow) as cut:
            fetch(slow.url("/"), read_timeout=1, deadline=1)
    assert time.monotonic() - started < 2.5  # the whole answer would take 10 s
    assert str(cut.value) == "127.0.0.1 sent its answer too slowly."


def test_a_server_that_never_answers_times_out():
    with serving(lambda asked: Reply(200, delay=3)) as silent:
        started = time.monotonic()
        with pytest.raises(outbound.TooSlow):
            fetch(silent.url("/"), read_timeout=0.3, deadline=5)
    assert time.monotonic() - started < 2


def test_a_closed_port_is_unreachable_after_bounded_retries(connections):
    port = unused_port()
    with pytest.raises(outbound.Unreachable) as down:
        fetch(f"http://127.0.0.1:{port}/", retries=2)
    assert str(down.value) == f"Nothing answers at 127.0.0.1:{port} (connection refused)."
    assert connections == [("127.0.0.1", port)] * 3


@pytest.mark.parametrize("retry_after", ["1", "{date}"])
def test_429_with_retry_after_is_waited_for_then_asked_again(retry_after):
    answers = iter([429, 200])

    def busy_then_fine(asked: Asked) -> Reply:
        status = next(answers)
        if status == 429:
            later = datetime.fromtimestamp(time.time() + 2, UTC)
            header = retry_after.format(date=later.strftime("%a, %d %b %Y %H:%M:%S GMT"))
            return Reply(429, '{"message": "slow down"}', headers={"Retry-After": header})
        return Reply(200, '{"message": "fine"}')

    with serving(busy_then_fine) as registry:
        fetched = fetch(registry.url("/works/1"), retries=2)
    assert fetched.json() == {"message": "fine"}
    first, second = registry.requests
    assert second.at - first.at >= 0.9


def test_a_pause_asked_for_applies_to_every_request_to_that_host():
    answers = iter([429, 200, 200])

    def busy_once(asked: Asked) -> Reply:
        status = next(answers)
        return Reply(status, "{}", headers={"Retry-After": "1"} if status == 429 else {})

    with serving(busy_once) as registry, outbound.Outbound(outbound.config(retries=0)) as client:
        assert client.get(registry.url("/a")).status == 429
        assert client.get(registry.url("/b")).status == 200  # waited for its turn
    assert registry.requests[1].at - registry.requests[0].at >= 0.9


def test_a_pause_longer_than_the_wait_allowed_is_reported_not_waited():
    def closed_for_an_hour(asked: Asked) -> Reply:
        return Reply(429, "{}", headers={"Retry-After": "3600"})

    closed = serving(closed_for_an_hour)
    with closed as registry, outbound.Outbound(outbound.config(retries=2)) as client:
        assert client.get(registry.url("/a")).status == 429
        started = time.monotonic()
        with pytest.raises(outbound.Busy) as busy:
            client.get(registry.url("/b"))
    assert time.monotonic() - started < 1
    assert str(busy.value) == "127.0.0.1 asked us to slow down and wait 3600 s; try again later."
    assert len(registry.requests) == 1


@pytest.mark.parametrize("status", [400, 403, 404, 410])
def test_other_4xx_answers_are_not_asked_again(status):
    with serving(lambda asked: Reply(status, "{}")) as registry:
        assert fetch(registry.url("/"), retries=2).status == status
        assert len(registry.requests) == 1


def test_server_errors_are_asked_again_a_bounded_number_of_times():
    with serving(lambda asked: Reply(503, "{}")) as registry:
        assert fetch(registry.url("/"), retries=2).status == 503
        assert len(registry.requests) == 3


def test_retry_after_reads_seconds_and_http_dates():
    now = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    assert outbound.retry_after("120", now) == 120
    assert outbound.retry_after("Sun, 01 Mar 2026 12:00:30 GMT", now) == 30
    assert outbound.retry_after("Sun, 01 Mar 2026 11:00:00 GMT", now) == 0
    assert outbound.retry_after("soon", now) is None
    assert outbound.retry_after(None, now) is None


def test_no_more_requests_at_once_to_one_host_than_its_limit():
    with serving(lambda asked: Reply(200, "{}", delay=0.2)) as registry:
        config = outbound.config(default_limit=outbound.HostLimit(concurrent=2, per_second=100))
        with outbound.Outbound(config) as client:
            threads = [
                threading.Thread(target=client.get, args=(registry.url(f"/{n}"),)) for n in range(8)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        assert (len(registry.requests), registry.most_in_flight) == (8, 2)


def test_no_more_requests_a_second_to_one_host_than_its_rate():
    with serving(ok) as registry:
        config = outbound.config(
            host_limits={registry.address: outbound.HostLimit(per_second=5, burst=1)}
        )
        with outbound.Outbound(config) as client:
            for n in range(4):
                client.get(registry.url(f"/{n}"))
    times = [asked.at for asked in registry.requests]
    assert times[-1] - times[0] >= 0.55  # three waits of 0.2 s


def test_redirects_are_followed_to_a_limit():
    def hops(asked: Asked) -> Reply:
        hop = int(asked.path.strip("/") or 0)
        if hop < 3:
            return Reply(301, headers={"Location": f"/{hop + 1}"})
        return Reply(200, '{"hop": 3}')

    with serving(hops) as registry:
        fetched = fetch(registry.url("/"))
        assert (fetched.json(), fetched.url) == ({"hop": 3}, registry.url("/3"))
        assert fetched.redirects == (registry.url("/"), registry.url("/1"), registry.url("/2"))
        with pytest.raises(outbound.TooManyRedirects):
            fetch(registry.url("/"), max_redirects=2)


def test_a_web_page_where_data_was_expected_is_a_bad_answer():
    page = serving(lambda asked: Reply(200, "<html><body>Hi</body></html>", "text/html"))
    with page as stand_in, pytest.raises(outbound.BadAnswer, match="answered with a web page"):
        fetch(stand_in.url("/")).json()
    broken = serving(lambda asked: Reply(200, '{"message": '))
    with broken as stand_in, pytest.raises(outbound.BadAnswer, match="not valid JSON"):
        fetch(stand_in.url("/")).json()


# The link checks go the same way out


@pytest.fixture
def link_to(db: None):
    def make(url: str) -> Link:
        resource = Resource.objects.create(
            title="Checked", slug="checked", kind=Resource.Kind.WEBSITE, summary="S."
        )
        return Link.objects.create(resource=resource, label="Open", url=url)

    return make


def check_links() -> str:
    out = StringIO()
    call_command("check_links", "checked", "--timeout", "1", stdout=out)
    return out.getvalue()


def test_a_link_to_a_private_address_is_not_fetched_and_could_not_be_verified(
    strict, trap, link_to
):
    link = link_to(trap.url(path="/admin"))
    assert "1 could not verify" in check_links()
    health = LinkHealth.objects.get(link=link)
    assert (health.state, health.failures) == (State.UNVERIFIED, 0)
    assert health.describe() == (
        "could not verify: private network address (127.0.0.1): never fetched"
    )
    assert trap.accepted == 0


def test_a_link_that_redirects_to_a_private_address_is_not_followed(strict, trap, link_to):
    with serving(lambda asked: Reply(302, headers={"Location": trap.url()})) as page:
        strict.OUTBOUND_ALLOWED_ADDRESSES = [page.address]
        link = link_to(page.url("/article"))
        check_links()
    health = LinkHealth.objects.get(link=link)
    assert (health.state, health.status_code, health.final_url) == (
        State.UNVERIFIED,
        302,
        trap.url(),
    )
    assert health.problem == "redirects to a private network address (127.0.0.1): not followed"
    assert trap.accepted == 0
