"""What machines read from a page: schema.org JSON-LD and the citation_* tags of Google Scholar
and Zotero, both written from the resource's CSL record (see citations.py)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils.html import _json_script_escapes  # type: ignore[attr-defined]
from django.utils.safestring import SafeString, mark_safe

from spm_site.public_urls import absolute_url

from .citations import (
    CslRecord,
    csl_record,
    inverted_name,
    page_range,
    record_date,
    record_notices,
)
from .kinds import KIND_TYPES
from .models import NOTICE_KINDS, Audience, Resource, notice_words

SOCIETY = {
    "@type": "Organization",
    "@id": "https://participatorymedicine.org/#organization",
    "name": "Society for Participatory Medicine",
    "alternateName": "SPM",
    "url": "https://participatorymedicine.org/",
    "nonprofitStatus": "Nonprofit501c3",
    "foundingDate": "2009",
}


def json_ld(data: dict[str, Any]) -> SafeString:
    """A JSON-LD block's content, escaped so that no text can close the <script> element."""
    text = json.dumps({"@context": "https://schema.org", **data}, ensure_ascii=False)
    return mark_safe(text.translate(_json_script_escapes))


def schema_name(name: dict[str, str]) -> dict[str, str]:
    if "literal" in name:
        return {"@type": "Organization", "name": name["literal"]}
    person = {"@type": "Person", "familyName": name["family"]}
    if name.get("given"):
        person["givenName"] = name["given"]
        person["name"] = f"{name['given']} {name['family']}"
    else:
        person["name"] = name["family"]
    return person


def resource_json_ld(resource: Resource, record: CslRecord | None = None) -> dict[str, Any]:
    record = record or csl_record(resource)
    page = absolute_url(resource.get_absolute_url())
    data: dict[str, Any] = {
        "@type": KIND_TYPES[resource.kind].schema_org,
        "@id": f"{page}#resource",
        "name": record["title"],
        "description": record["abstract"],
        "mainEntityOfPage": page,
    }
    if "URL" in record:
        data["url"] = record["URL"]
    data["audience"] = [
        {"@type": "PeopleAudience", "audienceType": audience_type}
        for audience_type in Audience(resource.audience).schema_audience_types
    ]
    for role in ["author", "editor"]:
        if role in record:
            data[role] = [schema_name(n) for n in record[role]]
    if issued := record_date(record):
        data["datePublished"] = issued.isoformat()
    if "publisher" in record:
        data["publisher"] = {"@type": "Organization", "name": record["publisher"]}
    if "container-title" in record:
        container: dict[str, Any] = {"@type": "Periodical", "name": record["container-title"]}
        if "volume" in record:
            container = {
                "@type": "PublicationVolume",
                "volumeNumber": record["volume"],
                "isPartOf": container,
            }
        if "issue" in record:
            container = {
                "@type": "PublicationIssue",
                "issueNumber": record["issue"],
                "isPartOf": container,
            }
        data["isPartOf"] = container
    if "page" in record:
        data["pagination"] = record["page"]
    identifiers = [
        {"@type": "PropertyValue", "propertyID": key, "value": record[key]}
        for key in ["DOI", "PMID"]
        if key in record
    ]
    if identifiers:
        data["identifier"] = identifiers
    if "DOI" in record:
        data["sameAs"] = f"https://doi.org/{record['DOI']}"
    if "ISBN" in record:
        data["isbn"] = record["ISBN"]
    if "keyword" in record:
        data["keywords"] = record["keyword"].split(", ")
    if "status" in record:
        data["creativeWorkStatus"] = SCHEMA_STATUS.get(record["status"], record["status"])
    # A retraction or a correction is a ``correction`` of the work (COPE: retraction is how
    # the literature is corrected); an expression of concern only a ``comment`` on it.
    for notice in record_notices(record):
        prop = notice_words(notice["type"]).schema_property
        data.setdefault(prop, []).append(notice_json_ld(notice))
    return data


# CSL's status of a retracted work, in schema.org's words (creativeWorkStatus is free text).
SCHEMA_STATUS = {w.csl_status: w.schema_status for w in NOTICE_KINDS.values() if w.csl_status}


def notice_json_ld(notice: dict[str, Any]) -> dict[str, Any]:
    words = notice_words(notice["type"])
    kind = "CorrectionComment" if words.schema_property == "correction" else "Comment"
    data: dict[str, Any] = {"@type": kind, "name": words.name}
    if "URL" in notice:
        data["url"] = notice["URL"]
    if issued := record_date(notice):
        data["datePublished"] = issued.isoformat()
    return data


def list_json_ld(resources: Iterable[Resource], start: int = 1) -> dict[str, Any]:
    """The curated list, in its order, with the Society that curates it."""
    items = [
        {
            "@type": "ListItem",
            "position": number,
            "url": absolute_url(resource.get_absolute_url()),
            "name": resource.title,
        }
        for number, resource in enumerate(resources, start=start)
    ]
    return {
        "@graph": [
            {
                "@type": "ItemList",
                "name": "Participatory Medicine Resources for Providers",
                "url": absolute_url("/"),
                "itemListOrder": "https://schema.org/ItemListOrderAscending",
                "numberOfItems": len(items),
                "itemListElement": items,
                "author": {"@id": SOCIETY["@id"]},
            },
            SOCIETY,
        ]
    }


def society_json_ld() -> dict[str, Any]:
    return SOCIETY


# Google Scholar's names for the record's plain fields, in the order they are written.
HIGHWIRE_FIELDS = {
    "publisher": "citation_publisher",
    "volume": "citation_volume",
    "issue": "citation_issue",
    "DOI": "citation_doi",
    "PMID": "citation_pmid",
    "ISBN": "citation_isbn",
    "URL": "citation_public_url",
}


def citation_meta(resource: Resource, record: CslRecord | None = None) -> list[tuple[str, str]]:
    """Google Scholar's citation_* tags, as (name, content), for the item type of the kind.

    Zotero's Embedded Metadata translator types an item from these: citation_journal_title
    makes a journal article and citation_technical_report_institution a report, so each
    appears only for its type; a book is typed by og:type and citation_isbn, a web page
    by og:type (see kinds.KIND_TYPES).
    """
    record = record or csl_record(resource)
    zotero_type = KIND_TYPES[resource.kind].zotero
    tags: list[tuple[str, str]] = [("citation_title", record["title"])]
    tags += [("citation_author", inverted_name(n)) for n in record.get("author", [])]
    tags += [("citation_editor", inverted_name(n)) for n in record.get("editor", [])]
    if issued := record_date(record):
        tags.append(("citation_publication_date", issued.isoformat("/")))
    if zotero_type == "journalArticle" and "container-title" in record:
        tags.append(("citation_journal_title", record["container-title"]))
        if "container-title-short" in record:
            tags.append(("citation_journal_abbrev", record["container-title-short"]))
    if zotero_type == "report":
        organisations = [n["literal"] for n in record.get("author", []) if "literal" in n]
        institution = record.get("publisher") or next(iter(organisations), "")
        if institution:
            tags.append(("citation_technical_report_institution", institution))
    first, last = page_range(record)
    tags += [(name, record[key]) for key, name in HIGHWIRE_FIELDS.items() if key in record]
    tags += [
        (name, page)
        for name, page in [("citation_firstpage", first), ("citation_lastpage", last)]
        if page
    ]
    tags.append(("citation_abstract_html_url", absolute_url(resource.get_absolute_url())))
    if "keyword" in record:
        tags.append(("citation_keywords", record["keyword"].replace(", ", "; ")))
    tags.append(("citation_language", settings.LANGUAGE_CODE.split("-")[0]))
    return tags
