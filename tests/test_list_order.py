"""The list's length and each resource's place on it are kept under the list's order token
(resources/ordering.py): every way of changing what is listed, or in what order, must be
on the pages at the next request; an edit that changes neither must not count the list."""

from collections.abc import Callable
from typing import Any

import lxml.html
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from reversion.models import Version

from resources.models import Resource
from tests.conftest import CLIENT_ORDER


def place(client: Any, slug: str) -> tuple[str, str, str]:
    """What a resource's page says of its place: "Resource n of N", previous, next."""
    document = lxml.html.fromstring(client.get(f"/resources/{slug}/").content)

    def words(xpath: str) -> str:
        return " ".join(" ".join(e.text_content().split()) for e in document.xpath(xpath))

    return (
        words("//p[@class='eyebrow']").split(" · ")[0],
        words("//a[@rel='prev']"),
        words("//a[@rel='next']"),
    )


def listed(client: Any) -> list[str]:
    document = lxml.html.fromstring(client.get("/").content)
    return [li.get("id") for li in document.xpath("//ol[@class='resource-list']/li")]


def resource(slug: str) -> Resource:
    return Resource.objects.get(slug=slug)


def move_first_by_save() -> None:
    moved = resource("pew-research-health")
    moved.position = 1
    moved.save()


def move_first_loaded_with_less() -> None:
    moved = Resource.objects.only("title").get(slug="pew-research-health")
    moved.position = 1
    moved.save()


def move_first_by_update() -> None:
    Resource.objects.filter(slug="pew-research-health").update(position=1)


def move_first_by_bulk_update() -> None:
    moved = resource("pew-research-health")
    moved.position = 1
    Resource.objects.bulk_update([moved], ["position"])


# Each change makes pew-research-health the first of the eight.
MOVES = [move_first_by_save, move_first_loaded_with_less, move_first_by_update,
         move_first_by_bulk_update]  # fmt: skip


@pytest.mark.parametrize("move", MOVES, ids=[m.__name__ for m in MOVES])
def test_a_new_order_is_on_the_pages_at_the_next_request(
    client: Any, seeded: None, move: Callable[[], None]
) -> None:
    assert place(client, "e-patients-white-paper") == ("Resource 1 of 8", "", "Next OpenNotes")
    assert place(client, "pew-research-health")[0] == "Resource 8 of 8"
    move()
    assert listed(client) == ["pew-research-health", *CLIENT_ORDER[:-1]]
    first = place(client, "e-patients-white-paper")
    assert first[0] == "Resource 2 of 8"
    assert first[1].startswith("Previous ")  # the Pew report
    assert place(client, "pew-research-health")[:2] == ("Resource 1 of 8", "")


def unpublish_by_save() -> None:
    gone = resource("opennotes")
    gone.is_published = False
    gone.save()


def unpublish_by_update() -> None:
    Resource.objects.filter(slug="opennotes").update(is_published=False)


def archive() -> None:
    gone = resource("opennotes")
    gone.archived_at = timezone.now()
    gone.save(update_fields=["archived_at"])


def delete() -> None:
    resource("opennotes").delete()


# Each change takes opennotes, the second of the eight, off the list.
REMOVALS = [unpublish_by_save, unpublish_by_update, archive, delete]


@pytest.mark.parametrize("remove", REMOVALS, ids=[r.__name__ for r in REMOVALS])
def test_a_resource_off_the_list_renumbers_the_rest_at_the_next_request(
    client: Any, seeded: None, remove: Callable[[], None]
) -> None:
    assert place(client, "danny-sands-presentations")[0] == "Resource 3 of 8"
    assert place(client, "pew-research-health")[0] == "Resource 8 of 8"
    remove()
    assert place(client, "danny-sands-presentations") == (
        "Resource 2 of 7",
        "Previous e-Patients: How They Can Help Us Heal Health Care",
        place(client, "danny-sands-presentations")[2],
    )
    assert place(client, "pew-research-health")[0] == "Resource 7 of 7"


def test_a_new_resource_and_a_restored_one_are_counted_at_the_next_request(
    client: Any, seeded: None, make_resource: Callable[..., Resource]
) -> None:
    assert place(client, "opennotes")[0] == "Resource 2 of 8"
    make_resource(title="A new first one", position=2)
    assert place(client, "opennotes")[0] == "Resource 3 of 9"
    # A restore writes raw (as fixtures do): its order is counted again too.
    moved = resource("opennotes")
    call_command("createinitialrevisions", "resources.Resource", verbosity=0)
    moved.position = 10_000
    moved.save()
    assert place(client, "opennotes")[0] == "Resource 9 of 9"
    Version.objects.get_for_object(moved).last().revert()
    assert place(client, "opennotes")[0] == "Resource 3 of 9"


def test_an_edit_that_moves_nothing_counts_nothing(client: Any, seeded: None) -> None:
    client.get("/")
    client.get("/resources/opennotes/")
    renamed = resource("pew-research-health")
    renamed.title = "Pew, renamed"
    renamed.save()
    for path in ("/", "/resources/opennotes/"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
        assert counts == [], path
    # Its neighbour's page, whose place was kept, names it as it is now.
    assert place(client, CLIENT_ORDER[-2])[2] == "Next Pew, renamed"
