"""The catalogue: search, filters by kind, audience and topic (with counts), sorting and pages.

Everything a reader chose is in the URL's query string, so any result page can be shared.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q
from django.db.models.functions import Lower
from django.http import HttpRequest
from taggit.models import Tag

from .fragments import release
from .kinds import Kind
from .models import Audience, Resource, SearchFacets, SearchTopic
from .search import Change, Match, State, as_of, highlight, match, present

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


def indexed(
    choices: Choices,
    found: Match | None = None,
    with_kind: bool = True,
    with_audience: bool = True,
) -> Any:
    """As ``filtered``, read from the search index's facets (resources/search.py), which
    change only with the index's feed: what is counted and kept is exact at its number."""
    resources: Any = SearchFacets.objects.filter(listed=True)
    if found is not None:
        resources = found.filter(resources)
    for topic in choices.all_topics:
        tagged = SearchTopic.objects.filter(tag_id__in=Tag.objects.filter(slug=topic).values("pk"))
        resources = resources.filter(pk__in=tagged.values("resource_id"))
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


# Counts and the best matches are kept, per query and filters, at the number S of the
# search index's change feed they are exact at (resources/search.py), and corrected by the
# changes after S: each changed resource's part before (as the feed kept it) taken away,
# its part now added. The counts so corrected are exact. So are the best matches'
# membership, the edited resources' scores and the order; the scores of the others keep
# the corpus statistics of when they were counted (SQLite's bm25 weighs a word by how many
# resources hold it; PostgreSQL's ts_rank does not), so they are counted afresh after
# RECOUNT_AFTER corrected resources or RECOUNT_SECONDS.
CORRECTED_AT_ONCE = 200  # changes read from the feed at a time; beyond, everything is counted
RESOURCES_AT_ONCE = 50  # changed resources corrected at a time
RECOUNT_AFTER = 200
RECOUNT_SECONDS = 300
KEPT_BEST = 200  # the best matches kept: the first eight pages


@dataclass
class Kept:
    """What a query and its filters find, exact at ``seq`` of the feed's ``epoch``."""

    seq: int
    epoch: int
    counted_at: float  # when it was last counted in full
    corrected: int  # resources corrected since
    groups: dict[tuple[str, str], int]  # matches by (kind, audience), kind and audience unchosen
    by_tag: dict[int, int]  # matches by tag id, every filter applied
    names: dict[int, tuple[str, str]]  # each tag counted: (slug, name)
    chosen: dict[str, int | None]  # the chosen topics' ids, by slug
    best: list[tuple[int, float, int]] | None = None  # (id, score, position), best first
    complete: bool = False  # whether ``best`` holds every match
    bound: tuple[float, int, int] | None = None  # the last of ``best`` when it was counted

    def passes(self, state: State, choices: Choices, facets: bool) -> bool:
        """Whether a resource in ``state`` is among the matches of the chosen topics (and,
        with ``facets``, of the chosen kind and audience too)."""
        if not (state.matches and state.listed):
            return False
        if not all(self.chosen.get(slug) in state.topics for slug in choices.all_topics):
            return False
        if facets and choices.kind and state.kind != choices.kind:
            return False
        return not (
            facets
            and choices.audience
            and state.audience not in Audience.including(choices.audience)
        )

    def counts(self, choices: Choices) -> dict[str, Any]:
        shown = Audience.including(choices.audience) if choices.audience else None
        by_kind: dict[str, int] = {}
        by_audience: dict[str, int] = {}
        total = 0
        # Each resource has one kind and one audience (and a topic at most once), so the
        # kinds are counted over the rows of the chosen audience, the audiences over those
        # of the chosen kind, and the total over both.
        for (kind, audience), n in self.groups.items():
            kind_chosen = not choices.kind or kind == choices.kind
            audience_chosen = shown is None or audience in shown
            if audience_chosen:
                by_kind[kind] = by_kind.get(kind, 0) + n
            if kind_chosen:
                by_audience[audience] = by_audience.get(audience, 0) + n
            if kind_chosen and audience_chosen:
                total += n
        counted = sorted(
            (-n, self.names[pk][1], self.names[pk][0])
            for pk, n in self.by_tag.items()
            if n and pk in self.names
        )
        by_topic = [
            {"tag__slug": slug, "tag__name": name, "count": -n} for n, name, slug in counted
        ]
        return {"total": total, "by_kind": by_kind, "by_audience": by_audience,
                "by_topic": by_topic, "best": self.best, "complete": self.complete}  # fmt: skip


def tallies_key(choices: Choices, found: Match) -> str:
    # With the release: a deploy that changes what is kept (Kept) never reads an older one.
    chosen = (release(), found.terms, choices.kind, choices.audience, choices.all_topics)
    return "catalogue-kept:" + hashlib.sha256(repr(chosen).encode()).hexdigest()


def tallies(choices: Choices, found: Match, ranked: bool = False) -> dict[str, Any]:
    """How many resources the choices find, and how many each kind, audience and topic
    would give (and, ``ranked``, the best KEPT_BEST matches): kept at the feed's number
    they are exact at, corrected by the changes since, counted afresh when those are too
    many (or the kept ones too old)."""
    key = tallies_key(choices, found)
    kept: Kept | None = cache.get(key)
    if kept is not None and (not ranked or kept.best is not None):
        young = time.time() - kept.counted_at < RECOUNT_SECONDS
        corrected = correct(kept, choices, found, young)
        if corrected is not None:
            if corrected is not kept:
                cache.set(key, corrected, settings.FRAGMENT_CACHE_SECONDS)
            return corrected.counts(choices)
    else:
        # As a correction reads the feed, so does a count from nothing: whatever is kept,
        # a page makes the same number of queries.
        present()
    counted, consistent = count(choices, found, ranked)
    if consistent:
        cache.set(key, counted, settings.FRAGMENT_CACHE_SECONDS)
    return counted.counts(choices)


def count(choices: Choices, found: Match, ranked: bool) -> tuple[Kept, bool]:
    """Everything counted afresh, and whether every query saw the same number of the feed
    (if not, a change came between them: the counts are right to show, not to keep)."""
    # One query counts both facets and the total (see Kept.counts).
    groups = (
        indexed(choices, found, with_kind=False, with_audience=False)
        .order_by()
        .values_list("kind", "audience")
        .annotate(n=Count("pk"))
    )
    at, rows = as_of(*groups.query.sql_with_params())
    # Counted by the tag's id over the index's topic rows alone (their unique index covers
    # it); the few tags found are named by a join after counting.
    tagged = (
        SearchTopic.objects.filter(resource_id__in=indexed(choices, found).values("pk"))
        .order_by()
        .values_list("tag_id")
        .annotate(n=Count("resource_id"))
    )
    sql, params = tagged.query.sql_with_params()
    at_tags, tag_rows = as_of(
        f"SELECT counted.tag_id, counted.n, tag.slug, tag.name FROM ({sql}) counted "
        f"JOIN {Tag._meta.db_table} tag ON tag.id = counted.tag_id",
        list(params),
    )
    by_tag = {pk: n for pk, n, _, _ in tag_rows}
    names = {pk: (slug, name) for pk, _, slug, name in tag_rows}
    # A topic chosen is among those counted unless nothing matches (then None: a later
    # correction that finds its id counts afresh).
    by_slug = {slug: pk for pk, (slug, _) in names.items()}
    chosen = {slug: by_slug.get(slug) for slug in choices.all_topics}
    best = None
    at_best = at
    if ranked and found.terms:
        at_best, best_rows = as_of(*found.best_sql(indexed(choices), 0, KEPT_BEST))
        best = sorted(
            ((pk, float(score), position) for pk, score, position in best_rows),
            key=lambda row: (-row[1], row[2], row[0]),
        )
    seq, epoch = at or (0, 0)
    kept = Kept(
        seq=seq,
        epoch=epoch,
        counted_at=time.time(),
        corrected=0,
        groups={(kind, audience): n for kind, audience, n in rows},
        by_tag=by_tag,
        names=names,
        chosen=chosen,
        best=best,
        complete=best is not None and len(best) < KEPT_BEST,
        bound=(best[-1][1], best[-1][2], best[-1][0]) if best else None,
    )
    return kept, at is not None and at == at_tags == at_best


def topic_names(
    tag_ids: list[int], choices: Choices
) -> tuple[dict[int, tuple[str, str]], dict[str, int | None]]:
    """The slug and name of each tag counted, and the id of each topic chosen: one query."""
    slugs = choices.all_topics
    tags = Tag.objects.filter(Q(pk__in=tag_ids) | Q(slug__in=slugs)).values_list(
        "pk", "slug", "name"
    )
    names = {pk: (slug, name) for pk, slug, name in tags}
    by_slug = {slug: pk for pk, (slug, _) in names.items()}
    return names, {slug: by_slug.get(slug) for slug in slugs}


def correct(kept: Kept, choices: Choices, found: Match, young: bool) -> Kept | None:
    """``kept`` brought up to the feed's present by the changes since it was exact, or None
    when it must be counted afresh (too many changes, a bulk one, a feed begun again, or
    kept scores too old to be trusted: not ``young``)."""
    changes = found.changes_since(kept.seq, CORRECTED_AT_ONCE)
    if not changes:
        return None  # no feed at all (a flushed database): counted afresh, and kept
    present = changes[0].present
    if present[1] != kept.epoch or present[0] < kept.seq:
        return None
    if present[0] == kept.seq:
        return kept
    if not young:
        return None
    if changes[0].seq != kept.seq + 1 or changes[-1].seq != present[0]:
        return None  # the feed forgot some of them, or holds more than read at once
    first: dict[int, Change] = {}
    last: dict[int, Change] = {}
    for change in changes:
        if change.resource_id is None:
            return None
        first.setdefault(change.resource_id, change)
        last[change.resource_id] = change
    if len(first) > RESOURCES_AT_ONCE or kept.corrected + len(first) > RECOUNT_AFTER:
        return None
    groups = dict(kept.groups)
    by_tag = dict(kept.by_tag)
    best = None if kept.best is None else {row[0]: row for row in kept.best}
    for resource_id, change in first.items():
        before, now = change.before, last[resource_id].now
        for state, sign in ((before, -1), (now, 1)):
            if kept.passes(state, choices, facets=False):
                group = (state.kind, state.audience)
                groups[group] = groups.get(group, 0) + sign
            if kept.passes(state, choices, facets=True):
                for tag in state.topics:
                    by_tag[tag] = by_tag.get(tag, 0) + sign
        if best is not None:
            best.pop(resource_id, None)
            if kept.passes(now, choices, facets=True) and now.score is not None:
                best[resource_id] = (resource_id, now.score, now.position)
    names, chosen = topic_names([pk for pk, n in by_tag.items() if n], choices)
    if chosen != kept.chosen:
        return None  # a topic chosen by its slug is now another tag (renamed)
    ordered = None
    if best is not None:
        ordered = sorted(best.values(), key=lambda row: (-row[1], row[2], row[0]))
        if not kept.complete and kept.bound is not None:
            # Beyond the last of the best kept, unchanged matches were never read: only
            # what comes before it is known to be in its place.
            score, position, pk = kept.bound
            ordered = [
                row for row in ordered if (-row[1], row[2], row[0]) <= (-score, position, pk)
            ]
    return Kept(
        seq=present[0],
        epoch=kept.epoch,
        counted_at=kept.counted_at,
        corrected=kept.corrected + len(first),
        groups={group: n for group, n in groups.items() if n},
        by_tag={tag: n for tag, n in by_tag.items() if n},
        names=names,
        chosen=chosen,
        best=ordered,
        complete=kept.complete,
        bound=kept.bound,
    )


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


def everything(choices: Choices) -> list[Resource]:
    """Every resource the choices find, not one page, in the order the pages show them."""
    found = match(choices.q)
    if ranks(choices, found):
        return in_order(found.best(filtered(choices)))
    return list(ordered(filtered(choices, found), choices).with_list_details())


def find(choices: Choices) -> Results:
    """The page of results and its facets. The counts, and the best matches of a ranked
    search, are kept and corrected by the index's changes (see ``tallies``); a page beyond
    the best kept, or in another order, is one query in SQL, ranked, filtered and cut to
    its 25 there, whatever the number of matches."""
    found = match(choices.q)
    counted = tallies(choices, found, ranked=ranks(choices, found))
    # The paginator only does the arithmetic (a bad or too large number gives the first or
    # the last page); the page's resources are asked for by their place.
    paginator: Paginator = Paginator(range(counted["total"]), PAGE_SIZE)
    page = paginator.get_page(choices.page)
    start = (page.number - 1) * PAGE_SIZE
    best = counted["best"]
    if (
        ranks(choices, found)
        and best is not None
        and (counted["complete"] or start + PAGE_SIZE <= len(best))
    ):
        shown = in_order([row[0] for row in best[start : start + PAGE_SIZE]], details=False)
    elif ranks(choices, found):
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
