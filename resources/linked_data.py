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

from .citations import CslRecord, csl_record
from .kinds import KIND_TYPES
from .models import Resource

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
        "name": resource.title,
        "description": resource.summary,
        "mainEntityOfPage": page,
    }
    if "URL" in record:
        data["url"] = record["URL"]
    if "author" in record:
        data["author"] = [schema_name(n) for n in record["author"]]
    if "editor" in record:
        data["editor"] = [schema_name(n) for n in record["editor"]]
    if resource.issued:
        data["datePublished"] = resource.issued
    if resource.publisher:
        data["publisher"] = {"@type": "Organization", "name": resource.publisher}
    if resource.container_title:
        container: dict[str, Any] = {"@type": "Periodical", "name": resource.container_title}
        if resource.volume:
            container = {
                "@type": "PublicationVolume",
                "volumeNumber": resource.volume,
                "isPartOf": container,
            }
        if resource.issue:
            container = {
                "@type": "PublicationIssue",
                "issueNumber": resource.issue,
                "isPartOf": container,
            }
        data["isPartOf"] = container
    if resource.pages:
        data["pagination"] = resource.pages
    identifiers = []
    if resource.doi:
        identifiers.append({"@type": "PropertyValue", "propertyID": "DOI", "value": resource.doi})
        data["sameAs"] = resource.doi_url
    if resource.pmid:
        identifiers.append({"@type": "PropertyValue", "propertyID": "PMID", "value": resource.pmid})
    if resource.isbn:
        data["isbn"] = resource.isbn
    if identifiers:
        data["identifier"] = identifiers
    if resource.tag_names:
        data["keywords"] = resource.tag_names
    return data


def list_json_ld(resources: Iterable[Resource]) -> dict[str, Any]:
    """The curated list, in its order, with the Society that curates it."""
    items = [
        {
            "@type": "ListItem",
            "position": number,
            "url": absolute_url(resource.get_absolute_url()),
            "name": resource.title,
        }
        for number, resource in enumerate(resources, start=1)
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


def citation_meta(resource: Resource, record: CslRecord | None = None) -> list[tuple[str, str]]:
    """Google Scholar's citation_* tags, as (name, content), for the item type of the kind.

    Zotero's Embedded Metadata translator types an item from these: citation_journal_title
    makes a journal article and citation_technical_report_institution a report, so each
    appears only for its type; a book is typed by og:type and citation_isbn, a web page
    by og:type (see kinds.KIND_TYPES).
    """
    record = record or csl_record(resource)
    zotero_type = KIND_TYPES[resource.kind].zotero
    tags: list[tuple[str, str]] = [("citation_title", resource.title)]

    def highwire_name(name: dict[str, str]) -> str:
        return name.get("literal") or ", ".join(filter(None, [name["family"], name.get("given")]))

    tags += [("citation_author", highwire_name(n)) for n in record.get("author", [])]
    tags += [("citation_editor", highwire_name(n)) for n in record.get("editor", [])]
    if "issued" in record:
        parts = record["issued"]["date-parts"][0]
        tags.append(
            (
                "citation_publication_date",
                "/".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts)),
            )
        )
    if zotero_type == "journalArticle" and resource.container_title:
        tags.append(("citation_journal_title", resource.container_title))
        if resource.container_short:
            tags.append(("citation_journal_abbrev", resource.container_short))
    if zotero_type == "report":
        institution = resource.publisher or next(
            (n["literal"] for n in record.get("author", []) if "literal" in n), ""
        )
        if institution:
            tags.append(("citation_technical_report_institution", institution))
    if resource.publisher:
        tags.append(("citation_publisher", resource.publisher))
    if resource.volume:
        tags.append(("citation_volume", resource.volume))
    if resource.issue:
        tags.append(("citation_issue", resource.issue))
    if resource.pages:
        first, _, last = resource.pages.partition("-")
        tags.append(("citation_firstpage", first))
        if last:
            tags.append(("citation_lastpage", last))
    if resource.doi:
        tags.append(("citation_doi", resource.doi))
    if resource.pmid:
        tags.append(("citation_pmid", resource.pmid))
    if resource.isbn:
        tags.append(("citation_isbn", resource.isbn))
    if "URL" in record:
        tags.append(("citation_public_url", record["URL"]))
    tags.append(("citation_abstract_html_url", absolute_url(resource.get_absolute_url())))
    if resource.tag_names:
        tags.append(("citation_keywords", "; ".join(resource.tag_names)))
    tags.append(("citation_language", settings.LANGUAGE_CODE.split("-")[0]))
    return tags
