"""Links between the pages of a long list (the home list and the catalogue alike)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.paginator import Page


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None: the ellipsis between far-apart numbers
    url: str = ""
    current: bool = False


@dataclass(frozen=True)
class Pagination:
    label: str  # names the navigation landmark, for example "Pages of results"
    links: list[PageLink]
    previous_url: str = ""
    next_url: str = ""


def pagination(page: Page, url_for: Callable[[int], str], label: str) -> Pagination | None:
    """Previous, the page numbers (elided far from the current one) and next; None when
    everything fits on one page."""
    if not page.has_other_pages():
        return None
    numbers = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    return Pagination(
        label=label,
        links=[
            PageLink(n, url_for(n), n == page.number) if isinstance(n, int) else PageLink(None)
            for n in numbers
        ],
        previous_url=url_for(page.previous_page_number()) if page.has_previous() else "",
        next_url=url_for(page.next_page_number()) if page.has_next() else "",
    )
