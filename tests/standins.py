"""Local stand-ins for the sites the site asks: real HTTP servers on 127.0.0.1 that the
tests start, answering as the real ones do (and as they do on a bad day).

``StandIn`` answers every request from a function of the request; ``Trap`` is a listening
socket that only counts the connections made to it, to prove that none was.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


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
