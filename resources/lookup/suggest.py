"""A looked-up record in the site's own vocabulary: what the Resource, Creator and Link
fields would hold. Plain data only; nothing is saved here (the admin screen, add_resource
and import_references decide what to keep)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from stdnum import isbn as stdnum_isbn

from ..identifiers import isbn13
from ..kinds import kind_for_csl
from ..models import Creator, Link, Resource
from .outcomes import Found
from .records import CslName, CslRecord, Update, partial_date

# CSL-JSON variable: Resource field.
FIELDS = {
    "title": "title",
    "container-title": "container_title",
    "container-title-short": "container_short",
    "publisher": "publisher",
    "volume": "volume",
    "issue": "issue",
    "page": "pages",
    "DOI": "doi",
    "PMID": "pmid",
    "PMCID": "pmcid",
    "ISBN": "isbn",
}


@dataclass(frozen=True)
class SuggestedLink:
    label: str
    url: str


@dataclass(frozen=True)
class Suggestion:
    """Values for a new Resource (``fields``, by field name), its creators in citation
    order (dicts of Creator fields), and the links worth offering, the first the primary."""

    fields: dict[str, str]
    creators: list[dict[str, Any]]
    links: list[SuggestedLink]
    abstract: str = ""
    topics: list[str] = field(default_factory=list)
    updates: tuple[Update, ...] = ()
    # Resource field (or "creators", "issued"): where its value came from.
    provenance: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def max_length(model: Any, name: str) -> int:
    return int(model._meta.get_field(name).max_length)


def fitted(value: str, model: Any, name: str, warnings: list[str]) -> str:
    limit = max_length(model, name)
    if len(value) <= limit:
        return value
    label = model._meta.get_field(name).verbose_name
    warnings.append(f"The {label} was longer than {limit} characters and has been cut short.")
    return value[: limit - 1].rstrip() + "\u2026"


def creator(name: CslName, role: str, position: int, warnings: list[str]) -> dict[str, Any]:
    values = {
        "role": role,
        "given_names": "",
        "family_name": "",
        "organisation": "",
        "credentials": "",
        "position": position,
    }
    if "literal" in name:
        values["organisation"] = fitted(name["literal"], Creator, "organisation", warnings)
    else:
        family = " ".join(filter(None, [name.get("non-dropping-particle", ""), name["family"]]))
        given = name.get("given", "")
        if name.get("suffix"):
            given = f"{given}, {name['suffix']}" if given else name["suffix"]
        values["family_name"] = fitted(family, Creator, "family_name", warnings)
        values["given_names"] = fitted(given, Creator, "given_names", warnings)
    return values


def links(record: CslRecord, kind_label: str) -> list[SuggestedLink]:
    offered: list[SuggestedLink] = []
    landing = str(record.get("URL", ""))
    if landing and "doi.org/" not in landing:
        offered.append(SuggestedLink(kind_label, landing))
    if record.get("PMCID"):
        pmcid = record["PMCID"]
        offered.append(
            SuggestedLink(
                "Free full text (PubMed Central)", f"https://pmc.ncbi.nlm.nih.gov/articles/{pmcid}/"
            )
        )
    if record.get("DOI"):
        offered.append(
            SuggestedLink(f"{kind_label} (by its DOI)", f"https://doi.org/{record['DOI']}")
        )
    if record.get("PMID"):
        offered.append(
            SuggestedLink("PubMed record", f"https://pubmed.ncbi.nlm.nih.gov/{record['PMID']}/")
        )
    limit = max_length(Link, "url")
    seen: set[str] = set()
    kept = []
    for link in offered:
        if link.url not in seen and len(link.url) <= limit:
            seen.add(link.url)
            kept.append(link)
    return kept


LINK_LABELS = {
    "article-journal": "Read the article",
    "article-magazine": "Read the article",
    "article-newspaper": "Read the article",
    "book": "About the book",
    "chapter": "Read the chapter",
    "report": "Read the report",
    "motion_picture": "Watch the video",
}


def suggest(found: Found) -> Suggestion:
    """The looked-up record, each field remembering the registry it came from."""
    return suggest_record(found.record, found.provenance, found.updates)


def suggest_record(
    record: CslRecord, source: str | Mapping[str, str], updates: Iterable[Update] = ()
) -> Suggestion:
    """A CSL-JSON record in the site's vocabulary. ``source`` names where it came from:
    one name for the whole record (an imported file), or one per CSL variable (a lookup
    that asked several registries)."""

    def origin(variable: str) -> str:
        return source.get(variable, "") if isinstance(source, Mapping) else source

    warnings: list[str] = []
    csl_type = str(record.get("type", "document"))
    kind = kind_for_csl(csl_type)
    values: dict[str, str] = {"kind": str(kind)}
    provenance: dict[str, str] = {"kind": origin("type")}
    for variable, name in FIELDS.items():
        value = str(record.get(variable, "") or "").strip()
        if not value:
            continue
        if name == "isbn":
            if not stdnum_isbn.is_valid(value):
                warnings.append(f"The ISBN {value} the registry gave is not valid: left out.")
                continue
            value = isbn13(value)
        if name == "pmid" and not value.isdigit():
            continue
        values[name] = fitted(value, Resource, name, warnings)
        provenance[name] = origin(variable)
    parts = record.get("issued", {}).get("date-parts", [[]])[0]
    if parts and 1800 <= parts[0] <= 2200:
        values["issued"] = partial_date(parts)
        provenance["issued"] = origin("issued")
    elif parts:
        warnings.append(f"The year {parts[0]} is outside the years a resource may have.")
    role_of_authors = Creator.Role.PRESENTER if csl_type == "speech" else Creator.Role.AUTHOR
    people = [(name, str(role_of_authors)) for name in record.get("author", [])]
    people += [(name, str(Creator.Role.EDITOR)) for name in record.get("editor", [])]
    creators = [creator(name, role, n, warnings) for n, (name, role) in enumerate(people, 1)]
    if creators:
        provenance["creators"] = origin("author") or origin("editor")
    return Suggestion(
        fields=values,
        creators=creators,
        links=links(record, LINK_LABELS.get(csl_type, "Open the page")),
        abstract=str(record.get("abstract", "")),
        topics=[str(s) for s in record.get("subject", [])],
        updates=tuple(updates),
        provenance={k: v for k, v in provenance.items() if v},
        warnings=warnings,
    )
