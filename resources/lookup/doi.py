"""DOIs: doi.org says which registration agency holds one; Crossref's REST API gives the
richest record of its own DOIs (with retractions and corrections, as ``updated-by``);
every other agency (DataCite, mEDRA, JaLC...) answers doi.org's content negotiation with
CSL-JSON. Zotero's "DOI Content Negotiation" translator takes the same path.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.core.cache import cache

from outbound import Outbound

from .records import (
    CslName,
    Draft,
    Update,
    checked_parts,
    clean_text,
    organisation,
    partial_date,
    person,
    plain_text,
    update_kind,
)
from .registries import NotThere, crossref, crossref_params, doi_org, judged

CSL_JSON = "application/vnd.citationstyles.csl+json"
# Crossref's work types, in CSL's vocabulary (as Zotero's Crossref REST translator maps them).
CROSSREF_TYPES = {
    "journal-article": "article-journal",
    "journal": "article-journal",
    "journal-issue": "article-journal",
    "journal-volume": "article-journal",
    "book": "book",
    "monograph": "book",
    "edited-book": "book",
    "reference-book": "book",
    "book-set": "book",
    "book-series": "book",
    "book-track": "book",
    "book-chapter": "chapter",
    "book-section": "chapter",
    "book-part": "chapter",
    "reference-entry": "entry-encyclopedia",
    "proceedings-article": "paper-conference",
    "proceedings": "book",
    "report": "report",
    "report-component": "report",
    "report-series": "report",
    "dissertation": "thesis",
    "dataset": "dataset",
    "database": "dataset",
    "posted-content": "article",
    "peer-review": "review",
    "standard": "standard",
    "component": "document",
    "other": "document",
}


def path(doi: str) -> str:
    return quote(doi, safe="/")


def lookup(client: Outbound, doi: str) -> Draft:
    """The record of ``doi`` (NotThere when no agency holds it)."""
    agency = registration_agency(client, doi)
    if agency == "Crossref":
        try:
            return from_crossref(crossref_work(client, doi))
        except NotThere:
            pass  # doi.org says Crossref, Crossref has no record yet: ask doi.org itself
    return negotiate(client, doi, agency)


def registration_agency(client: Outbound, doi: str) -> str:
    """Crossref, DataCite, mEDRA...: doi.org's RA API, remembered per prefix (a prefix
    belongs to one agency)."""
    prefix = doi.split("/", 1)[0]
    key = f"lookup:ra:{prefix}"
    known = cache.get(key)
    if known:
        return str(known)
    registry = doi_org()
    fetched = judged(
        client.get(registry.url(f"ra/{path(doi)}"), headers={"Accept": "application/json"}),
        registry.name,
        f"doi.org knows no DOI {doi}.",
    )
    answer = fetched.json()
    entry = answer[0] if isinstance(answer, list) and answer else {}
    agency = str(entry.get("RA", "")) if isinstance(entry, dict) else ""
    if not agency:
        status = entry.get("status", "") if isinstance(entry, dict) else ""
        if status == "Invalid DOI":
            raise NotThere(f"doi.org says {doi} is not a valid DOI.")
        raise NotThere(f"doi.org knows no DOI {doi}: check it for typing errors.")
    cache.set(key, agency, timeout=7 * 24 * 60 * 60)
    return agency


def crossref_work(client: Outbound, doi: str) -> dict[str, Any]:
    registry = crossref()
    fetched = judged(
        client.get(registry.url(f"works/{path(doi)}"), params=crossref_params()),
        registry.name,
        f"Crossref has no record of {doi}.",
    )
    answer = fetched.json()
    message = answer.get("message") if isinstance(answer, dict) else None
    if not isinstance(message, dict):
        raise NotThere(f"Crossref has no record of {doi}.")
    return message


def negotiate(client: Outbound, doi: str, agency: str) -> Draft:
    """CSL-JSON from whichever agency holds ``doi``, through doi.org's redirect."""
    registry = doi_org()
    source = f"{agency} (through doi.org)" if agency else "doi.org"
    fetched = judged(
        client.get(registry.url(path(doi)), headers={"Accept": CSL_JSON}),
        source,
        f"doi.org knows no DOI {doi}.",
    )
    if fetched.is_html:
        raise NotThere(f"{agency or 'The agency'} gives no citation details for {doi}.")
    item = fetched.json()
    if not isinstance(item, dict):
        raise NotThere(f"{source} gave no citation details for {doi}.")
    return from_csl(item, source)


def first(value: Any) -> str:
    """Crossref gives most strings as lists; CSL-JSON as strings."""
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value) if value not in (None, "") else ""


def crossref_names(people: Any) -> list[CslName | None]:
    names: list[CslName | None] = []
    for someone in people or []:
        if not isinstance(someone, dict):
            continue
        if someone.get("name") and not someone.get("family"):
            names.append(organisation(str(someone["name"])))
        else:
            names.append(person(str(someone.get("family", "")), str(someone.get("given", ""))))
    return names


def csl_names(people: Any) -> list[CslName | None]:
    names: list[CslName | None] = []
    for someone in people or []:
        if not isinstance(someone, dict):
            continue
        if someone.get("literal"):
            names.append(organisation(str(someone["literal"])))
        else:
            names.append(person(str(someone.get("family", "")), str(someone.get("given", ""))))
    return names


def date_of(value: Any) -> list[int]:
    try:
        parts = value["date-parts"][0]
    except (KeyError, IndexError, TypeError):
        return []
    return checked_parts(*[*parts, None, None][:3]) if parts and parts[0] else []


def from_crossref(work: dict[str, Any], source: str = "Crossref") -> Draft:
    draft = Draft()
    draft.put("type", CROSSREF_TYPES.get(str(work.get("type", "")), "document"), source)
    title = first(work.get("title"))
    subtitle = first(work.get("subtitle"))
    if title and subtitle and subtitle.lower() not in title.lower():
        title = f"{title.rstrip(':')}: {subtitle}"
    draft.title(title, source)
    draft.names("author", crossref_names(work.get("author")), source)
    draft.names("editor", crossref_names(work.get("editor")), source)
    draft.issued(date_of(work.get("issued")) or date_of(work.get("published")), source)
    container = clean_text(first(work.get("container-title")))
    short = clean_text(first(work.get("short-container-title")))
    draft.put("container-title", container, source)
    if short != container:  # Crossref often repeats the full name here
        draft.put("container-title-short", short, source)
    draft.put("publisher", clean_text(first(work.get("publisher"))), source)
    for key in ("volume", "issue", "page"):
        draft.put(key, first(work.get(key)), source)
    draft.put("DOI", first(work.get("DOI")), source)
    draft.put("ISBN", first(work.get("ISBN")), source)
    landing = work.get("resource", {}).get("primary", {}).get("URL", "")
    draft.put("URL", str(landing), source)
    draft.put("abstract", plain_text(first(work.get("abstract"))), source)
    draft.put("subject", [str(s) for s in work.get("subject") or [] if s], source)
    for notice in work.get("updated-by") or []:
        if not isinstance(notice, dict) or not notice.get("type"):
            continue
        notice_doi = str(notice.get("DOI", ""))
        watch = notice.get("source", "") == "retraction-watch"
        draft.update(
            Update(
                kind=update_kind(str(notice["type"])),
                date=partial_date(date_of(notice.get("updated"))),
                notice_doi=notice_doi,
                notice_url=f"https://doi.org/{notice_doi}" if notice_doi else "",
                source="Retraction Watch (through Crossref)" if watch else source,
                label=str(notice.get("label", "")),
            )
        )
    for target in work.get("update-to") or []:
        if isinstance(target, dict) and target.get("DOI"):
            draft.notice_for.append(str(target["DOI"]))
    return draft


def from_csl(item: dict[str, Any], source: str) -> Draft:
    draft = Draft()
    draft.put("type", str(item.get("type") or "document"), source)
    draft.title(first(item.get("title")), source)
    draft.names("author", csl_names(item.get("author")), source)
    draft.names("editor", csl_names(item.get("editor")), source)
    draft.issued(date_of(item.get("issued")), source)
    draft.put("container-title", clean_text(first(item.get("container-title"))), source)
    draft.put("container-title-short", clean_text(first(item.get("container-title-short"))), source)
    draft.put("publisher", clean_text(first(item.get("publisher"))), source)
    for key in ("volume", "issue", "page", "DOI", "ISBN", "URL"):
        draft.put(key, first(item.get(key)), source)
    draft.put("abstract", plain_text(first(item.get("abstract"))), source)
    keywords = item.get("keyword") or item.get("categories") or []
    if isinstance(keywords, str):
        keywords = [word.strip() for word in keywords.split(",")]
    draft.put("subject", [str(k) for k in keywords if k], source)
    return draft
