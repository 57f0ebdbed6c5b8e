"""The kinds of resource, and how each one is typed in every format that describes it.

Citations, reference-manager tags, Open Graph and schema.org all read their type from
``KIND_TYPES``, so a new kind is added in one place and every format follows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class Kind(models.TextChoices):
    WHITEPAPER = "whitepaper", "White paper"
    PROJECT = "project", "Project"
    PRESENTATIONS = "presentations", "Presentations"
    JOURNAL_ARTICLE = "journal-article", "Journal article"
    TOOLKIT = "toolkit", "Toolkit"
    BOOK = "book", "Book"
    PLEDGE = "pledge", "Pledge"
    RESEARCH_REPORTS = "research-reports", "Research reports"
    ARTICLE = "article", "Article or essay"
    WEBSITE = "website", "Website"
    VIDEO = "video", "Video"
    OTHER = "other", "Other"


@dataclass(frozen=True)
class KindTypes:
    csl: str  # CSL 1.0 item type (CSL-JSON, citeproc)
    ris: str  # RIS TY tag
    bibtex: str  # BibTeX entry type
    schema_org: str  # schema.org @type for JSON-LD
    zotero: str  # the item type Zotero's Embedded Metadata translator should give
    open_graph: str  # og:type


# Zotero's "Embedded Metadata" translator takes journalArticle from citation_journal_title,
# report from citation_technical_report_institution, and otherwise falls back on og:type
# ("book" gives book, "website" gives webpage, "article" would guess journalArticle).
# So every kind that Zotero should save as a web page says og:type "website".
KIND_TYPES: dict[str, KindTypes] = {
    Kind.WHITEPAPER: KindTypes("report", "RPRT", "techreport", "Report", "report", "article"),
    Kind.PROJECT: KindTypes("webpage", "ELEC", "misc", "WebSite", "webpage", "website"),
    Kind.PRESENTATIONS: KindTypes(
        "speech", "SLIDE", "misc", "PresentationDigitalDocument", "webpage", "website"
    ),
    Kind.JOURNAL_ARTICLE: KindTypes(
        "article-journal", "JOUR", "article", "ScholarlyArticle", "journalArticle", "article"
    ),
    Kind.TOOLKIT: KindTypes("pamphlet", "PAMP", "booklet", "CreativeWork", "webpage", "website"),
    Kind.BOOK: KindTypes("book", "BOOK", "book", "Book", "book", "book"),
    Kind.PLEDGE: KindTypes("webpage", "ELEC", "misc", "CreativeWork", "webpage", "website"),
    Kind.RESEARCH_REPORTS: KindTypes("report", "RPRT", "techreport", "Report", "report", "article"),
    Kind.ARTICLE: KindTypes("article-magazine", "MGZN", "misc", "Article", "webpage", "website"),
    Kind.WEBSITE: KindTypes("webpage", "ELEC", "misc", "WebSite", "webpage", "website"),
    Kind.VIDEO: KindTypes(
        "motion_picture", "VIDEO", "misc", "VideoObject", "videoRecording", "video.other"
    ),
    Kind.OTHER: KindTypes("document", "GEN", "misc", "CreativeWork", "webpage", "website"),
}


# Where several kinds share a CSL type, the kind a looked-up record of that type becomes.
PREFERRED_FOR_CSL: dict[str, Kind] = {"report": Kind.RESEARCH_REPORTS, "webpage": Kind.WEBSITE}
# CSL types that no kind uses, and the nearest kind for each.
NEAREST_FOR_CSL: dict[str, Kind] = {
    "article": Kind.ARTICLE,
    "article-newspaper": Kind.ARTICLE,
    "post": Kind.ARTICLE,
    "post-weblog": Kind.ARTICLE,
    "entry": Kind.ARTICLE,
    "entry-dictionary": Kind.ARTICLE,
    "entry-encyclopedia": Kind.ARTICLE,
    "review": Kind.JOURNAL_ARTICLE,
    "review-book": Kind.JOURNAL_ARTICLE,
    "paper-conference": Kind.JOURNAL_ARTICLE,
    "chapter": Kind.BOOK,
    "classic": Kind.BOOK,
    "broadcast": Kind.VIDEO,
}


def kind_for_csl(csl_type: str) -> Kind:
    """The kind for a record of CSL type ``csl_type``: the reverse of ``KIND_TYPES``."""
    if csl_type in PREFERRED_FOR_CSL:
        return PREFERRED_FOR_CSL[csl_type]
    for kind, types in KIND_TYPES.items():
        if types.csl == csl_type:
            return Kind(kind)
    return NEAREST_FOR_CSL.get(csl_type, Kind.OTHER)
