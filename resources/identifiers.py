"""What staff paste to find a resource: a DOI, a PubMed ID, a PMCID, an ISBN or a web address.

Recognised in the order Zotero's "Add Item by Identifier" uses (``extractIdentifiers`` in
zotero/utilities): a DOI first (found as ``cleanDOI`` finds one: bare, ``doi:``, a
doi.org address, URL-encoded, trailing punctuation and an unopened bracket left out), then
an ISBN (dashes of every kind and spaces ignored, check digit verified, as ``cleanISBN``),
then a PMCID, then digits as a PubMed ID. An address of PubMed, PubMed Central or doi.org
is read as the identifier it shows; any other http(s) address is a web page.

The normalisers make two spellings of one identifier equal, for duplicate detection.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from stdnum import isbn as stdnum_isbn

Scheme = Literal["doi", "pmid", "pmcid", "isbn", "url"]

EXPECTED = (
    "Paste a DOI (such as 10.1056/NEJMp1109283 or https://doi.org/…), a PubMed ID, "
    "a PMCID (PMC…), an ISBN, or a web address starting with http:// or https://."
)

# Zotero's cleanDOI: "10." and a registrant code, "/", then anything but white space,
# not ending in a full stop or a comma (nor, here, in ; or :).
DOI = re.compile(r"10\.\d{4,9}/\S*[^\s.,;:]")
CLOSING = {")": "(", "]": "[", "}": "{", ">": "<"}
QUOTES = "\"'\u2018\u2019\u201c\u201d\u00ab\u00bb"
# Every dash Zotero's cleanISBN ignores: hyphen, soft hyphen, the Unicode dashes, minus.
DASHES = re.compile("[\u002d\u00ad\u2010-\u2015\u2043\u2212]+")
ISBN = re.compile(r"(?:\D|^)(97[89]\d{10}|\d{9}[\dX])(?!\d)")
PMCID = re.compile(r"\bPMC\s?(\d{1,10})\b", re.IGNORECASE)
PMID = re.compile(r"^(?:PMID\s*[:#]?\s*)?(\d{1,9})$", re.IGNORECASE)
LABELLED_PMID = re.compile(r"\bPMID\s*[:#]?\s*(\d{1,9})\b", re.IGNORECASE)
DOI_HOSTS = {"doi.org", "dx.doi.org", "www.doi.org"}
# Parameters that say how someone arrived, not what the page is.
TRACKING = {"fbclid", "gclid", "mc_cid", "mc_eid"}


@dataclass(frozen=True)
class Identifier:
    """A recognised identifier: its scheme, its normal form, and what was pasted."""

    scheme: Scheme
    value: str
    text: str

    @property
    def key(self) -> str:
        """The same for every spelling of one identifier (cache keys, duplicates)."""
        return f"{self.scheme}:{self.value}"

    def __str__(self) -> str:
        return {
            "doi": f"DOI {self.value}",
            "pmid": f"PubMed ID {self.value}",
            "pmcid": f"PMCID {self.value}",
            "isbn": f"ISBN {self.value}",
            "url": self.value,
        }[self.scheme]


class Unrecognised(ValueError):
    """Not an identifier the site knows; ``str()`` says what was expected."""


def recognise(text: str) -> Identifier:
    """The identifier in ``text``, or Unrecognised with a sentence for staff."""
    pasted = text
    text = text.strip().strip(QUOTES).strip()
    if not text:
        raise Unrecognised(f"Nothing was pasted. {EXPECTED}")
    if re.match(r"https?://", text, re.IGNORECASE) and not re.search(r"\s", text):
        return from_address(text, pasted)
    if doi := only_one(find_dois(text), "DOI"):
        return Identifier("doi", doi, pasted)
    if isbn := only_one(find_isbns(text), "ISBN"):
        return Identifier("isbn", isbn, pasted)
    if pmcid := only_one([f"PMC{int(n)}" for n in PMCID.findall(text)], "PMCID"):
        return Identifier("pmcid", pmcid, pasted)
    if match := PMID.match(text) or LABELLED_PMID.search(text):
        return Identifier("pmid", str(int(match.group(1))), pasted)
    raise Unrecognised(hint(text))


def only_one(found: list[str], name: str) -> str:
    distinct = list(dict.fromkeys(found))
    if len(distinct) > 1:
        raise Unrecognised(
            f"This holds {len(distinct)} different {name}s ({', '.join(distinct)}): "
            "paste one at a time."
        )
    return distinct[0] if distinct else ""


def hint(text: str) -> str:
    digits = DASHES.sub("", text).replace(" ", "").upper().removeprefix("ISBN").lstrip(":")
    if re.fullmatch(r"\d{9}[\dX]|\d{13}", digits):
        return f"{text} looks like an ISBN, but its check digit is wrong: check the digits."
    if re.match(r"(www\.|[\w-]+\.[a-z]{2,}/)", text, re.IGNORECASE):
        return f"{text} looks like a web address: paste it whole, starting with https://."
    return f"{text[:80]} is not an identifier the site can look up. {EXPECTED}"


def clean_doi(token: str) -> str:
    """The DOI in one token of text, as Zotero's cleanDOI finds it ("" if none)."""
    if "%" in token:
        token = unquote(token)
    match = DOI.search(token)
    if not match:
        return ""
    doi = match.group(0).rstrip(QUOTES).rstrip(".,;:")
    # A closing bracket belongs to the DOI only if the DOI opened it.
    while doi and doi[-1] in CLOSING and doi.count(CLOSING[doi[-1]]) < doi.count(doi[-1]):
        doi = doi[:-1].rstrip(".,;:")
    return doi


def find_dois(text: str) -> list[str]:
    return [doi.lower() for token in text.split() if (doi := clean_doi(token))]


def find_isbns(text: str) -> list[str]:
    """ISBNs with a right check digit, as ISBN-13; dashes first ignored, then spaces too."""
    undashed = DASHES.sub("", text).upper()
    for candidate in (undashed, re.sub(r"[ \u00a0]+", "", undashed)):
        found = [isbn13(match) for match in ISBN.findall(candidate) if stdnum_isbn.is_valid(match)]
        if found:
            return found
    return []


def isbn13(value: str) -> str:
    return stdnum_isbn.compact(stdnum_isbn.to_isbn13(stdnum_isbn.compact(value)))


def from_address(url: str, pasted: str) -> Identifier:
    """A pasted address: the identifier a doi.org, PubMed or PMC address shows, or a page."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = unquote(parts.path)
    if not host:
        raise Unrecognised(f"{url} is not a complete web address.")
    if host in DOI_HOSTS:
        doi = clean_doi(path.lstrip("/"))
        if not doi:
            raise Unrecognised(f"{url} is a doi.org address without a DOI in it.")
        return Identifier("doi", doi.lower(), pasted)
    pubmed = re.fullmatch(r"/(?:pubmed/)?(\d{1,9})/?", path)
    if host == "pubmed.ncbi.nlm.nih.gov" and pubmed:
        return Identifier("pmid", str(int(pubmed.group(1))), pasted)
    if host in ("www.ncbi.nlm.nih.gov", "ncbi.nlm.nih.gov"):
        if match := re.fullmatch(r"/pubmed/(\d{1,9})/?", path):
            return Identifier("pmid", str(int(match.group(1))), pasted)
        if match := re.fullmatch(r"/pmc/articles/(PMC\d+)/?", path, re.IGNORECASE):
            return Identifier("pmcid", match.group(1).upper(), pasted)
    pmc = re.fullmatch(r"/articles/(PMC\d+)/?", path, re.IGNORECASE)
    if host == "pmc.ncbi.nlm.nih.gov" and pmc:
        return Identifier("pmcid", pmc.group(1).upper(), pasted)
    if host == "europepmc.org":
        if match := re.fullmatch(r"/(?:article|abstract)/MED/(\d{1,9})/?", path):
            return Identifier("pmid", match.group(1), pasted)
        if match := re.fullmatch(r"/(?:article/PMC|articles)/(PMC\d+)/?", path):
            return Identifier("pmcid", match.group(1).upper(), pasted)
    return Identifier("url", normalise_url(url), pasted)


# Normalisers, for duplicate detection


def normalise_doi(text: str) -> str:
    """A DOI in any of its spellings, lowercased (DOIs ignore case)."""
    found = find_dois(text.strip()) or [
        clean_doi(unquote(urlsplit(text.strip()).path).lstrip("/")).lower()
    ]
    if not found[0]:
        raise Unrecognised(f"{text} holds no DOI.")
    return found[0]


def normalise_isbn(text: str) -> str:
    """An ISBN-10 or ISBN-13, as ISBN-13 digits: both forms of one book compare equal."""
    found = find_isbns(text)
    if not found:
        raise Unrecognised(f"{text} is not a valid ISBN.")
    return found[0]


def normalise_url(url: str) -> str:
    """One spelling of a web address: scheme and host in lower case, no default port, no
    trailing slash, no fragment, no tracking parameters (utm_*, fbclid, gclid, mc_cid,
    mc_eid); the other parameters keep their order."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    with contextlib.suppress(UnicodeError):  # not a name IDNA can spell: kept as it is
        host = host.encode("idna").decode("ascii")
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"http": 80, "https": 443}.get(scheme)
    netloc = host if port in (None, default) else f"{host}:{port}"
    path = parts.path or "/"
    if path != "/":
        path = path.rstrip("/") or "/"
    query = urlencode(
        [
            (name, value)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
            if not name.lower().startswith("utm_") and name.lower() not in TRACKING
        ]
    )
    return urlunsplit((scheme, netloc, path, query, ""))
