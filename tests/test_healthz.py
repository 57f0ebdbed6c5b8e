"""/healthz for the load balancer (is this process answering?) and /readyz for monitoring
(is each shared part answering?): neither is cached, neither tells an error's details."""

import json
import os
import subprocess
import sys
from pathlib import Path

from spm_site import views
from tests.conftest import through_site

ROOT = Path(__file__).resolve().parent.parent
ASK = """
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
for path in ("/healthz", "/readyz"):
    response = Client().get(path)
    body = response.content.decode().strip()
    print(response.status_code, response["Cache-Control"], body, sep="|")
"""


def probes_with(**environ: str) -> dict[str, tuple[int, str, str]]:
    """/healthz and /readyz asked of a site started with ``environ`` (in its own process):
    each path's status, Cache-Control and body."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "spm_site.settings", **environ}
    done = subprocess.run(
        [sys.executable, "-c", ASK], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    healthz, readyz = done.stdout.splitlines()
    answers = {}
    for path, line in (("/healthz", healthz), ("/readyz", readyz)):
        status, control, body = line.split("|", 2)
        answers[path] = (int(status), control, body)
    return answers


def test_healthy_site_answers_200_and_is_never_cached(db: None, client) -> None:
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok\n")
    assert "no-store" in response["Cache-Control"]
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"database": "ok", "cache": "ok"}
    assert "no-store" in ready["Cache-Control"]
    for path in ("/healthz", "/readyz"):
        assert "X-Cache" not in through_site(path).headers
        assert "X-Cache" not in through_site(path).headers  # not kept by the page cache
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405


def test_database_down_keeps_healthz_200_and_readyz_says_503(tmp_path: Path) -> None:
    # Nothing listens on port 1: the database cannot be reached.
    answers = probes_with(
        DATABASE_URL="postgres://spm:secret-password@127.0.0.1:1/spm", REDIS_URL=""
    )
    assert answers["/healthz"][0::2] == (200, "ok")
    status, control, body = answers["/readyz"]
    assert status == 503
    assert "no-store" in control
    assert json.loads(body) == {"database": "down", "cache": "ok"}
    assert "secret-password" not in body
    assert "127.0.0.1" not in body


def test_cache_down_is_reported_but_the_site_stays_ready(tmp_path: Path) -> None:
    answers = probes_with(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", REDIS_URL="redis://127.0.0.1:1/0"
    )
    assert answers["/healthz"][0::2] == (200, "ok")
    status, _, body = answers["/readyz"]
    assert status == 200
    assert json.loads(body) == {"database": "ok", "cache": "down"}


def test_a_slow_database_is_reported_as_degraded(db: None, client, monkeypatch) -> None:
    monkeypatch.setattr(views, "SLOW_SECONDS", -1.0)  # any answer counts as slow
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"database": "degraded", "cache": "ok"}
