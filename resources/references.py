"""Importing a reference library: the RIS, BibTeX or CSL-JSON file that Zotero, EndNote or
Mendeley exports (or the site's own whole-list downloads), each record made a draft.

Two steps. ``read`` turns the file into CSL-JSON records, the shape resources/citations.py
writes and the lookups read, or raises ``Unreadable`` with a sentence for staff (not UTF-8,
none of the three formats, malformed JSON, nothing in it). ``import_library`` then makes a
draft of each record through resources/intake.py, all in one transaction, and reports what
it made and what it skipped, and why: already on the list, repeated in the file, or
unusable (no title).

Text is cleaned as a lookup's is (resources/lookup/records.py): markup in a title is
reduced to text, a <script> included; abstracts lose their JATS or HTML; names become CSL
names, an organisation's kept whole.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath
from typing import Any
from urllib.parse import unquote, urlsplit

import bibtexparser
import rispy
from bibtexparser.library import Library as BibtexLibrary
from bibtexparser.middlewares import (
    LatexDecodingMiddleware,
    NormalizeFieldKeys,
    SeparateCoAuthors,
)
from bibtexparser.middlewares.middleware import BlockMiddleware
from bibtexparser.middlewares.names import NameParts, parse_single_name_into_parts
from bibtexparser.model import DuplicateBlockKeyBlock, Entry, Field, ParsingFailedBlock
from django.core.exceptions import ValidationError
from django.db import transaction

from .identifiers import (
    LABELLED_PMID,
    PMCID,
    Unrecognised,
    clean_doi,
    find_isbns,
    from_address,
)
from .intake import Keys, address_key, already_listed, create_draft, doi_key, isbn_key
from .kinds import KIND_TYPES
from .lookup.records import (
    CslName,
    CslRecord,
    checked_parts,
    clean_text,
    clean_title,
    expand_pages,
    is_et_al,
    looks_like_organisation,
    month_number,
    organisation,
    parts_from_text,
    person,
    plain_text,
)
from .lookup.suggest import suggest_record
from .models import Resource, http_url_validator

# The formats, by the extension their files usually have.
FORMATS = {"ris": "RIS", "bib": "BibTeX", "json": "CSL-JSON"}
EXPECTED = "Export it from your reference manager as RIS (.ris), BibTeX (.bib) or CSL-JSON (.json)."
# The largest file the admin accepts, and the most records it imports in one request:
# each draft takes some fifty queries, and the request must end well within gunicorn's
# timeout. manage.py import_references has no limit.
MAX_BYTES = 5 * 1024 * 1024
MAX_RECORDS_AT_ONCE = 250


class Unreadable(ValueError):
    """The file is no reference library the site can read; ``str()`` says why, for staff."""


@dataclass(frozen=True)
class Reference:
    """One record of the file, numbered from 1 in the file's order; ``problem`` says why
    it could not be read (a BibTeX entry with a syntax error), and then ``record`` is empty."""

    number: int
    record: CslRecord
    problem: str = ""
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Library:
    name: str
    format: str  # "RIS", "BibTeX" or "CSL-JSON"
    references: list[Reference]

    def __str__(self) -> str:
        return f"{self.name} ({self.format})"


class Result(StrEnum):
    CREATED = "created"
    LISTED = "already on the list"
    REPEATED = "repeated in the file"
    UNUSABLE = "unusable"


@dataclass(frozen=True)
class Outcome:
    """What became of one reference: the draft made from it (CREATED), the resource it is
    already (LISTED) or the draft an earlier reference made (REPEATED), and why."""

    number: int
    title: str
    result: Result
    reason: str = ""
    resource: Resource | None = None
    warnings: tuple[str, ...] = ()

    def describe(self, dry_run: bool = False) -> str:
        """One line for staff, as the command prints it."""
        named = f", \u201c{self.title}\u201d" if self.title else ""
        if self.result == Result.CREATED:
            done = "would be made a draft" if dry_run else "made a draft"
            return f"Record {self.number}{named}: {done}."
        return f"Record {self.number}{named}: skipped, {self.reason}."


@dataclass(frozen=True)
class Report:
    library: Library
    outcomes: list[Outcome]
    dry_run: bool = False

    def of(self, result: Result) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.result == result]

    @property
    def created(self) -> list[Outcome]:
        return self.of(Result.CREATED)

    @property
    def listed(self) -> list[Outcome]:
        return self.of(Result.LISTED)

    @property
    def repeated(self) -> list[Outcome]:
        return self.of(Result.REPEATED)

    @property
    def unusable(self) -> list[Outcome]:
        return self.of(Result.UNUSABLE)

    @property
    def summary(self) -> str:
        count, made = len(self.outcomes), len(self.created)
        drafts = f"{made} draft{'s' if made != 1 else ''} {'would be ' if self.dry_run else ''}made"
        return (
            f"{self.library}: {count} record{'s' if count != 1 else ''}; {drafts}, "
            f"{len(self.listed)} already on the list, {len(self.repeated)} repeated in the "
            f"file, {len(self.unusable)} unusable."
        )


# Reading


def read(data: bytes, name: str = "the file") -> Library:
    """The references in a RIS, BibTeX or CSL-JSON file, told apart by what it holds
    (its extension decides only when it could be either)."""
    name = PurePath(name).name or "the file"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Unreadable(
            f"{name} is not UTF-8 text (the byte at position {error.start + 1} is not): "
            "export it again choosing UTF-8 (Unicode) as the character encoding."
        ) from None
    if "\x00" in text:
        raise Unreadable(f"{name} is not a text file. {EXPECTED}")
    if not text.strip():
        raise Unreadable(f"{name} is empty. {EXPECTED}")
    key = detect(text, name)
    references = READERS[key](text, name)
    if not references:
        raise Unreadable(f"{name} holds no {FORMATS[key]} records. {EXPECTED}")
    if all(reference.problem for reference in references):
        raise Unreadable(f"{name} could not be read: {references[0].problem}")
    return Library(name, FORMATS[key], references)


RIS_LINE = re.compile(r"^[ \t]*([A-Z][A-Z0-9]) {1,2}-(?: |$)", re.MULTILINE)
RIS_START = re.compile(r"^[ \t]*TY {1,2}- ", re.MULTILINE)
RIS_STANDARD = re.compile(r"^TY  - ", re.MULTILINE)
BIBTEX_START = re.compile(r"^[ \t]*@[ \t]*[A-Za-z]+[ \t]*[{(]", re.MULTILINE)


def detect(text: str, name: str) -> str:
    extension = PurePath(name).suffix.lower().lstrip(".")
    start = text.lstrip()[:1]
    looks = {
        "json": start in ("[", "{"),
        "ris": bool(RIS_START.search(text)),
        "bib": bool(BIBTEX_START.search(text)),
    }
    if looks.get(extension):
        return extension
    for key, match in looks.items():
        if match:
            return key
    missing = {
        "ris": "RIS file, but has no RIS record in it (a line starting \u201cTY  - \u201d)",
        "bib": "BibTeX file, but has no BibTeX entry in it (such as @article{...})",
        "json": "CSL-JSON file, but is not JSON (which starts with [ or {)",
    }
    if extension in missing:
        raise Unreadable(f"{name} is named as a {missing[extension]}. {EXPECTED}")
    raise Unreadable(f"{name} is not RIS, BibTeX or CSL-JSON. {EXPECTED}")


def values(entry: dict[str, Any], *keys: str) -> list[str]:
    """Every value under ``keys``, in order, as stripped text (a parser gives one value
    or a list; a missing key gives none)."""
    found: list[str] = []
    for key in keys:
        value = entry.get(key)
        items = value if isinstance(value, list) else [value]
        found += [text for item in items if item is not None and (text := str(item).strip())]
    return found


def first(entry: dict[str, Any], *keys: str) -> str:
    return next(iter(values(entry, *keys)), "")


def keywords(texts: Iterable[str]) -> list[str]:
    """Keywords given one per tag or several in one ("a; b", "a, b")."""
    texts = list(texts)
    separators = r"[;\n]" if len(texts) > 1 else r"[;,\n]"
    return [word.strip() for text in texts for word in re.split(separators, text) if word.strip()]


# RIS (Zotero, EndNote, Mendeley, and the site's own download)

# The RIS types the kinds table writes, then the others exporters use.
RIS_TYPES = {
    **{types.ris: types.csl for types in KIND_TYPES.values()},
    "ABST": "article-journal",
    "EJOUR": "article-journal",
    "INPR": "article-journal",
    "JFULL": "article-journal",
    "NEWS": "article-newspaper",
    "BLOG": "post-weblog",
    "WEB": "webpage",
    "EBOOK": "book",
    "EDBOOK": "book",
    "CHAP": "chapter",
    "ECHAP": "chapter",
    "CONF": "paper-conference",
    "CPAPER": "paper-conference",
    "GOVDOC": "report",
    "THES": "thesis",
    "MPCT": "motion_picture",
    "DICT": "entry-dictionary",
    "ENCYC": "entry-encyclopedia",
    "UNPB": "manuscript",
    "MANSCPT": "manuscript",
    "STAND": "standard",
}
BOOKS = {"BOOK", "EBOOK", "EDBOOK"}
# Databases whose accession numbers are PubMed IDs (EndNote puts the PMID in AN).
PUBMED_DATABASES = re.compile(r"pubmed|medline|\bnlm\b", re.IGNORECASE)


def read_ris(text: str, name: str) -> list[Reference]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not RIS_STANDARD.search(text):
        # Some exporters indent the tags, or write one space before the hyphen; rispy
        # reads a tag at the start of the line with two.
        text = RIS_LINE.sub(r"\1  - ", text)
    last_start = max((m.start() for m in RIS_START.finditer(text)), default=-1)
    if last_start > text.rfind("\nER  -"):
        text += "\nER  - \n"  # a last record the exporter did not close
    entries = rispy.loads(text, enforce_list_tags=False)
    return [reference(n, *ris_record(entry)) for n, entry in enumerate(entries, 1)]


def reference(number: int, record: CslRecord, warnings: tuple[str, ...]) -> Reference:
    return Reference(number, record, warnings=warnings)


def ris_name(text: str) -> CslName | None:
    """A RIS name: "Family, Given" or "Family, Given, Suffix" for a person; an organisation
    without a comma (Zotero) or with a trailing one (EndNote). MEDLINE's "Smith JA" is a
    person."""
    text = " ".join(text.split()).strip(" ;")
    if not text or is_et_al(text):
        return None
    if "," in text:
        family, _, rest = text.partition(",")
        given, _, suffix = rest.partition(",")
        if not given.strip() and not suffix.strip():
            return organisation(family)
        name = person(family, given)
        if name is not None and suffix.strip():
            name["suffix"] = suffix.strip()
        return name
    initials = re.fullmatch(r"(.+?) ([A-Z]{1,3})", text)
    if initials and not looks_like_organisation(text):
        return person(initials.group(1), initials.group(2))
    return organisation(text)


def ris_date(entry: dict[str, Any]) -> list[int]:
    """Date-parts from DA (2014/08/15/, 2014/08//, or EndNote's "Aug 15") and PY or Y1 (the
    year, or an old-style 2014/08/15/): the more precise, when they agree on the year."""

    def parse(text: str) -> list[int]:
        if "/" in text:
            year, month, day, *_ = [*text.split("/"), "", "", ""]
            return checked_parts(year.strip(), month.strip() or None, day.strip() or None)
        return parts_from_text(text)

    year = parse(first(entry, "year", "publication_year"))
    dated_text = first(entry, "date")
    dated = parse(dated_text)
    if not dated and dated_text and year:  # "Aug 15": the month and day of PY's year
        dated = parts_from_text(f"{dated_text} {year[0]}")
    if dated and (not year or dated[0] == year[0]):
        return dated
    return year or dated


def ris_record(entry: dict[str, Any]) -> tuple[CslRecord, tuple[str, ...]]:
    unknown = entry.get("unknown_tag") or {}
    ris_type = first(entry, "type_of_reference").upper()
    raw: dict[str, Any] = {"type": RIS_TYPES.get(ris_type, "document")}
    raw["title"] = (
        first(entry, "title", "primary_title")
        or first(unknown, "CT")
        or first(entry, "short_title")
    )
    if ris_type == "CHAP":
        raw["container-title"] = first(entry, "secondary_title") or first(unknown, "BT")
    else:
        raw["container-title"] = first(entry, "secondary_title", "alternate_title3")
    raw["container-title-short"] = first(entry, "alternate_title1", "alternate_title2")
    journal = first(entry, "journal_name")  # JO: the full name or the abbreviation
    if journal and not raw["container-title"]:
        raw["container-title"] = journal
    elif journal and not raw["container-title-short"] and journal != raw["container-title"]:
        raw["container-title-short"] = journal
    raw["author"] = [ris_name(n) for n in values(entry, "authors", "first_authors")]
    # A book's editors are in A3 and its series editor in A2 (Zotero, EndNote); anything
    # else's editors are in A2, as are a book's in the site's own download. ED is older.
    editors = values(unknown, "ED") + values(
        entry, "tertiary_authors" if ris_type in BOOKS else "secondary_authors"
    )
    if not editors and ris_type in BOOKS:
        editors = values(entry, "secondary_authors")
    raw["editor"] = [ris_name(n) for n in editors]
    raw["issued"] = ris_date(entry)
    raw["publisher"] = first(entry, "publisher")
    raw["volume"] = first(entry, "volume")
    raw["issue"] = first(entry, "number")
    start, end = first(entry, "start_page"), first(entry, "end_page")
    raw["page"] = f"{start}-{end}" if start and end and "-" not in start else start or end
    raw["abstract"] = first(entry, "abstract", "notes_abstract")
    raw["subject"] = keywords(values(entry, "keywords"))
    raw["DOI"] = first(entry, "doi")
    if not raw["DOI"] and (doi := clean_doi(first(entry, "type_of_work"))):
        raw["DOI"] = doi  # M3, where older EndNote exports put the DOI
    accession = first(entry, "accession_number")
    database = " ".join(values(entry, "name_of_database", "database_provider"))
    if re.fullmatch(r"\d{1,9}", accession) and (not database or PUBMED_DATABASES.search(database)):
        raw["PMID"] = accession
    if re.fullmatch(r"PMC\d{1,9}", first(entry, "custom2"), re.IGNORECASE):
        raw["PMCID"] = first(entry, "custom2")  # C2, where EndNote keeps the PMCID
    raw["ISBN"] = " ".join(values(entry, "issn") + values(unknown, "BN"))
    labelled(raw, values(entry, "notes", "note") + values(unknown, "M2"))
    addresses(raw, [url for text in values(entry, "urls") for url in re.split(r"[\s;]+", text)])
    return finish(raw)


# BibTeX (Mendeley, Zotero, JabRef, and the site's own download)

BIBTEX_TYPES = {
    "article": "article-journal",
    "book": "book",
    "booklet": "pamphlet",
    "inbook": "chapter",
    "incollection": "chapter",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "proceedings": "book",
    "techreport": "report",
    "report": "report",
    "manual": "report",
    "mastersthesis": "thesis",
    "phdthesis": "thesis",
    "thesis": "thesis",
    "online": "webpage",
    "electronic": "webpage",
    "www": "webpage",
    "unpublished": "manuscript",
    "video": "motion_picture",
    "movie": "motion_picture",
    "periodical": "periodical",
}
NAME_FIELDS = ("author", "editor")
# Fields BibTeX and biblatex read verbatim, and howpublished, where Zotero writes a web
# page's address: LaTeX decoding would take the % of an address for a comment.
VERBATIM = {"url", "doi", "eprint", "howpublished"}


class KeepVerbatim(BlockMiddleware):
    """Keeps the fields that hold addresses (url, doi...) as written, before LaTeX decoding."""

    def transform_entry(self, entry: Entry, library: BibtexLibrary) -> Entry:
        kept = {f.key: f.value for f in entry.fields if f.key in VERBATIM}
        entry.set_parser_metadata(self.metadata_key(), kept)
        return entry


class NamesInParts(BlockMiddleware):
    """Each author and editor in BibTeX's parts (first, von, last, jr), read leniently,
    as a field of its own ("author#1"), which LaTeX decoding then reads as it reads any
    name's parts; an organisation, written whole in braces ({World Health Organization}),
    is kept whole and remembered in the entry's metadata, never taken for a person."""

    def transform_entry(self, entry: Entry, library: BibtexLibrary) -> Entry:
        organisations: set[str] = set()
        fields: list[Field] = []
        for f in entry.fields:
            if f.key not in NAME_FIELDS or not isinstance(f.value, list):
                fields.append(f)
                continue
            for position, name in enumerate(f.value, 1):
                key = f"{f.key}#{position}"
                if wholly_braced(name):
                    organisations.add(key)
                    fields.append(Field(key, NameParts(last=[name])))
                else:
                    fields.append(Field(key, parse_single_name_into_parts(name, strict=False)))
        entry.fields = fields
        entry.set_parser_metadata(self.metadata_key(), organisations)
        return entry


def wholly_braced(text: str) -> bool:
    """{World Health Organization}, but not {\\"U}nal, Ay{\\c{s}}e."""
    text = text.strip()
    if not (text.startswith("{") and text.endswith("}")):
        return False
    depth = 0
    for position, char in enumerate(text):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0 and position < len(text) - 1:
            return False
    return True


def read_bibtex(text: str, name: str) -> list[Reference]:
    library = bibtexparser.parse_string(
        text,
        append_middleware=[
            NormalizeFieldKeys(),
            KeepVerbatim(),
            SeparateCoAuthors(name_fields=NAME_FIELDS),
            NamesInParts(),
            LatexDecodingMiddleware(),
        ],
    )
    references = []
    blocks = [b for b in library.blocks if isinstance(b, Entry | ParsingFailedBlock)]
    for number, block in enumerate(blocks, 1):
        if isinstance(block, Entry):
            references.append(reference(number, *bibtex_record(block)))
        else:
            references.append(Reference(number, {}, bibtex_problem(block)))
    return references


def bibtex_problem(block: ParsingFailedBlock) -> str:
    where = f" on line {block.start_line + 1}" if block.start_line is not None else ""
    if isinstance(block, DuplicateBlockKeyBlock):
        return f"the entry{where} has the key {block.key}, which an earlier entry has"
    error = block.error
    detail = (getattr(error, "abort_reason", "") or str(error)).strip().rstrip(".")
    return f"the BibTeX entry{where} cannot be read" + (f": {detail}" if detail else "")


def bibtex_names(entry: Entry, role: str) -> list[CslName | None]:
    organisations = entry.get_parser_metadata(NamesInParts.metadata_key()) or set()
    names: list[CslName | None] = []
    for f in entry.fields:
        parts = f.value
        if f.key.partition("#")[0] != role or not isinstance(parts, NameParts):
            continue
        if f.key in organisations:
            names.append(organisation(" ".join(parts.last)))
            continue
        name = person(" ".join([*parts.von, *parts.last]), " ".join(parts.first))
        if name is not None and parts.jr:
            name["suffix"] = " ".join(parts.jr)
        names.append(name)
    return names


def verbatim_text(value: Any) -> str:
    """An address or a DOI as written: \\url{} unwrapped, braces gone, and Mendeley's
    escaped underscores and percent signs (a\\_b) read as they are meant."""
    text = re.sub(r"\\url\{([^}]*)\}", r"\1", str(value or ""))
    return re.sub(r"\\([_%&#$~])", r"\1", text).replace("{", "").replace("}", "").strip()


def bibtex_date(fields: dict[str, str]) -> list[int]:
    date = fields.get("date", "").split("/")[0].strip()  # biblatex: 2014-08-15, or a range
    if date and (parts := parts_from_text(date)):
        return parts
    year = re.search(r"\d{4}", fields.get("year", ""))
    if not year:
        return []
    month = month_number(fields.get("month", "")) if fields.get("month") else None
    return checked_parts(year.group(0), month, fields.get("day") if month else None)


def bibtex_record(entry: Entry) -> tuple[CslRecord, tuple[str, ...]]:
    fields = {f.key: f.value for f in entry.fields if isinstance(f.value, str)}
    kept = entry.get_parser_metadata(KeepVerbatim.metadata_key()) or {}
    entry_type = entry.entry_type.lower()
    raw: dict[str, Any] = {"type": BIBTEX_TYPES.get(entry_type, "document")}
    raw["title"] = fields.get("title", "")
    urls = verbatim_text(kept.get("url", "")).split()
    how = fields.get("howpublished", "")  # where a misc entry appeared, or its address
    if verbatim_text(kept.get("howpublished", "")).startswith(("http://", "https://")):
        urls.append(verbatim_text(kept["howpublished"]))
        how = ""
    if entry_type == "misc":
        raw["type"] = "webpage" if urls else "document"
    raw["container-title"] = first(fields, "journal", "journaltitle", "booktitle", "series") or how
    raw["container-title-short"] = first(fields, "shortjournal", "journalabbreviation")
    raw["publisher"] = first(fields, "publisher", "institution", "organization", "school")
    raw["author"] = bibtex_names(entry, "author")
    raw["editor"] = bibtex_names(entry, "editor")
    raw["issued"] = bibtex_date(fields)
    raw["volume"] = fields.get("volume", "")
    raw["issue"] = fields.get("number", "") or fields.get("issue", "")
    raw["page"] = fields.get("pages", "")
    raw["abstract"] = fields.get("abstract", "")
    raw["subject"] = keywords([fields.get("keywords", "")] if fields.get("keywords") else [])
    raw["DOI"] = verbatim_text(kept.get("doi", ""))
    raw["PMID"] = fields.get("pmid", "")
    raw["PMCID"] = fields.get("pmcid", "")
    eprint_type = fields.get("eprinttype", "").lower()
    if eprint_type in ("pubmed", "pmid") and not raw["PMID"]:
        raw["PMID"] = verbatim_text(kept.get("eprint", ""))
    elif eprint_type in ("pmc", "pmcid") and not raw["PMCID"]:
        raw["PMCID"] = verbatim_text(kept.get("eprint", ""))
    raw["ISBN"] = fields.get("isbn", "")
    labelled(raw, values(fields, "note", "annote", "extra"))
    addresses(raw, urls)
    return finish(raw)


# CSL-JSON (Zotero, Mendeley, citeproc's input, and the site's own download)

CSL_TEXT = (
    "type", "title", "container-title", "container-title-short", "publisher", "volume",
    "issue", "page", "DOI", "PMID", "PMCID", "ISBN", "URL", "abstract",
)  # fmt: skip


def read_csl_json(text: str, name: str) -> list[Reference]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise Unreadable(
            f"{name} is not valid JSON: {error.msg} at line {error.lineno}, "
            f"column {error.colno}. {EXPECTED}"
        ) from None
    if isinstance(data, dict):
        # Zotero's web API answers {"items": [...]}; a file may hold one item alone.
        data = data["items"] if isinstance(data.get("items"), list) else [data]
    if not isinstance(data, list) or not any(is_csl_item(item) for item in data):
        raise Unreadable(
            f"{name} is JSON, but holds no CSL-JSON items (objects with a type and a "
            f"title). {EXPECTED}"
        )
    return [
        reference(n, *csl_record(item))
        if is_csl_item(item)
        else Reference(n, {}, "it is not a CSL-JSON item (an object with a type and a title)")
        for n, item in enumerate(data, 1)
    ]


def is_csl_item(item: Any) -> bool:
    return isinstance(item, dict) and ("type" in item or "title" in item)


def csl_name(name: Any) -> CslName | None:
    if not isinstance(name, dict):
        return None
    text = {key: " ".join(str(value).split()) for key, value in name.items() if value}
    if "literal" in text:
        return organisation(text["literal"])
    given = " ".join(filter(None, [text.get("given", ""), text.get("dropping-particle", "")]))
    made = person(text.get("family", ""), given)
    if made is not None and "family" in made:
        for part in ("non-dropping-particle", "suffix"):
            if part in text:
                made[part] = text[part]
    return made


def csl_date(value: Any) -> list[int]:
    """date-parts as numbers or strings (Zotero writes the year as a string), or a raw or
    literal date."""
    if not isinstance(value, dict):
        return parts_from_text(str(value)) if value else []
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        return checked_parts(*parts[0][:3])
    return parts_from_text(str(value.get("raw") or value.get("literal") or ""))


def csl_record(item: dict[str, Any]) -> tuple[CslRecord, tuple[str, ...]]:
    raw: dict[str, Any] = {
        key: " ".join(str(item[key]).split()) if key != "abstract" else str(item[key])
        for key in CSL_TEXT
        if isinstance(item.get(key), str | int | float)
    }
    for role in ("author", "editor"):
        names = item.get(role)
        raw[role] = [csl_name(name) for name in names] if isinstance(names, list) else []
    raw["issued"] = csl_date(item.get("issued"))
    subjects = item.get("keyword")
    raw["subject"] = keywords(
        [str(s) for s in subjects] if isinstance(subjects, list) else [str(subjects or "")]
    )
    labelled(raw, [str(item.get("note") or "")])
    addresses(raw, [raw.pop("URL", "")])
    return finish(raw)


# What every format shares


def labelled(raw: dict[str, Any], notes: Iterable[str]) -> None:
    """PMIDs and PMCIDs written out in notes ("PMID: 25123739", as Zotero's Extra keeps
    them), where the record has none of its own."""
    text = "\n".join(notes)
    if not raw.get("PMID") and (match := LABELLED_PMID.search(text)):
        raw["PMID"] = match.group(1)
    if not raw.get("PMCID") and (found := re.search(r"\bPMCID\s*:?\s*(PMC\s?\d+)", text, re.I)):
        raw["PMCID"] = found.group(1).replace(" ", "")


def addresses(raw: dict[str, Any], urls: Iterable[str]) -> None:
    """The record's web address, and the DOI, PMID or PMCID that an address of doi.org,
    PubMed or PubMed Central shows (where the record has none of its own)."""
    for url in urls:
        url = url.strip().strip("<>")
        if not url.lower().startswith(("http://", "https://")):
            if url.startswith("PM:") and not raw.get("PMID"):  # Reference Manager's PMID
                raw["PMID"] = url[3:].strip()
            continue
        try:
            found = from_address(url, url)
        except Unrecognised:
            continue
        if found.scheme == "url":
            raw.setdefault("URL", url)
        elif found.scheme == "doi":
            raw["DOI"] = raw.get("DOI") or clean_doi(unquote(urlsplit(url).path).lstrip("/"))
        elif found.scheme == "pmid":
            raw["PMID"] = raw.get("PMID") or found.value
        elif found.scheme == "pmcid":
            raw["PMCID"] = raw.get("PMCID") or found.value


def finish(raw: dict[str, Any]) -> tuple[CslRecord, tuple[str, ...]]:
    """The record as the lookups make theirs: clean text, valid identifiers only (the
    others left out, with a warning), names and dates in CSL's shape."""
    warnings: list[str] = []
    record: CslRecord = {"type": str(raw.get("type") or "document")}

    def put(key: str, value: Any) -> None:
        if value:
            record[key] = value

    put("title", clean_title(str(raw.get("title", "")))[0])
    for key in ("container-title", "container-title-short", "publisher"):
        put(key, clean_text(str(raw.get(key, ""))))
    for key in ("volume", "issue"):
        put(key, " ".join(str(raw.get(key, "")).split()))
    put("page", expand_pages(str(raw.get("page", ""))))
    put("abstract", plain_text(str(raw.get("abstract", ""))))
    put("subject", list(dict.fromkeys(clean_text(s) for s in raw.get("subject", []) if s)))
    for key in ("author", "editor"):
        put(key, [name for name in raw.get(key, []) if name])
    if parts := raw.get("issued"):
        record["issued"] = {"date-parts": [parts]}
    checks: dict[str, tuple[str, Callable[[str], str]]] = {
        "DOI": ("DOI", clean_doi),
        "PMID": ("PubMed ID", valid_pmid),
        "PMCID": ("PMCID", valid_pmcid),
        "ISBN": ("ISBN", lambda text: next(iter(find_isbns(text)), "")),
        "URL": ("web address", valid_url),
    }
    for key, (label, valid) in checks.items():
        given = str(raw.get(key, "")).strip()
        if not given:
            continue
        if value := valid(given):
            record[key] = value
        elif key != "ISBN" or not only_issns(given):
            warnings.append(f"The {label} \u201c{given[:80]}\u201d is not valid: left out.")
    return record, tuple(warnings)


def only_issns(text: str) -> bool:
    """RIS's SN holds a journal's ISSNs as often as a book's ISBN: no mistake to report."""
    return not re.sub(r"\b\d{4}-?\d{3}[\dX]\b|\([^)]*\)|[\s;,]", "", text, flags=re.I)


def valid_pmid(text: str) -> str:
    match = re.fullmatch(r"(?:PMID\s*:?\s*)?0*(\d{1,9})", text, re.IGNORECASE)
    return match.group(1) if match else ""


def valid_pmcid(text: str) -> str:
    match = PMCID.fullmatch(text.strip())
    return f"PMC{int(match.group(1))}" if match and len(match.group(1)) <= 9 else ""


def valid_url(text: str) -> str:
    try:
        http_url_validator(text)
    except ValidationError:
        return ""
    return text


READERS: dict[str, Callable[[str, str], list[Reference]]] = {
    "ris": read_ris,
    "bib": read_bibtex,
    "json": read_csl_json,
}


# Importing


def import_library(library: Library, user: Any = None, *, dry_run: bool = False) -> Report:
    """A draft of each usable reference not already on the list, all in one transaction
    (rolled back on a dry run, which so reports exactly what an import would do)."""
    made: dict[int, int] = {}  # the pk of each draft made here: the record it came from
    with transaction.atomic():
        outcomes = [import_reference(ref, library, made, user) for ref in library.references]
        if dry_run:
            transaction.set_rollback(True)
    return Report(library, outcomes, dry_run)


def import_reference(
    reference: Reference, library: Library, made: dict[int, int], user: Any
) -> Outcome:
    number, record = reference.number, reference.record
    title = str(record.get("title", ""))
    if reference.problem:
        return Outcome(number, title, Result.UNUSABLE, f"unusable: {reference.problem}")
    if not title:
        why = "unusable: it has no title"
        return Outcome(number, title, Result.UNUSABLE, why, None, reference.warnings)
    suggestion = suggest_record(record, str(library))
    warnings = (*reference.warnings, *suggestion.warnings)
    keys = Keys.of_suggestion(suggestion)
    # A record without any identifier is known by its title alone.
    found = already_listed(keys) if keys != Keys() else same_title(title)
    listed = [resource for resource in found if resource.pk not in made]
    if listed:
        same = shared(keys, listed[0])
        why = f"already on the list as \u201c{listed[0].title}\u201d ({same})"
        return Outcome(number, title, Result.LISTED, why, listed[0], warnings)
    if found:
        same = shared(keys, found[0])
        why = f"repeated in the file: it is record {made[found[0].pk]} again ({same})"
        return Outcome(number, title, Result.REPEATED, why, found[0], warnings)
    comment = f"Imported from {library}, record {number}"
    try:
        resource = create_draft(suggestion, comment, user)
    except ValidationError as error:
        why = f"unusable: it cannot be saved: {'; '.join(error.messages)}"
        return Outcome(number, title, Result.UNUSABLE, why, None, warnings)
    made[resource.pk] = number
    return Outcome(number, title, Result.CREATED, "", resource, warnings)


def same_title(title: str) -> list[Resource]:
    return list(Resource.objects.filter(title__iexact=title).order_by("position", "pk"))


def shared(keys: Keys, resource: Resource) -> str:
    """What ``keys`` share with ``resource``, for staff: "the same DOI, 10.1/x"."""
    if keys.doi and doi_key(resource.doi) == keys.doi:
        return f"the same DOI, {resource.doi}"
    if keys.pmid and resource.pmid == keys.pmid:
        return f"the same PubMed ID, {resource.pmid}"
    if keys.pmcid and resource.pmcid.upper() == keys.pmcid:
        return f"the same PMCID, {resource.pmcid}"
    if keys.isbn and isbn_key(resource.isbn) == keys.isbn:
        return f"the same ISBN, {resource.isbn}"
    for link in resource.links.all():
        if address_key(link.url) in keys.urls:
            return f"the same web address, {link.url}"
    return "the same title"
