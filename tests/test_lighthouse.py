"""make lighthouse: what it prints from Lighthouse's report (Lighthouse itself runs in make)."""

from io import StringIO
from typing import Any

from devtools.management.commands.lighthouse import CATEGORIES, Command


def report(scores: dict[str, float | None], audits: dict[str, dict[str, Any]]) -> dict[str, Any]:
    titles = {"performance": "Performance", "accessibility": "Accessibility"}
    titles |= {"best-practices": "Best Practices", "seo": "SEO"}
    return {
        "categories": {
            key: {
                "title": titles[key],
                "score": scores[key],
                "auditRefs": [
                    {"id": name, "weight": 1}
                    for name, audit in audits.items()
                    if audit["in"] == key
                ],
            }
            for key in CATEGORIES
        },
        "audits": audits,
    }


def shown(data: dict[str, Any]) -> str:
    command = Command(stdout=StringIO(), no_color=True)
    command.show("/", data)
    return command.stdout.getvalue()


def test_four_scores_on_one_line_per_page():
    perfect = report(dict.fromkeys(CATEGORIES, 1.0), {})
    assert shown(perfect) == (
        "/: Performance 100  Accessibility 100  Best Practices 100  SEO 100\n"
    )


def test_each_audit_that_cost_points_is_listed_under_its_page():
    audits: dict[str, dict[str, Any]] = {
        "color-contrast": {
            "in": "accessibility",
            "title": "Background and foreground colors do not have a sufficient contrast ratio.",
            "score": 0,
            "scoreDisplayMode": "binary",
        },
        "robots-txt": {
            "in": "seo",
            "title": "robots.txt is valid",
            "score": None,
            "scoreDisplayMode": "error",
            "errorMessage": "Status 301 was valid, but content was null",
        },
    }
    scores: dict[str, float | None] = {
        "performance": 1.0,
        "accessibility": 0.93,
        "best-practices": 1.0,
        "seo": None,
    }

    assert shown(report(scores, audits)).splitlines() == [
        "/: Performance 100  Accessibility 93  Best Practices 100  SEO failed",
        "    accessibility: Background and foreground colors do not have a sufficient "
        "contrast ratio.",
        "    seo: robots.txt is valid: Status 301 was valid, but content was null",
    ]
