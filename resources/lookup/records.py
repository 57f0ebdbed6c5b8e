"""Building one record from what registries say: the CSL-JSON shape resources/citations.py
reads, each field remembering where it came from, and the text made safe on the way in.

Registries send markup (JATS in Crossref abstracts, <i> and <sub> in titles, now and then
a <script>), names in several shapes (organisations among people, "et al." as if it were
an author) and dates as parts, strings or month names. Everything is reduced here to plain
text, names as CSL names, and dates as date-parts.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from typing import Any

import nh3

from ..partial_dates import PartialDate

CslRecord = dict[str, Any]
CslName = dict[str, str]

# The markup a title may keep: what CSL processors and the admin can show safely.
TITLE_TAGS = {"i", "b", "sub", "sup"}
# JATS and MathML spellings of the same, as Crossref sends them.
JATS_TAGS = {"italic": "i", "bold": "b", "sub": "sub", "sup": "sup", "i": "i", "b": "b", "em": "i"}


def title_markup(raw: str) -> str:
    """``raw`` reduced to text and the safe tags: <i>, <b>, <sub>, <sup>. Every other tag
    is dropped and its text kept, a <script> included, so it ends up as text."""

    def rename(match: re.Match[str]) -> str:
        closing, name = match.group(1), match.group(2).lower()
        kept = JATS_TAGS.get(name.split(":")[-1])
        return f"<{closing}{kept}>" if kept else f"<{closing}{name.replace(':', '-')}>"

    spelled = re.sub(r"<(/?)([\w:.-]+)[^<>]*>", rename, raw)
    cleaned = nh3.clean(
        spelled,
        tags=TITLE_TAGS,
        attributes={},
        clean_content_tags=set(),
        strip_comments=True,
        link_rel=None,
    )
    return " ".join(cleaned.split())


def markup_to_text(markup: str) -> str:
    """Plain text from a fragment nh3 has cleaned: no tags, entities decoded."""
    stripped = nh3.clean(markup, tags=set(), clean_content_tags=set(), link_rel=None)
    return " ".join(html.unescape(stripped).split())


def shouting(text: str) -> bool:
    """Wholly upper-case, over more than one word (one word may be an acronym: JAMA)."""
    return any(c.isalpha() for c in text) and text == text.upper() and len(text.split()) > 1


SMALL_WORDS = {
    *("a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "nor", "of"),
    *("on", "or", "over", "per", "the", "to", "up", "via", "vs", "with"),
}
ROMAN = re.compile(r"^(?=[MDCLXVI]+$)M*(C[MD]|D?C{0,3})(X[CL]|L?X{0,3})(I[XV]|V?I{0,3})$")


def title_case(text: str) -> str:
    """A wholly upper-case title in title case: small words in lower case except first,
    last and after a colon; roman numerals kept."""
    words = text.lower().split()
    out: list[str] = []
    for i, word in enumerate(words):
        after_colon = i > 0 and out[-1].endswith((":", "?", "!", "."))
        core = word.strip("\"'()[]:;,.!?")
        if ROMAN.match(core.upper()) and len(core) > 1:
            out.append(word.upper())
        elif core in SMALL_WORDS and 0 < i < len(words) - 1 and not after_colon:
            out.append(word)
        else:
            out.append("-".join(part[:1].upper() + part[1:] for part in word.split("-")))
    return " ".join(out)


def clean_title(raw: str) -> tuple[str, str]:
    """(plain text, safe markup) for a title as a registry gives it."""
    markup = title_markup(raw)
    text = markup_to_text(markup)
    if shouting(text):
        text = title_case(text)
        markup = html.escape(text, quote=False)
    return text, markup


def clean_text(raw: str) -> str:
    """A short plain field (a journal's name, a publisher): no markup, one line, in the
    case the registry gives (JAMA NETWORK OPEN, BMJ QUAL SAF are no titles to recase)."""
    return markup_to_text(title_markup(raw))


class _Paragraphs(HTMLParser):
    """Plain paragraphs from JATS or HTML: sections' titles lead their first paragraph."""

    BLOCKS = {"p", "sec", "div", "br", "li", "ul", "ol", "abstract", "h1", "h2", "h3", "h4"}
    TITLES = {"title", "h1", "h2", "h3", "h4", "h5", "h6", "label"}
    SKIPPED = {"script", "style"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.current: list[str] = []
        self.label = ""
        self.in_title = 0
        self.skipping = 0

    @staticmethod
    def local(tag: str) -> str:
        return tag.split(":")[-1].lower()

    def flush(self) -> None:
        text = " ".join("".join(self.current).split())
        self.current = []
        if not text:
            return
        if self.label:
            text = f"{self.label}: {text}"
            self.label = ""
        self.paragraphs.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        name = self.local(tag)
        if name in self.SKIPPED:
            self.skipping += 1
        elif name in self.TITLES:
            self.flush()
            self.in_title += 1
        elif name in self.BLOCKS:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        name = self.local(tag)
        if name in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif name in self.TITLES and self.in_title:
            self.in_title -= 1
            heading = " ".join("".join(self.current).split()).rstrip(".:")
            self.current = []
            if heading.lower() != "abstract":
                if self.label:  # a title with nothing under it
                    self.paragraphs.append(self.label)
                self.label = heading
        elif name in self.BLOCKS:
            self.flush()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.current.append(data)

    def text(self) -> str:
        self.close()
        self.flush()
        if self.label:
            self.paragraphs.append(self.label)
        return "\n\n".join(self.paragraphs)


def plain_text(fragment: str) -> str:
    """An abstract as plain paragraphs: JATS and HTML tags removed, a leading "Abstract"
    heading dropped, other section headings kept as "Background: ..."."""
    parser = _Paragraphs()
    parser.feed(fragment)
    return parser.text()


# Names

ET_AL = re.compile(r"^(et\.?\s*al\.?|others|and others|et al\.? \.?)$", re.IGNORECASE)
ORGANISATION_WORDS = re.compile(
    r"\b(organi[sz]ation|association|society|institute|institution|university|foundation|"
    r"council|department|ministry|agency|centre|center|committee|commission|group|network|"
    r"alliance|coalition|consortium|federation|collaborat\w*|college|academy|board|trust|"
    r"office|services?|authority|league|initiative|project|team|inc|ltd|llc|gmbh|press|"
    r"hospital|clinic|health|partnership|panel|working|task force|national|international)\b",
    re.IGNORECASE,
)
PARTICLES = {"van", "von", "de", "da", "del", "della", "der", "di", "du", "la", "le", "ter", "ten"}


def is_et_al(name: str) -> bool:
    return bool(ET_AL.match(name.strip()))


INITIALS = re.compile(r"(?:[A-Z]\.-?)+")


def fix_case(name: str) -> str:
    """A name sent wholly in capitals (SMITH, MARY ANN), in the usual case, word by word;
    initials (JB, D. Z., J.-P.) kept."""
    if len(name) > 3 and name == name.upper() and any(c.isalpha() for c in name):
        return " ".join(
            word if INITIALS.fullmatch(word) else "-".join(p.capitalize() for p in word.split("-"))
            for word in name.split(" ")
        )
    return name


def person(family: str, given: str = "") -> CslName | None:
    family, given = " ".join(family.split()), " ".join(given.split())
    if not family and not given:
        return None
    if is_et_al(family or given) or (given and is_et_al(given)):
        return None
    if not family:  # only one name: keep it whole rather than invent a surname
        return {"literal": given}
    name = {"family": fix_case(family)}
    if given:
        name["given"] = fix_case(given)
    return name


def organisation(text: str) -> CslName | None:
    text = " ".join(text.split())
    if not text or is_et_al(text):
        return None
    return {"literal": text}


def looks_like_organisation(text: str) -> bool:
    return bool(ORGANISATION_WORDS.search(text) or re.match(r"the\s", text, re.I)) or "&" in text


def split_name(text: str) -> CslName | None:
    """A name written out ("Jane Q. Public", "Public, Jane Q."), as CSL parts; an
    organisation's name ("World Health Organization") whole."""
    text = " ".join(text.replace("\u00a0", " ").split()).strip(" ,;")
    if not text or is_et_al(text):
        return None
    if looks_like_organisation(text) and "," not in text:
        return organisation(text)
    if "," in text:
        family, _, given = text.partition(",")
        return person(family, given.strip())
    words = text.split()
    if len(words) == 1:
        return organisation(text)
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in PARTICLES:
        start -= 1
    return person(" ".join(words[start:]), " ".join(words[:start]))


# Dates

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
SEASONS = {"spring": 3, "summer": 6, "fall": 9, "autumn": 9, "winter": 12}


def month_number(text: str) -> int | None:
    text = text.strip().lower().rstrip(".")
    if text.isdigit() and 1 <= int(text) <= 12:
        return int(text)
    return MONTHS.get(text) or MONTHS.get(text[:3])


def checked_parts(year: Any, month: Any = None, day: Any = None) -> list[int]:
    """[year], [year, month] or [year, month, day], as far as they make a real date."""
    try:
        parts = [int(year)]
    except (TypeError, ValueError):
        return []
    if not 1000 <= parts[0] <= 2999:
        return []
    for value in (month, day):
        if value in (None, "", 0):
            break
        try:
            parts.append(int(value))
        except (TypeError, ValueError):
            break
    try:
        date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return parts[:1]
    return parts


def parts_from_text(text: str) -> list[int]:
    """Date-parts from the ways pages and catalogues write dates: 2013-08-15, 2013/08/15,
    2013-08-15T10:00:00Z, 15 Aug 2013, August 15, 2013, March 2009, 2009, 1998 Dec-1999 Jan."""
    text = text.strip()
    if match := re.match(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:$|[T ]\d)", text):
        return checked_parts(*match.groups())
    words = re.findall(r"[A-Za-z]+|\d+", text)
    year = next((w for w in words if len(w) == 4 and w.isdigit()), None)
    if year is None:
        return []
    month = next((m for w in words if (m := month_number(w)) and not w.isdigit()), None)
    if month is None:
        month = next((SEASONS[w.lower()] for w in words if w.lower() in SEASONS), None)
    day = next((w for w in words if w.isdigit() and len(w) <= 2 and 1 <= int(w) <= 31), None)
    return checked_parts(year, month, day if month else None)


def partial_date(parts: list[int]) -> str:
    """The model's partial date: 2014, 2014-08 or 2014-08-15 ("" for none)."""
    return PartialDate.from_parts(parts[:3]).isoformat() if parts else ""


def expand_pages(pages: str) -> str:
    """132-42 as 132-142 (MEDLINE shortens the second page), with a plain hyphen."""
    pages = re.sub(r"\s*[\u2010-\u2015-]+\s*", "-", pages.strip())

    def full(match: re.Match[str]) -> str:
        first, last = match.group(1), match.group(2)
        if len(last) < len(first):
            last = first[: len(first) - len(last)] + last
        return f"{first}-{last}"

    return re.sub(r"\b(\d+)-(\d+)\b", full, pages)


# Updates: retractions, corrections, expressions of concern

UPDATE_KINDS = {
    "retraction": "retraction",
    "partial_retraction": "partial retraction",
    "withdrawal": "withdrawal",
    "removal": "removal",
    "expression_of_concern": "expression of concern",
    "correction": "correction",
    "corrigendum": "correction",
    "erratum": "correction",
    "addendum": "addendum",
    "clarification": "clarification",
    "new_version": "new version",
    "new_edition": "new edition",
}
SERIOUS = {"retraction", "partial retraction", "withdrawal", "removal", "expression of concern"}


@dataclass(frozen=True)
class Update:
    """A notice about the work: a retraction, a correction, an expression of concern."""

    kind: str  # "retraction", "correction", "expression of concern", ...
    date: str = ""  # as precisely as known: 2020, 2020-06 or 2020-06-04
    notice_doi: str = ""
    notice_url: str = ""
    source: str = ""
    label: str = ""

    @property
    def serious(self) -> bool:
        """A retraction, a withdrawal or an expression of concern: staff must look."""
        return self.kind in SERIOUS

    def __str__(self) -> str:
        when = f" ({self.date})" if self.date else ""
        where = f": {self.notice_url}" if self.notice_url else ""
        return f"{self.kind.capitalize()}{when}{where}, reported by {self.source}"


def update_kind(registry_type: str) -> str:
    key = registry_type.strip().lower().replace("-", "_").replace(" ", "_")
    return UPDATE_KINDS.get(key, key.replace("_", " "))


@dataclass
class Draft:
    """A record being filled from one source or several: the first to give a field keeps
    it, and the source is remembered per field."""

    record: CslRecord = field(default_factory=dict)
    provenance: dict[str, str] = field(default_factory=dict)
    updates: list[Update] = field(default_factory=list)
    notice_for: list[str] = field(default_factory=list)
    title_markup: str = ""
    notes: list[str] = field(default_factory=list)

    def put(self, key: str, value: Any, source: str) -> None:
        if value in (None, "", [], {}) or key in self.record:
            return
        self.record[key] = value
        self.provenance[key] = source

    def title(self, raw: str, source: str) -> None:
        if not raw.strip() or "title" in self.record:
            return
        text, markup = clean_title(raw)
        self.put("title", text, source)
        self.title_markup = markup

    def names(self, key: str, names: list[CslName | None], source: str) -> None:
        self.put(key, [name for name in names if name], source)

    def issued(self, parts: list[int], source: str) -> None:
        if parts:
            self.put("issued", {"date-parts": [parts]}, source)

    def update(self, update: Update) -> None:
        """Add a notice, unless it is one already known (by its DOI or address); a notice
        with neither (PubMed's "Retracted Publication") only when none of its kind is."""
        for known in self.updates:
            if known.kind != update.kind:
                continue
            if update.notice_doi and known.notice_doi.lower() == update.notice_doi.lower():
                return
            if update.notice_url and known.notice_url == update.notice_url:
                return
            if not (update.notice_doi or update.notice_url):
                return
        if update.notice_doi or update.notice_url:
            self.updates = [
                u for u in self.updates if u.kind != update.kind or u.notice_doi or u.notice_url
            ]
        self.updates.append(update)

    def merge(self, other: Draft) -> None:
        """Fill what this draft lacks from ``other`` (a second source)."""
        for key, value in other.record.items():
            self.put(key, value, other.provenance.get(key, ""))
        if not self.title_markup:
            self.title_markup = other.title_markup
        for update in other.updates:
            self.update(update)
        for notice in other.notice_for:
            if notice not in self.notice_for:
                self.notice_for.append(notice)
        self.notes.extend(other.notes)
