"""Looking up what staff paste (a DOI, a PubMed ID, a PMCID, an ISBN or a web address) in
the registries that know it, and coming back with one record.

- ``lookup(text)`` → ``Found`` or a ``Failed`` outcome (``NotRecognised``, ``NotFound``,
  ``Unreachable``, ``TooSlow``, ``BadAnswer``, ``TooLarge``, ``Refused``, ``Busy``), each
  with a sentence for staff. Nothing is raised.
- ``lookup_many(texts)`` looks up many at once, within each registry's limits (PubMed IDs
  in one request).
- ``suggest(found)`` puts a record in the site's vocabulary: Resource fields, creators and
  links to offer (plain data; nothing is saved).

Which registry answers what: a DOI, doi.org's RA API, then Crossref's REST API for its own
DOIs or doi.org's content negotiation for the others (``doi``); a PubMed ID, efetch, and
Crossref for what PubMed lacks (the publisher, Crossref's retraction notices); a PMCID, the
PMC ID Converter first (``pubmed``); an ISBN, Open Library (``openlibrary``); a web
address, the page's own tags, or the DOI they give (``webpage``). Every request goes out
through ``outbound``. Found records are kept a day in the cache, by identifier.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

import httpx
from django.core.cache import cache

import outbound
from outbound import Outbound, OutboundError

from ..identifiers import Identifier, Unrecognised, recognise
from . import doi, openlibrary, pubmed, webpage
from .outcomes import (
    BadAnswer,
    Busy,
    Failed,
    Found,
    NotFound,
    NotRecognised,
    Outcome,
    Refused,
    TooLarge,
    TooSlow,
    Unreachable,
)
from .records import Draft, Update
from .registries import NotThere, all_registries, client_config
from .suggest import SuggestedLink, Suggestion, suggest

__all__ = [
    "BadAnswer",
    "Busy",
    "Failed",
    "Found",
    "NotFound",
    "NotRecognised",
    "Outcome",
    "Refused",
    "SuggestedLink",
    "Suggestion",
    "TooLarge",
    "TooSlow",
    "Unreachable",
    "Update",
    "lookup",
    "lookup_many",
    "suggest",
]

logger = logging.getLogger(__name__)

CACHE_VERSION = 1
FOUND_SECONDS = 24 * 60 * 60
NOT_FOUND_SECONDS = 60 * 60
WORKERS = 16


def cache_key(identifier: Identifier) -> str:
    return f"lookup:v{CACHE_VERSION}:{identifier.key}"


def lookup(text: str | Identifier, *, use_cache: bool = True) -> Outcome:
    """What the registries know of ``text``."""
    return lookup_many([text], use_cache=use_cache)[0]


def lookup_many(texts: Iterable[str | Identifier], *, use_cache: bool = True) -> list[Outcome]:
    """Each of ``texts`` looked up, in order, concurrently within each registry's limits."""
    items = list(texts)
    outcomes: list[Outcome | None] = [None] * len(items)
    wanted: list[tuple[int, Identifier]] = []
    for position, item in enumerate(items):
        if isinstance(item, Identifier):
            wanted.append((position, item))
            continue
        try:
            wanted.append((position, recognise(item)))
        except Unrecognised as error:
            outcomes[position] = NotRecognised(item, str(error))
    if use_cache and wanted:
        known = cache.get_many([cache_key(identifier) for _, identifier in wanted])
        for position, identifier in wanted:
            hit = known.get(cache_key(identifier))
            if isinstance(hit, Found | NotFound):
                outcomes[position] = dataclasses.replace(hit, identifier=identifier)
        wanted = [(p, i) for p, i in wanted if outcomes[p] is None]
    if wanted:
        with Outbound(client_config()) as client:
            articles = prefetch_pubmed(client, [i for _, i in wanted if i.scheme == "pmid"])
            with ThreadPoolExecutor(max_workers=min(WORKERS, len(wanted))) as pool:
                done = pool.map(lambda pair: one(client, pair[1], articles), wanted)
                for (position, _), outcome in zip(wanted, done, strict=True):
                    outcomes[position] = outcome
        remember([outcomes[position] for position, _ in wanted])
    return [outcome for outcome in outcomes if outcome is not None]


def remember(outcomes: list[Outcome | None]) -> None:
    """Found records for a day, records found missing for an hour; failures not at all."""
    found = {cache_key(o.identifier): o for o in outcomes if isinstance(o, Found)}
    missing = {
        cache_key(o.identifier): o for o in outcomes if isinstance(o, NotFound) and o.identifier
    }
    if found:
        cache.set_many(found, timeout=FOUND_SECONDS)
    if missing:
        cache.set_many(missing, timeout=NOT_FOUND_SECONDS)


PubMedBatch = dict[str, Draft | OutboundError | NotThere]


def prefetch_pubmed(client: Outbound, identifiers: list[Identifier]) -> PubMedBatch:
    """Every PubMed ID asked for, in as few requests as efetch allows (NCBI allows 3 a
    second): its record, or why there is none."""
    if len(identifiers) < 2:
        return {}
    pmids = [identifier.value for identifier in identifiers]
    try:
        found: PubMedBatch = dict(pubmed.fetch(client, pmids))
    except (OutboundError, NotThere) as error:
        return dict.fromkeys(pmids, error)
    for pmid in pmids:
        found.setdefault(pmid, NotThere(f"PubMed has no record with the ID {pmid}."))
    return found


def one(client: Outbound, identifier: Identifier, articles: PubMedBatch) -> Outcome:
    try:
        draft = resolve(client, identifier, articles)
    except NotThere as missing:
        return NotFound(identifier.text, str(missing), identifier)
    except OutboundError as error:
        return failure(identifier, error)
    except Exception:
        logger.exception("Looking up %s failed", identifier)
        return Failed(
            identifier.text,
            f"Looking up {identifier} failed unexpectedly (the site's log says why): "
            "fill in the details by hand.",
            identifier,
        )
    return Found(
        identifier=identifier,
        record=draft.record,
        provenance=draft.provenance,
        updates=tuple(draft.updates),
        notice_for=tuple(draft.notice_for),
        title_markup=draft.title_markup,
        notes=tuple(draft.notes),
    )


def resolve(client: Outbound, identifier: Identifier, articles: PubMedBatch) -> Draft:
    match identifier.scheme:
        case "doi":
            return doi.lookup(client, identifier.value)
        case "pmid":
            return from_pubmed(client, identifier.value, articles)
        case "pmcid":
            return from_pmc(client, identifier.value)
        case "isbn":
            return openlibrary.lookup(client, identifier.value)
        case "url":
            return from_page(client, identifier)
    raise NotThere(f"{identifier} cannot be looked up.")


def from_pubmed(client: Outbound, pmid: str, articles: PubMedBatch) -> Draft:
    known = articles.get(pmid)
    if isinstance(known, OutboundError | NotThere):
        raise known
    draft = known if known is not None else pubmed.lookup(client, pmid)
    return with_crossref(client, draft)


def from_pmc(client: Outbound, pmcid: str) -> Draft:
    pmid, article_doi = pubmed.pmid_for(client, pmcid)
    if pmid:
        draft = with_crossref(client, pubmed.lookup(client, pmid))
    elif article_doi:
        draft = doi.lookup(client, article_doi)
    else:
        raise NotThere(f"PubMed Central knows {pmcid}, but not its PubMed ID or DOI.")
    draft.put("PMCID", pmcid, "the PMC ID Converter")
    return draft


def with_crossref(client: Outbound, draft: Draft) -> Draft:
    """What PubMed lacks and Crossref knows: the publisher, and Crossref's notices."""
    article_doi = str(draft.record.get("DOI", ""))
    if not article_doi:
        return draft
    try:
        draft.merge(doi.from_crossref(doi.crossref_work(client, article_doi)))
    except NotThere:
        pass  # a DOI of another agency than Crossref
    except OutboundError as error:
        draft.notes.append(f"Crossref could not be asked about {article_doi}: {error}")
    return draft


def from_page(client: Outbound, identifier: Identifier) -> Draft:
    """The page's own description, or the DOI record it points to (with the page's
    address); a page that cannot be read falls back on a DOI in its address."""
    url = identifier.text.strip().split("#")[0]
    try:
        page, page_doi = webpage.lookup(client, url)
    except (NotThere, OutboundError) as unread:
        in_address = webpage.doi_in_address(url)
        if not in_address or isinstance(unread, outbound.Refused):
            raise
        draft = doi.lookup(client, in_address)
        draft.notes.append(f"{unread} The DOI in its address was looked up instead.")
        return draft
    if not page_doi:
        return page
    try:
        record = doi.lookup(client, page_doi)
    except (NotThere, OutboundError) as error:
        page.notes.append(
            f"The page gives the DOI {page_doi}, which could not be looked up: {error}"
        )
        return page
    combined = Draft()
    combined.put("URL", page.record.get("URL", url), webpage.PAGE)
    combined.merge(record)
    combined.merge(page)
    return combined


def registry_name(url: str) -> str:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return "The site asked"
    for registry in all_registries():
        base = httpx.URL(registry.base)
        if (base.host, base.port) == (parsed.host, parsed.port):
            return registry.name
    return parsed.host or "The site asked"


def failure(identifier: Identifier, error: OutboundError) -> Failed:
    """The outcome for a request that failed, in a sentence for staff."""
    who = registry_name(error.url) if error.url else "The registry"
    text = identifier.text
    if isinstance(error, outbound.Refused):
        return Refused(text, f"{identifier} was not looked up: {error}", identifier, who)
    if isinstance(error, outbound.Busy):
        return Busy(
            text,
            f"{who} asked the site to slow down; look up {identifier} again in a few minutes.",
            identifier,
            who,
        )
    if isinstance(error, outbound.TooSlow):
        return TooSlow(
            text,
            f"{who} took too long to answer about {identifier}: {error} Try again later.",
            identifier,
            who,
        )
    if isinstance(error, outbound.TooLarge):
        return TooLarge(
            text,
            f"{who} sent far more than any record about {identifier}: {error}",
            identifier,
            who,
        )
    if isinstance(error, outbound.BadAnswer | outbound.TooManyRedirects):
        return BadAnswer(
            text,
            f"{who} sent an answer about {identifier} that cannot be read: {error}",
            identifier,
            who,
        )
    return Unreachable(
        text, f"{who} could not be reached to look up {identifier}: {error}", identifier, who
    )
