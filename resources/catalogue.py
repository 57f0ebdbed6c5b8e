"""The catalogue: search, filters by kind, audience and topic (with counts), sorting and pages.

Everything a reader chose is in the URL's query string, so any result page can be shared.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, F
from django.db.models.functions import Lower
from django.http import HttpRequest
from taggit.models import Tag

from .kinds import Kind
from .models import Audience, Resource, TaggedResource
from .search import Match, highlight, match

PAGE_SIZE = 25
MAX_TOPICS = 5
SORTS = {
    "relevance": "Best match",
    "curated": "SPM's order",
    "newest": "Newest first",
    "title": "Title A to Z",
}
SLUG = re.compile(r"^[-a-z0-9_]{1,100}$")
# The audiences a reader can filter by; a resource for both is found under either.
AUDIENCE_FILTERS = {
    Audience.PROVIDERS.value: "Providers",
    Audience.PATIENTS.value: "Patients and caregivers",
}


@dataclass
class Choices:
    """What the reader asked for, cleaned: anything unusable is left out, never an error."""

    q: str = ""
    kind: str = ""
    audience: str = ""
    topics: list[str] = field(default_factory=list)
    sort: str = "curated"
    page: str = "1"
    fixed_topic: str = ""  # the topic of a topic page, part of its address

    @classmethod
    def read(cls, request: HttpRequest, fixed_topic: str = "") -> Choices:
        get = request.GET
        q = " ".join(get.get("q", "").replace("\x00", " ").split())[:200]
        kind = get.get("kind", "")
        audience = get.get("audience", "")
        topics = [t for t in get.getlist("tag") if SLUG.match(t) and t != fixed_topic]
        topics = list(dict.fromkeys(topics))[:MAX_TOPICS]
        default = "relevance" if q else "curated"
        sort = get.get("sort", default)
        return cls(
            q=q,
            kind=kind if kind in Kind.values else "",
            audience=audience if audience in AUDIENCE_FILTERS else "",
            topics=topics,
            sort=sort if sort in SORTS and (sort != "relevance" or q) else default,
            page=get.get("page", "1")[:12],
            fixed_topic=fixed_topic,
        )

    @property
    def all_topics(self) -> list[str]:
        return [t for t in [self.fixed_topic, *self.topics] if t]

    def query(self, **changes: Any) -> str:
        """The query string for these choices with ``changes``, empty and default parts left out."""
        values = {"q": self.q, "kind": self.kind, "audience": self.audience, "tag": self.topics,
                  "sort": self.sort, "page": self.page, **changes}  # fmt: skip
        default_sort = "relevance" if values["q"] else "curated"
        params = [
            (name, value)
            for name in ("q", "kind", "audience", "tag", "sort", "page")
            for value in (values[name] if isinstance(values[name], list) else [values[name]])
            if value
            and not (name == "sort" and value == default_sort)
            and not (name == "page" and str(value) == "1")
        ]
        return f"?{urlencode(params)}" if params else ""


@dataclass(frozen=True)
class Hit:
    """A resource on a page of results, with the search words marked in its title and summary."""

    resource: Resource
    title_html: str
    summary_html: str


@dataclass
class Results:
    choices: Choices
    page: Page
    total: int
    kinds: list[dict[str, Any]]
    audiences: list[dict[str, Any]]
    topics: list[dict[str, Any]]
    terms: list[str]
    clear: list[dict[str, str]]


def filtered(
    choices: Choices,
    found: Match | None = None,
    with_kind: bool = True,
    with_audience: bool = True,
) -> Any:
    """The listed resources the reader's filters keep, narrowed to the matches of ``found``."""
    resources: Any = Resource.objects.listed()
    if found is not None:
        resources = found.filter(resources)
    for topic in choices.all_topics:
        resources = resources.filter(tagged_items__tag__slug=topic)
    if with_kind and choices.kind:
        resources = resources.filter(kind=choices.kind)
    if with_audience and choices.audience:
        resources = resources.filter(audience__in=Audience.including(choices.audience))
    return resources


def ordered(resources: Any, choices: Choices) -> Any:
    # (A ranked search is ordered by Match.best; without search words, "relevance"
    # falls back to the curated order below.)
    match choices.sort:
        case "newest":
            return resources.order_by(F("first_published_at").desc(nulls_last=True), "-pk")
        case "title":
            return resources.order_by(Lower("title"), "pk")
    return resources.in_list_order()


def tallies(choices: Choices, found: Match, generation: int | None) -> dict[str, Any]:
    """How many resources the choices find, and how many each kind, audience and topic
    would give: two GROUP BY queries over the matches, which neither the page nor the
    order changes. Kept in the cache under the generation token, so any change to the
    content retires them."""
    key = (
        "catalogue-tallies:"
        + hashlib.sha256(
            repr((found.terms, choices.kind, choices.audience, choices.all_topics)).encode()
        ).hexdigest()
    )
    kept = cache.get(key)
    if kept is not None and kept["token"] == generation:
        return kept
    # One query counts both facets and the total: each resource has one kind and one
    # audience (and a topic at most once), so the kinds are counted over the rows of the
    # chosen audience, the audiences over those of the chosen kind, and the total over both.
    groups = (
        filtered(choices, found, with_kind=False, with_audience=False)
        .order_by()
        .values_list("kind", "audience")
        .annotate(n=Count("pk"))
    )
    shown = Audience.including(choices.audience) if choices.audience else None
    by_kind: dict[str, int] = {}
    by_audience: dict[str, int] = {}
    total = 0
    for kind, audience, n in groups:
        kind_chosen = not choices.kind or kind == choices.kind
        audience_chosen = shown is None or audience in shown
        if audience_chosen:
            by_kind[kind] = by_kind.get(kind, 0) + n
        if kind_chosen:
            by_audience[audience] = by_audience.get(audience, 0) + n
        if kind_chosen and audience_chosen:
            total += n
    # Counted by the tag's id over the tagging rows alone (their unique index covers it);
    # the few tags found are named by a second, small query.
    counts = dict(
        TaggedResource.objects.filter(content_object__in=filtered(choices, found).values("pk"))
        .order_by()
        .values_list("tag_id")
        .annotate(n=Count("pk"))
    )
    names = Tag.objects.filter(pk__in=list(counts)).values_list("pk", "slug", "name")
    by_topic = sorted(
        ({"tag__slug": slug, "tag__name": name, "count": counts[pk]} for pk, slug, name in names),
        key=lambda row: (-row["count"], row["tag__name"]),
    )
    kept = {
        "token": generation,
        "total": total,
        "by_kind": by_kind,
        "by_audience": by_audience,
        "by_topic": by_topic,
    }
    cache.set(key, kept, settings.FRAGMENT_CACHE_SECONDS)
    return kept


def ranks(choices: Choices, found: Match) -> bool:
    """Whether the results come best match first (a search ordered by relevance)."""
    return choices.sort == "relevance" and bool(found.terms)


# What a page of results loads of each resource: enough to mark the search words in it.
# Its entry comes from the cache (resources/fragments.py), which loads the rest only for
# the entries it does not hold.
MARKED = ("slug", "title", "summary")


def in_order(ids: list[int], details: bool = True) -> list[Resource]:
    """The resources of ``ids``, in that order, with all a result shows (``details``) or
    just what is marked in it."""
    chosen = Resource.objects.filter(pk__in=ids)
    loaded = chosen.with_list_details() if details else chosen.only(*MARKED)
    by_id = {r.pk: r for r in loaded}
    return [by_id[pk] for pk in ids]


def everything(choices: Choices, generation: int | None) -> list[Resource]:
    """Every resource the choices find, not one page, in the order the pages show them."""
    found = match(choices.q)
    if ranks(choices, found):
        return in_order(found.best(filtered(choices)))
    return list(ordered(filtered(choices, found), choices).with_list_details())


def find(choices: Choices, generation: int | None) -> Results:
    """The page of results and its facets; ``generation`` is the token the counts are kept
    under (``pagecache.token_for(request)``). The page itself is one query in SQL, ranked,
    filtered and cut to its 25 there, whatever the number of matches."""
    found = match(choices.q)
    counted = tallies(choices, found, generation)
    # The paginator only does the arithmetic (a bad or too large number gives the first or
    # the last page); the page's resources are asked for by their place.
    paginator: Paginator = Paginator(range(counted["total"]), PAGE_SIZE)
    page = paginator.get_page(choices.page)
    start = (page.number - 1) * PAGE_SIZE
    if ranks(choices, found):
        shown = in_order(found.best(filtered(choices), start, PAGE_SIZE), details=False)
    else:
        resources = ordered(filtered(choices, found), choices).only(*MARKED)
        shown = list(resources[start : start + PAGE_SIZE])
    choices.page = str(page.number)
    page.object_list = [
        Hit(
            resource,
            highlight(resource.title, found.terms),
            highlight(resource.summary, found.terms),
        )
        for resource in shown
    ]

    # How many each choice would give, with the reader's other choices kept.
    by_kind = counted["by_kind"]
    kinds = [
        {"value": value, "label": label, "count": by_kind.get(value, 0),
         "selected": value == choices.kind,
         "url": choices.query(kind="" if value == choices.kind else value, page="")}
        for value, label in Kind.choices
        if by_kind.get(value) or value == choices.kind
    ]  # fmt: skip
    by_audience = counted["by_audience"]
    audiences = [
        {"value": value, "label": label,
         "count": sum(by_audience.get(a, 0) for a in Audience.including(value)),
         "selected": value == choices.audience,
         "url": choices.query(audience="" if value == choices.audience else value, page="")}
        for value, label in AUDIENCE_FILTERS.items()
    ]  # fmt: skip
    audiences = [a for a in audiences if a["count"] or a["selected"]]
    topics = [
        {
            "slug": row["tag__slug"],
            "name": row["tag__name"],
            "count": row["count"],
            "selected": row["tag__slug"] in choices.all_topics,
            "fixed": row["tag__slug"] == choices.fixed_topic,
            "url": choices.query(
                tag=[t for t in choices.topics if t != row["tag__slug"]]
                if row["tag__slug"] in choices.topics
                else [*choices.topics, row["tag__slug"]],
                page="",
            ),
        }
        for row in counted["by_topic"]
    ]
    # One link to undo each choice (what an empty result offers).
    clear = []
    if choices.q:
        clear.append({"label": f"Search all resources, not only \u201c{choices.q}\u201d",
                      "url": choices.query(q="", page="")})  # fmt: skip
    if choices.kind:
        clear.append({"label": f"Show every kind, not only {Kind(choices.kind).label.lower()}",
                      "url": choices.query(kind="", page="")})  # fmt: skip
    if choices.audience:
        clear.append({"label": "Show resources for everyone, not only for "
                      f"{AUDIENCE_FILTERS[choices.audience].lower()}",
                      "url": choices.query(audience="", page="")})  # fmt: skip
    for slug in choices.topics:
        name = next((t["name"] for t in topics if t["slug"] == slug), slug)
        others = [t for t in choices.topics if t != slug]
        clear.append(
            {
                "label": f"Drop the topic \u201c{name}\u201d",
                "url": choices.query(tag=others, page=""),
            }
        )
    return Results(choices, page, paginator.count, kinds, audiences, topics, found.terms, clear)
