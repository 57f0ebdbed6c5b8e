"""/healthz, for load balancers and monitors: 200 when the database and the cache
answer, 503 with a short reason when either does not."""

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import through_site

ROOT = Path(__file__).resolve().parent.parent
ASK = """
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
response = Client().get("/healthz")
print(response.status_code)
print(response["Cache-Control"])
print(response.content.decode(), end="")
"""


def healthz_with(**environ: str) -> list[str]:
    """/healthz asked of a site started with ``environ`` (in its own process)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "spm_site.settings", **environ}
    done = subprocess.run(
        [sys.executable, "-c", ASK], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_healthy_site_answers_200_and_is_never_cached(db: None, client) -> None:
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok\n")
    assert "no-store" in response["Cache-Control"]
    assert "X-Cache" not in through_site("/healthz").headers
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_database_down_gives_503_with_a_short_reason(tmp_path: Path) -> None:
    # Nothing listens on port 1: the database cannot be reached.
    status, control, *reasons = healthz_with(
        DATABASE_URL="postgres://spm:secret-password@127.0.0.1:1/spm", REDIS_URL=""
    )
    assert status == "503"
    assert "no-store" in control
    assert reasons == ["database: OperationalError"]


def test_cache_down_gives_503_with_a_short_reason(tmp_path: Path) -> None:
    status, _, *reasons = healthz_with(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", REDIS_URL="redis://127.0.0.1:1/0"
    )
    assert status == "503"
    assert reasons == ["cache: ConnectionError"]
