"""Web pages: what a page says about itself, read as Zotero's "Embedded Metadata"
translator reads it. The page's citation_* tags (Highwire Press, which Google Scholar asks
journals for) come first, then Dublin Core, then JSON-LD (schema.org), then Open Graph, then
the plain <title>, author and description tags. A DOI on the page hands the lookup over to
the DOI registries, whose record is richer (and knows about retractions).
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

from outbound import Fetched, Outbound, Unreachable

from ..identifiers import clean_doi
from .records import CslName, Draft, clean_text, parts_from_text, split_name
from .registries import NotThere

HIGHWIRE = "the page's citation_* tags"
DUBLIN_CORE = "the page's Dublin Core tags"
JSON_LD = "the page's JSON-LD"
OPEN_GRAPH = "the page's Open Graph tags"
HTML = "the page's title and meta tags"
PAGE = "the page itself"
MAX_BYTES = 2 * 1024 * 1024

SCHEMA_TYPES = {
    "scholarlyarticle": "article-journal",
    "medicalscholarlyarticle": "article-journal",
    "newsarticle": "article-newspaper",
    "reportagenewsarticle": "article-newspaper",
    "blogposting": "post-weblog",
    "article": "article-magazine",
    "report": "report",
    "book": "book",
    "videoobject": "motion_picture",
    "webpage": "webpage",
    "website": "webpage",
    "medicalwebpage": "webpage",
}
OG_TYPES = {"article": "article-magazine", "book": "book", "website": "webpage"}


@dataclass
class Page:
    """The parts of a page that describe it."""

    metas: list[tuple[str, str]] = field(default_factory=list)
    title: str = ""
    canonical: str = ""
    json_ld: list[Any] = field(default_factory=list)

    def all(self, *names: str) -> list[str]:
        return [value for key, value in self.metas if key in names and value.strip()]

    def one(self, *names: str) -> str:
        for name in names:  # in the order of preference given
            found = self.all(name)
            if found:
                return " ".join(found[0].split())
        return ""


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.in_title = False
        self.script: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): value or "" for name, value in attrs}
        if tag == "meta":
            key = (values.get("name") or values.get("property") or "").strip().lower()
            content = values.get("content", "")
            if key:
                self.page.metas.append((key, content))
        elif tag == "link" and "canonical" in values.get("rel", "").lower().split():
            self.page.canonical = self.page.canonical or values.get("href", "")
        elif tag == "title" and not self.page.title:
            self.in_title = True
        elif tag == "script" and values.get("type", "").lower() == "application/ld+json":
            self.script = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag == "script" and self.script is not None:
            # A page's broken JSON-LD is ignored, as browsers and Zotero ignore it.
            with contextlib.suppress(ValueError):
                self.page.json_ld.append(json.loads("".join(self.script)))
            self.script = None

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.page.title += data
        elif self.script is not None:
            self.script.append(data)


def read_page(markup: str) -> Page:
    reader = _Reader()
    reader.feed(markup)
    reader.close()
    reader.page.title = " ".join(reader.page.title.split())
    return reader.page


def doi_in_address(url: str) -> str:
    """A DOI in a publisher's address (…/doi/full/10.1056/NEJMoa2034577), as Zotero's DOI
    translator finds one: in the path, not the query."""
    for part in re.split(r"[#?]", url):
        doi = clean_doi(part.split("/doi/", 1)[-1] if "/doi/" in part else part)
        if doi and not re.search(r"[&\"']", doi):
            return doi
    return ""


def fetch(client: Outbound, url: str) -> Fetched:
    fetched = client.get(
        url,
        headers={"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"},
        max_bytes=MAX_BYTES,
    )
    host = re.sub(r"^https?://([^/]+).*", r"\1", fetched.url)
    if fetched.status in (404, 410):
        raise NotThere(f"There is no page at {url} (HTTP {fetched.status}).")
    if fetched.status in (401, 403, 429):
        raise Unreachable(
            f"{host} turned the lookup away (HTTP {fetched.status}), as many publishers do "
            "with programs: paste the DOI instead, or fill in the details by hand.",
            url,
        )
    if not fetched.ok:
        raise Unreachable(f"{host} answered HTTP {fetched.status}; try again later.", url)
    if not fetched.is_html:
        kind = fetched.content_type or "a file"
        raise NotThere(
            f"{url} is {kind}, not a web page, so it says nothing about itself the site "
            "can read: fill in the details by hand."
        )
    return fetched


def lookup(client: Outbound, url: str) -> tuple[Draft, str]:
    """What the page at ``url`` says about itself, and a DOI it gives ("" if none)."""
    fetched = fetch(client, url)
    page = read_page(fetched.text)
    address = absolute(fetched.url, page.canonical) or absolute(fetched.url, page.one("og:url"))
    draft = describe(page, address or fetched.url)
    return draft, page_doi(page)


def absolute(base: str, url: str) -> str:
    if not url.strip():
        return ""
    joined = urljoin(base, url.strip())
    return joined if joined.startswith(("http://", "https://")) else ""


def page_doi(page: Page) -> str:
    candidates = page.all(
        "citation_doi",
        "dc.identifier",
        "dcterms.identifier",
        "prism.doi",
        "doi",
        "bepress_citation_doi",
    )
    for item in jsonld_items(page):
        identifier = item.get("identifier") or item.get("sameAs") or ""
        candidates += [
            str(i) for i in (identifier if isinstance(identifier, list) else [identifier])
        ]
    for candidate in candidates:
        if isinstance(candidate, str) and (doi := clean_doi(candidate.replace("doi:", ""))):
            return doi
    return ""


def jsonld_items(page: Page) -> list[dict[str, Any]]:
    """The page's JSON-LD objects, @graph unpacked, the ones that describe a work first."""
    items: list[dict[str, Any]] = []

    def add(value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                add(item)
        elif isinstance(value, dict):
            if "@graph" in value:
                add(value["@graph"])
            else:
                items.append(value)

    for block in page.json_ld:
        add(block)
    return sorted(
        items,
        key=lambda item: (
            schema_type(item) not in SCHEMA_TYPES or schema_type(item) in ("webpage", "website")
        ),
    )


def schema_type(item: dict[str, Any]) -> str:
    kind = item.get("@type", "")
    if isinstance(kind, list):
        kind = next((k for k in kind if str(k).lower() in SCHEMA_TYPES), kind[0] if kind else "")
    return str(kind).lower()


def names_of(values: list[str]) -> list[CslName | None]:
    """citation_author values: one name each, or (Zotero's rule) one value holding several,
    separated by semicolons."""
    if len(values) == 1 and ";" in values[0]:
        values = values[0].split(";")
    return [split_name(value) for value in values]


def jsonld_names(value: Any) -> list[CslName | None]:
    found: list[CslName | None] = []
    for someone in value if isinstance(value, list) else [value]:
        if isinstance(someone, str):
            found.append(split_name(someone))
        elif isinstance(someone, dict):
            name = str(someone.get("name", ""))
            if schema_type(someone) == "organization":
                found.append({"literal": " ".join(name.split())} if name.strip() else None)
            elif someone.get("familyName"):
                found.append(
                    split_name(f"{someone.get('familyName')}, {someone.get('givenName', '')}")
                )
            else:
                found.append(split_name(name))
    return found


def describe(page: Page, url: str) -> Draft:
    draft = Draft()
    highwire(page, draft)
    dublin_core(page, draft)
    jsonld(page, draft)
    open_graph(page, draft)
    plain(page, draft)
    draft.put("URL", url, PAGE)
    draft.put("type", "webpage", PAGE)
    return draft


def highwire(page: Page, draft: Draft) -> None:
    one, source = page.one, HIGHWIRE
    if one("citation_journal_title"):
        draft.put("type", "article-journal", source)
    elif one("citation_technical_report_institution"):
        draft.put("type", "report", source)
    elif one("citation_inbook_title", "citation_book_title"):
        draft.put("type", "chapter", source)
    elif one("citation_dissertation_institution"):
        draft.put("type", "thesis", source)
    elif one("citation_conference_title"):
        draft.put("type", "paper-conference", source)
    draft.title(one("citation_title"), source)
    draft.names("author", names_of(page.all("citation_author", "citation_authors")), source)
    draft.names("editor", names_of(page.all("citation_editor")), source)
    date = one(
        "citation_publication_date",
        "citation_date",
        "citation_cover_date",
        "citation_online_date",
        "citation_year",
    )
    draft.issued(parts_from_text(date), source)
    container = one(
        "citation_journal_title",
        "citation_inbook_title",
        "citation_book_title",
        "citation_conference_title",
    )
    draft.put("container-title", clean_text(container), source)
    draft.put("container-title-short", one("citation_journal_abbrev"), source)
    publisher = one(
        "citation_publisher",
        "citation_technical_report_institution",
        "citation_dissertation_institution",
    )
    draft.put("publisher", clean_text(publisher), source)
    draft.put("volume", one("citation_volume"), source)
    draft.put("issue", one("citation_issue"), source)
    first, last = one("citation_firstpage"), one("citation_lastpage")
    draft.put("page", f"{first}-{last}" if first and last and first != last else first, source)
    draft.put("PMID", one("citation_pmid"), source)
    draft.put("ISBN", one("citation_isbn"), source)
    draft.put("abstract", one("citation_abstract"), source)
    keywords = [
        k.strip() for value in page.all("citation_keywords") for k in re.split(r"[;,]", value)
    ]
    draft.put("subject", [k for k in keywords if k], source)


def dublin_core(page: Page, draft: Draft) -> None:
    one, source = page.one, DUBLIN_CORE
    draft.title(one("dc.title", "dcterms.title"), source)
    draft.names(
        "author", [split_name(v) for v in page.all("dc.creator", "dcterms.creator")], source
    )
    draft.issued(
        parts_from_text(one("dcterms.issued", "dc.date", "dcterms.date", "dcterms.created")), source
    )
    draft.put("publisher", clean_text(one("dc.publisher", "dcterms.publisher")), source)
    draft.put("abstract", one("dcterms.abstract", "dc.description", "dcterms.description"), source)
    subjects = page.all("dc.subject", "dcterms.subject")
    draft.put("subject", [s.strip() for s in subjects if s.strip()], source)


def jsonld(page: Page, draft: Draft) -> None:
    items = jsonld_items(page)
    if not items:
        return
    item, source = items[0], JSON_LD
    kind = schema_type(item)
    if kind in SCHEMA_TYPES:
        draft.put("type", SCHEMA_TYPES[kind], source)
    draft.title(str(item.get("headline") or item.get("name") or ""), source)
    draft.names("author", jsonld_names(item.get("author") or item.get("creator") or []), source)
    published = str(item.get("datePublished") or item.get("dateCreated") or "")
    draft.issued(parts_from_text(published), source)
    publisher = item.get("publisher")
    if isinstance(publisher, dict):
        publisher = publisher.get("name", "")
    draft.put("publisher", clean_text(str(publisher or "")), source)
    part_of = item.get("isPartOf")
    if isinstance(part_of, dict):
        draft.put("container-title", clean_text(str(part_of.get("name", ""))), source)
    draft.put("abstract", str(item.get("description") or ""), source)
    keywords = item.get("keywords") or []
    if isinstance(keywords, str):
        keywords = keywords.split(",")
    draft.put("subject", [str(k).strip() for k in keywords if str(k).strip()], source)


def open_graph(page: Page, draft: Draft) -> None:
    one, source = page.one, OPEN_GRAPH
    kind = one("og:type").lower()
    if kind in OG_TYPES:
        draft.put("type", OG_TYPES[kind], source)
    elif kind.startswith("video"):
        draft.put("type", "motion_picture", source)
    draft.title(one("og:title"), source)
    # article:author is often a profile's address, which is no name (Zotero skips those).
    authors = [a for a in page.all("article:author") if not re.search(r"https?://|\.\w{2,6}/", a)]
    draft.names("author", [split_name(a) for a in authors], source)
    draft.issued(parts_from_text(one("article:published_time")), source)
    draft.put("container-title", clean_text(one("og:site_name")), source)
    draft.put("abstract", one("og:description"), source)


def plain(page: Page, draft: Draft) -> None:
    site = draft.record.get("container-title", "")
    title = page.title
    if site and title:
        # "The article | The Site": the site's name is not part of the title (Zotero).
        title = re.sub(rf"\s*[-\u2013\u2014=_:|~#]\s*{re.escape(site)}\s*$", "", title, flags=re.I)
    draft.title(title, HTML)
    draft.names("author", [split_name(a) for a in page.all("author")], HTML)
    draft.put("abstract", page.one("description"), HTML)
    keywords = [k.strip() for value in page.all("keywords") for k in value.split(",")]
    draft.put("subject", [k for k in keywords if k], HTML)
