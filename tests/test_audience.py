"""Who each resource is for: the catalogue's filter and its counts, JSON-LD, the list and
detail pages, and the plain-language summary with its reading grade in the admin."""

import json

import pytest

from resources.models import Resource

from .conftest import change_url, count_queries, page, post_change, submit

CATALOGUE = "/resources/"

# Who each of the client's eight resources is for, as the fixtures set it.
SEEDED = {
    "e-patients-white-paper": "both",
    "opennotes": "both",
    "danny-sands-presentations": "providers",
    "transforming-health-care-delivery": "providers",
    "patients-toolkit-for-diagnosis": "patients",
    "let-patients-help": "both",
    "patient-centered-physician-pledge": "providers",
    "pew-research-health": "providers",
}

# Short sentences and words (grade about 2), and one long academic sentence (grade about 25).
EASY = (
    "This is a sheet you fill in. You write down how you feel. You take it to the doctor. "
    "It helps you ask good questions."
)
HARD = (
    "Participatory medicine constitutes a cooperative paradigm of healthcare delivery that "
    "encourages and anticipates the active involvement of all interconnected stakeholders as "
    "integral to the comprehensive continuum of institutional and individualised care."
)


def titles(document) -> list[str]:
    return [h.text_content() for h in document.xpath("//ol[@class='resource-list']//h3")]


def facet(document, heading: str) -> dict[str, int]:
    (section,) = document.xpath(
        f"//aside[@class='facets']/h2[.='{heading}']/following-sibling::ul[1]"
    )
    found = {}
    for item in section.xpath("./li"):
        count = item.xpath("string(.//span[@class='count'])")
        found[item.text_content().replace(count, "").strip()] = int(count)
    return found


def test_the_fixtures_say_who_each_of_the_eight_is_for(seeded):
    assert dict(Resource.objects.values_list("slug", "audience")) == SEEDED


def test_the_audience_filter_counts_a_resource_for_both_under_either(client, seeded):
    everything = page(client.get(CATALOGUE))
    assert facet(everything, "Written for") == {"Providers": 7, "Patients and caregivers": 4}

    for_patients = page(client.get(CATALOGUE, {"audience": "patients"}))
    assert for_patients.xpath("//h1/text()") == ["Resources for patients and caregivers"]
    assert titles(for_patients) == [
        "e-Patients: How They Can Help Us Heal Health Care",
        "OpenNotes",
        "The Patient’s Toolkit for Diagnosis",
        "Let Patients Help!",
    ]
    (chosen,) = for_patients.xpath("//aside//a[@aria-current='true']")
    assert chosen.get("href") == CATALOGUE  # choosing it again takes it away
    assert len(titles(page(client.get(CATALOGUE, {"audience": "providers"})))) == 7


def test_the_audience_filter_combines_with_kind_and_each_counts_with_the_other(client, seeded):
    document = page(client.get(CATALOGUE, {"audience": "patients", "kind": "book"}))
    assert titles(document) == ["Let Patients Help!"]
    # The kinds as they would be for patients; the audiences as they would be for books.
    assert facet(document, "Kind") == {
        "White paper": 1,
        "Project": 1,
        "Toolkit": 1,
        "Book": 1,
    }
    assert facet(document, "Written for") == {"Providers": 1, "Patients and caregivers": 1}
    # The search box keeps the audience chosen.
    assert document.xpath("//search//input[@name='audience']/@value") == ["patients"]


@pytest.mark.parametrize("value", ["both", "everyone", "PATIENTS", ""])
def test_an_unknown_audience_is_ignored_not_an_error(client, seeded, value):
    document = page(client.get(CATALOGUE, {"audience": value}))
    assert len(titles(document)) == 8
    assert document.xpath("//aside//a[@aria-current='true']") == []


def test_the_catalogue_filtered_by_audience_uses_a_fixed_number_of_queries(client, make_resource):
    for n in range(5):
        make_resource(audience="both" if n % 2 else "patients")
    url = f"{CATALOGUE}?audience=patients&tag=testing"
    with_5 = count_queries(client, url)
    for n in range(120):
        make_resource(audience=["providers", "patients", "both"][n % 3])
    assert count_queries(client, url) == with_5
    assert with_5 <= 16  # with nothing kept (see test_catalogue.py)
    assert count_queries(client, url) <= with_5 - 6


def test_json_ld_says_who_the_resource_is_for(client, seeded):
    def audience(slug: str) -> list[dict[str, str]]:
        document = page(client.get(f"/resources/{slug}/"))
        (script,) = document.xpath("//script[@type='application/ld+json']/text()")
        return json.loads(script)["audience"]

    providers = {"@type": "PeopleAudience", "audienceType": "Healthcare providers"}
    patients = {"@type": "PeopleAudience", "audienceType": "Patients and caregivers"}
    assert audience("pew-research-health") == [providers]
    assert audience("patients-toolkit-for-diagnosis") == [patients]
    assert audience("opennotes") == [providers, patients]


def test_the_list_and_the_detail_page_say_who_it_is_for(client, seeded):
    listed = page(client.get("/"))
    shown = {
        item.get("id"): item.xpath("string(.//span[@class='audience'])")
        for item in listed.xpath("//li[@class='resource']")
    }
    assert shown["patients-toolkit-for-diagnosis"] == "For patients and caregivers"
    assert shown["opennotes"] == "For providers, patients and caregivers"
    assert shown["pew-research-health"] == "For providers"

    detail = page(client.get("/resources/patients-toolkit-for-diagnosis/"))
    facts = dict(
        zip(
            detail.xpath("//dl[@class='facts']/div/dt/text()"),
            [dd.text_content() for dd in detail.xpath("//dl[@class='facts']/div/dd")],
            strict=True,
        )
    )
    assert facts["For"] == "Patients and caregivers"


def test_the_plain_language_summary_shows_on_a_patient_resources_page(client, seeded):
    detail = page(client.get("/resources/patients-toolkit-for-diagnosis/"))
    (section,) = detail.xpath("//section[@class='plain-summary']")
    assert section.xpath("string(h2)") == "In plain words, for patients and caregivers"
    assert section.xpath("string(p[1])").startswith("A worksheet to fill in when you see")
    # A resource for providers only has none.
    assert (
        page(client.get("/resources/pew-research-health/")).xpath(
            "//section[@class='plain-summary']"
        )
        == []
    )


def test_a_plain_language_summary_needs_an_audience_with_patients(staff_client, seeded):
    pew = Resource.objects.get(slug="pew-research-health")
    response = post_change(staff_client, pew, plain_summary=EASY)
    errors = page(response).xpath("//div[contains(@class, 'field-plain_summary')]//ul/li")
    assert [e.text_content() for e in errors] == [
        "A plain-language summary is for patients and caregivers: set \u201cfor\u201d to "
        "include them, or leave this empty."
    ]
    response = post_change(staff_client, pew, plain_summary=EASY, audience="both")
    assert response.status_code == 302
    pew.refresh_from_db()
    assert (pew.audience, pew.plain_summary) == ("both", EASY)


def grade_shown(document):
    (shown,) = document.xpath("//div[contains(@class, 'field-reading_grade')]//span")
    return shown


def test_the_admin_shows_the_reading_grade_of_the_saved_summary(staff_client, seeded):
    toolkit = Resource.objects.get(slug="patients-toolkit-for-diagnosis")
    assert post_change(staff_client, toolkit, plain_summary=HARD).status_code == 302
    document = page(staff_client.get(change_url(toolkit)))
    shown = grade_shown(document)
    assert shown.text_content().startswith("Reading grade 2")  # 20-something
    assert "harder than the 6th\u20138th grade" in shown.text_content()
    assert "reading-grade--over" in shown.get("class")
    # The page loads the script that follows the typing, and tells it where to ask.
    url = "/admin/resources/resource/reading-grade/"
    assert shown.get("data-reading-grade-url") == url
    assert any("/js/reading-grade." in s for s in document.xpath("//script/@src"))

    assert post_change(staff_client, toolkit, plain_summary=EASY).status_code == 302
    shown = grade_shown(page(staff_client.get(change_url(toolkit))))
    assert "easier than the 6th\u20138th grade target" in shown.text_content()
    assert "reading-grade--over" not in shown.get("class")


def test_the_grade_view_grades_what_staff_type(staff_client, db):
    url = "/admin/resources/resource/reading-grade/"
    hard = staff_client.post(url, {"text": HARD}).json()
    assert hard["grade"] > 12
    assert hard["target"] == "6th\u20138th grade"
    assert hard["meets_target"] is False
    easy = staff_client.post(url, {"text": EASY}).json()
    assert easy["grade"] < 6
    assert easy["meets_target"] is True
    assert staff_client.post(url, {"text": "Too short."}).json() == {
        "grade": None,
        "words": 2,
        "target": "6th\u20138th grade",
        "meets_target": False,
        "verdict": "Write at least 10 words to see the reading grade.",
    }
    assert staff_client.get(url).status_code == 405


def test_the_grade_view_is_for_staff_only_and_checks_csrf(client, db, staff_client):
    url = "/admin/resources/resource/reading-grade/"
    response = client.post(url, {"text": EASY})
    assert response.status_code == 302  # to the sign-in page
    assert "/login/" in response["Location"]

    staff_client.handler.enforce_csrf_checks = True
    assert staff_client.post(url, {"text": EASY}).status_code == 403


def test_an_editor_sets_the_audience_through_the_form(editor_client, seeded):
    pledge = Resource.objects.get(slug="patient-centered-physician-pledge")
    response = submit(editor_client, change_url(pledge), {"audience": "both"})
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.audience == "both"
