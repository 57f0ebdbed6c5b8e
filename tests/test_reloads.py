"""A release reloads gunicorn with `kill -HUP` of its master, and workers are replaced now and
then (max_requests): neither may drop a request, in flight or new, under load."""

import os
import signal
import threading
import time

from devtools.load import Load
from devtools.servers import running_gunicorn, workers_of

PAGES = [
    "/",
    "/resources/opennotes/",
    "/resources/?q=notes",
    "/about/",
    "/handout/",
    "/feeds/resources.atom",
    "/resources/opennotes/citation.ris",
    "/healthz",
]


def test_a_reload_and_recycled_workers_lose_no_request() -> None:
    site_env = {"WEB_CONCURRENCY": "2", "GUNICORN_MAX_REQUESTS": "10", "PAGE_CACHE_SECONDS": "0"}
    with running_gunicorn(site_env) as (port, master):
        before = workers_of(master.pid)
        assert len(before) == 2
        seen = set(before)
        watching = threading.Event()

        def watch() -> None:
            while not watching.is_set():
                seen.update(workers_of(master.pid))
                time.sleep(0.05)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        # A client that waits as long as the reverse proxy does (proxy_read_timeout 35 s):
        # while new workers start, connections wait in the listening socket's queue.
        with Load(port, PAGES, clients=4, timeout=30) as load:
            started = time.monotonic()
            deadline = started + 60
            while len(seen) < len(before) + 2 and time.monotonic() < deadline:
                time.sleep(0.1)  # until workers were recycled (max_requests) twice
            recycled = set(seen) - before
            running = workers_of(master.pid)
            os.kill(master.pid, signal.SIGHUP)
            while workers_of(master.pid) & running and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(2)
        watching.set()
        watcher.join()
        after = workers_of(master.pid)
    summary = load.summary(started)
    assert len(recycled) >= 2  # workers were recycled under load (max_requests)...
    assert after.isdisjoint(running)  # ...and the reload replaced every worker
    assert summary.requests > 30
    assert (summary.errors, summary.unavailable) == (0, 0)
    assert [o for o in load.outcomes if o.status not in (200,)] == []
