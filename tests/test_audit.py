"""`make audit`: a known vulnerability fails it, unless it was weighed and accepted, and then
it is still listed with the reason."""

import json
import subprocess
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def report(*vulns: dict[str, Any]) -> subprocess.CompletedProcess:
    dependencies = [
        {"name": "django", "version": "6.1", "vulns": []},
        {"name": "diskcache", "version": "5.6.3", "vulns": list(vulns)},
    ]
    out = json.dumps({"dependencies": dependencies})
    return subprocess.CompletedProcess([], 0, stdout=out, stderr="")


def audit(monkeypatch: pytest.MonkeyPatch, answer: subprocess.CompletedProcess) -> str:
    monkeypatch.setattr(subprocess, "run", lambda *args, **kwargs: answer)
    out = StringIO()
    call_command("audit_dependencies", stdout=out)
    return out.getvalue()


def test_an_accepted_vulnerability_is_listed_with_its_reason_and_passes(monkeypatch):
    shown = audit(
        monkeypatch,
        report({"id": "GHSA-w8v5-vhqr-4h9v", "aliases": ["CVE-2025-69872"], "fix_versions": []}),
    )
    assert "diskcache 5.6.3: GHSA-w8v5-vhqr-4h9v accepted: the cache directory is private" in shown
    assert "No known vulnerabilities in 2 packages." in shown


def test_any_other_vulnerability_fails_the_audit(monkeypatch):
    with pytest.raises(CommandError, match="1 locked package"):
        audit(
            monkeypatch,
            report({"id": "GHSA-xxxx-yyyy-zzzz", "aliases": ["CVE-2026-1"], "fix_versions": ["6"]}),
        )
