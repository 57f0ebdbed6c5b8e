"""Configuration from the environment: safe defaults, loud failures, a database that copes."""

import re
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command

from .conftest import PRODUCTION, manage


def test_a_named_site_without_a_secret_key_refuses_to_start():
    result = manage("check", ALLOWED_HOSTS="resources.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when ALLOWED_HOSTS is set." in result.stderr


def test_a_malformed_debug_value_is_a_readable_error():
    result = manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be true or false, not 'maybe'." in result.stderr


def test_no_variable_at_all_is_a_working_local_configuration():
    result = manage("check")
    assert result.returncode == 0, result.stderr


def test_production_settings_pass_every_deploy_check_at_warning_level():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_local_settings_do_not_pass_the_deploy_checks():
    # The same check is not a formality: without production settings it fails.
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    for warning in ["security.W004", "security.W008", "security.W012", "security.W016"]:
        assert warning in result.stderr


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"SECRET_KEY": ""}, "DJANGO_ENV=production needs SECRET_KEY in the environment"),
        ({"ALLOWED_HOSTS": "", "SITE_URL": ""}, "needs ALLOWED_HOSTS, SITE_URL"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be a long random value in production"),
        ({"SITE_URL": "http://resources.example.org"}, "SITE_URL must start with https://"),
        ({"DEBUG": "true"}, "DEBUG must be off in production"),
        ({"DJANGO_ENV": "staging"}, "DJANGO_ENV must be development or production"),
        ({"CONTACT_EMAIL": ""}, "DJANGO_ENV=production needs CONTACT_EMAIL in the environment"),
        ({"CONTACT_EMAIL": "webmaster"}, "CONTACT_EMAIL must be an email address"),
        ({"OUTBOUND_ALLOW_PRIVATE": "true"}, "OUTBOUND_ALLOW_PRIVATE must be off in production"),
        ({"LOOKUP_CROSSREF_URL": "ftp://mirror"}, "LOOKUP_CROSSREF_URL must be a web address"),
    ],
)
def test_production_refuses_to_start_without_what_a_real_site_needs(changes, message):
    result = manage("check", **{**PRODUCTION, **changes})
    assert result.returncode != 0
    assert message in result.stderr


CONCURRENT_WRITERS = """
import threading, time
from django.db import connection, transaction
from django.core.management import call_command
from principles.models import Principle

call_command("migrate", verbosity=0)
print(connection.cursor().execute("PRAGMA journal_mode").fetchone()[0])
errors = []

def writer(n):
    try:
        for i in range(5):
            # Read, pause, then write: with SQLite's default DEFERRED transactions
            # two of these deadlock and one fails at once with "database is locked".
            with transaction.atomic():
                Principle.objects.count()
                time.sleep(0.02)
                Principle.objects.create(key=f"w{n}-{i}", text="t")
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        connection.close()

threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
for t in threads: t.start()
for t in threads: t.join()
print(Principle.objects.count(), errors)
"""


def test_sqlite_concurrent_admin_saves_wait_instead_of_failing(tmp_path):
    result = manage(
        "shell", "--no-imports", "-c", CONCURRENT_WRITERS,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "20", "[]"]


def test_static_files_are_served_hashed_compressed_and_cached_for_long(client, db):
    html = client.get("/").content.decode()
    found = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', html)
    assert found is not None
    response = client.get(found.group(1), headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "max-age=315360000" in response["Cache-Control"]
    assert "immutable" in response["Cache-Control"]


def test_the_configured_cache_stores_and_returns_values():
    cache.set("spm-settings-check", "stored", timeout=5)
    assert cache.get("spm-settings-check") == "stored"
    cache.delete("spm-settings-check")


def test_migrations_match_the_models(db):
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
