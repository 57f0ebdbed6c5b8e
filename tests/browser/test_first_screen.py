"""A provider between two patients: the search box and the first resource without scrolling."""

import pytest
from playwright.sync_api import Page


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)])
def test_search_box_and_first_resource_are_on_the_first_screen(
    page: Page, live_server, seeded, width, height
):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(live_server.url)

    search = page.locator("header input[type=search]").bounding_box()
    first_title = page.locator("ol.resource-list li.resource h3").first.bounding_box()

    assert search is not None
    assert first_title is not None
    assert search["y"] + search["height"] <= height
    assert first_title["y"] + first_title["height"] <= height


def test_searching_from_the_header_shows_the_results(page: Page, live_server, seeded):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/about/")
    page.fill("header input[type=search]", "diagnose")
    page.press("header input[type=search]", "Enter")
    page.wait_for_url("**/resources/?q=diagnose")
    assert page.locator("ol.resource-list h3").all_text_contents() == [
        "The Patient’s Toolkit for Diagnosis"
    ]
