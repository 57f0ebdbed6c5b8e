"""Rendered parts of the public pages, each kept in the cache under what it shows.

Each key is a digest of the rows a fragment is made from, so an edit changes the keys of
only what it touched: the next page renders those parts again and takes every other one
from the cache. Nothing has to remember to retire a fragment: a save, a restore, a topic
merge, a link check or a bulk ``update()`` all change the rows, whichever way they write.

- A list entry (templates/includes/resource_item.html) and a resource's own page are
  looked up by a digest of the resource's rows as stored, read in five plain queries
  (``entry_digests``, ``page_digest``); the page's key also holds its place on the list.
  Loading resources with their details costs far more, and is done only for what the
  cache lacks.
- A search result is keyed like a list entry, by the digest of its resource's rows, with
  the words marked in its title and summary.
- Whatever a process used lately it also keeps in its own memory (``Recent``): a key that
  is a digest of what it shows can never be out of date.
- Every key also holds the *release*: a digest of the project's code, templates and
  locked dependencies, and of the settings that appear in the HTML, read once per
  process. A deploy that changes how anything is rendered files its fragments apart from
  the old ones, which expire unused (``FRAGMENT_CACHE_SECONDS``).

A page asks for all its fragments in one cache round trip (``get_many``), renders only
those missing and stores them in another (``set_many``).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.core.cache import cache as django_cache
from django.db import connection
from django.db.models import Model, QuerySet
from django.template.loader import get_template
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.safestring import SafeString, mark_safe
from taggit.models import Tag

from spm_site import pagecache

from .models import Creator, Link, LinkHealth, Notice, Resource, TaggedResource

# Not part of what the site serves: left out of the release.
OUTSIDE_RELEASE = {".venv", "node_modules", "staticfiles", "tests", "backups", "outbox"}
BROKEN = LinkHealth.State.BROKEN.value
# Settings that appear in the rendered HTML (addresses, dates).
RENDERED_SETTINGS = ("SITE_URL", "SITE_NAME", "TIME_ZONE", "USE_TZ", "LANGUAGE_CODE")


@cache
def release() -> str:
    """A digest of what renders the pages: the project's Python code, templates and
    static files, the locked dependencies, Django's version and the settings the HTML
    shows. Read from the files once per process (a few milliseconds), so every app server
    running the same release computes the same digest and they share their fragments."""
    base = Path(settings.BASE_DIR)
    digest = hashlib.blake2b(digest_size=12)
    for root, folders, files in os.walk(base):
        folders[:] = sorted(f for f in folders if f not in OUTSIDE_RELEASE and f[0] != ".")
        # Templates, and the static files whose digests are in the addresses pages use.
        rendered = Path(root).is_relative_to(base / "templates") or Path(root).is_relative_to(
            base / "static"
        )
        for name in sorted(files):
            if name.endswith(".py") or rendered or name == "requirements.lock":
                path = Path(root, name)
                digest.update(str(path.relative_to(base)).encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    shown = [django.get_version(), *(repr(getattr(settings, n, None)) for n in RENDERED_SETTINGS)]
    digest.update("\0".join(shown).encode())
    return digest.hexdigest()


def enabled() -> bool:
    return settings.FRAGMENT_CACHE_SECONDS > 0


@cache
def stored_fields(model: type[Model]) -> tuple[str, ...]:
    return tuple(field.attname for field in model._meta.concrete_fields)


def row(instance: Model) -> tuple[Any, ...]:
    """An instance's stored values."""
    return tuple(getattr(instance, name) for name in stored_fields(type(instance)))


@cache
def entry_query(page: bool = False) -> str:
    """SQL for what the list entries of ``count`` resources show, in one round trip: the
    resource's own fields; its links, each with whether the checks found it broken at its
    present address (the mark the list shows); its topics, creators and notices. For a
    resource's own ``page``, each link also has when it was last found working, unless
    broken (the page says so). Each row is (part, resource id, order, order, the row's
    values as one text, that day's instant), every value quoted by the database so that
    the text can be told apart for any two rows. Plain SQL on purpose: the ORM spends more
    time building and converting these rows than the database spends finding them, and a
    digest needs them only as stored. The ids go in as ``{ids}``, numbers written out
    (parameters would cost the driver more than the query, at every page)."""
    name = connection.ops.quote_name
    quote = "quote_nullable" if connection.vendor == "postgresql" else "quote"

    def text(model: type[Model], alias: str) -> str:
        return " || ',' || ".join(
            f"{quote}({alias}.{name(str(f.column))})" for f in model._meta.concrete_fields
        )

    def table(model: type[Model]) -> str:
        return name(model._meta.db_table)

    ids = "{ids}"
    resource_id, url, id_, position = name("resource_id"), name("url"), name("id"), name("position")
    broken = f"h.{url} = l.{url} AND h.{name('state')} = '{BROKEN}'"
    working = (
        f"CASE WHEN h.{url} = l.{url} AND NOT ({broken}) THEN h.{name('last_ok_at')} END"
        if page
        else "NULL"
    )
    tagged = name("content_object_id")
    return (
        " UNION ALL ".join(
            [
                f"SELECT {LINKS}, l.{resource_id}, l.{position}, l.{id_}, "
                f"{text(Link, 'l')} || CASE WHEN {broken} THEN ',1' ELSE ',0' END, {working} "
                f"FROM {table(Link)} l LEFT JOIN {table(LinkHealth)} h "
                f"ON h.{name('link_id')} = l.{id_} WHERE l.{resource_id} IN ({ids})",
                f"SELECT {PARTS.index('resource')}, r.{id_}, 0, 0, {text(Resource, 'r')}, NULL "
                f"FROM {table(Resource)} r WHERE r.{id_} IN ({ids})",
                f"SELECT {PARTS.index('topics')}, r.{tagged}, t.{id_}, 0, {text(Tag, 't')}, NULL "
                f"FROM {table(TaggedResource)} r JOIN {table(Tag)} t "
                f"ON t.{id_} = r.{name('tag_id')} WHERE r.{tagged} IN ({ids})",
                f"SELECT {PARTS.index('creators')}, c.{resource_id}, c.{id_}, 0, "
                f"{text(Creator, 'c')}, NULL FROM {table(Creator)} c "
                f"WHERE c.{resource_id} IN ({ids})",
                f"SELECT {PARTS.index('notices')}, n.{resource_id}, n.{id_}, 0, "
                f"{text(Notice, 'n')}, NULL FROM {table(Notice)} n "
                f"WHERE n.{resource_id} IN ({ids})",
            ]
        )
        + " ORDER BY 1, 2, 3, 4"
    )


# The parts of what an entry shows, in the order of its rows.
PARTS = ("resource", "links", "topics", "creators", "notices")
LINKS = PARTS.index("links")


def stored_rows(ids: Sequence[int], page: bool = False) -> dict[int, list[Any]]:
    """What ``entry_query`` reads, by resource id: for each of PARTS, its rows as text (a
    link's with the instant it was last found working, for a ``page``). One query, whatever
    their number."""
    rows: dict[int, list[Any]] = {pk: [[] for _ in PARTS] for pk in ids}
    if not ids:
        return rows
    with connection.cursor() as cursor:
        listed = ", ".join(str(int(pk)) for pk in ids)
        cursor.execute(entry_query(page).replace("{ids}", listed))
        for part, owner, _, _, values, working in cursor.fetchall():
            rows[owner][part].append((values, working) if page and part == LINKS else values)
    return rows


def stored_texts(*querysets: QuerySet) -> list[list[str]]:
    """The rows of each of ``querysets`` as the database writes them out, quoted (as
    ``entry_query`` does), in one query: what a digest needs of a few small tables. Each
    queryset's rows are sorted, so their order in the query does not matter (a digest of
    rows that hold their own order)."""
    quote = "quote_nullable" if connection.vendor == "postgresql" else "quote"
    name = connection.ops.quote_name
    parts: list[str] = []
    params: list[Any] = []
    for n, queryset in enumerate(querysets):
        fields = queryset.model._meta.concrete_fields
        inner, inner_params = (
            queryset.order_by().values_list(*(f.attname for f in fields)).query.sql_with_params()
        )
        text = " || ',' || ".join(f"{quote}(q.{name(str(f.column))})" for f in fields)
        parts.append(f"SELECT {n}, {text} FROM ({inner}) q")
        params.extend(inner_params)
    texts: list[list[str]] = [[] for _ in querysets]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for n, values in cursor.fetchall():
            texts[n].append(values)
    return [sorted(rows) for rows in texts]


def entry_digests(ids: Sequence[int]) -> dict[int, str]:
    """The key of each list entry, by resource id: a digest of the rows it is made from.
    Far cheaper than loading the page's resources with their details
    (``with_list_details()``) only to find most of their entries kept."""
    return {pk: key("item", shown) for pk, shown in stored_rows(ids).items()}


def page_digest(pk: int) -> tuple[Any, ...]:
    """What a resource's own page shows of its rows, as stored. The day a link was last
    found working is the day where the site is (the page's words), not the instant."""
    (resource, links, *others) = stored_rows([pk], page=True)[pk]
    links = [(values, day(working)) for values, working in links]
    return (resource, links, *others)


def day(stored: Any) -> date | None:
    """The local day of a date and time as the database returned it (SQLite: text)."""
    if stored is None:
        return None
    if isinstance(stored, str):
        stored = timezone.make_aware(parse_datetime(stored) or datetime.min, UTC)
    return timezone.localdate(stored)


def key(kind: str, *shown: Any) -> str:
    """The cache key of a fragment of ``kind`` showing ``shown`` (anything picklable)."""
    data = pickle.dumps(shown, protocol=5)
    return f"fragment:{kind}:{release()}:{hashlib.blake2b(data, digest_size=16).hexdigest()}"


class Recent:
    """The fragments this process used lately, up to ``size`` characters in all (the least
    recently used leave first), shared by its threads. A fragment's key is a digest of what
    it shows, so a copy here can never be out of date: it only saves a read of the cache."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.held = 0
        self.entries: OrderedDict[str, str] = OrderedDict()
        self.lock = threading.Lock()

    def get_many(self, keys: Iterable[str]) -> dict[str, str]:
        found = {}
        with self.lock:
            for k in keys:
                if (value := self.entries.get(k)) is not None:
                    self.entries.move_to_end(k)
                    found[k] = value
        return found

    def put_many(self, made: dict[str, str]) -> None:
        with self.lock:
            for k, value in made.items():
                if (old := self.entries.pop(k, None)) is not None:
                    self.held -= len(old)
                self.entries[k] = value
                self.held += len(value)
            while self.held > self.size and self.entries:
                self.held -= len(self.entries.popitem(last=False)[1])

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.held = 0


RECENT = Recent(settings.FRAGMENT_RECENT_CHARS)


def kept(keys: Iterable[str]) -> dict[str, str]:
    """The fragments held of ``keys``: this process's copies, then the cache's in one
    round trip."""
    if not enabled():
        return {}
    wanted = list(keys)
    found = RECENT.get_many(wanted)
    rest = [k for k in wanted if k not in found]
    if rest:
        shared = {k: v for k, v in django_cache.get_many(rest).items() if isinstance(v, str)}
        RECENT.put_many(shared)
        found.update(shared)
    return found


def keep(made: dict[str, str]) -> None:
    """Store fragments just rendered, in one round trip."""
    if made and enabled():
        django_cache.set_many(made, settings.FRAGMENT_CACHE_SECONDS)
        RECENT.put_many(made)


Part = tuple[str, Callable[[], str]]  # a fragment's key and how to render it
UNCHECKED = object()


def render(
    parts: Sequence[Part], keep_them: bool = True, generation: Any = UNCHECKED
) -> list[SafeString]:
    """Each part's HTML, in order: the kept ones from the cache (one round trip), the
    others rendered and stored (one more). ``keep_them=False`` (a draft, seen only by
    staff) renders every part and keeps none. Parts keyed by rows read before they were
    loaded to be rendered give the ``generation`` those rows were read at: they are kept
    only if the content is still at it (``listed_items`` says why)."""
    found = kept(k for k, _ in parts) if keep_them else {}
    made = {k: str(make()) for k, make in parts if k not in found}
    if keep_them and (generation is UNCHECKED or not made or pagecache.read_token() == generation):
        keep(made)
    return [mark_safe(found.get(k, made.get(k, ""))) for k, _ in parts]


NOT_MARKED = ("", "")  # an entry's title and summary with no search words to mark


def render_item(resource: Resource, marked: tuple[str, str] = NOT_MARKED) -> str:
    """One entry (templates/includes/resource_item.html) of a resource loaded
    ``with_list_details()``; ``marked`` is its title and summary with the search words
    marked, in HTML."""
    title_html, summary_html = marked
    context = {"resource": resource, "title_html": title_html,
               "summary_html": summary_html, "SITE_URL": settings.SITE_URL}  # fmt: skip
    return get_template("includes/resource_item.html").render(context)


def search_items(
    resources: Sequence[Resource],
    marks: Sequence[tuple[str, str]],
    generation: int | None,
    digests: dict[int, str] | None = None,
) -> list[SafeString]:
    """The entries of a page of search results (``resources`` in order, loaded with no more
    than what is marked in them), each with its marked title and summary: as the list's
    (``listed_items``), keyed also by what is marked."""
    return listed_items(resources, generation, marks=marks, digests=digests)[0]


def listed_items(
    resources: Sequence[Resource],
    generation: int | None,
    also: Sequence[Part] = (),
    marks: Sequence[tuple[str, str]] | None = None,
    digests: dict[int, str] | None = None,
) -> tuple[list[SafeString], list[SafeString]]:
    """The entries of a page of the list (``resources`` in order, loaded with no more than
    their ids; with ``marks``, a page of search results), then the parts ``also`` asked
    for in the same cache round trip.

    Only the entries the cache lacks are loaded ``with_list_details()`` and rendered. They
    are kept only if the content is still at ``generation``, the token read before their
    digests were taken (``pagecache.token_for``): an edit saved in between is rendered,
    but never filed under the digest of what was there before it. ``digests``: the
    entries' (``entry_digests``), when the caller read them already."""
    ids = [resource.pk for resource in resources]
    if digests is None or any(pk not in digests for pk in ids):
        digests = entry_digests(ids)
    if marks is None:
        shown = dict.fromkeys(ids, NOT_MARKED)
        keys = digests
    else:
        shown = dict(zip(ids, marks, strict=True))
        keys = {pk: key("hit", digests[pk], shown[pk]) for pk in ids}
    found = kept([*keys.values(), *(k for k, _ in also)])
    missing = [pk for pk in ids if keys[pk] not in found]
    fresh: dict[int, str] = {}
    made: dict[str, str] = {}
    if missing:
        loaded = Resource.objects.filter(pk__in=missing).with_list_details().in_bulk()
        # In the page's order; one deleted meanwhile is left out.
        fresh = {pk: render_item(loaded[pk], shown[pk]) for pk in missing if pk in loaded}
        if pagecache.read_token() == generation:
            made = {keys[pk]: html for pk, html in fresh.items()}
    made.update({k: str(make()) for k, make in also if k not in found})
    keep(made)
    items = [found.get(keys[pk]) or fresh.get(pk) for pk in ids]
    return (
        [mark_safe(item) for item in items if item is not None],  # None: deleted meanwhile
        [mark_safe(found.get(k) or made[k]) for k, _ in also],
    )
