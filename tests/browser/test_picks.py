"""A provider's own handout in the browser: ticked on the list without JavaScript, printed
on one page of Letter and of A4; and the reading grade following the typing in the admin."""

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

from resources.models import Resource
from tests.browser.conftest import type_app_code
from tests.conftest import enrolled

# Each page of a PDF is one object of type /Page (the tree of them is /Pages).
PDF_PAGE = re.compile(rb"/Type\s*/Page(?![a-z])")


def printed_pages(page: Page, url: str, paper: str) -> int:
    page.goto(url)
    pdf = page.pdf(format=paper, print_background=True)
    return len(PDF_PAGE.findall(pdf))


def picks(*slugs: str) -> str:
    numbers = [str(Resource.objects.get(slug=slug).pk) for slug in slugs]
    return "/handout/?" + "&".join(f"r={n}" for n in numbers)


THREE = ["patients-toolkit-for-diagnosis", "opennotes", "let-patients-help"]


@pytest.mark.parametrize("paper", ["Letter", "A4"])
def test_a_picked_handout_prints_on_one_page(page: Page, live_server, seeded, paper):
    eight = list(Resource.objects.order_by("-position").values_list("slug", flat=True))
    assert len(eight) == 8
    assert printed_pages(page, live_server.url + picks(*THREE), paper) == 1
    assert printed_pages(page, live_server.url + picks(*eight) + "&r=abc", paper) == 1


def test_the_page_count_sees_a_handout_too_long_for_one_page(
    page: Page, live_server, make_resource
):
    made = [make_resource() for _ in range(30)]
    url = live_server.url + "/handout/?" + "&".join(f"r={r.pk}" for r in made)
    assert printed_pages(page, url, "Letter") > 1


def test_ticking_on_the_list_without_javascript_makes_the_handout(
    browser: Browser, live_server, seeded
):
    page = browser.new_context(java_script_enabled=False).new_page()
    page.goto(live_server.url + "/")
    page.get_by_label("Add to a handout: Let Patients Help!").check()
    page.get_by_label("Add to a handout: OpenNotes").check()
    page.get_by_role("button", name="Make a handout of the ticked resources").click()
    expected = picks("opennotes", "let-patients-help")  # in the list's order
    expect(page).to_have_url(live_server.url + expected)
    expect(page.locator(".handout__list h2")).to_have_text(["OpenNotes", "Let Patients Help!"])


def test_the_reading_grade_follows_what_staff_type(page: Page, live_server, seeded):
    enrolled(User.objects.create_superuser("staff", password="a long enough passphrase"))
    toolkit = Resource.objects.get(slug="patients-toolkit-for-diagnosis")
    page.goto(f"{live_server.url}/admin/login/?next=/admin/resources/resource/{toolkit.pk}/change/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", "a long enough passphrase")
    page.click("input[type=submit]")
    type_app_code(page, "staff")
    grade = page.locator(".field-reading_grade .reading-grade")
    expect(grade).to_contain_text("easier than the 6th\u20138th grade target")

    page.fill(
        "#id_plain_summary",
        "Participatory medicine constitutes a cooperative paradigm of healthcare delivery "
        "that encourages and anticipates the active involvement of all interconnected "
        "stakeholders as integral to the comprehensive continuum of care.",
    )
    expect(grade).to_contain_text("harder than the 6th\u20138th grade")
    expect(grade).to_have_class(re.compile(r"reading-grade--over"))
    page.fill("#id_plain_summary", "Too short to grade.")
    expect(grade).to_have_text("Write at least 10 words to see the reading grade.")
    # Nothing was saved by typing.
    toolkit.refresh_from_db()
    assert toolkit.plain_summary.startswith("A worksheet to fill in")
