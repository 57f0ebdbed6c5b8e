import socket
import threading
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from devtools.servers import HOST, behind_nginx, get, running_site


class Command(BaseCommand):
    help = (
        "Hold N slow connections to the site as `make run` serves it (half-sent headers "
        "trickled a byte at a time, and requests whose response is never read), and time "
        "normal requests meanwhile. Loopback only; stops by itself."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--connections", type=int, default=50)
        parser.add_argument("--seconds", type=float, default=20)
        parser.add_argument(
            "--through-nginx",
            action="store_true",
            help="Put nginx in front, as the deploy guide does (needs nginx installed).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with running_site() as port:
            if options["through_nginx"]:
                try:
                    with behind_nginx(port) as proxy:
                        timings, failures = self.attack(
                            proxy, options["connections"], options["seconds"]
                        )
                except RuntimeError as exc:
                    raise CommandError(str(exc)) from exc
            else:
                timings, failures = self.attack(port, options["connections"], options["seconds"])
        worst = max(timings, default=float("inf"))
        median = sorted(timings)[len(timings) // 2] if timings else float("inf")
        self.stdout.write(
            f"{options['connections']} slow connections held for {options['seconds']:.0f} s: "
            f"{len(timings)} normal requests answered, {failures} failed; slowest "
            f"{worst * 1000:.0f} ms, median {median * 1000:.0f} ms."
        )
        if failures or worst > 1.0:
            self.stdout.write(self.style.ERROR("FAIL: a normal request waited more than 1 s."))
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS("PASS: every normal request within 1 s."))

    def attack(self, port: int, count: int, seconds: float) -> tuple[list[float], int]:
        stop = time.monotonic() + seconds
        sockets: list[socket.socket] = []

        def trickle(sock: socket.socket) -> None:
            # Slowloris: a request line, then one header byte every second, never finished.
            try:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: " + HOST.encode() + b"\r\n")
                while time.monotonic() < stop:
                    sock.sendall(b"X")
                    time.sleep(1)
            except OSError:
                pass

        def never_read(sock: socket.socket) -> None:
            # A full request for the largest page, whose response is never read.
            try:
                sock.sendall(
                    b"GET /handout/ HTTP/1.1\r\nHost: "
                    + HOST.encode()
                    + b"\r\nX-Forwarded-Proto: https\r\n\r\n"
                )
                while time.monotonic() < stop:
                    time.sleep(0.5)
            except OSError:
                pass

        threads = []
        for n in range(count):
            sock = socket.create_connection((HOST, port), timeout=seconds + 5)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sockets.append(sock)
            target = trickle if n % 5 else never_read
            threads.append(threading.Thread(target=target, args=(sock,), daemon=True))
        for thread in threads:
            thread.start()
        time.sleep(1)  # let every slow connection take hold first

        timings: list[float] = []
        failures = 0
        while time.monotonic() < stop:
            started = time.monotonic()
            try:
                status = get(port, "/resources/opennotes/", timeout=5)
                timings.append(time.monotonic() - started)
                failures += status != 200
            except OSError:
                failures += 1
            time.sleep(0.2)
        for sock in sockets:
            sock.close()
        return timings, failures
