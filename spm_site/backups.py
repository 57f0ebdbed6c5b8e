"""Backups of the whole database: SQLite's online backup API, or pg_dump for PostgreSQL."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connections
from django.dispatch import Signal


class BackupError(Exception):
    """A backup or restore that could not be made; the message says why, for a person."""


def engine(alias: str = "default") -> str:
    vendor = connections[alias].vendor
    if vendor not in {"sqlite", "postgresql"}:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}.")
    return vendor


def postgres_env(alias: str = "default") -> dict[str, str]:
    """libpq's variables for the configured database, so no password is on a command line."""
    settings = connections[alias].settings_dict
    env = {**os.environ, "PGDATABASE": settings["NAME"]}
    for key, variable in [("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"),
                          ("PASSWORD", "PGPASSWORD")]:  # fmt: skip
        if settings.get(key):
            env[variable] = str(settings[key])
    return env


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: install PostgreSQL's client tools.")
    return found


def back_up(target: Path, alias: str = "default") -> None:
    """Write a consistent copy of the database to ``target``, while the site keeps running."""
    target.parent.mkdir(parents=True, exist_ok=True)
    connection = connections[alias]
    if engine(alias) == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)
        copy.close()
        return
    result = subprocess.run(
        [tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}"],
        env=postgres_env(alias),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")


# Sent once a backup has replaced the database's content, for what numbers the content's
# changes (an app's feed, resources/search.py) to begin a new epoch: numbers the backup
# holds were given out again since, to other changes.
restored = Signal()


def restore(source: Path, alias: str = "default") -> None:
    """Replace the database's whole content with the backup in ``source``."""
    replace_with(source, alias)
    restored.send(sender=None, alias=alias)


def replace_with(source: Path, alias: str) -> None:
    if not source.is_file():
        raise BackupError(f"There is no backup file at {source}.")
    connection = connections[alias]
    if engine(alias) == "sqlite":
        try:
            with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as backup:
                backup.execute("PRAGMA schema_version").fetchone()
                connection.ensure_connection()
                backup.backup(connection.connection)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} is not an SQLite backup ({exc}).") from exc
        return
    connection.close()
    result = subprocess.run(
        [tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
         f"--dbname={connection.settings_dict['NAME']}", str(source)],
        env=postgres_env(alias),
        capture_output=True,
        text=True,
    )  # fmt: skip
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
