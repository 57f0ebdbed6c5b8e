"""`make abuse`: bots flood the suggestion form while a person browses.

The site as `make run` serves it (gunicorn, production settings, a seeded scratch database
of its own in a temporary directory, behind one trusted proxy: TRUSTED_PROXIES=1), on
loopback only. Bots from ``--addresses`` networks (each its own X-Forwarded-For) send
``--posts`` suggestions within ``--seconds``, each the way some bot would: filling in every
field (the honeypot too), posting the moment the page arrives, replaying one token, or
posting no token at all; each fetches the form first, for its CSRF cookie. Meanwhile normal
page views are timed. It passes when no bot's post reached "new", nothing answered 500 or
more, every page view was answered within 1 s, and spam rows stayed within their cap.
"""

from __future__ import annotations

import http.client
import re
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from devtools.servers import HOST, free_port, manage, production_env, serving

KINDS = ["honeypot", "instant", "replay", "no-token"]
VIEWS = ["/", "/resources/opennotes/", "/resources/", "/suggest/"]
HIDDEN = re.compile(r'<input type="hidden" name="(csrfmiddlewaretoken|token)" value="([^"]*)"')


class Network:
    """The bots behind one address: each post on a connection of its own, as from a new
    machine, with its own CSRF cookie; the replaying bots share one token per network."""

    def __init__(self, port: int, address: str) -> None:
        self.port = port
        self.address = address
        self.captured = ""
        self.lock = threading.Lock()

    def post(self, n: int, kind: str) -> int:
        client = Client(self.port, self.address)
        status, page = client.request("GET", "/suggest/")
        if status != 200:
            return status
        hidden = dict(HIDDEN.findall(page))
        data = {
            "csrfmiddlewaretoken": hidden.get("csrfmiddlewaretoken", ""),
            "token": hidden.get("token", ""),
            "identifier": f"https://spam.example/{self.address}/{n}",
            "note": f"Best pills online https://spam.example/{n}",
            "name": "Winner",
            "email": f"bot{n}@spam.example",
        }
        if kind == "honeypot":
            data["favourite_colour"] = "blue"
            time.sleep(3.2)  # a patient bot, caught by the trap alone
        elif kind == "replay":
            with self.lock:
                first, self.captured = not self.captured, self.captured or data["token"]
            data["token"] = self.captured
            if not first:
                time.sleep(3.2)  # long after the page: caught only because it was used before
        elif kind == "no-token":
            data["token"] = ""
        return client.request("POST", "/suggest/", urlencode(data))[0]


class Client:
    def __init__(self, port: int, address: str) -> None:
        self.port = port
        self.address = address
        self.cookie = ""

    def request(self, method: str, path: str, body: str = "") -> tuple[int, str]:
        headers = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.address,
            "Origin": f"https://{HOST}:{self.port}",
            "Referer": f"https://{HOST}:{self.port}/suggest/",
        }
        if self.cookie:
            headers["Cookie"] = self.cookie
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
        except (OSError, http.client.HTTPException):
            return 0, ""
        finally:
            connection.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and "csrftoken=" in value:
                self.cookie = value.split(";", 1)[0]
        return response.status, text


class Command(BaseCommand):
    help = (
        "Flood the suggestion form with bot posts from many networks (behind one trusted "
        "proxy) while timing normal page views, on a scratch copy of the site served by "
        "gunicorn with production settings. Loopback only; bounded in count and time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--posts", type=int, default=1000)
        parser.add_argument("--addresses", type=int, default=10)
        parser.add_argument("--seconds", type=float, default=60)
        parser.add_argument(
            "--rate-limit",
            type=int,
            default=5,
            help="SUGGESTION_RATE_LIMIT for the run (raise it to let every post reach the "
            "other defences, and the spam cap)",
        )
        parser.add_argument("--spam-keep", type=int, default=1000, help="SUGGESTION_SPAM_KEEP")

    def handle(self, *args: Any, **options: Any) -> None:
        with tempfile.TemporaryDirectory() as directory:
            database = Path(directory) / "db.sqlite3"
            port = free_port()
            env = {
                **production_env(database, port),
                "TRUSTED_PROXIES": "1",
                "SUGGESTION_RATE_LIMIT": str(options["rate_limit"]),
                "SUGGESTION_SPAM_KEEP": str(options["spam_keep"]),
            }
            manage(env, "migrate", "--no-input")
            manage(env, "seed")
            command = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
            with serving(command, port, "gunicorn", seconds=30, cwd=settings.BASE_DIR, env=env):
                statuses, views, elapsed = self.flood(port, options)
            with sqlite3.connect(database) as db:
                rows = dict(
                    db.execute(
                        "SELECT status, COUNT(*) FROM suggestions_suggestion GROUP BY status"
                    ).fetchall()
                )
        self.report(statuses, views, elapsed, rows, options)

    def flood(self, port: int, options: dict[str, Any]) -> tuple[Counter[int], list[float], float]:
        posts, addresses, seconds = options["posts"], options["addresses"], options["seconds"]
        statuses: Counter[int] = Counter()
        views: list[float] = []
        lock = threading.Lock()
        for path in VIEWS * 8:  # every worker has loaded its templates before timing starts
            Client(port, "192.0.2.1").request("GET", path)
        started = time.monotonic()
        deadline = started + seconds * 1.5  # bounded even when the site is slow
        done = threading.Event()

        networks = [Network(port, f"198.51.100.{i + 1}") for i in range(addresses)]

        def bot(n: int) -> None:
            # Post n is due at its share of the minute; each network cycles through the kinds.
            wait = started + seconds * n / max(1, posts) - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if time.monotonic() > deadline:
                return
            status = networks[n % addresses].post(n, KINDS[(n // addresses) % len(KINDS)])
            with lock:
                statuses[status] += 1

        def person() -> None:
            connection = http.client.HTTPConnection(HOST, port, timeout=10)
            n = 0
            while not done.is_set() and time.monotonic() < deadline:
                began = time.monotonic()
                try:
                    connection.request(
                        "GET", VIEWS[n % len(VIEWS)], headers={"X-Forwarded-Proto": "https"}
                    )
                    response = connection.getresponse()
                    response.read()
                    ok = response.status == 200
                except (OSError, http.client.HTTPException):
                    connection.close()
                    connection = http.client.HTTPConnection(HOST, port, timeout=10)
                    ok = False
                with lock:
                    views.append(time.monotonic() - began if ok else float("inf"))
                n += 1
                time.sleep(0.25)
            connection.close()

        browsing = threading.Thread(target=person)
        browsing.start()
        with ThreadPoolExecutor(max_workers=48) as pool:
            list(pool.map(bot, range(posts)))
        done.set()
        browsing.join()
        return statuses, views, time.monotonic() - started

    def report(
        self,
        statuses: Counter[int],
        views: list[float],
        elapsed: float,
        rows: dict[str, int],
        options: dict[str, Any],
    ) -> None:
        views.sort()
        sent = sum(statuses.values())
        failures = sum(count for status, count in statuses.items() if status >= 500 or not status)

        def ms(value: float) -> str:
            return "failed" if value == float("inf") else f"{value * 1000:.0f} ms"

        p50 = views[len(views) // 2] if views else float("inf")
        p99 = views[min(len(views) - 1, int(len(views) * 0.99))] if views else float("inf")
        worst = views[-1] if views else float("inf")
        spam = rows.get("spam", 0)
        self.stdout.write(
            f"{sent} bot posts from {options['addresses']} networks in {elapsed:.1f} s "
            f"(rate limit {options['rate_limit']} an hour); answers "
            f"{dict(sorted(statuses.items()))}; suggestions stored: "
            f"{dict(sorted(rows.items())) or 'none'} (spam cap {options['spam_keep']}).\n"
            f"{len(views)} page views meanwhile: p50 {ms(p50)}, p99 {ms(p99)}, max {ms(worst)}."
        )
        problems = []
        if rows.get("new", 0):
            problems.append(f"{rows['new']} bot posts reached the queue as new")
        if failures:
            problems.append(f"{failures} answers were 500 or more, or none")
        if worst > 1.0:
            problems.append("a page view took more than 1 s")
        if spam > options["spam_keep"]:
            problems.append(f"{spam} spam rows, above the cap")
        if sent < options["posts"]:
            problems.append(f"only {sent} of {options['posts']} posts were sent in time")
        if problems:
            self.stdout.write(self.style.ERROR("FAIL: " + "; ".join(problems) + "."))
            raise SystemExit(1)
        self.stdout.write(
            self.style.SUCCESS(
                "PASS: no bot reached new, no 5xx, every page view within 1 s, spam capped."
            )
        )
