"""The set-up that `make run` performs, run for real against a database file."""

import os
import sqlite3
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_setup(database: Path) -> str:
    result = subprocess.run(
        ["make", "--no-print-directory", "setup"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{database}"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_setup_run_twice_keeps_what_staff_changed(tmp_path):
    database = tmp_path / "db.sqlite3"
    first = make_setup(database)
    assert "8 resources" in first

    with sqlite3.connect(database) as db:
        db.execute("UPDATE resources_resource SET title = 'Staff title' WHERE slug = 'opennotes'")
        db.execute("DELETE FROM principles_principle WHERE key = 'excellent-practice'")
    second = make_setup(database)

    assert "Skipped resources.yaml" in second
    with sqlite3.connect(database) as db:
        titles = dict(db.execute("SELECT slug, title FROM resources_resource"))
        principles = db.execute("SELECT COUNT(*) FROM principles_principle").fetchone()[0]
    assert titles["opennotes"] == "Staff title"
    assert len(titles) == 8
    assert principles == 2


def test_setup_after_staff_deleted_every_resource_loads_nothing(tmp_path):
    database = tmp_path / "db.sqlite3"
    make_setup(database)
    with sqlite3.connect(database) as db:
        for table in ["taggedresource", "link", "creator", "formerslug", "resource"]:
            db.execute(f"DELETE FROM resources_{table}")

    again = make_setup(database)

    assert "Skipped resources.yaml: loaded once already" in again
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT COUNT(*) FROM resources_resource").fetchone()[0] == 0
