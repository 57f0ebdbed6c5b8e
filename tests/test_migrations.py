"""Migrations carry existing content into the new model without losing a word."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.fixture
def migrations(transactional_db):
    """Hands the test a function that takes the database back to one migration and returns
    its models and a function that migrates on to another; the latest schema comes back after."""

    def between(before: str, after: str):
        executor = MigrationExecutor(connection)
        executor.migrate([("resources", before)])
        old_apps = executor.loader.project_state([("resources", before)]).apps

        def forward():
            migrated = MigrationExecutor(connection)
            migrated.loader.build_graph()
            migrated.migrate([("resources", after)])
            return migrated.loader.project_state([("resources", after)]).apps

        return old_apps, forward

    yield between
    final = MigrationExecutor(connection)
    final.loader.build_graph()
    final.migrate(final.loader.graph.leaf_nodes())


@pytest.fixture
def migrate_from_free_text_creators(migrations):
    return migrations("0001_initial", "0004_remove_free_text_creators_and_year_lowercase_slugs")


def test_free_text_creators_dates_and_capitalised_slugs_are_moved(migrate_from_free_text_creators):
    old_apps, forward = migrate_from_free_text_creators
    OldResource = old_apps.get_model("resources", "Resource")

    def old(slug, creators, **fields):
        defaults = {"title": slug, "kind": "book", "summary": "S"}
        return OldResource.objects.create(slug=slug, creators=creators, **{**defaults, **fields})

    old("people", "Tom Delbanco, MD, and Jan Walker, RN, MBA", year=2010)
    old("initials", "D. Z. Sands, J. S. Wald", kind="journal-article",
        publisher="Yearbook of Medical Informatics", published_on="2014-08-15")  # fmt: skip
    old("group", "Tom Ferguson, MD, and the e-Patient Scholars Working Group")
    old("Nickname", "Daniel Z. (Danny) Sands, MD")
    old("nobody", "")

    apps = forward()
    Resource = apps.get_model("resources", "Resource")

    def creators(slug):
        return [
            (c.given_names, c.family_name, c.organisation, c.credentials)
            for c in Resource.objects.get(slug=slug).creators.order_by("position")
        ]

    assert creators("people") == [("Tom", "Delbanco", "", "MD"), ("Jan", "Walker", "", "RN, MBA")]
    assert creators("initials") == [("D. Z.", "Sands", "", ""), ("J. S.", "Wald", "", "")]
    assert creators("group") == [
        ("Tom", "Ferguson", "", "MD"),
        ("", "", "the e-Patient Scholars Working Group", ""),
    ]
    # What cannot be split without changing a word is kept whole, for staff to split.
    assert creators("nickname") == [("", "", "Daniel Z. (Danny) Sands, MD", "")]
    assert creators("nobody") == []

    assert Resource.objects.get(slug="people").issued == "2010"
    article = Resource.objects.get(slug="initials")
    assert (article.issued, article.container_title, article.publisher) == (
        "2014-08-15",
        "Yearbook of Medical Informatics",
        "",
    )
    assert list(
        apps.get_model("resources", "FormerSlug").objects.values_list("slug", "resource__slug")
    ) == [("Nickname", "nickname")]


def test_the_ticked_primary_link_becomes_the_first_by_position(migrations):
    old_apps, forward = migrations("0010_link_health", "0011_first_link_is_primary")
    OldResource = old_apps.get_model("resources", "Resource")
    OldLink = old_apps.get_model("resources", "Link")

    def resource(slug, *links):
        made = OldResource.objects.create(slug=slug, title=slug, kind="book", summary="S")
        for label, position, primary in links:
            OldLink.objects.create(resource=made, label=label, url=f"https://{slug}.example/{label}",
                                   position=position, is_primary=primary)  # fmt: skip

    # Already first: left exactly as it was.
    resource("first", ("a", 10, True), ("b", 20, False))
    # Ticked but last (the old ordering put the tick first whatever its position).
    resource("last", ("a", 10, False), ("b", 20, False), ("c", 30, True))
    # Ticked with the same position as another, created later.
    resource("tie", ("a", 0, False), ("b", 0, True))
    resource("unticked", ("a", 5, False), ("b", 3, False))

    apps = forward()
    Link = apps.get_model("resources", "Link")
    assert "is_primary" not in {field.name for field in Link._meta.get_fields()}

    def links(slug):
        return list(
            Link.objects.filter(resource__slug=slug)
            .order_by("position", "pk")
            .values_list("label", "position")
        )

    assert links("first") == [("a", 10), ("b", 20)]
    assert links("last") == [("c", 10), ("a", 20), ("b", 30)]
    assert links("tie") == [("b", 10), ("a", 20)]
    assert links("unticked") == [("b", 3), ("a", 5)]
