"""Migrations carry existing content into the new model without losing a word."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("resources", "0001_initial")]
AFTER = [("resources", "0004_remove_free_text_creators_and_year_lowercase_slugs")]


@pytest.fixture
def migrate_from_free_text_creators(transactional_db):
    """Run the test at 0001, then hand it a function that migrates to the new model."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps

    def forward():
        migrated = MigrationExecutor(connection)
        migrated.loader.build_graph()
        migrated.migrate(AFTER)
        return migrated.loader.project_state(AFTER).apps

    yield old_apps, forward
    final = MigrationExecutor(connection)
    final.loader.build_graph()
    final.migrate(final.loader.graph.leaf_nodes())


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
