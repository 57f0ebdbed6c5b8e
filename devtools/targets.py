"""The figures `make bench` is held to, gathered from its commands into one table at its end.

Each benchmark command calls ``record()`` for the figures it measures; when BENCH_RESULTS
names a file (the Makefile sets it), each figure is appended there as a line of JSON, and
`manage.py bench_report` prints them all with their targets and whether each was met.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str  # "ms", "%", "req/s"
    target: str  # as it reads, e.g. "<= 5 ms"
    met: bool

    def shown(self) -> str:
        value = f"{self.value:.1f}" if self.unit in ("ms", "%") else f"{self.value:.0f}"
        return f"{value} {self.unit}"


def at_most(name: str, value: float, limit: float, unit: str = "ms") -> Figure:
    return record(Figure(name, value, unit, f"<= {limit:g} {unit}", value <= limit))


def at_least(name: str, value: float, limit: float, unit: str = "%") -> Figure:
    return record(Figure(name, value, unit, f">= {limit:g} {unit}", value >= limit))


def record(figure: Figure) -> Figure:
    path = os.environ.get("BENCH_RESULTS")
    if path:
        with Path(path).open("a", encoding="utf-8") as out:
            out.write(json.dumps(asdict(figure)) + "\n")
    return figure


def recorded(path: Path) -> list[Figure]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [Figure(**json.loads(line)) for line in lines if line.strip()]
