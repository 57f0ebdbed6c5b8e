"""What staff paste is recognised as Zotero's "Add Item by Identifier" recognises it."""

import pytest

from resources.identifiers import (
    Identifier,
    Unrecognised,
    normalise_doi,
    normalise_isbn,
    normalise_url,
    recognise,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("10.1056/NEJMp1109283", "10.1056/nejmp1109283"),
        ("  10.1056/NEJMp1109283\n", "10.1056/nejmp1109283"),
        ("doi:10.1056/NEJMp1109283", "10.1056/nejmp1109283"),
        ("DOI: 10.1056/NEJMp1109283.", "10.1056/nejmp1109283"),
        ("info:doi/10.1000/182", "10.1000/182"),
        ("https://doi.org/10.1056/NEJMp1109283", "10.1056/nejmp1109283"),
        ("http://dx.doi.org/10.1056/NEJMp1109283", "10.1056/nejmp1109283"),
        ("https://doi.org/10.1001%2Fjama.2014.4", "10.1001/jama.2014.4"),
        (
            "https://doi.org/10.1002/%28SICI%291097-4571%28199806%2949%3A8%3C693%3A%3AAID-ASI4%3E3.0.CO%3B2-0",
            "10.1002/(sici)1097-4571(199806)49:8<693::aid-asi4>3.0.co;2-0",
        ),
        ("(see 10.1000/182)", "10.1000/182"),
        ("10.1000/xyz(2020)01", "10.1000/xyz(2020)01"),
        ("“10.1000/182”,", "10.1000/182"),
        (
            "Delbanco T, et al. Open notes. Ann Intern Med. 2012;157(7):461-470. "
            "doi:10.7326/0003-4819-157-7-201210020-00002",
            "10.7326/0003-4819-157-7-201210020-00002",
        ),
    ],
)
def test_a_doi_in_any_of_its_spellings(text, value):
    assert recognise(text) == Identifier("doi", value, text)


@pytest.mark.parametrize(
    "text",
    [
        "0-306-40615-2",
        "0306406152",
        "ISBN 0-306-40615-2",
        "ISBN-13: 978-0-306-40615-7",
        "978\u20110\u2011306\u201140615\u20117",  # non-breaking hyphens
        "978\u20130\u2013306\u201340615\u20137",  # en dashes
        "978 0 306 40615 7",
        "9780306406157",
    ],
)
def test_an_isbn_10_or_13_with_any_dashes_becomes_one_isbn_13(text):
    assert recognise(text) == Identifier("isbn", "9780306406157", text)


def test_an_isbn_10_ending_in_x():
    assert recognise("0-8044-2957-X").value == "9780804429573"


@pytest.mark.parametrize(
    ("text", "scheme", "value"),
    [
        ("23193287", "pmid", "23193287"),
        ("PMID: 23193287", "pmid", "23193287"),
        ("pmid 23193287", "pmid", "23193287"),
        ("Nucleic Acids Res. 2013;41:D1. PMID: 23193287", "pmid", "23193287"),
        ("https://pubmed.ncbi.nlm.nih.gov/23193287/", "pmid", "23193287"),
        ("https://www.ncbi.nlm.nih.gov/pubmed/23193287", "pmid", "23193287"),
        ("https://europepmc.org/article/MED/23193287", "pmid", "23193287"),
        ("PMC3531190", "pmcid", "PMC3531190"),
        ("pmc3531190", "pmcid", "PMC3531190"),
        ("PMCID: PMC3531190", "pmcid", "PMC3531190"),
        ("https://pmc.ncbi.nlm.nih.gov/articles/PMC3531190/", "pmcid", "PMC3531190"),
        ("https://www.ncbi.nlm.nih.gov/pmc/articles/PMC3531190/", "pmcid", "PMC3531190"),
    ],
)
def test_pubmed_and_pubmed_central_ids_and_their_addresses(text, scheme, value):
    assert recognise(text) == Identifier(scheme, value, text)


def test_zoteros_order_a_doi_first_then_an_isbn_then_digits_as_a_pubmed_id():
    assert recognise("10.1000/182 ISBN 0-306-40615-2").scheme == "doi"
    assert recognise("ISBN 0-306-40615-2, PMID 23193287").scheme == "isbn"
    # Ten digits with a right check digit are an ISBN-10, not a PubMed ID.
    assert recognise("0306406152").scheme == "isbn"
    assert recognise("30640615").scheme == "pmid"


def test_a_web_address_is_a_page_and_is_normalised():
    text = "HTTPS://News.Example.ORG:443/story/?utm_source=mail&id=7&fbclid=abc#comments"
    assert recognise(text) == Identifier("url", "https://news.example.org/story?id=7", text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Nothing was pasted."),
        ("   ", "Nothing was pasted."),
        ("0-306-40615-3", "looks like an ISBN, but its check digit is wrong"),
        (
            "www.example.org/story",
            "looks like a web address: paste it whole, starting with https://",
        ),
        ("the opennotes paper", "is not an identifier the site can look up. Paste a DOI"),
        ("ftp://example.org/file", "is not an identifier the site can look up"),
        ("https://doi.org/about", "is a doi.org address without a DOI in it"),
        ("10.1000/a and 10.1000/b", "holds 2 different DOIs (10.1000/a, 10.1000/b)"),
        ("javascript:alert(1)", "is not an identifier the site can look up"),
    ],
)
def test_anything_else_is_refused_with_what_was_expected(text, message):
    with pytest.raises(Unrecognised) as refused:
        recognise(text)
    assert message in str(refused.value)


def test_every_refusal_says_what_would_be_accepted():
    with pytest.raises(Unrecognised) as refused:
        recognise("hello")
    assert str(refused.value).endswith(
        "Paste a DOI (such as 10.1056/NEJMp1109283 or https://doi.org/…), a PubMed ID, "
        "a PMCID (PMC…), an ISBN, or a web address starting with http:// or https://."
    )


def test_two_spellings_of_one_identifier_are_one_duplicate():
    spellings = [
        "10.1056/NEJMp1109283",
        "https://doi.org/10.1056/nejmp1109283",
        "doi:10.1056/NEJMP1109283",
    ]
    assert {recognise(text).key for text in spellings} == {"doi:10.1056/nejmp1109283"}
    assert recognise("0-306-40615-2").key == recognise("978-0-306-40615-7").key


def test_the_normalisers():
    assert normalise_doi("https://dx.doi.org/10.1056/NEJMp1109283") == "10.1056/nejmp1109283"
    assert normalise_isbn("0-306-40615-2") == normalise_isbn("9780306406157") == "9780306406157"
    with pytest.raises(Unrecognised):
        normalise_isbn("0-306-40615-3")
    assert normalise_url("http://Example.org:80") == "http://example.org/"
    assert normalise_url("https://example.org/a/b/") == "https://example.org/a/b"
    assert normalise_url("https://example.org/a?b=1&utm_campaign=x&mc_cid=1&mc_eid=2&gclid=3") == (
        "https://example.org/a?b=1"
    )
    assert normalise_url("https://example.org:8443/a#part") == "https://example.org:8443/a"
    # Parameters other than tracking ones keep their order; a page is not a different one
    # for the way someone arrived at it.
    assert normalise_url("https://example.org/?z=1&a=2&UTM_Medium=x") == (
        "https://example.org/?z=1&a=2"
    )
