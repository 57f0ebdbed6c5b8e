import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from devtools.servers import HOST, running_site

PAGES = ["/", "/resources/opennotes/"]
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
LIGHTHOUSE = Path(settings.BASE_DIR) / "node_modules" / ".bin" / "lighthouse"
REPORTS = Path(settings.BASE_DIR) / "build" / "lighthouse"


class Command(BaseCommand):
    help = (
        "Lighthouse's four scores (performance, accessibility, best practices, SEO) for the "
        "home page and a resource page, served by gunicorn with production settings on "
        "loopback and audited in Chromium; lists every audit that cost points. Reports are "
        "kept in build/lighthouse/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--desktop", action="store_true", help="Audit as a desktop (the default is a phone)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        chromium = os.environ.get("CHROME_PATH") or shutil.which("chromium")
        if not chromium:
            raise CommandError("Chromium is not installed (apt-get install chromium).")
        if not LIGHTHOUSE.exists():
            raise CommandError("Lighthouse is not installed: run make lighthouse.")
        REPORTS.mkdir(parents=True, exist_ok=True)
        # The proxy of the deploy guide redirects plain HTTP itself; Lighthouse fetches
        # robots.txt without the forwarded-protocol header, so Django must not redirect it.
        with running_site({"SECURE_SSL_REDIRECT": "false"}) as port:
            reports = [
                self.audit(chromium, f"http://{HOST}:{port}{path}", path, options["desktop"])
                for path in PAGES
            ]
        for path, report in zip(PAGES, reports, strict=True):
            self.show(path, report)

    def audit(self, chromium: str, url: str, path: str, desktop: bool) -> dict[str, Any]:
        name = "home" if path == "/" else path.strip("/").replace("/", "-")
        output = REPORTS / f"{name}{'-desktop' if desktop else ''}"
        command = [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--chrome-flags=--headless=new --no-sandbox",
            f"--only-categories={','.join(CATEGORIES)}",
            # As the reverse proxy of the deploy guide forwards HTTPS requests.
            "--extra-headers",
            json.dumps({"X-Forwarded-Proto": "https"}),
            "--output=json",
            "--output=html",
            f"--output-path={output}",
        ]
        if desktop:
            command.append("--preset=desktop")
        subprocess.run(
            command, env={**os.environ, "CHROME_PATH": chromium}, check=True, timeout=180
        )
        return json.loads(output.with_suffix(".report.json").read_text())

    def show(self, path: str, report: dict[str, Any]) -> None:
        scores = {key: report["categories"][key]["score"] for key in CATEGORIES}
        line = "  ".join(
            f"{report['categories'][key]['title']} "
            + ("failed" if score is None else str(round(score * 100)))
            for key, score in scores.items()
        )
        style = self.style.SUCCESS if all(s == 1 for s in scores.values()) else self.style.WARNING
        self.stdout.write(style(f"{path}: {line}"))
        for key in CATEGORIES:
            for ref in report["categories"][key]["auditRefs"]:
                audit = report["audits"][ref["id"]]
                if audit["scoreDisplayMode"] == "error":
                    self.stdout.write(f"    {key}: {audit['title']}: {audit['errorMessage']}")
                elif ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                    shown = audit.get("displayValue", "")
                    self.stdout.write(f"    {key}: {audit['title']} {shown}".rstrip())
