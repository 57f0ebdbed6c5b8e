"""The retraction watch: ask the registries again about every resource with a DOI or a
PubMed ID, and record each retraction, correction or expression of concern they report.

Crossref's record of a DOI carries the notices about it (``updated-by``, Retraction Watch's
among them); PubMed's record says "Retracted Publication" and points to the notice
(RetractionIn, ExpressionOfConcernIn, ErratumIn). Every lookup is fresh (the day's lookup
cache is skipped) and they run side by side, within each registry's limits
(``lookup.lookup_many``).

It only ever adds. A notice is recorded once (``intake.record_notices``, which retires the
cached pages when something is new); a registry that does not answer, or that no longer
mentions a notice, leaves everything already recorded as it was.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from .identifiers import Identifier, Unrecognised, normalise_doi
from .intake import record_notices
from .lookup import Failed, Found, Update, lookup_many
from .models import Notice, Resource

logger = logging.getLogger(__name__)

# Reasons listed in the summary line; the log has every one.
REASONS_SHOWN = 3


def identifiers(resource: Resource) -> list[str | Identifier]:
    """What to ask about ``resource``: its DOI (Crossref, or its own agency) and its PubMed
    ID (PubMed, and Crossref for the DOI PubMed gives)."""
    asked: list[str | Identifier] = []
    if resource.doi:
        try:
            asked.append(Identifier("doi", normalise_doi(resource.doi), resource.doi))
        except Unrecognised:
            asked.append(resource.doi)  # the lookup says why it is not a DOI
    if resource.pmid:
        asked.append(Identifier("pmid", resource.pmid.strip(), resource.pmid))
    return asked


@dataclass
class Summary:
    checked: int = 0
    new: list[Notice] = field(default_factory=list)
    # The lookups that failed, with the resource each was about.
    failures: list[tuple[Resource, Failed]] = field(default_factory=list)

    @property
    def unchecked(self) -> int:
        """Resources not checked in full: one of their registries did not answer."""
        return len({resource.pk for resource, _ in self.failures})

    @property
    def new_notices(self) -> list[Notice]:
        """The new notices as readers count them: one retraction that two registries
        report (each with its own link) is one."""
        seen: dict[tuple[int, str, str], Notice] = {}
        for notice in self.new:
            seen.setdefault((notice.resource_id, notice.kind, notice.issued), notice)
        return list(seen.values())

    def reasons(self) -> list[str]:
        """Why, once per way of failing: a registry that is down fails every lookup."""
        alike: defaultdict[tuple[str, str], list[Failed]] = defaultdict(list)
        for _, failure in self.failures:
            alike[(type(failure).__name__, failure.source)].append(failure)
        return [
            first.message + (f" (and {len(more)} more like it)" if more else "")
            for first, *more in alike.values()
        ]

    def __str__(self) -> str:
        new = self.new_notices
        described = ", ".join(describe(notice) for notice in new)
        reasons = self.reasons()
        why = " ".join(reasons[:REASONS_SHOWN])
        if len(reasons) > REASONS_SHOWN:
            why += f" And {len(reasons) - REASONS_SHOWN} other problems: the log has them all."
        return (
            f"Checked {self.checked} resource{'' if self.checked == 1 else 's'} for "
            f"retractions and corrections; new notices {len(new)}"
            + (f": {described}" if described else "")
            + f"; could not check {self.unchecked}"
            + (f": {why}" if why else ".")
        )


def describe(notice: Notice) -> str:
    """How the summary names a new notice: a retraction of “Title”."""
    kind = notice.kind
    article = "an" if kind[:1] in "aeiou" else "a"
    return f"{article} {kind} {notice.words.about} \u201c{notice.resource.title}\u201d"


def check_updates(resources: Iterable[Resource]) -> Summary:
    """Ask again about each of ``resources`` that has a DOI or a PubMed ID, and record what
    the registries report; returns what was checked, what is new, and what failed."""
    asked: list[tuple[Resource, str | Identifier]] = [
        (resource, identifier) for resource in resources for identifier in identifiers(resource)
    ]
    outcomes = lookup_many([identifier for _, identifier in asked], use_cache=False)
    updates: dict[Resource, list[Update]] = {}
    summary = Summary()
    for (resource, _), outcome in zip(asked, outcomes, strict=True):
        found = updates.setdefault(resource, [])
        if isinstance(outcome, Found):
            found.extend(outcome.updates)
            for note in outcome.notes:
                logger.info("Checking \u201c%s\u201d: %s", resource, note)
        else:
            logger.warning("Could not check \u201c%s\u201d: %s", resource, outcome.message)
            summary.failures.append((resource, outcome))
    failed = {resource.pk for resource, _ in summary.failures}
    for resource, found in updates.items():
        # What one registry reports is recorded even when the other did not answer.
        summary.new += record_notices(resource, found)
        summary.checked += resource.pk not in failed
    for notice in summary.new:
        level = logging.WARNING if notice.is_serious else logging.INFO
        logger.log(level, "New notice: %s", notice)
    return summary
