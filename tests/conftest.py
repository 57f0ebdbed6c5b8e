from collections.abc import Callable
from io import StringIO
from typing import Any

import lxml.html
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext

from principles.models import Principle, TextBlock
from resources.models import Creator, Link, Resource

# The client's order: the slugs of the eight resources as the seed loads them.
CLIENT_ORDER = [
    "e-patients-white-paper",
    "opennotes",
    "danny-sands-presentations",
    "transforming-health-care-delivery",
    "patients-toolkit-for-diagnosis",
    "let-patients-help",
    "patient-centered-physician-pledge",
    "pew-research-health",
]


def count_queries(client: Client, url: str) -> int:
    """How many SQL queries one successful GET of ``url`` makes."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def run_seed(*args: str) -> str:
    out = StringIO()
    call_command("seed", *args, stdout=out)
    return out.getvalue()


def page(response: HttpResponse) -> lxml.html.HtmlElement:
    """The response's HTML, parsed, to assert on elements rather than on strings."""
    assert response.status_code == 200, response.status_code
    return lxml.html.fromstring(response.content.decode())


def meta(document: lxml.html.HtmlElement, key: str) -> list[str]:
    """The content of every <meta name=key> or <meta property=key>, in page order."""
    return document.xpath(f"//head/meta[@name='{key}' or @property='{key}']/@content")


@pytest.fixture
def staff_client(client: Client, db: None) -> Client:
    user = User.objects.create_user("editor", password="x", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.fixture
def seeded(db: None) -> None:
    """The database as `make run` leaves it: the client's content from the YAML fixtures."""
    run_seed()


@pytest.fixture
def make_resource(db: None) -> Callable[..., Resource]:
    """Create a published resource with one primary link and a tag; keywords override fields."""
    counter = iter(range(1, 1_000_000))

    def make(**fields: Any) -> Resource:
        n = next(counter)
        tags = fields.pop("tags", ["testing"])
        creators = fields.pop("creators", [{"given_names": "Ada", "family_name": f"Author{n}"}])
        values: dict[str, Any] = {
            "title": f"Resource number {n}",
            "slug": f"resource-{n}",
            "kind": Resource.Kind.ARTICLE,
            "issued": "2020",
            "summary": f"Summary of resource {n}.",
            "why_it_matters": f"Why resource {n} matters.",
            "position": 1000 + n,
        }
        values.update(fields)
        resource = Resource.objects.create(**values)
        Link.objects.create(
            resource=resource,
            label=f"Open resource {n}",
            url=f"https://example.org/{n}",
            is_primary=True,
        )
        Link.objects.create(
            resource=resource, label="Another copy", url=f"https://example.com/{n}", position=1
        )
        for position, creator in enumerate(creators, start=1):
            Creator.objects.create(resource=resource, position=position, **creator)
        resource.tags.add(*tags)
        return resource

    return make


@pytest.fixture
def principle_and_block(db: None) -> tuple[Principle, TextBlock]:
    return (
        Principle.objects.create(key="p", text="A principle.", position=1),
        TextBlock.objects.create(key="b", heading="A heading", body="A body.", position=1),
    )
