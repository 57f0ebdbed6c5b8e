import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# Known vulnerabilities weighed and accepted, each with why it does not apply here; listed
# by the audit every time, never silently. Review each on every dependency update.
ACCEPTED = {
    # diskcache unpickles what its files hold, as every Django cache backend does (files,
    # database, Redis): whoever can write to the cache could run code as the site. The
    # site's cache directory is made for its own user only (mode 0700, spm_site/caches.py),
    # so only someone who could already change the site's code could write there.
    "CVE-2025-69872": "the cache directory is private to the site's user (spm_site/caches.py)",
}


class Command(BaseCommand):
    help = (
        "Check every locked dependency (requirements.lock) against the known "
        "vulnerabilities (pip-audit). Says plainly when the vulnerability database cannot "
        "be reached, instead of reporting a clean result it did not check."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        lock = Path(settings.BASE_DIR) / "requirements.lock"
        audit = shutil.which("pip-audit", path=str(Path(sys.executable).parent))
        if audit is None:
            raise CommandError("pip-audit is not installed: run `make install` first.")
        result = subprocess.run(
            [audit, "--requirement", str(lock), "--require-hashes", "--disable-pip",
             "--progress-spinner", "off", "--format", "json"],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        try:
            report = json.loads(result.stdout)
        except json.JSONDecodeError:
            raise CommandError(f"pip-audit could not run: {result.stderr.strip()}") from None
        dependencies = report.get("dependencies", [])
        audited = [d for d in dependencies if "skip_reason" not in d]
        for dependency in audited:
            for vuln in list(dependency.get("vulns", [])):
                reason = next(
                    (ACCEPTED[i] for i in [vuln["id"], *vuln.get("aliases", [])] if i in ACCEPTED),
                    None,
                )
                if reason:
                    dependency["vulns"].remove(vuln)
                    self.stdout.write(
                        f"{dependency['name']} {dependency['version']}: {vuln['id']} accepted: "
                        f"{reason}."
                    )
        vulnerable = [d for d in audited if d.get("vulns")]
        if not audited:
            self.stdout.write(
                self.style.WARNING(
                    f"NOT AUDITED: the vulnerability database could not be reached, so none "
                    f"of the {len(dependencies)} locked packages was checked. Run `make audit` "
                    "on a machine that reaches pypi.org."
                )
            )
            return
        for dependency in vulnerable:
            for vuln in dependency["vulns"]:
                fixed = ", ".join(vuln.get("fix_versions", [])) or "no fixed release yet"
                self.stdout.write(
                    f"{dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixed})"
                )
        skipped = len(dependencies) - len(audited)
        note = f" ({skipped} could not be checked)" if skipped else ""
        if vulnerable:
            raise CommandError(f"{len(vulnerable)} locked package(s) have known vulnerabilities.")
        self.stdout.write(
            self.style.SUCCESS(f"No known vulnerabilities in {len(audited)} packages{note}.")
        )
