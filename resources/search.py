"""Full-text search of the resources: one interface, SQLite FTS5 or PostgreSQL behind it.

What a provider types is folded (case, accents), cut into words, stripped of words too
common to mean anything, and matched as word beginnings, so that "diagnose" finds
"diagnosis". Each resource is indexed with variants of its words ("e-patients" also as
"epatients", "OpenNotes" also as "open notes"), so hyphens and spaces don't matter.
Title and topics weigh most, then creators, then venue and summary, then the long text.
The index is kept in step by signals (resources/signals.py); `manage.py
rebuild_search_index` rebuilds it whole.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

TABLE = "resources_searchindex"
MAX_QUERY = 200  # characters read from a query; the rest is ignored
MAX_WORDS = 10
MANY = 2000  # matches from which SQLite filters them by reading an index (see SqliteBackend)
STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "he", "in", "is",
    "it", "its", "of", "on", "or", "that", "the", "to", "was", "were", "will", "with", "not",
    "no", "this", "these", "those", "into", "about",
})  # fmt: skip
# Columns of the index, most important first, with their weights.
COLUMNS = ["title", "topics", "creators", "venue", "summary", "body"]
SQLITE_WEIGHTS = [10.0, 8.0, 5.0, 3.0, 3.0, 1.0, 6.0]  # the variants column comes last
POSTGRES_WEIGHTS = {"title": "A", "topics": "A", "variants": "A", "creators": "B",
                    "venue": "C", "summary": "C", "body": "D"}  # fmt: skip


def fold(text: str) -> str:
    """Lower case, without accents: "Café" and "cafe" are one word."""
    if text.isascii():
        return text.lower()  # the same, at a fraction of the cost
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def variants(text: str) -> str:
    """Other spellings a reader may type: hyphens closed up, CamelCase opened out."""
    joined = [word.replace("-", "") for word in re.findall(r"\w+(?:-\w+)+", text)]
    split = [
        re.sub(r"(?<=[a-z])(?=[A-Z])", " ", word) for word in re.findall(r"\w*[a-z][A-Z]\w*", text)
    ]
    return " ".join(joined + split)


def words(query: str) -> list[str]:
    """The words of a query that can be searched for, at most MAX_WORDS of them."""
    found = re.findall(r"\w+", fold(query[:MAX_QUERY]).replace("_", " "))
    return [w for w in found if w not in STOPWORDS][:MAX_WORDS]


def stem(word: str) -> str:
    """A rough stem for highlighting: "diagnose" and "diagnosis" both give "diagnos"."""
    for suffix in ("ing", "ed", "es", "is", "e", "s", "y"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def highlight(text: str, terms: Iterable[str]) -> SafeString:
    """``text`` escaped, with the words that begin like a search term in <mark>."""
    escaped = str(escape(text))
    stems = sorted({stem(t) for t in terms if len(t) >= 2}, key=len, reverse=True)
    if not stems:
        return mark_safe(escaped)
    # Not inside an entity such as &amp; or &#x27; (never after & or #).
    pattern = re.compile(
        r"(?<![&#\w])(" + "|".join(re.escape(s) for s in stems) + r")\w*", re.IGNORECASE
    )
    marked = pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", escaped)
    return mark_safe(marked)


@dataclass(frozen=True)
class Document:
    title: str
    topics: str
    creators: str
    venue: str
    summary: str
    body: str
    variants: str

    def folded(self) -> list[str]:
        return [fold(getattr(self, name)) for name in [*COLUMNS, "variants"]]


class Backend:
    """What both engines share: one index table with a row per resource, matched and ranked
    in SQL. Each engine says how it creates and fills the table, which column holds the
    resource's id, how search words become a query, and the SQL that matches and scores."""

    key: str  # the column that holds the resource's id
    condition: str  # SQL matching the query, with one %s for expression(terms)
    score: str  # SQL of a row's rank (higher is better); its %s, if any, is the query too

    def create(self) -> None:
        raise NotImplementedError

    def put(self, resource_id: int, document: Document) -> None:
        raise NotImplementedError

    @staticmethod
    def expression(terms: list[str]) -> str:
        raise NotImplementedError

    @staticmethod
    def run(sql: str, params: list[Any] | None = None) -> list[Any]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params or [])
            return cursor.fetchall() if cursor.description else []

    def put_many(self, documents: list[tuple[int, Document]]) -> None:
        """Index resources, in one statement run for all of them (replacing what the index
        held under their ids: a flushed database gives the same ids again)."""
        raise NotImplementedError

    def drop(self) -> None:
        self.run(f"DROP TABLE IF EXISTS {TABLE}")

    def remove(self, resource_id: int) -> None:
        self.run(f"DELETE FROM {TABLE} WHERE {self.key} = %s", [resource_id])

    def clear(self) -> None:
        self.run(f"DELETE FROM {TABLE}")

    def params(self, terms: list[str]) -> tuple[list[str], list[str]]:
        """The parameters of ``score`` and of ``condition``."""
        query = self.expression(terms)
        return [query] * self.score.count("%s"), [query]

    def many(self, terms: list[str]) -> bool:
        """Whether so many resources match that a filter should not fetch each by its id
        (see SqliteBackend)."""
        return False

    def matching(self, terms: list[str]) -> tuple[str, list[str]]:
        """SQL of the ids that match, unranked: what a filter or a count needs."""
        return f"SELECT {self.key} FROM {TABLE} WHERE {self.condition}", [self.expression(terms)]

    def scored(self, terms: list[str]) -> tuple[str, list[str]]:
        """SQL of the matches as rows of (id, score), the score higher for a better match."""
        scored, matched = self.params(terms)
        return (
            f"SELECT {self.key} AS id, {self.score} AS score FROM {TABLE} WHERE {self.condition}",
            [*scored, *matched],
        )

    def rank(self, terms: list[str]) -> RawSQL:
        """Each resource's score as a correlated subquery, for an annotation."""
        scored, matched = self.params(terms)
        return RawSQL(
            f"(SELECT {self.score} FROM {TABLE} "
            f"WHERE {self.condition} AND {self.key} = resources_resource.id)",
            [*scored, *matched],
        )


class SqliteBackend(Backend):
    key = "rowid"

    def many(self, terms: list[str]) -> bool:
        # Fetched by its id, each matching resource is a read of its wide row: right for a
        # few hundred, slow for thousands. For those, the filter compares an expression
        # (id + 0), which SQLite cannot look up by id, so that it reads the narrow
        # resource_listed_facets index instead and checks each entry against the matches:
        # 3 to 5 times faster for a common word. Counting stops at MANY, so asking costs
        # little whatever the word.
        found = self.run(
            f"SELECT count(*) FROM (SELECT 1 FROM {TABLE} WHERE {self.condition} LIMIT %s)",
            [self.expression(terms), MANY],
        )
        return bool(found[0][0] >= MANY)

    condition = f"{TABLE} MATCH %s"
    score = f"-bm25({TABLE}, {', '.join(str(w) for w in SQLITE_WEIGHTS)})"

    def create(self) -> None:
        self.run(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5("
            f"{', '.join([*COLUMNS, 'variants'])}, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )

    def put(self, resource_id: int, document: Document) -> None:
        self.remove(resource_id)
        self.run(
            f"INSERT INTO {TABLE} (rowid, {', '.join([*COLUMNS, 'variants'])}) "
            f"VALUES (%s, {', '.join(['%s'] * (len(COLUMNS) + 1))})",
            [resource_id, *document.folded()],
        )

    def put_many(self, documents: list[tuple[int, Document]]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"DELETE FROM {TABLE} WHERE rowid = %s", [[pk] for pk, _ in documents]
            )
            cursor.executemany(
                f"INSERT INTO {TABLE} (rowid, {', '.join([*COLUMNS, 'variants'])}) "
                f"VALUES (%s, {', '.join(['%s'] * (len(COLUMNS) + 1))})",
                [[resource_id, *document.folded()] for resource_id, document in documents],
            )

    @staticmethod
    def expression(terms: list[str]) -> str:
        # Every word quoted (so nothing is read as FTS syntax), and matched as a beginning.
        return " ".join(f'"{t}"*' if len(t) >= 3 else f'"{t}"' for t in terms)


class PostgresBackend(Backend):
    key = "resource_id"
    condition = "document @@ to_tsquery('english', %s)"
    score = "ts_rank(document, to_tsquery('english', %s))"

    def create(self) -> None:
        # No foreign key: the signals remove a deleted resource's row, and a key here
        # would stop Django's flush (tests, `manage.py flush`) truncating.
        self.run(
            f"CREATE TABLE IF NOT EXISTS {TABLE} ("
            "resource_id bigint PRIMARY KEY, document tsvector NOT NULL)"
        )
        self.run(f"CREATE INDEX IF NOT EXISTS {TABLE}_document ON {TABLE} USING gin (document)")

    vector = " || ".join(
        f"setweight(to_tsvector('english', %s), '{POSTGRES_WEIGHTS[name]}')"
        for name in [*COLUMNS, "variants"]
    )

    def put(self, resource_id: int, document: Document) -> None:
        self.run(
            f"INSERT INTO {TABLE} (resource_id, document) VALUES (%s, {self.vector}) "
            "ON CONFLICT (resource_id) DO UPDATE SET document = EXCLUDED.document",
            [resource_id, *document.folded()],
        )

    def put_many(self, documents: list[tuple[int, Document]]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {TABLE} (resource_id, document) VALUES (%s, {self.vector}) "
                "ON CONFLICT (resource_id) DO UPDATE SET document = EXCLUDED.document",
                [[resource_id, *document.folded()] for resource_id, document in documents],
            )

    @staticmethod
    def expression(terms: list[str]) -> str:
        # Plain words only (\w+), joined with &, each a prefix: safe for to_tsquery.
        return " & ".join(f"{t}:*" if len(t) >= 3 else t for t in terms)


def backend() -> Backend:
    return PostgresBackend() if connection.vendor == "postgresql" else SqliteBackend()


REBUILD_BATCH = 2000  # resources read and indexed at a time by rebuild()


def documents_for(resource_ids: list[int]) -> list[tuple[int, Document]]:
    """What the index holds for each of ``resource_ids``, from three queries (as
    document_for gives it for one)."""
    from .models import Creator, Resource, TaggedResource

    creators: dict[int, list[str]] = {}
    for creator in Creator.objects.filter(resource_id__in=resource_ids):
        creators.setdefault(creator.resource_id, []).append(creator.name)
    topics: dict[int, list[str]] = {}
    tagged = TaggedResource.objects.filter(content_object_id__in=resource_ids).order_by("pk")
    for resource_id, name in tagged.values_list("content_object_id", "tag__name"):
        topics.setdefault(resource_id, []).append(name)
    found = []
    fields = ["title", "container_title", "publisher", "summary", "why_it_matters"]
    for resource in Resource.objects.filter(pk__in=resource_ids).only(*fields).order_by("pk"):
        its_topics = topics.get(resource.pk, [])
        its_creators = creators.get(resource.pk, [])
        text = " ".join([resource.title, *its_topics, *its_creators])
        document = Document(
            title=resource.title,
            topics=" ".join(its_topics),
            creators=" ".join(its_creators),
            venue=" ".join(filter(None, [resource.container_title, resource.publisher])),
            summary=resource.summary,
            body=resource.why_it_matters,
            variants=variants(text),
        )
        found.append((resource.pk, document))
    return found


def document_for(resource_id: int) -> Document | None:
    """What the index holds for one resource, read fresh from the database."""
    found = documents_for([resource_id])
    return found[0][1] if found else None


def reindex(resource_id: int) -> None:
    document = document_for(resource_id)
    if document is None:
        backend().remove(resource_id)
    else:
        backend().put(resource_id, document)


def rebuild() -> int:
    """Index every resource again, from scratch, a batch at a time. Returns how many."""
    from .models import Resource

    backend().clear()
    ids = list(Resource.objects.order_by("pk").values_list("pk", flat=True))
    add(ids)
    return len(ids)


def add(resource_ids: list[int]) -> None:
    """Index resources made without signals (bulk_create), a batch at a time."""
    engine = backend()
    for start in range(0, len(resource_ids), REBUILD_BATCH):
        engine.put_many(documents_for(resource_ids[start : start + REBUILD_BATCH]))


def has_entries() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {TABLE} LIMIT 1")
        return cursor.fetchone() is not None


@dataclass
class Match:
    """A query, ready to narrow, rank and page a queryset of resources in SQL."""

    terms: list[str]
    many: bool | None = field(default=None, repr=False)  # asked of the engine once

    def filter(self, queryset: QuerySet) -> QuerySet:
        """``queryset`` narrowed to the matches (unchanged without search words)."""
        if not self.terms:
            return queryset
        engine = backend()
        matches = RawSQL(*engine.matching(self.terms))
        if self.many is None:
            self.many = engine.many(self.terms)
        if self.many:
            return queryset.alias(matched_id=F("pk") + 0).filter(matched_id__in=matches)
        return queryset.filter(pk__in=matches)

    def ranked(self, queryset: QuerySet) -> QuerySet:
        """``queryset`` with each resource's ``rank`` (higher is better)."""
        return queryset.annotate(rank=backend().rank(self.terms)) if self.terms else queryset

    def best(self, queryset: QuerySet, start: int = 0, count: int | None = None) -> list[int]:
        """The ids of the matches among ``queryset``, best first (ties in the curated order:
        position, then id), from the ``start``-th, ``count`` of them (all without a count).

        One query: the engine scores the matches, joins them with the queryset's filters,
        and sorts only as far as the page (a LIMIT), so no list of every match is read."""
        if not self.terms:
            raise ValueError("Only a query with search words can be ranked.")
        inner, inner_params = queryset.order_by().values("id", "position").query.sql_with_params()
        scores, score_params = backend().scored(self.terms)
        # SQLite wants a LIMIT before an OFFSET; -1 is its "no limit", PostgreSQL's is ALL.
        unlimited = "ALL" if connection.vendor == "postgresql" else "-1"
        limit = "%s" if count is not None else unlimited
        rows = Backend.run(
            f"SELECT chosen.id FROM ({inner}) chosen JOIN ({scores}) matched "
            "ON matched.id = chosen.id "
            "ORDER BY matched.score DESC, chosen.position, chosen.id "
            f"LIMIT {limit} OFFSET %s",
            [*inner_params, *score_params, *([count] if count is not None else []), start],
        )
        return [row[0] for row in rows]


def match(query: str) -> Match:
    return Match(words(query))


def search(queryset: QuerySet, query: str) -> tuple[QuerySet, list[str]]:
    """``queryset`` narrowed to what matches ``query``, with a ``rank`` (higher is better).

    Returns the queryset unchanged (and no terms) when the query has no searchable word.
    """
    found = match(query)
    return found.ranked(found.filter(queryset)), found.terms
