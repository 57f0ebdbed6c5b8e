"""Search: what providers type finds what they mean, on SQLite and on PostgreSQL alike."""

import pytest
from django.core.management import call_command
from taggit.models import Tag

from resources.curation import merge_topics
from resources.models import Creator, Resource
from resources.search import highlight, search

from .conftest import page, submit


def found(query: str) -> list[str]:
    queryset, _ = search(Resource.objects.listed(), query)
    return sorted(queryset.values_list("slug", flat=True))


def best(query: str) -> str:
    queryset, _ = search(Resource.objects.listed(), query)
    return queryset.order_by("-rank", "position").values_list("slug", flat=True)[0]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("diagnose", ["patients-toolkit-for-diagnosis"]),
        ("DIAGNOSIS", ["patients-toolkit-for-diagnosis"]),
        ("Fox", ["pew-research-health"]),
        ("Berger", ["patient-centered-physician-pledge"]),
        ("Yearbook informatics", ["transforming-health-care-delivery"]),
        ("social media", ["pew-research-health"]),
    ],
)
def test_words_of_titles_creators_venues_and_topics_are_found(seeded, query, expected):
    assert found(query) == expected


@pytest.mark.parametrize(
    "spelling", ["e-patient", "epatient", "e patient", "E-Patients", "ePatients"]
)
def test_hyphen_and_space_variants_find_the_same_resources(seeded, spelling):
    assert found(spelling) == found("e-patients")
    assert "e-patients-white-paper" in found(spelling)


@pytest.mark.parametrize("spelling", ["OpenNotes", "opennotes", "open notes", "Open-Notes"])
def test_opennotes_is_found_however_it_is_written(seeded, spelling):
    assert "opennotes" in found(spelling)


def test_accents_do_not_matter(make_resource):
    resource = make_resource(title="Décisions partagées en médecine")
    assert found("decisions partagees") == [resource.slug]
    assert found("DÉCISIONS") == [resource.slug]


def test_a_title_match_ranks_above_a_match_deep_in_the_text(make_resource):
    deep = make_resource(title="Something else", why_it_matters="Mentions telehealth once.")
    titled = make_resource(title="Telehealth for beginners")
    assert best("telehealth") == titled.slug
    assert found("telehealth") == sorted([deep.slug, titled.slug])


@pytest.mark.parametrize(
    "query",
    ['"', "*", "NEAR(", "OR", "-", "a AND b", "title:x", "^", "'; DROP TABLE x; --",
     "\x00", "(((", "x" * 5000, "patient*", 'e "patient'],
)  # fmt: skip
def test_search_syntax_in_a_query_is_just_text(seeded, query):
    found(query)  # no FTS or tsquery error, whatever the engine


def test_a_query_of_only_common_words_searches_nothing(seeded):
    queryset, terms = search(Resource.objects.listed(), "the and of")
    assert terms == []
    assert queryset.count() == 8


def test_highlighting_marks_the_matching_words_and_escapes_the_rest():
    html = highlight("<b>Diagnosis</b> & diagnosing: the patient’s view", ["diagnose"])
    assert html == (
        "&lt;b&gt;<mark>Diagnosis</mark>&lt;/b&gt; &amp; <mark>diagnosing</mark>: "
        "the patient’s view"
    )
    # Never inside the entity that escaping wrote.
    assert highlight("Tom & Jerry", ["amp"]) == "Tom &amp; Jerry"


# The index follows every change.


def test_the_index_follows_edits_creators_and_topics(make_resource, staff_client):
    resource = make_resource(title="Plain title")
    assert found("zebrafish") == []

    submit(staff_client, f"/admin/resources/resource/{resource.pk}/change/",
           {"title": "Zebrafish models", "tags": "marine biology"})  # fmt: skip
    assert found("zebrafish") == [resource.slug]
    assert found("marine") == [resource.slug]
    Creator.objects.create(resource=resource, family_name="Quintanilla", position=9)
    assert found("quintanilla") == [resource.slug]


def test_the_index_forgets_deleted_resources_and_learns_restored_ones(
    seeded, editor_client, staff_client
):
    resource = Resource.objects.get(slug="opennotes")
    staff_client.post(f"/admin/resources/resource/{resource.pk}/delete/", {"post": "yes"})
    assert "opennotes" not in found("opennotes")

    recover = editor_client.get("/admin/resources/resource/recover/")
    link = [line for line in recover.content.decode().split('"') if "/recover/" in line][-1]
    submit(editor_client, link, {})
    assert found("opennotes") == ["opennotes"]


def test_the_index_follows_a_topic_merge_and_rename(seeded):
    keep = Tag.objects.get(name="research")
    other = Tag.objects.create(name="zoology", slug="zoology")
    Resource.objects.get(slug="opennotes").tags.add(other)
    assert found("zoology") == ["opennotes"]

    merge_topics(keep, [other])
    assert found("zoology") == []
    keep.name = "evidence"
    keep.save()
    assert "opennotes" in found("evidence")


def test_rebuilding_the_index_gives_the_same_answers(seeded):
    before = found("patient engagement")
    call_command("rebuild_search_index", verbosity=0)
    assert found("patient engagement") == before


def test_a_search_gives_its_matches_and_counts_their_topics(client, make_resource):
    for n in range(4):
        make_resource(title=f"Diagnosis guide {n}", tags=["alpha"] if n % 2 else ["beta"])
    make_resource(title="Something else entirely", tags=["alpha"])
    document = page(client.get("/resources/", {"q": "diagnosis"}))
    headings = document.xpath("//li[@class='resource']/h3")
    titles = [" ".join(t.text_content().split()) for t in headings]
    assert sorted(titles) == [f"Diagnosis guide {n}" for n in range(4)]
    counts = {
        " ".join(a.text_content().split()) for a in document.xpath("//a[contains(@href, 'tag=')]")
    }
    assert {"alpha 2", "beta 2"} <= counts
