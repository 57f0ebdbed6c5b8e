"""PubMed IDs and PMCIDs: NCBI's E-utilities (efetch, PubMed XML) give the record, with
retractions, errata and expressions of concern (CommentsCorrections, and the publication
type "Retracted Publication"); the PMC ID Converter turns a PMCID into its PubMed ID.

efetch takes up to 200 IDs at once, so ``fetch`` asks for many PubMed IDs in one request:
NCBI allows only 3 requests a second (10 with a key). The XML is read the way Zotero's
"PubMed XML" translator reads it.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

import outbound
from outbound import Fetched, Outbound

from .records import (
    CslName,
    Draft,
    Update,
    checked_parts,
    clean_text,
    expand_pages,
    month_number,
    organisation,
    partial_date,
    parts_from_text,
    person,
)
from .registries import NotThere, eutils, idconv, judged, ncbi_params

SOURCE = "PubMed"
BATCH = 200
# CommentsCorrections that are notices about this record, and what each one is.
NOTICES = {
    "RetractionIn": "retraction",
    "PartialRetractionIn": "partial retraction",
    "ExpressionOfConcernIn": "expression of concern",
    "ErratumIn": "correction",
    "CorrectedandRepublishedIn": "correction",
}
# ...and those that make this record a notice about another.
NOTICE_OF = {
    "RetractionOf",
    "PartialRetractionOf",
    "ExpressionOfConcernFor",
    "ErratumFor",
    "CorrectedandRepublishedFrom",
}


def xml_of(fetched: Fetched, source: str) -> ET.Element:
    """The answer as XML. Entity declarations are refused (the "billion laughs"): PubMed's
    XML never declares any, and the standard library's parser would expand them."""
    if fetched.is_html:
        raise outbound.BadAnswer(f"{source} answered with a web page instead of data.")
    if b"<!ENTITY" in fetched.content:
        raise outbound.BadAnswer(f"{source} answered with XML that declares entities.")
    try:
        return ET.fromstring(fetched.content)
    except ET.ParseError:
        raise outbound.BadAnswer(
            f"{source} answered with XML that cannot be read.", fetched.url
        ) from None


def fetch(client: Outbound, pmids: Iterable[str]) -> dict[str, Draft]:
    """The records of ``pmids`` that PubMed has (the others are missing from the result)."""
    wanted = list(dict.fromkeys(pmids))
    found: dict[str, Draft] = {}
    registry = eutils()
    for start in range(0, len(wanted), BATCH):
        batch = wanted[start : start + BATCH]
        fetched = judged(
            client.get(
                registry.url("efetch.fcgi"),
                params={"db": "pubmed", "id": ",".join(batch), "retmode": "xml", **ncbi_params()},
            ),
            SOURCE,
            "PubMed has no such record.",
        )
        root = xml_of(fetched, SOURCE)
        for article in root.iter("PubmedArticle"):
            pmid = text(article, "MedlineCitation/PMID")
            if pmid:
                found[pmid] = from_article(article)
        for book in root.iter("PubmedBookArticle"):
            pmid = text(book, "BookDocument/PMID")
            if pmid:
                found[pmid] = from_book(book)
    return found


def lookup(client: Outbound, pmid: str) -> Draft:
    found = fetch(client, [pmid]).get(pmid)
    if found is None:
        raise NotThere(f"PubMed has no record with the ID {pmid}.")
    return found


def pmid_for(client: Outbound, pmcid: str) -> tuple[str, str]:
    """(PubMed ID, DOI) of a PubMed Central article, from the PMC ID Converter."""
    registry = idconv()
    params = {"ids": pmcid, "format": "json", **ncbi_params()}
    params.pop("api_key", None)
    fetched = judged(
        client.get(registry.url(), params=params),
        registry.name,
        f"PubMed Central has no article {pmcid}.",
    )
    answer = fetched.json()
    records = answer.get("records") if isinstance(answer, dict) else None
    for record in records or []:
        if not isinstance(record, dict) or record.get("status") == "error":
            continue
        if str(record.get("pmcid", "")).upper() == pmcid.upper():
            return str(record.get("pmid") or ""), str(record.get("doi") or "")
    raise NotThere(f"PubMed Central has no article {pmcid}.")


def text(element: ET.Element | None, path: str) -> str:
    found = element.find(path) if element is not None else None
    return " ".join("".join(found.itertext()).split()) if found is not None else ""


def inner_markup(element: ET.Element) -> str:
    """An element's content as markup: PubMed titles carry <i>, <sub>, <sup>, <b>."""
    head = html.escape(element.text or "", quote=False)
    return head + "".join(ET.tostring(child, encoding="unicode") for child in element)


def names(author_list: ET.Element | None) -> list[CslName | None]:
    found: list[CslName | None] = []
    for author in author_list.findall("Author") if author_list is not None else []:
        if author.get("ValidYN") == "N":
            continue
        collective = text(author, "CollectiveName")
        if collective:
            found.append(organisation(collective))  # a group: never split into a person
            continue
        given = text(author, "ForeName") or text(author, "Initials")
        suffix = text(author, "Suffix")
        name = person(text(author, "LastName"), given)
        if name and suffix:
            name["suffix"] = suffix
        found.append(name)
    return found


def pub_date(element: ET.Element | None) -> list[int]:
    if element is None:
        return []
    medline = text(element, "MedlineDate")
    if medline:
        return parts_from_text(medline)
    month = text(element, "Month")
    return checked_parts(
        text(element, "Year"), month_number(month) if month else None, text(element, "Day")
    )


def notice_date(reference: str) -> str:
    """The date in a reference such as "Lancet. 2010 Feb 6;375(9713):445"."""
    match = re.search(r"\b(\d{4})(?:\s+([A-Za-z]{3,9})(?:\s+(\d{1,2}))?)?\s*[;:.(]", reference)
    if not match:
        return ""
    year, month, day = match.groups()
    return partial_date(checked_parts(year, month_number(month) if month else None, day))


def from_article(article: ET.Element) -> Draft:
    citation = article.find("MedlineCitation")
    work = citation.find("Article") if citation is not None else None
    draft = Draft()
    if citation is None or work is None:
        return draft
    types = [" ".join(t.itertext()) for t in work.findall("PublicationTypeList/PublicationType")]
    draft.put("type", "article-journal", SOURCE)
    title = work.find("ArticleTitle")
    if title is None or not "".join(title.itertext()).strip():
        title = work.find("VernacularTitle")
    if title is not None:
        # PubMed ends every title with a full stop, which is not part of it.
        draft.title(re.sub(r"(?<!\.)\.\s*$", "", inner_markup(title).strip()), SOURCE)
    lists = work.findall("AuthorList")
    authors = [a for a in lists if a.get("Type", "authors") == "authors"]
    editors = [a for a in lists if a.get("Type") == "editors"]
    draft.names("author", [n for a in authors for n in names(a)], SOURCE)
    draft.names("editor", [n for a in editors for n in names(a)], SOURCE)
    journal = work.find("Journal")
    draft.issued(pub_date(work.find("Journal/JournalIssue/PubDate")), SOURCE)
    draft.put("container-title", clean_text(text(journal, "Title")), SOURCE)
    short = text(journal, "ISOAbbreviation") or text(citation, "MedlineJournalInfo/MedlineTA")
    draft.put("container-title-short", short, SOURCE)  # as NLM spells it: JAMA, BMJ...
    draft.put("volume", text(journal, "JournalIssue/Volume"), SOURCE)
    draft.put("issue", text(journal, "JournalIssue/Issue"), SOURCE)
    draft.put("page", expand_pages(text(work, "Pagination/MedlinePgn")), SOURCE)
    pmid = text(citation, "PMID")
    draft.put("PMID", pmid, SOURCE)
    ids = {
        i.get("IdType"): "".join(i.itertext()).strip()
        for i in article.findall("PubmedData/ArticleIdList/ArticleId")
    }
    draft.put("DOI", ids.get("doi", ""), SOURCE)
    draft.put("PMCID", ids.get("pmc", ""), SOURCE)
    draft.put("abstract", abstract(work), SOURCE)
    topics = [text(m, "DescriptorName") for m in citation.findall("MeshHeadingList/MeshHeading")]
    topics += [" ".join("".join(k.itertext()).split()) for k in citation.iter("Keyword")]
    draft.put("subject", list(dict.fromkeys(t for t in topics if t)), SOURCE)
    for comment in citation.findall("CommentsCorrectionsList/CommentsCorrections"):
        kind = comment.get("RefType", "")
        reference = text(comment, "RefSource")
        other = text(comment, "PMID")
        if kind in NOTICES:
            draft.update(
                Update(
                    kind=NOTICES[kind],
                    date=notice_date(reference),
                    notice_url=f"https://pubmed.ncbi.nlm.nih.gov/{other}/" if other else "",
                    source=SOURCE,
                    label=reference,
                )
            )
        elif kind in NOTICE_OF and other:
            draft.notice_for.append(f"PMID {other}")
    if "Retracted Publication" in types:
        draft.update(Update(kind="retraction", source=SOURCE, label="Retracted Publication"))
    return draft


def abstract(work: ET.Element) -> str:
    paragraphs = []
    for section in work.findall("Abstract/AbstractText"):
        body = " ".join("".join(section.itertext()).split())
        label = section.get("Label", "")
        if body:
            paragraphs.append(
                f"{label.capitalize()}: {body}" if label and label != "UNLABELLED" else body
            )
    return "\n\n".join(paragraphs)


def from_book(book: ET.Element) -> Draft:
    document = book.find("BookDocument")
    draft = Draft()
    if document is None:
        return draft
    section = document.find("ArticleTitle")
    inside = document.find("Book")
    draft.put("type", "chapter" if section is not None else "book", SOURCE)
    title = (
        section
        if section is not None
        else (inside.find("BookTitle") if inside is not None else None)
    )
    if title is not None:
        draft.title(re.sub(r"(?<!\.)\.\s*$", "", inner_markup(title).strip()), SOURCE)
    if section is not None and inside is not None:
        draft.put("container-title", clean_text(text(inside, "BookTitle").rstrip(".")), SOURCE)
    lists = [
        *document.findall("AuthorList"),
        *(inside.findall("AuthorList") if inside is not None else []),
    ]
    draft.names(
        "author",
        [n for a in lists if a.get("Type", "authors") == "authors" for n in names(a)],
        SOURCE,
    )
    draft.names(
        "editor", [n for a in lists if a.get("Type") == "editors" for n in names(a)], SOURCE
    )
    draft.issued(pub_date(inside.find("PubDate") if inside is not None else None), SOURCE)
    draft.put("publisher", text(inside, "Publisher/PublisherName"), SOURCE)
    draft.put("PMID", text(document, "PMID"), SOURCE)
    draft.put("ISBN", text(inside, "Isbn"), SOURCE)
    draft.put(
        "abstract",
        "\n\n".join(
            " ".join("".join(a.itertext()).split())
            for a in document.findall("Abstract/AbstractText")
        ),
        SOURCE,
    )
    return draft
