"""A provider's own picks: the resources named by their short-link numbers in ``?r=4&r=2``,
in the order given, for the printed handout and the citation downloads alike.

Whatever cannot be used (not a number, no published resource with it, retired from the
list, given twice, over the limit) is dropped and said why, never an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.http import HttpRequest

from .models import Resource

MAX_PICKS = 50
# As the short links take them (/r/<number>/): no resource has a longer number.
NUMBER = re.compile(r"^[0-9]{1,18}$")
# What a notice quotes back of a value that is not a number.
SHOWN_CHARACTERS = 20


@dataclass(frozen=True)
class Dropped:
    value: str
    reason: str


@dataclass
class Picks:
    resources: list[Resource] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)

    @property
    def numbers(self) -> list[int]:
        return [resource.pk for resource in self.resources]

    def query(self) -> str:
        """The query string of what was kept: the handout's shareable address."""
        return f"?{urlencode([('r', n) for n in self.numbers])}" if self.resources else ""


def asked(request: HttpRequest) -> bool:
    """The address names picks (``?r=``), even if none of them can be used."""
    return "r" in request.GET


def read(request: HttpRequest) -> Picks:
    """The picks in ``request``'s ``r`` values, in their order; see the module's docstring."""
    picks = Picks()
    wanted: list[int] = []
    for raw in request.GET.getlist("r"):
        value = raw.strip()
        shown = value if len(value) <= SHOWN_CHARACTERS else value[:SHOWN_CHARACTERS] + "\u2026"
        if not NUMBER.match(value):
            picks.dropped.append(Dropped(shown, "not a resource number"))
        elif int(value) in wanted:
            picks.dropped.append(Dropped(shown, "given twice"))
        elif len(wanted) == MAX_PICKS:
            picks.dropped.append(Dropped(shown, f"over the limit of {MAX_PICKS}"))
        else:
            wanted.append(int(value))
    found = {
        resource.pk: resource
        for resource in Resource.objects.published().filter(pk__in=wanted).with_list_details()
    }
    for number in wanted:
        resource = found.get(number)
        if resource is None:
            # A draft is not told apart from a number never used: drafts are not public.
            picks.dropped.append(Dropped(str(number), "no resource has this number"))
        elif not resource.is_listed:
            picks.dropped.append(Dropped(str(number), "retired from the list"))
        else:
            picks.resources.append(resource)
    return picks
