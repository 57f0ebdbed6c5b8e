import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from devtools.targets import recorded


class Command(BaseCommand):
    help = (
        "Print the figures the benchmark commands recorded in BENCH_RESULTS, each beside its "
        "target, and whether it was met. `make bench` runs it last."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        path = os.environ.get("BENCH_RESULTS")
        if not path:
            raise CommandError(
                "Set BENCH_RESULTS to the file the benchmarks wrote (make bench does)."
            )
        figures = recorded(Path(path))
        if not figures:
            raise CommandError(f"No figures were recorded in {path}: did the benchmarks run?")
        width = max(len(f.name) for f in figures)
        self.stdout.write(f"\n{'Targets':{width}}  {'measured':>12}  {'target':>12}  met")
        for figure in figures:
            mark = "yes" if figure.met else "NO"
            self.stdout.write(
                f"{figure.name:{width}}  {figure.shown():>12}  {figure.target:>12}  {mark}"
            )
        missed = sum(not f.met for f in figures)
        self.stdout.write(
            f"{len(figures) - missed} of {len(figures)} targets met"
            + (" (figures vary with the machine and what else it runs)." if missed else ".")
        )
