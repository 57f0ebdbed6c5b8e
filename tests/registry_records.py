"""Records as the registries send them (Crossref's REST API, content negotiation, PubMed
XML, the PMC ID converter, Open Library, publishers' pages), for the stand-ins of
tests/standins.py."""

from __future__ import annotations

import copy
from typing import Any

from tests.standins import Registries, Reply

# Crossref's /works/{doi} message for a journal article (fields as the REST API sends
# them): markup in the title, a JATS abstract, an organisation among the authors.
OPEN_NOTES: dict[str, Any] = {
    "indexed": {"date-parts": [[2025, 2, 3]], "date-time": "2025-02-03T04:05:06Z"},
    "reference-count": 31,
    "publisher": "American College of Physicians",
    "issue": "7",
    "short-container-title": ["Ann Intern Med"],
    "abstract": (
        "<jats:title>Abstract</jats:title><jats:sec><jats:title>Background</jats:title>"
        "<jats:p>Patients can read the notes their doctors write, through <jats:italic>"
        "secure portals</jats:italic>.</jats:p></jats:sec><jats:sec><jats:title>Objective"
        "</jats:title><jats:p>To evaluate the effect on doctors &amp; patients.</jats:p>"
        "</jats:sec>"
    ),
    "DOI": "10.5555/OpenNotes.2012.1",
    "type": "journal-article",
    "page": "461-470",
    "source": "Crossref",
    "title": [
        "Inviting patients to read their doctors\u2019 notes: a <i>quasi</i>-experimental study"
    ],
    "subtitle": [],
    "prefix": "10.5555",
    "volume": "157",
    "author": [
        {"given": "Tom", "family": "Delbanco", "sequence": "first", "affiliation": []},
        {"given": "Jan", "family": "Walker", "sequence": "additional", "affiliation": []},
        {"name": "The OpenNotes Collaborative", "sequence": "additional", "affiliation": []},
        {"name": "et al.", "sequence": "additional", "affiliation": []},
    ],
    "member": "99999",
    "container-title": ["Annals of Internal Medicine"],
    "language": "en",
    "resource": {"primary": {"URL": "https://www.acpjournals.org/doi/10.5555/opennotes.2012.1"}},
    "subject": ["Internal Medicine"],
    "issued": {"date-parts": [[2012, 10, 2]]},
    "URL": "https://doi.org/10.5555/opennotes.2012.1",
    "ISSN": ["0003-4819"],
}

# A retracted article: Crossref's updated-by, from Retraction Watch and the publisher.
RETRACTED: dict[str, Any] = {
    "publisher": "BMJ",
    "DOI": "10.5555/retracted.2019.7",
    "type": "journal-article",
    "title": ["Portal messages and CO<sub>2</sub> in the clinic"],
    "author": [{"given": "A.", "family": "Author", "sequence": "first", "affiliation": []}],
    "container-title": ["BMJ"],
    "short-container-title": ["BMJ"],
    "issued": {"date-parts": [[2019, 5]]},
    "updated-by": [
        {
            "updated": {"date-parts": [[2020, 6, 4]], "date-time": "2020-06-04T00:00:00Z"},
            "DOI": "10.5555/retraction.2020.1",
            "type": "retraction",
            "source": "retraction-watch",
            "label": "Retraction",
        },
        {
            "updated": {"date-parts": [[2019, 8, 1]]},
            "DOI": "10.5555/correction.2019.2",
            "type": "correction",
            "source": "publisher",
            "label": "Correction",
        },
    ],
}

# The notice itself: it updates (retracts) the article above.
NOTICE: dict[str, Any] = {
    "publisher": "BMJ",
    "DOI": "10.5555/retraction.2020.1",
    "type": "journal-article",
    "title": ["Retraction: Portal messages and CO2 in the clinic"],
    "container-title": ["BMJ"],
    "issued": {"date-parts": [[2020, 6, 4]]},
    "update-to": [
        {
            "updated": {"date-parts": [[2020, 6, 4]]},
            "DOI": "10.5555/retracted.2019.7",
            "type": "retraction",
            "label": "Retraction",
        }
    ],
}

# DataCite's CSL-JSON, through doi.org's content negotiation (years as strings, as it sends
# them at times; an organisation as a literal name).
REPORT_CSL: dict[str, Any] = {
    "type": "report",
    "id": "https://doi.org/10.5072/zenodo.4242",
    "DOI": "10.5072/ZENODO.4242",
    "URL": "https://zenodo.org/record/4242",
    "title": "Patients as partners: a toolkit for clinics",
    "author": [
        {"literal": "Society for Participatory Medicine"},
        {"family": "Sands", "given": "Daniel Z."},
    ],
    "issued": {"date-parts": [["2021", "5"]]},
    "publisher": "Zenodo",
    "abstract": "<p>A toolkit.</p><p>For clinics &amp; patients.</p>",
}

# PubMed's efetch XML: a group author (CollectiveName), initials only, a title with markup
# and MEDLINE's full stop, an abbreviated page range, a labelled abstract, the retraction.
RETRACTED_ARTICLE = """
<PubmedArticle>
  <MedlineCitation Status="MEDLINE" Owner="NLM">
    <PMID Version="1">39000001</PMID>
    <Article PubModel="Print">
      <Journal>
        <ISSN IssnType="Electronic">1756-1833</ISSN>
        <JournalIssue CitedMedium="Internet">
          <Volume>365</Volume>
          <Issue>8</Issue>
          <PubDate><Year>2019</Year><Month>May</Month></PubDate>
        </JournalIssue>
        <Title>BMJ (Clinical research ed.)</Title>
        <ISOAbbreviation>BMJ</ISOAbbreviation>
      </Journal>
      <ArticleTitle>Portal messages and CO<sub>2</sub> in the <i>clinic</i>.</ArticleTitle>
      <Pagination><MedlinePgn>132-42</MedlinePgn></Pagination>
      <Abstract>
        <AbstractText Label="BACKGROUND" NlmCategory="BACKGROUND"
          >Portals carry messages.</AbstractText>
        <AbstractText Label="RESULTS" NlmCategory="RESULTS"
          >More messages, <i>fewer</i> visits.</AbstractText>
      </Abstract>
      <AuthorList CompleteYN="Y">
        <Author ValidYN="Y"><LastName>Author</LastName><Initials>A</Initials></Author>
        <Author ValidYN="Y">
          <LastName>Zee</LastName><ForeName>Mary Ann</ForeName><Initials>MA</Initials>
        </Author>
        <Author ValidYN="Y"><CollectiveName>Patient Portal Study Group</CollectiveName></Author>
      </AuthorList>
      <Language>eng</Language>
      <PublicationTypeList>
        <PublicationType UI="D016428">Journal Article</PublicationType>
        <PublicationType UI="D016441">Retracted Publication</PublicationType>
      </PublicationTypeList>
    </Article>
    <MedlineJournalInfo><Country>England</Country><MedlineTA>BMJ</MedlineTA></MedlineJournalInfo>
    <CommentsCorrectionsList>
      <CommentsCorrections RefType="RetractionIn">
        <RefSource>BMJ. 2020 Jun 4;369:m2211</RefSource>
        <PMID Version="1">39000099</PMID>
      </CommentsCorrections>
      <CommentsCorrections RefType="Cites">
        <RefSource>Lancet. 2010;375:1</RefSource>
        <PMID Version="1">20000001</PMID>
      </CommentsCorrections>
    </CommentsCorrectionsList>
    <MeshHeadingList>
      <MeshHeading>
        <DescriptorName UI="D006801" MajorTopicYN="N">Humans</DescriptorName>
      </MeshHeading>
      <MeshHeading>
        <DescriptorName UI="D063308" MajorTopicYN="Y">Patient Portals</DescriptorName>
      </MeshHeading>
    </MeshHeadingList>
  </MedlineCitation>
  <PubmedData>
    <PublicationStatus>ppublish</PublicationStatus>
    <ArticleIdList>
      <ArticleId IdType="pubmed">39000001</ArticleId>
      <ArticleId IdType="doi">10.5555/retracted.2019.7</ArticleId>
      <ArticleId IdType="pmc">PMC9000001</ArticleId>
    </ArticleIdList>
    <ReferenceList>
      <Reference>
        <Citation>Someone else's paper.</Citation>
        <ArticleIdList><ArticleId IdType="doi">10.9999/not.this.one</ArticleId></ArticleIdList>
      </Reference>
    </ReferenceList>
  </PubmedData>
</PubmedArticle>
"""

# An old record in capitals, with an erratum and an expression of concern, no DOI.
SHOUTING_ARTICLE = """
<PubmedArticle>
  <MedlineCitation Status="MEDLINE" Owner="NLM">
    <PMID Version="1">3900002</PMID>
    <Article PubModel="Print">
      <Journal>
        <JournalIssue CitedMedium="Print">
          <Volume>12</Volume>
          <PubDate><MedlineDate>1978 Dec-1979 Jan</MedlineDate></PubDate>
        </JournalIssue>
        <Title>JAMA</Title>
        <ISOAbbreviation>JAMA</ISOAbbreviation>
      </Journal>
      <ArticleTitle>THE PATIENT AS A PARTNER IN CARE: PART II.</ArticleTitle>
      <AuthorList><Author><LastName>SMITH</LastName><ForeName>JOHN</ForeName></Author></AuthorList>
    </Article>
    <CommentsCorrectionsList>
      <CommentsCorrections RefType="ErratumIn">
        <RefSource>JAMA 1979 Mar;13(2):5</RefSource>
      </CommentsCorrections>
      <CommentsCorrections RefType="ExpressionOfConcernIn">
        <RefSource>JAMA. 2001 Feb 2;285(5):1</RefSource><PMID Version="1">11000001</PMID>
      </CommentsCorrections>
    </CommentsCorrectionsList>
  </MedlineCitation>
  <PubmedData>
    <ArticleIdList><ArticleId IdType="pubmed">3900002</ArticleId></ArticleIdList>
  </PubmedData>
</PubmedArticle>
"""

# Open Library's /api/books?jscmd=data answer for one ISBN.
BOOK: dict[str, Any] = {
    "url": "https://openlibrary.org/books/OL1234567M/Let_patients_help",
    "key": "/books/OL1234567M",
    "title": "Let patients help",
    "subtitle": "a patient engagement handbook",
    "authors": [
        {"url": "https://openlibrary.org/authors/OL1A/Dave_deBronkart", "name": "Dave deBronkart"},
        {
            "url": "https://openlibrary.org/authors/OL2A",
            "name": "Society for Participatory Medicine",
        },
    ],
    "number_of_pages": 126,
    "identifiers": {
        "isbn_10": ["0306406152"],
        "isbn_13": ["9780306406157"],
        "openlibrary": ["OL1234567M"],
    },
    "publishers": [{"name": "CreateSpace"}],
    "publish_places": [{"name": "Nashua, NH"}],
    "publish_date": "April 2013",
    "subjects": [{"name": "Patient participation", "url": "https://openlibrary.org/subjects/x"}],
}


def meta(name: str, content: str, attribute: str = "name") -> str:
    return f'<meta {attribute}="{name}" content="{content}">'


ARTICLE_PAGE = f"""<!doctype html><html lang="en"><head>
<title>Shared notes in primary care | Journal of Participatory Medicine</title>
{meta("citation_title", "Shared notes in primary care")}
{meta("citation_author", "Sands, Daniel Z.")}
{meta("citation_author", "Jane Q. Public")}
{meta("citation_author", "World Health Organization")}
{meta("citation_journal_title", "Journal of Participatory Medicine")}
{meta("citation_journal_abbrev", "J PARTICIP MED")}
{meta("citation_publisher", "JMIR Publications")}
{meta("citation_publication_date", "2013/08/15")}
{meta("citation_volume", "5")}
{meta("citation_issue", "3")}
{meta("citation_firstpage", "170")}
{meta("citation_lastpage", "176")}
{meta("citation_keywords", "patient portals; open notes")}
{meta("og:title", "Shared notes (Open Graph)", "property")}
{meta("description", "What happens when patients read their notes.")}
<link rel="canonical" href="/2013/shared-notes">
</head><body><h1>Shared notes</h1></body></html>"""

BLOG_PAGE = """<!doctype html><html><head>
<title>Five questions to ask your doctor - The Patient Blog</title>
<meta property="og:type" content="article">
<meta property="og:site_name" content="The Patient Blog">
<meta property="og:title" content="Five questions to ask your doctor">
<meta property="article:author" content="https://www.facebook.com/someone">
<meta property="article:published_time" content="2024-02-29T08:00:00+00:00">
<script type="application/ld+json">
{"@context": "https://schema.org", "@graph": [
  {"@type": "WebSite", "name": "The Patient Blog"},
  {"@type": "BlogPosting", "headline": "Five questions to ask your doctor",
   "author": [{"@type": "Organization", "name": "Patient Advocates of America"},
              {"@type": "Person", "name": "Kim Lee"}],
   "datePublished": "2024-02-29", "publisher": {"@type": "Organization", "name": "Blog Co."},
   "keywords": "questions, visits"}]}
</script>
<script type="application/ld+json">{ not json </script>
</head><body></body></html>"""

DUBLIN_CORE_PAGE = """<html><head><title>A report</title>
<meta name="DC.title" content="Partners in care: a national report">
<meta name="DC.creator" content="Agency for Healthcare Research and Quality">
<meta name="DC.date" content="2016-03">
<meta name="DC.publisher" content="AHRQ">
</head></html>"""

DOI_PAGE = """<html><head><title>Inviting patients</title>
<meta name="citation_title" content="Inviting patients (as the page says)">
<meta name="citation_doi" content="doi:10.5555/OpenNotes.2012.1">
<meta name="dc.identifier" content="https://doi.org/10.5555/opennotes.2012.1">
</head></html>"""

SCRIPT_PAGE = """<html><head>
<title>&lt;script&gt;alert(1)&lt;/script&gt;Portals &lt;i&gt;now&lt;/i&gt;</title>
<meta property="og:title" content="<script>alert(2)</script>Portals <i>now</i>">
</head></html>"""


def html_reply(body: str, status: int = 200) -> Reply:
    return Reply(status, body, "text/html; charset=utf-8")


def stock(found: Registries) -> None:
    """Give the stand-ins the records the tests ask for."""
    for work in (OPEN_NOTES, RETRACTED, NOTICE):
        found.agencies[work["DOI"].lower()] = "Crossref"
        found.works[work["DOI"].lower()] = copy.deepcopy(work)
    found.agencies["10.5072/zenodo.4242"] = "DataCite"
    found.csl["10.5072/zenodo.4242"] = REPORT_CSL
    found.articles["39000001"] = RETRACTED_ARTICLE
    found.articles["3900002"] = SHOUTING_ARTICLE
    found.pmc["PMC9000001"] = {
        "pmcid": "PMC9000001",
        "pmid": 39000001,
        "doi": "10.5555/retracted.2019.7",
    }
    found.books["ISBN:9780306406157"] = BOOK
    found.pages["/article"] = html_reply(ARTICLE_PAGE)
    found.pages["/blog"] = html_reply(BLOG_PAGE)
    found.pages["/report"] = html_reply(DUBLIN_CORE_PAGE)
    found.pages["/with-doi"] = html_reply(DOI_PAGE)
    found.pages["/script"] = html_reply(SCRIPT_PAGE)
    found.pages["/handout.pdf"] = Reply(200, b"%PDF-1.7 ...", "application/pdf")
