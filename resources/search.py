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
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

TABLE = "resources_searchindex"
MAX_QUERY = 200  # characters read from a query; the rest is ignored
MAX_WORDS = 10
LIST_LIMIT = 1000  # matches handed to queries as a list of ids; more stay a subquery
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

    def matches(self, terms: list[str]) -> tuple[RawSQL, RawSQL]:
        """The ids that match (a subquery), and each resource's rank (a correlated one)."""
        scored, matched = self.params(terms)
        ids = RawSQL(f"SELECT {self.key} FROM {TABLE} WHERE {self.condition}", matched)
        rank = RawSQL(
            f"(SELECT {self.score} FROM {TABLE} "
            f"WHERE {self.condition} AND {self.key} = resources_resource.id)",
            [*scored, *matched],
        )
        return ids, rank

    def ranked(self, terms: list[str]) -> list[tuple[int, float]]:
        """Every match with its rank, from one query on the index."""
        scored, matched = self.params(terms)
        return self.run(
            f"SELECT {self.key}, {self.score} FROM {TABLE} WHERE {self.condition}",
            [*scored, *matched],
        )


class SqliteBackend(Backend):
    key = "rowid"
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

    def put(self, resource_id: int, document: Document) -> None:
        vector = " || ".join(
            f"setweight(to_tsvector('english', %s), '{POSTGRES_WEIGHTS[name]}')"
            for name in [*COLUMNS, "variants"]
        )
        self.run(
            f"INSERT INTO {TABLE} (resource_id, document) VALUES (%s, {vector}) "
            "ON CONFLICT (resource_id) DO UPDATE SET document = EXCLUDED.document",
            [resource_id, *document.folded()],
        )

    @staticmethod
    def expression(terms: list[str]) -> str:
        # Plain words only (\w+), joined with &, each a prefix: safe for to_tsquery.
        return " & ".join(f"{t}:*" if len(t) >= 3 else t for t in terms)


def backend() -> Backend:
    return PostgresBackend() if connection.vendor == "postgresql" else SqliteBackend()


def document_for(resource_id: int) -> Document | None:
    """What the index holds for one resource, read fresh from the database."""
    from .models import Creator, Resource, TaggedResource

    resource = Resource.objects.filter(pk=resource_id).first()
    if resource is None:
        return None
    creators = [c.name for c in Creator.objects.filter(resource_id=resource_id)]
    topics = list(
        TaggedResource.objects.filter(content_object_id=resource_id).values_list(
            "tag__name", flat=True
        )
    )
    text = " ".join([resource.title, *topics, *creators])
    return Document(
        title=resource.title,
        topics=" ".join(topics),
        creators=" ".join(creators),
        venue=" ".join(filter(None, [resource.container_title, resource.publisher])),
        summary=resource.summary,
        body=resource.why_it_matters,
        variants=variants(text),
    )


def reindex(resource_id: int) -> None:
    document = document_for(resource_id)
    if document is None:
        backend().remove(resource_id)
    else:
        backend().put(resource_id, document)


def rebuild() -> int:
    """Index every resource again, from scratch. Returns how many."""
    from .models import Resource

    engine = backend()
    engine.clear()
    ids = list(Resource.objects.values_list("pk", flat=True))
    for resource_id in ids:
        reindex(resource_id)
    return len(ids)


def has_entries() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {TABLE} LIMIT 1")
        return cursor.fetchone() is not None


@dataclass
class Match:
    """A query, ready to narrow and rank a queryset of resources."""

    terms: list[str]
    ids: RawSQL | None
    rank: RawSQL | None
    found: dict[int, float] | None = field(default=None, repr=False)

    def filter(self, queryset: QuerySet) -> QuerySet:
        # A few matches go to each query as a list of ids (asked of the index once): the
        # engines plan that far better than a full-text subquery (on PostgreSQL a facet
        # count went from 25 ms to 2). Thousands of matches stay a subquery, which is
        # cheaper than a list that long.
        if self.ids is None:
            return queryset
        found = self.ranking()
        return queryset.filter(pk__in=list(found) if len(found) <= LIST_LIMIT else self.ids)

    def ranked(self, queryset: QuerySet) -> QuerySet:
        return queryset if self.rank is None else queryset.annotate(rank=self.rank)

    def ranking(self) -> dict[int, float]:
        """Every matching resource's rank, from one query on the index (higher is better)."""
        if self.found is None:
            self.found = dict(backend().ranked(self.terms)) if self.terms else {}
        return self.found


def match(query: str) -> Match:
    terms = words(query)
    if not terms:
        return Match([], None, None)
    ids, rank = backend().matches(terms)
    return Match(terms, ids, rank)


def search(queryset: QuerySet, query: str) -> tuple[QuerySet, list[str]]:
    """``queryset`` narrowed to what matches ``query``, with a ``rank`` (higher is better).

    Returns the queryset unchanged (and no terms) when the query has no searchable word.
    """
    found = match(query)
    return found.ranked(found.filter(queryset)), found.terms
