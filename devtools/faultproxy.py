"""A TCP proxy on loopback that a test or `make chaos` cuts and restores, to put the site's
database and cache through the failures it must survive.

Three ways to be cut, as networks fail:
- ``refuse``: nothing listens any more (a stopped server): connecting fails at once;
- ``blackhole``: connections are taken and nothing ever answers (a hung server, a dropped
  route): only the client's own timeouts end the wait;
- ``pass`` (restored): bytes flow both ways to the real server.
Cutting also resets every connection already open, as a restarted server would.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Literal

Mode = Literal["pass", "refuse", "blackhole"]
HOST = "127.0.0.1"


def reset(conn: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0), as a server that went away does."""
    with suppress(OSError):
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with suppress(OSError):
        conn.close()


class FaultProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.mode: Mode = "pass"
        self.lock = threading.Lock()
        self.open: set[socket.socket] = set()
        self.listener: socket.socket | None = None
        self.port = 0
        self.closed = False
        self.listen()

    # Listening.

    def listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, self.port))
        listener.listen(256)
        self.port = listener.getsockname()[1]
        self.listener = listener
        threading.Thread(target=self.accept, args=(listener,), daemon=True).start()

    def accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed: refusing, or shut down
            with self.lock:
                mode = self.mode
                self.open.add(client)
            if mode == "blackhole":
                threading.Thread(target=self.swallow, args=(client,), daemon=True).start()
            else:
                threading.Thread(target=self.connect, args=(client,), daemon=True).start()

    # Passing bytes on, or not.

    def connect(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            self.drop(client)
            return
        server.settimeout(None)
        with self.lock:
            if self.mode != "pass":  # cut while connecting
                self.open.discard(client)
                reset(client)
                reset(server)
                return
            self.open.add(server)
        threading.Thread(target=self.pump, args=(client, server), daemon=True).start()
        threading.Thread(target=self.pump, args=(server, client), daemon=True).start()

    def pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        self.drop(source)
        self.drop(target)

    def swallow(self, client: socket.socket) -> None:
        try:
            while client.recv(65536):
                pass
        except OSError:
            pass
        self.drop(client)

    def drop(self, conn: socket.socket) -> None:
        with self.lock:
            self.open.discard(conn)
        reset(conn)

    # What a test or `make chaos` does.

    def cut(self, mode: Literal["refuse", "blackhole"] = "refuse") -> None:
        with self.lock:
            self.mode = mode
            conns, self.open = set(self.open), set()
            listener = self.listener if mode == "refuse" else None
            if listener is not None:
                self.listener = None
        for conn in conns:
            reset(conn)
        if listener is not None:
            # shutdown() first: close() alone leaves a socket that a thread waits in
            # accept() on still listening.
            with suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()

    def restore(self) -> None:
        with self.lock:
            # Connections taken while a blackhole are reset, as the far end, which never
            # saw them, would reset them once packets flow again.
            swallowed = self.open if self.mode == "blackhole" else set()
            self.open = set() if swallowed else self.open
            self.mode = "pass"
            listening = self.listener is not None
        for conn in swallowed:
            reset(conn)
        if not listening and not self.closed:
            self.listen()

    def close(self) -> None:
        self.closed = True
        self.cut("refuse")


@contextmanager
def proxy_to(host: str, port: int) -> Iterator[FaultProxy]:
    proxy = FaultProxy(host, port)
    try:
        yield proxy
    finally:
        proxy.close()
