"""What a lookup comes back with: ``Found``, or one ``Failed`` outcome per way a lookup
fails, each with a sentence for staff. Failures are values: nothing is raised."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..identifiers import Identifier
from .records import CslRecord, Update


@dataclass(frozen=True)
class Found:
    """One record, in the CSL-JSON shape resources/citations.py reads, and where each of
    its fields came from ("Crossref", "PubMed", "the page's citation_* tags"...)."""

    identifier: Identifier
    record: CslRecord
    provenance: dict[str, str]
    updates: tuple[Update, ...] = ()
    # What this record is itself a notice about (it retracts or corrects these).
    notice_for: tuple[str, ...] = ()
    # The title with the markup it may keep (<i>, <b>, <sub>, <sup>), for showing to staff.
    title_markup: str = ""
    # What did not work on the way, though the lookup did ("Crossref could not be reached").
    notes: tuple[str, ...] = ()

    @property
    def sources(self) -> list[str]:
        return list(dict.fromkeys(self.provenance.values()))

    @property
    def retracted(self) -> bool:
        return any(update.kind == "retraction" for update in self.updates)

    @property
    def serious_updates(self) -> list[Update]:
        return [update for update in self.updates if update.serious]


@dataclass(frozen=True)
class Failed:
    """A lookup that found nothing usable; ``message`` says why, for staff."""

    text: str
    message: str
    identifier: Identifier | None = None
    source: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


class NotRecognised(Failed):
    """What was pasted is no identifier the site knows."""


class NotFound(Failed):
    """The registry answered: no such record (404, or an empty answer)."""


class Unreachable(Failed):
    """The registry could not be reached, or answered with a server error."""


class TooSlow(Failed):
    """The registry took too long, or sent its answer too slowly."""


class BadAnswer(Failed):
    """The registry answered with a web page, or data that cannot be read."""


class TooLarge(Failed):
    """The answer was larger than any record is."""


class Refused(Failed):
    """The address, or a redirect, leads to a private network: never asked."""


class Busy(Failed):
    """The registry asked us to slow down for longer than a lookup may wait."""


Outcome = Found | Failed
