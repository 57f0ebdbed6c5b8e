"""What the data itself refuses, whoever enters it."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from resources.models import Creator, Link, Resource


@pytest.fixture
def resource(db) -> Resource:
    return Resource.objects.create(title="T", slug="t", kind="book", summary="S")


@pytest.mark.parametrize("url", ["http://example.org/a", "https://example.org/a?b=c#d"])
def test_http_and_https_links_validate(resource, url):
    Link(resource=resource, label="L", url=url).full_clean()


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/file",
        "javascript:alert(1)",
        "data:text/html,hi",
        "mailto:a@example.org",
        "file:///etc/passwd",
        "example.org",
    ],
)
def test_other_schemes_do_not_validate(resource, url):
    with pytest.raises(ValidationError) as error:
        Link(resource=resource, label="L", url=url).full_clean()
    assert "url" in error.value.message_dict


def test_the_first_link_by_position_is_the_primary_one(resource):
    resource.links.all().delete()
    Link.objects.create(resource=resource, label="B", url="https://b.example", position=20)
    Link.objects.create(resource=resource, label="A", url="https://a.example", position=10)
    Link.objects.create(resource=resource, label="C", url="https://c.example", position=20)
    assert resource.primary_link.label == "A"
    assert [link.label for link in resource.links.all()] == ["A", "B", "C"]


@pytest.mark.parametrize(
    ("field", "good", "bad"),
    [
        ("doi", "10.15265/IY-2014-0017", "https://doi.org/10.15265/IY-2014-0017"),
        ("pmid", "25123739", "PMID 25123739"),
        ("isbn", "978-0-306-40615-7", "978-0-306-40615-8"),
        ("isbn", "0-306-40615-2", "0-306-40615-3"),
        ("issued", "2014", "14"),
        ("issued", "2014-08", "2014-13"),
        ("issued", "2014-08-15", "2014-02-30"),
        ("issued", "2014-08-15", "15/08/2014"),
        ("issued", "1800", "1799"),
        ("slug", "open-notes", "Open-Notes"),
        ("slug", "open-notes-2", "open_notes"),
    ],
)
def test_identifiers_are_checked(resource, field, good, bad):
    setattr(resource, field, good)
    resource.full_clean()
    setattr(resource, field, bad)
    with pytest.raises(ValidationError) as error:
        resource.full_clean()
    assert field in error.value.message_dict


def test_saving_a_resource_records_when_it_last_changed(resource):
    before = resource.updated_at
    resource.title = "Changed"
    resource.save(update_fields=["title"])
    resource.refresh_from_db()
    assert resource.updated_at > before


@pytest.mark.parametrize(
    ("issued", "shown", "parts"),
    [("2013", "2013", [2013]), ("2014-08", "August 2014", [2014, 8]),
     ("2014-08-15", "15 August 2014", [2014, 8, 15])],
)  # fmt: skip
def test_a_date_is_kept_as_precisely_as_it_is_known(resource, issued, shown, parts):
    resource.issued = issued
    resource.full_clean()
    resource.save()
    resource.refresh_from_db()
    assert resource.date is not None
    assert resource.date.display() == shown
    assert resource.date.parts == parts
    assert resource.date.isoformat() == issued
    assert resource.year == parts[0]


def test_the_database_refuses_a_slug_with_capitals(resource):
    with pytest.raises(IntegrityError), transaction.atomic():
        Resource.objects.filter(pk=resource.pk).update(slug="Capital")


def test_a_creator_is_a_person_or_an_organisation(resource):
    for fields, field in [
        ({"given_names": "Ada"}, "family_name"),
        ({"family_name": "Lovelace", "organisation": "Analytical Society"}, "organisation"),
    ]:
        with pytest.raises(ValidationError) as error:
            Creator(resource=resource, **fields).full_clean()
        assert field in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Creator.objects.create(resource=resource, family_name="Lovelace", organisation="A group")
