"""Local stand-ins for the sites the site asks: real HTTP servers on 127.0.0.1 that the
tests start, answering as the real ones do (and as they do on a bad day).

``StandIn`` answers every request from a function of the request; ``Trap`` is a listening
socket that only counts the connections made to it, to prove that none was.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit


@dataclass(frozen=True)
class Asked:
    """One request a stand-in received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    at: float  # time.monotonic()

    def param(self, name: str) -> str:
        return self.query.get(name, [""])[0]


@dataclass
class Reply:
    status: int = 200
    body: bytes | str = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line
    # Instead of ``body``: chunks sent one by one, ``pause`` seconds apart, without a
    # Content-Length (so the client cannot know the size in advance).
    chunks: Iterable[bytes] | None = None
    pause: float = 0.0
    declared_length: int | None = None  # a Content-Length to send with ``chunks``


def json_reply(data: str, status: int = 200, **headers: str) -> Reply:
    return Reply(status, data, "application/json", headers)


class StandIn:
    def __init__(self, answer: Callable[[Asked], Reply], host: str = "127.0.0.1") -> None:
        self.answer = answer
        self.requests: list[Asked] = []
        self.sent = 0  # body bytes written
        self.in_flight = 0
        self.most_in_flight = 0
        self.lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                stand_in.serve(self)

            def do_HEAD(self) -> None:
                stand_in.serve(self)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that hangs up early is what several tests are about

        self.server = Server((host, 0), Handler)
        self.host = host
        self.port = self.server.server_address[1]
        self.base = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,))
        self.thread.daemon = True

    def url(self, path: str = "/") -> str:
        return self.base + path

    @property
    def address(self) -> str:
        """As OUTBOUND_ALLOWED_ADDRESSES lists it."""
        return f"{self.host}:{self.port}"

    def paths(self) -> list[str]:
        return [asked.path for asked in self.requests]

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        asked = Asked(
            handler.command,
            parts.path,
            parse_qs(parts.query),
            {name.lower(): value for name, value in handler.headers.items()},
            time.monotonic(),
        )
        with self.lock:
            self.requests.append(asked)
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            reply = self.answer(asked)
            if reply.delay:
                time.sleep(reply.delay)
            self.write(handler, reply)
        except OSError:
            pass  # the client hung up
        finally:
            with self.lock:
                self.in_flight -= 1

    def write(self, handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        handler.send_response(reply.status)
        handler.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        if reply.chunks is None:
            body = reply.body.encode() if isinstance(reply.body, str) else reply.body
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            if handler.command != "HEAD":
                handler.wfile.write(body)
                self.sent += len(body)
            return
        if reply.declared_length is not None:
            handler.send_header("Content-Length", str(reply.declared_length))
        else:
            handler.send_header("Connection", "close")
        handler.end_headers()
        handler.close_connection = True
        for chunk in reply.chunks:
            handler.wfile.write(chunk)
            handler.wfile.flush()
            self.sent += len(chunk)
            if reply.pause:
                time.sleep(reply.pause)

    def start(self) -> StandIn:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def serving(answer: Callable[[Asked], Reply], host: str = "127.0.0.1") -> Iterator[StandIn]:
    stand_in = StandIn(answer, host).start()
    try:
        yield stand_in
    finally:
        stand_in.stop()


class Trap:
    """A port on 127.0.0.1 that accepts connections and counts them: a request refused
    before connecting leaves ``accepted`` at 0."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.socket.settimeout(0.05)
        self.port = self.socket.getsockname()[1]
        self.accepted = 0
        self.running = True
        self.thread = threading.Thread(target=self.accept, daemon=True)
        self.thread.start()

    def accept(self) -> None:
        while self.running:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.accepted += 1
            connection.close()

    def url(self, host: str = "127.0.0.1", path: str = "/") -> str:
        return f"http://{host}:{self.port}{path}"

    def close(self) -> None:
        self.running = False
        self.thread.join(1)
        self.socket.close()


def unused_port() -> int:
    """A port nothing listens on: connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def drip(total: int = 50, every: float = 0.2) -> Iterator[bytes]:
    """A byte at a time, each within any read timeout, the whole far beyond a deadline."""
    for _ in range(total):
        yield b" "
        time.sleep(every)


def megabytes(count: int, fill: bytes = b" ") -> Iterator[bytes]:
    chunk = fill * (64 * 1024)
    for _ in range(count * 16):
        yield chunk


# The registries the lookups ask, each on a port of its own, answering in its own format
# from the records a test gives it. ``misbehave[path]`` replaces an answer (a registry on
# a bad day); ``delay`` slows every answer (a registry far away).

PUBMED_SET = (
    '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
    '1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
    "<PubmedArticleSet>{}</PubmedArticleSet>"
)


class Registries:
    def __init__(self) -> None:
        self.agencies: dict[str, str] = {}  # DOI (lower case): "Crossref", "DataCite"...
        self.works: dict[str, dict[str, Any]] = {}  # DOI: Crossref's message
        self.csl: dict[str, dict[str, Any]] = {}  # DOI: CSL-JSON, by content negotiation
        self.articles: dict[str, str] = {}  # PMID: <PubmedArticle> XML
        self.pmc: dict[str, dict[str, Any]] = {}  # PMCID: the ID converter's record
        self.books: dict[str, dict[str, Any]] = {}  # "ISBN:...": Open Library's jscmd=data
        self.pages: dict[str, Reply] = {}  # path on the web stand-in: its page
        self.misbehave: dict[str, Callable[[Asked], Reply | None]] = {}
        self.delay = 0.0
        self.doi_org = StandIn(self.answer_doi_org)
        self.datacite = StandIn(self.answer_datacite)
        self.crossref = StandIn(self.answer_crossref)
        self.eutils = StandIn(self.answer_eutils)
        self.idconv = StandIn(self.answer_idconv)
        self.openlibrary = StandIn(self.answer_openlibrary)
        self.web = StandIn(self.answer_web)
        self.all = [
            self.doi_org,
            self.datacite,
            self.crossref,
            self.eutils,
            self.idconv,
            self.openlibrary,
            self.web,
        ]

    def point(self, settings: Any) -> None:
        """Make the site ask these stand-ins instead of the registries."""
        settings.LOOKUP_DOI_URL = self.doi_org.base
        settings.LOOKUP_CROSSREF_URL = self.crossref.base
        settings.LOOKUP_NCBI_EUTILS_URL = self.eutils.base + "/entrez/eutils"
        settings.LOOKUP_NCBI_IDCONV_URL = self.idconv.base + "/tools/idconv/api/v1/articles/"
        settings.LOOKUP_OPENLIBRARY_URL = self.openlibrary.base

    def requests(self) -> int:
        return sum(len(stand_in.requests) for stand_in in self.all)

    def special(self, asked: Asked) -> Reply | None:
        if self.delay:
            time.sleep(self.delay)
        behaviour = self.misbehave.get(asked.path)
        return behaviour(asked) if behaviour else None

    def answer_doi_org(self, asked: Asked) -> Reply:
        if found := self.special(asked):
            return found
        if asked.path.startswith("/ra/"):
            # doi.org's RA API: a list, one entry per DOI asked.
            doi = unquote(asked.path.removeprefix("/ra/"))
            agency = self.agencies.get(doi.lower())
            entry = (
                {"DOI": doi, "RA": agency}
                if agency
                else {"DOI": doi, "status": "DOI does not exist"}
            )
            return json_reply(json.dumps([entry]))
        doi = unquote(asked.path.lstrip("/"))
        if doi.lower() not in self.agencies:
            return Reply(404, "<html><body>DOI Not Found</body></html>", "text/html")
        if "application/vnd.citationstyles.csl+json" in asked.headers.get("accept", ""):
            # Content negotiation: doi.org sends the client on to the agency.
            target = self.datacite.url(f"/application/vnd.citationstyles.csl+json/{quote(doi)}")
            return Reply(302, "", "text/html", {"Location": target})
        return Reply(302, "", "text/html", {"Location": self.web.url("/landing")})

    def answer_datacite(self, asked: Asked) -> Reply:
        if found := self.special(asked):
            return found
        doi = unquote(asked.path.removeprefix("/application/vnd.citationstyles.csl+json/"))
        item = self.csl.get(doi.lower())
        if item is None:
            missing = {"errors": [{"status": "404", "title": "The resource doesn't exist."}]}
            return Reply(404, json.dumps(missing))
        return Reply(200, json.dumps(item), "application/vnd.citationstyles.csl+json")

    def answer_crossref(self, asked: Asked) -> Reply:
        if found := self.special(asked):
            return found
        doi = unquote(asked.path.removeprefix("/works/"))
        work = self.works.get(doi.lower())
        if work is None:
            return Reply(404, "Resource not found.", "text/plain")
        message = {
            "status": "ok",
            "message-type": "work",
            "message-version": "1.0.0",
            "message": work,
        }
        return json_reply(json.dumps(message))

    def answer_eutils(self, asked: Asked) -> Reply:
        if found := self.special(asked):
            return found
        if asked.path != "/entrez/eutils/efetch.fcgi" or asked.param("db") != "pubmed":
            return Reply(
                400, "<eFetchResult><ERROR>Unknown request</ERROR></eFetchResult>", "text/xml"
            )
        ids = [i for i in asked.param("id").split(",") if i]
        found_articles = "".join(self.articles[i] for i in ids if i in self.articles)
        return Reply(200, PUBMED_SET.format(found_articles), "text/xml; charset=UTF-8")

    def answer_idconv(self, asked: Asked) -> Reply:
        if found := self.special(asked):
            return found
        records = []
        for requested in asked.param("ids").split(","):
            record = self.pmc.get(requested.upper())
            if record is None:
                records.append(
                    {
                        "requested-id": requested,
                        "status": "error",
                        "errmsg": "Identifier not found in PMC",
                    }
                )
            else:
                records.append({"requested-id": requested, **record})
        answer = {
            "status": "ok",
            "responseDate": "2026-03-01 12:00:00",
            "request": {"format": "json", "ids": [asked.param("ids")]},
            "records": records,
        }
        return json_reply(json.dumps(answer))

    def answer_openlibrary(self, asked: Asked) -> Reply:
        if found := self.special(asked):
            return found
        keys = asked.param("bibkeys").split(",")
        answer = {key: self.books[key] for key in keys if key in self.books}
        return json_reply(json.dumps(answer))

    def answer_web(self, asked: Asked) -> Reply:
        if found := self.special(asked):
            return found
        return self.pages.get(asked.path) or Reply(
            404, "<html><title>Not found</title></html>", "text/html"
        )

    def start(self) -> Registries:
        for stand_in in self.all:
            stand_in.start()
        return self

    def stop(self) -> None:
        for stand_in in self.all:
            stand_in.stop()


@contextmanager
def registries() -> Iterator[Registries]:
    running = Registries().start()
    try:
        yield running
    finally:
        running.stop()


def loopback_only(monkeypatch: Any) -> list[tuple[str, int]]:
    """Record every TCP connection the site's clients try to open, and refuse all but
    loopback ones: were an address check broken, a test would still never reach beyond
    this machine (nor the cloud's metadata service)."""
    import httpcore

    opened: list[tuple[str, int]] = []
    sync_connect = httpcore.SyncBackend.connect_tcp
    async_connect = httpcore.AnyIOBackend.connect_tcp

    def allowed(host: str, port: int) -> None:
        opened.append((host, port))
        if not (host.startswith("127.") or host == "::1"):
            raise httpcore.ConnectError(f"the tests connect to loopback only, not {host}")

    def record(self: Any, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        allowed(host, port)
        return sync_connect(self, host, port, *args, **kwargs)

    async def record_async(self: Any, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        allowed(host, port)
        return await async_connect(self, host, port, *args, **kwargs)

    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", record)
    monkeypatch.setattr(httpcore.AnyIOBackend, "connect_tcp", record_async)
    return opened
