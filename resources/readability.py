"""How hard a plain-language summary is to read: its Flesch-Kincaid grade (through textstat),
set against the 6th to 8th grade that health-literacy guidance asks patient material for."""

from __future__ import annotations

from dataclasses import dataclass

import textstat

from .models import PLAIN_LANGUAGE_GRADES

LOWEST, HIGHEST = PLAIN_LANGUAGE_GRADES
TARGET = f"{LOWEST}th\u2013{HIGHEST}th grade"
# Fewer words than this make no grade worth reading (one short sentence scores anything).
MIN_WORDS = 10
# More than any summary needs: what the grade view reads of a posted text.
MAX_CHARACTERS = 20_000


@dataclass(frozen=True)
class Reading:
    grade: float | None  # None: too little text to grade
    words: int

    @property
    def meets_target(self) -> bool:
        """At or below the 8th grade: easier text is never a problem for readers."""
        return self.grade is not None and self.grade <= HIGHEST

    @property
    def verdict(self) -> str:
        if self.grade is None:
            return f"Write at least {MIN_WORDS} words to see the reading grade."
        shown = f"Reading grade {self.grade:.1f} (Flesch-Kincaid)"
        if self.grade > HIGHEST:
            return (
                f"{shown}: harder than the {TARGET} that health-literacy guidance asks for. "
                "Shorter sentences and everyday words bring it down."
            )
        if self.grade < LOWEST:
            return f"{shown}: easier than the {TARGET} target, which is fine."
        return f"{shown}: within the {TARGET} that health-literacy guidance asks for."

    def as_json(self) -> dict[str, object]:
        return {
            "grade": None if self.grade is None else round(self.grade, 1),
            "words": self.words,
            "target": TARGET,
            "meets_target": self.meets_target,
            "verdict": self.verdict,
        }


def reading(text: str) -> Reading:
    words = textstat.lexicon_count(text)
    if words < MIN_WORDS:
        return Reading(None, words)
    # The formula can go below zero for very short words and sentences.
    return Reading(max(0.0, float(textstat.flesch_kincaid_grade(text))), words)
