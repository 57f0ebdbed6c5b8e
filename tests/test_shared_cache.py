"""Without Redis, the workers of one machine share one cache (spm_site/caches.py): a worker
that starts after another made a page serves it from the cache, and its errors are misses."""

import http.client
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from devtools.servers import HOST, running_gunicorn, workers_of
from spm_site.caches import MachineCache


def ask(port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request("GET", path, headers={"X-Forwarded-Proto": "https"})
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("X-Cache", "")
    finally:
        connection.close()


def replaced(master: int, old: int) -> int:
    """The worker gunicorn started in place of ``old``, once there is one."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        workers = workers_of(master)
        if workers and old not in workers:
            return workers.pop()
        time.sleep(0.1)
    raise AssertionError("gunicorn started no new worker")


def test_a_worker_started_after_another_filled_the_cache_serves_hits() -> None:
    # One worker at a time, so each answer comes from the worker named; no Redis, as
    # `make run` starts the site.
    with running_gunicorn({"WEB_CONCURRENCY": "1", "REDIS_URL": ""}) as (port, master):
        [first] = workers_of(master.pid)
        assert ask(port, "/resources/opennotes/") == (200, "miss")
        assert ask(port, "/resources/opennotes/") == (200, "hit")
        os.kill(first, signal.SIGKILL)
        second = replaced(master.pid, first)
        deadline = time.monotonic() + 30
        while True:  # the new worker answers once it has loaded the site
            try:
                answer = ask(port, "/resources/opennotes/")
                break
            except OSError:
                assert time.monotonic() < deadline, "the new worker never answered"
                time.sleep(0.1)
        assert workers_of(master.pid) == {second}
        assert answer == (200, "hit")
        assert ask(port, "/about/") == (200, "miss")  # and only what was made is a hit


def test_the_cache_directory_is_the_sites_alone(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    MachineCache(str(directory), {})
    assert directory.stat().st_mode & 0o777 == 0o700


def test_files_that_are_not_a_cache_are_misses_and_writes_that_fail_are_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    directory = tmp_path / "cache"
    MachineCache(str(tmp_path / "good"), {"SHARDS": 1}).set("page", "kept")
    for made in (tmp_path / "good").rglob("*.db"):  # the same files, spoilt
        spoilt = directory / made.relative_to(tmp_path / "good")
        spoilt.parent.mkdir(parents=True, exist_ok=True)
        spoilt.write_bytes(b"not a database " * 100)
    assert list(directory.rglob("*.db"))
    broken = MachineCache(str(directory), {"SHARDS": 1})
    assert broken.get("page", "missing") == "missing"
    assert broken.set("page", "again") is False
    assert broken.get("page", "missing") == "missing"
    assert broken.get_many(["page", "other"]) == {}
    broken.close()
    warnings = [r for r in caplog.records if "pages are made without it" in r.getMessage()]
    assert len(warnings) == 1
    assert "could not be opened" in warnings[0].getMessage()


def test_a_full_disk_is_a_write_that_did_not_happen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    machine = MachineCache(str(tmp_path / "cache"), {"SHARDS": 1})
    machine.set("page", "kept")

    def full(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(type(machine._cache), "set", full)
    assert machine.set("other", "lost") is False
    assert machine.get("page") == "kept"  # reading still works, and says so
    monkeypatch.undo()
    assert machine.set("other", "kept too") is True
    assert machine.get("other") == "kept too"
    assert len([r for r in caplog.records if "disk is full" in r.getMessage()]) == 1
