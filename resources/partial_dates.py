"""Dates known only as precisely as a source gives them: a year, a month, or a day."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError

PARTIAL_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class PartialDate:
    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def parse(cls, value: str) -> PartialDate:
        """Read ``2014``, ``2014-08`` or ``2014-08-15``; raise ValueError for anything else."""
        match = PARTIAL_DATE_RE.match(value.strip())
        if not match:
            raise ValueError(f"{value!r} is not a year, a year and month, or a full date")
        year, month, day = (int(part) if part else None for part in match.groups())
        assert year is not None
        if month is not None:
            date(year, month, day or 1)  # raises ValueError for month 13 or 31 February
        return cls(year, month, day)

    @classmethod
    def of(cls, value: str) -> PartialDate | None:
        """``value`` read as a partial date; None when it is empty or not one."""
        try:
            return cls.parse(value) if value else None
        except ValueError:
            return None

    @classmethod
    def from_parts(cls, parts: list[int]) -> PartialDate:
        """From CSL's date-parts: [year], [year, month] or [year, month, day]."""
        year, *rest = parts
        return cls(year, *rest[:2])

    def isoformat(self, separator: str = "-") -> str:
        """2014-08-15, 2014-08 or 2014; with "/" (2014/08/15), the form RIS and Google
        Scholar's citation_publication_date read."""
        return separator.join(
            f"{part:0{width}d}"
            for part, width in ((self.year, 4), (self.month, 2), (self.day, 2))
            if part is not None
        )

    @property
    def parts(self) -> list[int]:
        """CSL's date-parts: [year], [year, month] or [year, month, day]."""
        return [part for part in (self.year, self.month, self.day) if part is not None]

    def display(self) -> str:
        """As a reader expects it: 2014, August 2014 or 15 August 2014."""
        if self.month is None:
            return str(self.year)
        month = calendar.month_name[self.month]
        if self.day is None:
            return f"{month} {self.year}"
        return f"{self.day} {month} {self.year}"


def validate_partial_date(value: str) -> None:
    try:
        PartialDate.parse(value)
    except ValueError:
        raise ValidationError(
            "Enter the date as precisely as it is known: 2014, 2014-08 or 2014-08-15.",
            code="invalid",
        ) from None
    if not 1800 <= int(value[:4]) <= 2200:
        raise ValidationError("Enter a year between 1800 and 2200.", code="invalid")
