"""Local web sites whose pages answer as real sites do, good and bad, for the link checks'
tests and `bench_links`: no request leaves the machine."""

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class PageHandler(BaseHTTPRequestHandler):
    """Answers HEAD and GET alike through ``answer()``, which a site defines."""

    def log_message(self, *args: Any) -> None:
        pass

    def do_HEAD(self) -> None:
        self.answer()

    def do_GET(self) -> None:
        self.answer()

    def answer(self) -> None:
        raise NotImplementedError

    def send(self, status: int, body: bytes = b"", kind: str = "text/html", **headers: str) -> None:
        """A complete answer; the body only to a GET, as a real server does."""
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(body)


class FakeSite(ThreadingHTTPServer):
    """A site on ``address`` (a free port) whose pages ``handler`` answers, in threads."""

    daemon_threads = True

    def __init__(self, handler: type[PageHandler], address: str = "127.0.0.1") -> None:
        super().__init__((address, 0), handler)
        host, port = self.server_address[:2]
        self.base = f"http://{host!s}:{port}"

    def start(self) -> None:
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A checker that hangs up early is what these sites are for; anything else is a bug.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)
