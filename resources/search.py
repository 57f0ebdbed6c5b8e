"""Full-text search of the resources: one interface, SQLite FTS5 or PostgreSQL behind it.

What a provider types is folded (case, accents), cut into words, stripped of words too
common to mean anything, and matched as word beginnings, so that "diagnose" finds
"diagnosis". Each resource is indexed with variants of its words ("e-patients" also as
"epatients", "OpenNotes" also as "open notes"), so hyphens and spaces don't matter.
Title and topics weigh most, then creators, then venue and summary, then the long text.
The index is kept in step by signals (resources/signals.py); `manage.py
rebuild_search_index` rebuilds it whole.

Every change to the index is also a numbered entry of its change feed (``reindex``): the
resource's facets (kind, audience, whether it is listed, position, topics) are indexed
beside its text, and each change keeps what the index held before it, text and facets,
under a number allocated in commit order. A page of results kept at number S can so be
corrected by the entries after S instead of counted again (resources/catalogue.py).
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

TABLE = "resources_searchindex"
BEFORE = "resources_searchbefore"  # what the index held before each change, by its number
SEQUENCE = "resources_searchsequence"
CHANGES = "resources_searchchange"
FACETS = "resources_searchfacets"
FEED_KEPT = 2000  # changes kept in the feed; results kept from before them are counted again
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


@dataclass(frozen=True)
class Facets:
    """What the catalogue filters and counts a resource by, indexed beside its text."""

    kind: str
    audience: str
    listed: bool
    position: int
    topics: tuple[int, ...]  # its tags' ids, sorted

    def row(self, resource_id: int) -> Any:
        from .models import SearchFacets

        return SearchFacets(
            resource_id=resource_id,
            kind=self.kind,
            audience=self.audience,
            listed=self.listed,
            position=self.position,
            topics=" ".join(str(t) for t in self.topics),
        )


class Backend:
    """What both engines share: one index table with a row per resource, matched and ranked
    in SQL. Each engine says how it creates and fills the table, which column holds the
    resource's id, how search words become a query, and the SQL that matches and scores."""

    key: str  # the column that holds the resource's id
    condition: str  # SQL matching the query, with one %s for expression(terms)
    score: str  # SQL of a row's rank (higher is better); its %s, if any, is the query too
    before_key: str  # the column of BEFORE that holds the change's number
    before_condition: str  # SQL matching a text of BEFORE, with one %s as in condition

    def keep_before(self, seq: int, resource_id: int) -> None:
        """Copy what the index holds for ``resource_id`` (if anything) as change ``seq``'s
        earlier text."""
        raise NotImplementedError

    def forget_before(self, seq: int) -> None:
        self.run(f"DELETE FROM {BEFORE} WHERE {self.before_key} <= %s", [seq])

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
        self.run(f"DROP TABLE IF EXISTS {BEFORE}")

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
    before_key = "rowid"
    before_condition = f"{BEFORE} MATCH %s"

    def create(self) -> None:
        for table in (TABLE, BEFORE):
            self.run(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5("
                f"{', '.join([*COLUMNS, 'variants'])}, "
                "tokenize = 'porter unicode61 remove_diacritics 2')"
            )

    def keep_before(self, seq: int, resource_id: int) -> None:
        columns = ", ".join([*COLUMNS, "variants"])
        self.run(
            f"INSERT OR REPLACE INTO {BEFORE} (rowid, {columns}) "
            f"SELECT %s, {columns} FROM {TABLE} WHERE rowid = %s",
            [seq, resource_id],
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
    before_key = "seq"
    before_condition = condition

    def create(self) -> None:
        # No foreign key: the signals remove a deleted resource's row, and a key here
        # would stop Django's flush (tests, `manage.py flush`) truncating.
        self.run(
            f"CREATE TABLE IF NOT EXISTS {TABLE} ("
            "resource_id bigint PRIMARY KEY, document tsvector NOT NULL)"
        )
        self.run(f"CREATE INDEX IF NOT EXISTS {TABLE}_document ON {TABLE} USING gin (document)")
        self.run(
            f"CREATE TABLE IF NOT EXISTS {BEFORE} ("
            "seq bigint PRIMARY KEY, document tsvector NOT NULL)"
        )

    def keep_before(self, seq: int, resource_id: int) -> None:
        self.run(
            f"INSERT INTO {BEFORE} (seq, document) "
            f"SELECT %s, document FROM {TABLE} WHERE resource_id = %s "
            "ON CONFLICT (seq) DO UPDATE SET document = EXCLUDED.document",
            [seq, resource_id],
        )

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


def entries_for(resource_ids: list[int]) -> list[tuple[int, Document, Facets]]:
    """What the index holds for each of ``resource_ids``, its text and its facets, from
    three queries."""
    from .models import Creator, Resource, TaggedResource

    creators: dict[int, list[str]] = {}
    for creator in Creator.objects.filter(resource_id__in=resource_ids):
        creators.setdefault(creator.resource_id, []).append(creator.name)
    topics: dict[int, list[tuple[int, str]]] = {}
    tagged = TaggedResource.objects.filter(content_object_id__in=resource_ids).order_by("pk")
    for resource_id, tag_id, name in tagged.values_list("content_object_id", "tag_id", "tag__name"):
        topics.setdefault(resource_id, []).append((tag_id, name))
    found = []
    fields = ["title", "container_title", "publisher", "summary", "why_it_matters",
              "kind", "audience", "is_published", "archived_at", "position"]  # fmt: skip
    for resource in Resource.objects.filter(pk__in=resource_ids).only(*fields).order_by("pk"):
        its_topics = [name for _, name in topics.get(resource.pk, [])]
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
        facets = Facets(
            kind=resource.kind,
            audience=resource.audience,
            listed=resource.is_published and resource.archived_at is None,
            position=resource.position,
            topics=tuple(sorted({tag_id for tag_id, _ in topics.get(resource.pk, [])})),
        )
        found.append((resource.pk, document, facets))
    return found


def documents_for(resource_ids: list[int]) -> list[tuple[int, Document]]:
    """What the index holds as text for each of ``resource_ids``."""
    return [(pk, document) for pk, document, _ in entries_for(resource_ids)]


def document_for(resource_id: int) -> Document | None:
    """What the index holds for one resource, read fresh from the database."""
    found = documents_for([resource_id])
    return found[0][1] if found else None


def allocate() -> int:
    """The number of a new change to the index, in the caller's transaction. The sequence's
    one row stays locked until that transaction ends, so a later number is never committed
    before an earlier one: a reader that sees number S sees every change up to S."""
    from .models import SearchSequence

    raise_it = f"UPDATE {SEQUENCE} SET seq = seq + 1 WHERE id = 1 RETURNING seq"
    rows = Backend.run(raise_it)
    if not rows:  # a new (or flushed) database: a new epoch of numbers
        SearchSequence.objects.bulk_create(
            [SearchSequence(pk=1, seq=0, epoch=secrets.randbits(62))], ignore_conflicts=True
        )
        rows = Backend.run(raise_it)
        # The earlier texts are the engine's own table, which a flush leaves: under the
        # numbers of the epoch before, they are no one's now.
        if int(rows[0][0]) == 1:
            Backend.run(f"DELETE FROM {BEFORE}")
    return int(rows[0][0])


def record(resource_id: int | None) -> int:
    """Enter a change of ``resource_id`` (None: of any number of them) in the feed, with
    what the index holds for it now, before the change; the caller's transaction then
    makes the change. Returns its number."""
    from .models import SearchChange, SearchFacets

    seq = allocate()
    engine = backend()
    if resource_id is None:
        SearchChange.objects.create(seq=seq, resource_id=None)
    else:
        engine.keep_before(seq, resource_id)
        old = SearchFacets.objects.filter(pk=resource_id).first()
        SearchChange.objects.create(
            seq=seq,
            resource_id=resource_id,
            existed=old is not None,
            **(
                {"kind": old.kind, "audience": old.audience, "listed": old.listed,
                 "position": old.position, "topics": old.topics}
                if old is not None
                else {}
            ),
        )  # fmt: skip
    if seq % 100 == 0:  # the feed keeps its last FEED_KEPT changes
        SearchChange.objects.filter(seq__lte=seq - FEED_KEPT).delete()
        engine.forget_before(seq - FEED_KEPT)
    return seq


def put_facets(entries: list[tuple[int, Facets]]) -> None:
    from .models import SearchFacets, SearchTopic

    ids = [pk for pk, _ in entries]
    SearchTopic.objects.filter(resource_id__in=ids).delete()
    SearchTopic.objects.bulk_create(
        [
            SearchTopic(resource_id=pk, tag_id=tag)
            for pk, facets in entries
            for tag in facets.topics
        ],
        batch_size=1000,
    )
    SearchFacets.objects.bulk_create(
        [facets.row(pk) for pk, facets in entries],
        update_conflicts=True,
        unique_fields=["resource_id"],
        update_fields=["kind", "audience", "listed", "position", "topics"],
        batch_size=500,
    )


def reindex(resource_id: int) -> None:
    """Index one resource as the database has it now (or forget it, deleted), as one
    change of the feed."""
    from .models import SearchFacets, SearchTopic

    engine = backend()
    with transaction.atomic():
        record(resource_id)  # first: under the sequence's lock, what is read next is current
        found = entries_for([resource_id])
        if not found:
            engine.remove(resource_id)
            SearchFacets.objects.filter(pk=resource_id).delete()
            SearchTopic.objects.filter(resource_id=resource_id).delete()
            return
        _, document, facets = found[0]
        engine.put(resource_id, document)
        put_facets([(resource_id, facets)])


def rebuild() -> int:
    """Index every resource again, from scratch, a batch at a time. Returns how many."""
    from .models import Resource, SearchFacets, SearchTopic

    with transaction.atomic():
        record(None)
        backend().clear()
        SearchFacets.objects.all().delete()
        SearchTopic.objects.all().delete()
        ids = list(Resource.objects.order_by("pk").values_list("pk", flat=True))
        add(ids)
    return len(ids)


def add(resource_ids: list[int]) -> None:
    """Index resources made without signals (bulk_create), a batch at a time: one change
    of the feed for them all, which makes every kept result be counted again."""
    engine = backend()
    with transaction.atomic():
        record(None)
        for start in range(0, len(resource_ids), REBUILD_BATCH):
            entries = entries_for(resource_ids[start : start + REBUILD_BATCH])
            engine.put_many([(pk, document) for pk, document, _ in entries])
            put_facets([(pk, facets) for pk, _, facets in entries])


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
        sql, params = self.best_sql(queryset, start, count)
        return [row[0] for row in Backend.run(sql, params)]

    def best_sql(
        self, queryset: QuerySet, start: int = 0, count: int | None = None
    ) -> tuple[str, list[Any]]:
        """SQL of the best matches among ``queryset`` as rows of (id, score, position)."""
        if not self.terms:
            raise ValueError("Only a query with search words can be ranked.")
        key = queryset.model._meta.pk.attname  # the resource's id: of a Resource or its facets
        inner, inner_params = queryset.order_by().values(key, "position").query.sql_with_params()
        scores, score_params = backend().scored(self.terms)
        # SQLite wants a LIMIT before an OFFSET; -1 is its "no limit", PostgreSQL's is ALL.
        unlimited = "ALL" if connection.vendor == "postgresql" else "-1"
        limit = "%s" if count is not None else unlimited
        return (
            f"SELECT chosen.{key} AS id, matched.score AS score, chosen.position AS position "
            f"FROM ({inner}) chosen JOIN ({scores}) matched "
            f"ON matched.id = chosen.{key} "
            f"ORDER BY matched.score DESC, chosen.position, chosen.{key} "
            f"LIMIT {limit} OFFSET %s",
            [*inner_params, *score_params, *([count] if count is not None else []), start],
        )

    def changes_since(self, seq: int, limit: int) -> list[Change]:
        """The feed's changes after number ``seq``, at most ``limit`` of them, each with the
        state of its resource before it and now, for these words: one query, so one
        snapshot of the database. The first item is only the feed's present (number,
        epoch) when there is no change after ``seq``."""
        engine = backend()
        if self.terms:
            query = engine.expression(self.terms)
            was = (
                f"EXISTS (SELECT 1 FROM {BEFORE} WHERE {engine.before_condition} "
                f"AND {engine.before_key} = c.seq)"
            )
            scored, matched = engine.params(self.terms)
            now = (
                f"(SELECT {engine.score} FROM {TABLE} WHERE {engine.condition} "
                f"AND {engine.key} = c.resource_id)"
            )
            params: list[Any] = [query, *scored, *matched]
        else:  # every resource indexed matches
            was, now, params = (
                "c.existed",
                "CASE WHEN f.resource_id IS NULL THEN NULL ELSE 0 END",
                [],
            )
        rows = Backend.run(
            f"SELECT q.seq, q.epoch, c.seq, c.resource_id, c.existed, c.kind, c.audience, "
            f"c.listed, c.topics, {was}, f.resource_id, f.kind, f.audience, f.listed, "
            f"f.position, f.topics, {now} "
            f"FROM {SEQUENCE} q LEFT JOIN {CHANGES} c ON c.seq > %s "
            f"LEFT JOIN {FACETS} f ON f.resource_id = c.resource_id "
            "WHERE q.id = 1 ORDER BY c.seq LIMIT %s",
            [*params, seq, limit],
        )
        return [Change.read(row) for row in rows]


@dataclass(frozen=True)
class State:
    """A resource as a query sees it in the index: whether it matches the words, its score
    (None when it does not match), and its facets."""

    matches: bool
    listed: bool = False
    kind: str = ""
    audience: str = ""
    position: int = 0
    topics: frozenset[int] = frozenset()
    score: float | None = None


ABSENT = State(matches=False)


def topic_ids(text: str | None) -> frozenset[int]:
    return frozenset(int(t) for t in (text or "").split())


@dataclass(frozen=True)
class Change:
    """One entry of the feed as read for a query (see Match.changes_since)."""

    present: tuple[int, int]  # the feed's last number and its epoch, as the query saw them
    seq: int | None  # None: no change
    resource_id: int | None  # None: a bulk change of any resources
    before: State
    now: State

    @classmethod
    def read(cls, row: tuple[Any, ...]) -> Change:
        last, epoch, seq, resource_id, existed, kind, audience, listed, topics, was = row[:10]
        now_id, now_kind, now_audience, now_listed, now_position, now_topics, score = row[10:]
        before = (
            State(bool(was), bool(listed), kind, audience, 0, topic_ids(topics))
            if existed
            else ABSENT
        )
        now = (
            State(score is not None, bool(now_listed), now_kind, now_audience, now_position,
                  topic_ids(now_topics), None if score is None else float(score))
            if now_id is not None
            else ABSENT
        )  # fmt: skip
        return cls((int(last), int(epoch)), seq, resource_id, before, now)


def new_epoch(**kwargs: Any) -> None:
    """Number the feed's changes in a new epoch: after a backup is restored, the numbers it
    holds were given out since to other changes, and results kept under them must be
    counted afresh, never corrected (a receiver of spm_site.backups.restored)."""
    Backend.run(f"UPDATE {SEQUENCE} SET epoch = %s WHERE id = 1", [secrets.randbits(62)])


def present() -> tuple[int, int] | None:
    """The feed's last number and its epoch (None before its first change)."""
    rows = Backend.run(f"SELECT seq, epoch FROM {SEQUENCE} WHERE id = 1")
    return (int(rows[0][0]), int(rows[0][1])) if rows else None


def as_of(sql: str, params: list[Any]) -> tuple[tuple[int, int] | None, list[tuple[Any, ...]]]:
    """The rows of ``sql``, with the feed's (number, epoch) read in the same statement, so
    that they are exact at that number (None before the feed's first change)."""
    rows = Backend.run(
        f"SELECT q.seq, q.epoch, g.* FROM (SELECT max(seq) AS seq, max(epoch) AS epoch "
        f"FROM {SEQUENCE}) q LEFT JOIN ({sql}) g ON 1 = 1",
        params,
    )
    present = None if rows[0][0] is None else (int(rows[0][0]), int(rows[0][1]))
    return present, [row[2:] for row in rows if row[2] is not None]


def match(query: str) -> Match:
    return Match(words(query))


def search(queryset: QuerySet, query: str) -> tuple[QuerySet, list[str]]:
    """``queryset`` narrowed to what matches ``query``, with a ``rank`` (higher is better).

    Returns the queryset unchanged (and no terms) when the query has no searchable word.
    """
    found = match(query)
    return found.ranked(found.filter(queryset)), found.terms
