"""Staff curation, as a volunteer in the Editors group does it through the admin."""

from datetime import timedelta

import pytest
import reversion
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from django.utils import timezone
from reversion.models import Version
from taggit.models import Tag

from principles.models import Principle, TextBlock
from resources import curation
from resources.models import FormerSlug, Link, LinkHealth, Resource

from .conftest import (
    editor,
    form_values,
    messages_shown,
    page,
    record_health,
    run_seed,
    signed_in,
    submit,
)

ADMIN = "/admin/resources/resource/"


def change_url(resource: Resource) -> str:
    return f"{ADMIN}{resource.pk}/change/"


def errors(response) -> list[str]:
    return [
        " ".join(e.text_content().split())
        for e in page(response).xpath("//ul[contains(@class, 'errorlist')]/li")
    ]


def snapshot(resource: Resource) -> dict:
    """What a restore must bring back: the text, the links, the creators and the topics."""
    resource.refresh_from_db()
    return {
        "summary": resource.summary,
        "title": resource.title,
        "links": list(resource.links.values_list("label", "url", "position")),
        "creators": list(resource.creators.values_list("given_names", "family_name")),
        "tags": resource.tag_names,
    }


def history_versions(client: Client, resource: Resource) -> list[str]:
    """The links of the history page to each saved version, newest first."""
    document = page(client.get(f"{change_url(resource).removesuffix('change/')}history/"))
    return document.xpath("//table[@id='change-history']//th/a/@href")


# History and restore


def test_an_edit_then_a_restore_brings_back_text_links_creators_and_tags(
    editor_client, client, seeded
):
    resource = Resource.objects.get(slug="opennotes")
    before = snapshot(resource)
    response = submit(
        editor_client,
        change_url(resource),
        {
            "summary": "Rewritten by a volunteer.",
            "links-0-label": "A relabelled link",
            "links-2-label": "A brand new link",
            "links-2-url": "https://example.org/new",
            "creators-1-DELETE": "on",
            "tags": "transparency, research",
        },
    )
    assert response.status_code == 302
    edited = snapshot(resource)
    assert edited != before
    assert "A brand new link" in client.get("/resources/opennotes/").content.decode()

    versions = history_versions(editor_client, resource)
    assert len(versions) == 2  # the seed, then the edit
    restore = submit(editor_client, versions[-1], {})

    assert restore.status_code == 302
    assert snapshot(resource) == before
    public = page(client.get("/resources/opennotes/"))
    assert public.xpath("string(//p[@class='lead'])") == before["summary"]
    assert "A brand new link" not in public.text_content()


def test_history_names_who_changed_what_and_when(editor_client, seeded):
    resource = Resource.objects.get(slug="opennotes")
    submit(editor_client, change_url(resource), {"summary": "A volunteer's summary."})

    history = page(editor_client.get(f"{ADMIN}{resource.pk}/history/"))
    rows = [" ".join(r.text_content().split()) for r in history.xpath("//tbody/tr")]

    assert "volunteer (Vera Volunteer) Changed Summary." in rows[0]
    assert "Loaded from the seed file resources.yaml." in rows[-1]


def test_the_compare_view_shows_what_changed_between_versions(editor_client, seeded):
    resource = Resource.objects.get(slug="opennotes")
    submit(editor_client, change_url(resource), {"summary": "A volunteer's summary."})
    newer, older = Version.objects.get_for_object(resource)[:2]

    response = editor_client.get(
        f"{ADMIN}{resource.pk}/history/compare/",
        {"version_id1": older.pk, "version_id2": newer.pk},
    )
    document = page(response)
    added = "".join(document.xpath("//ins//text()"))
    removed = "".join(document.xpath("//del//text()"))

    assert "summary" in document.xpath("//h3/text()") or "summary" in document.text_content()
    assert "volunteer's summary" in added.replace("\u23ce", "")
    assert "initiative, based at Beth Israel" in removed


def test_a_deleted_resource_is_recovered_with_its_links_and_addresses(
    editor_client, staff_client, client, seeded
):
    resource = Resource.objects.get(slug="opennotes")
    rename = submit(editor_client, change_url(resource), {"slug": "opennotes-project"})
    assert rename.status_code == 302
    before = snapshot(resource)
    response = editor_client.post(f"{ADMIN}{resource.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert client.get("/resources/opennotes-project/").status_code == 404

    recover_list = page(editor_client.get(f"{ADMIN}recover/"))
    (link,) = recover_list.xpath(
        "//tr[contains(., 'OpenNotes')]//a[contains(@href, 'recover')]/@href"
    )
    recovered = submit(editor_client, link, {})

    assert recovered.status_code == 302
    resource = Resource.objects.get(slug="opennotes-project")
    assert snapshot(resource) == before
    assert client.get("/resources/opennotes-project/").status_code == 200
    assert client.get("/resources/opennotes/")["Location"] == "/resources/opennotes-project/"


def test_restoring_a_version_whose_slug_is_now_taken_is_refused_with_a_message(
    editor_client, seeded
):
    resource = Resource.objects.get(slug="opennotes")
    submit(editor_client, change_url(resource), {"slug": "opennotes-project"})
    other = Resource.objects.get(slug="let-patients-help")
    # Another resource takes the address back (allowed once its old owner has let it go?
    # no: an old address stays reserved, so the clash can only come from a deleted owner).
    Resource.objects.filter(pk=other.pk).update(slug="opennotes")
    resource.former_slugs.filter(slug="opennotes").delete()

    oldest = history_versions(editor_client, resource)[-1]
    response = editor_client.get(oldest, follow=True)

    assert messages_shown(response) == [
        "This version cannot be restored: its address, /resources/opennotes/, now leads to "
        "\u201cLet Patients Help!\u201d. Nothing was changed."
    ]
    resource.refresh_from_db()
    assert resource.slug == "opennotes-project"


def test_a_restore_keeps_every_address_the_resource_had(editor_client, client, seeded):
    resource = Resource.objects.get(slug="opennotes")
    submit(editor_client, change_url(resource), {"slug": "opennotes-project"})
    oldest = history_versions(editor_client, resource)[-1]

    assert submit(editor_client, oldest, {}).status_code == 302

    assert client.get("/resources/opennotes/").status_code == 200
    assert client.get("/resources/opennotes-project/")["Location"] == "/resources/opennotes/"


def test_principles_and_text_blocks_have_history_and_restore(editor_client, client, seeded):
    principle = Principle.objects.get(key="engaged-patients")
    url = f"/admin/principles/principle/{principle.pk}/"
    original = principle.text
    submit(editor_client, f"{url}change/", {"text": "A rewritten principle."})
    (oldest,) = page(editor_client.get(f"{url}history/")).xpath("//tbody/tr[last()]//th/a/@href")

    assert submit(editor_client, oldest, {}).status_code == 302

    principle.refresh_from_db()
    assert principle.text == original
    assert original in client.get("/").content.decode()


# No lost updates


def test_a_stale_second_save_is_refused_naming_who_and_when_and_keeps_the_typing(
    editor_client, seeded
):
    resource = Resource.objects.get(slug="opennotes")
    url = change_url(resource)
    second_person = form_values(editor_client, url)  # opened before the first save
    first = signed_in(editor("ana", "Ana", "Lopez"))
    assert submit(first, url, {"summary": "Ana's summary."}).status_code == 302

    second_person.update({"summary": "My own summary.", "_save": "Save"})
    response = editor_client.post(url, second_person)

    assert response.status_code == 200
    (message,) = errors(response)
    saved_at = Version.objects.get_for_object(resource).first().revision.date_created
    when = timezone.localtime(saved_at)
    assert message.startswith(
        f"Ana Lopez saved a change at {when:%H:%M} on {when.day} {when:%B %Y}"
    )
    assert "your changes were not saved" in message
    typed = page(response).xpath("//textarea[@name='summary']/text()")
    assert [t.strip() for t in typed] == ["My own summary."]
    resource.refresh_from_db()
    assert resource.summary == "Ana's summary."


def test_a_stale_save_from_the_lists_editable_columns_is_refused(editor_client, seeded):
    resource = Resource.objects.get(slug="opennotes")
    other = Resource.objects.get(slug="let-patients-help")
    stale = form_values(editor_client, ADMIN, "changelist-form")
    first = signed_in(editor("ana", "Ana", "Lopez"))
    assert submit(first, change_url(resource), {"position": 5}).status_code == 302

    row = next(k for k, v in stale.items() if k.endswith("-id") and v == str(resource.pk))
    other_row = next(k for k, v in stale.items() if k.endswith("-id") and v == str(other.pk))
    stale[row.replace("-id", "-position")] = "99"
    stale[other_row.replace("-id", "-position")] = "1"
    stale["_save"] = "Save"
    response = editor_client.post(ADMIN, stale)

    assert response.status_code == 200
    assert any(e.startswith("Ana Lopez saved a change at") for e in errors(response))
    resource.refresh_from_db()
    other.refresh_from_db()
    assert resource.position == 5
    assert other.position == 60  # the list is saved whole or not at all


def test_an_untouched_row_does_not_block_the_list(editor_client, seeded):
    resource = Resource.objects.get(slug="opennotes")
    other = Resource.objects.get(slug="let-patients-help")
    values = form_values(editor_client, ADMIN, "changelist-form")
    first = signed_in(editor("ana", "Ana", "Lopez"))
    submit(first, change_url(resource), {"summary": "Ana's summary."})

    other_row = next(k for k, v in values.items() if k.endswith("-id") and v == str(other.pk))
    values[other_row.replace("-id", "-position")] = "1"
    values["_save"] = "Save"

    assert editor_client.post(ADMIN, values).status_code == 302
    other.refresh_from_db()
    assert other.position == 1


@pytest.mark.parametrize(("model", "field"), [(Principle, "text"), (TextBlock, "body")])
def test_stale_saves_of_principles_and_text_blocks_are_refused(editor_client, seeded, model, field):
    obj = model.objects.first()
    url = f"/admin/principles/{model._meta.model_name}/{obj.pk}/change/"
    stale = form_values(editor_client, url)
    assert submit(editor_client, url, {field: "First edit."}).status_code == 302

    stale.update({field: "Second edit.", "_save": "Save"})
    response = editor_client.post(url, stale)

    assert response.status_code == 200
    assert "your changes were not saved" in errors(response)[0]
    obj.refresh_from_db()
    assert getattr(obj, field) == "First edit."


# Drafts


def add_resource(client: Client, **fields) -> Resource:
    data = form_values(client, f"{ADMIN}add/")
    data.update({
        "title": "A draft", "slug": "a-draft", "kind": "article", "summary": "Not yet public.",
        "links-0-label": "Read it", "links-0-url": "https://example.org/draft",
        "_save": "Save", **fields,
    })  # fmt: skip
    response = client.post(f"{ADMIN}add/", data)
    assert response.status_code == 302, errors(response)
    return Resource.objects.get(slug=data["slug"])


def test_a_new_resource_is_a_draft_staff_can_preview_and_the_public_cannot_see(
    editor_client, client, seeded
):
    draft = add_resource(editor_client)

    assert draft.is_published is False
    assert client.get("/resources/a-draft/").status_code == 404
    assert "A draft" not in client.get("/").content.decode()
    preview = editor_client.get("/resources/a-draft/")
    assert preview.status_code == 200
    assert "no-store" in preview["Cache-Control"]
    banner = page(preview).xpath("string(//div[contains(@class, 'notice--draft')])")
    assert "Draft: not public." in banner


def test_publishing_records_when_it_was_first_published(editor_client, client, seeded):
    draft = add_resource(editor_client)
    assert draft.first_published_at is None

    submit(editor_client, change_url(draft), {"is_published": "on"})
    draft.refresh_from_db()
    first = draft.first_published_at
    assert first is not None
    assert client.get("/resources/a-draft/").status_code == 200

    submit(editor_client, change_url(draft), {"is_published": None})
    submit(editor_client, change_url(draft), {"is_published": "on"})
    draft.refresh_from_db()
    assert draft.first_published_at == first


# Retire, don't delete


def run_action(client: Client, action: str, *resources: Resource, url: str = ADMIN):
    return client.post(
        url, {"action": action, "_selected_action": [r.pk for r in resources]}, follow=True
    )


def test_an_archived_resource_keeps_its_page_with_a_notice_and_leaves_the_list(
    editor_client, client, seeded
):
    old = Resource.objects.get(slug="pew-research-health")
    replacement = Resource.objects.get(slug="opennotes")
    submit(editor_client, change_url(old), {"superseded_by": str(replacement.pk)})

    response = run_action(editor_client, "archive", old)
    assert "Archived 1 resource(s). Their pages stay online with a notice." in messages_shown(
        response
    )

    detail = client.get("/resources/pew-research-health/")
    assert detail.status_code == 200
    notice = page(detail).xpath("//div[contains(@class, 'notice--archived')]")[0]
    assert "Archived." in notice.text_content()
    assert notice.xpath(".//a/@href") == ["/resources/opennotes/"]
    home = page(client.get("/"))
    assert "pew-research-health" not in home.xpath("//li[@class='resource']/@id")
    assert len(home.xpath("//li[@class='resource']")) == 7
    last = Resource.objects.get(slug="patient-centered-physician-pledge")
    assert "Resource 7 of 7" in client.get(last.get_absolute_url()).content.decode()
    assert b"pew-research-health" not in client.get("/feeds/resources.atom").content


def test_returning_an_archived_resource_puts_it_back_on_the_list(editor_client, client, seeded):
    old = Resource.objects.get(slug="pew-research-health")
    run_action(editor_client, "archive", old)
    run_action(editor_client, "return_to_list", old)
    assert "pew-research-health" in page(client.get("/")).xpath("//li[@class='resource']/@id")


def test_staff_are_steered_to_archiving_rather_than_deleting(editor_client, seeded):
    resource = Resource.objects.get(slug="opennotes")
    actions = page(editor_client.get(ADMIN)).xpath("//select[@name='action']/option/@value")
    assert "delete_selected" not in actions
    assert "archive" in actions

    confirm = page(editor_client.get(f"{ADMIN}{resource.pk}/delete/"))
    (offer,) = confirm.xpath("//div[contains(@class, 'archive-instead')]")
    assert offer.xpath(".//input[@name='action']/@value") == ["archive"]
    assert offer.xpath(".//input[@name='_selected_action']/@value") == [str(resource.pk)]


# Last reviewed


def test_review_due_lists_exactly_the_stale_ones(editor_client, seeded, settings):
    settings.REVIEW_AFTER_DAYS = 30
    today = timezone.localdate()
    reviewed = {
        "opennotes": today - timedelta(days=3),
        "let-patients-help": today - timedelta(days=30),
        "pew-research-health": today - timedelta(days=31),
        "e-patients-white-paper": today - timedelta(days=400),
    }
    for slug, day in reviewed.items():
        Resource.objects.filter(slug=slug).update(last_reviewed_on=day)
    stale = {"pew-research-health", "e-patients-white-paper"} | set(
        Resource.objects.filter(last_reviewed_on__isnull=True).values_list("slug", flat=True)
    )

    listed = page(editor_client.get(ADMIN, {"review": "due"}))
    titles = listed.xpath("//table[@id='result_list']//th[contains(@class, 'field-title')]//text()")

    assert sorted(titles) == sorted(
        Resource.objects.filter(slug__in=stale).values_list("title", flat=True)
    )


def test_marking_reviewed_shows_the_date_on_the_public_page(editor_client, client, seeded):
    resource = Resource.objects.get(slug="opennotes")
    response = run_action(editor_client, "mark_reviewed", resource)
    assert messages_shown(response) == ["Marked 1 resource(s) as reviewed today."]

    today = timezone.localdate()
    shown = page(client.get("/resources/opennotes/")).xpath("//p[@class='reviewed']")[0]
    assert shown.text_content() == f"Reviewed by SPM on {today.day} {today:%B %Y}"
    assert shown.xpath("time/@datetime") == [today.isoformat()]
    assert (
        "Marked as reviewed"
        in Version.objects.get_for_object(resource).first().revision.get_comment()
    )


def test_mark_reviewed_works_from_the_resources_own_page(editor_client, seeded):
    resource = Resource.objects.get(slug="opennotes")
    values = form_values(editor_client, change_url(resource))
    action_field = next(k for k in values if k.endswith("-action"))
    response = editor_client.post(
        change_url(resource),
        {**values, action_field: "mark_reviewed"},
        follow=True,
    )
    assert response.status_code == 200
    resource.refresh_from_db()
    assert resource.last_reviewed_on == timezone.localdate()


# Editors


def test_editors_have_exactly_the_permissions_to_keep_the_list(db):
    group = Group.objects.get(name="Editors")
    granted = set(group.permissions.values_list("content_type__app_label", "codename"))
    managed = [
        ("resources", "resource"), ("resources", "link"), ("resources", "creator"),
        ("resources", "taggedresource"), ("taggit", "tag"),
        ("principles", "principle"), ("principles", "textblock"),
    ]  # fmt: skip
    expected = {
        (app, f"{action}_{model}")
        for app, model in managed
        for action in ("add", "change", "delete", "view")
    } | {("resources", "view_formerslug")}
    # The suggestion queue: decide suggestions (not add them: members do), see the +1s, keep
    # the decline reasons; never the outbox, which holds members' addresses.
    queue = (
        {("suggestions", f"{action}_suggestion") for action in ("view", "change", "delete")}
        | {("suggestions", "view_plusone")}
        | {
            ("suggestions", f"{action}_declinereason")
            for action in ("add", "change", "delete", "view")
        }
    )
    assert granted == expected | queue
    assert not Permission.objects.filter(group=group, content_type__app_label="auth").exists()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/auth/user/",
        "/admin/auth/group/",
        "/admin/auth/user/add/",
        "/admin/auth/user/1/change/",
    ],
)
def test_an_editor_gets_403_on_users_groups_and_logs(editor_client, url):
    assert editor_client.get(url).status_code == 403


@pytest.mark.parametrize(
    "url",
    [ADMIN, f"{ADMIN}add/", "/admin/taggit/tag/", "/admin/principles/principle/",
     "/admin/principles/textblock/", f"{ADMIN}recover/"],
)  # fmt: skip
def test_an_editor_can_open_what_they_keep(editor_client, seeded, url):
    assert editor_client.get(url).status_code == 200


# Topics


def test_merging_topics_moves_every_resource_and_deletes_the_others(editor_client, seeded):
    keep = Tag.objects.get(name="patient engagement")
    duplicate = Tag.objects.create(name="engaging patients", slug="engaging-patients")
    for slug in ["opennotes", "pew-research-health"]:
        Resource.objects.get(slug=slug).tags.add(duplicate)
    expected = set(
        Resource.objects.filter(tags__in=[keep, duplicate]).values_list("slug", flat=True)
    )

    confirm = editor_client.post(
        "/admin/taggit/tag/", {"action": "merge", "_selected_action": [keep.pk, duplicate.pk]}
    )
    (form,) = [f for f in page(confirm).forms if f.xpath(".//input[@name='keep']")]
    choices = form.xpath(".//input[@name='keep']/@value")
    assert sorted(choices) == sorted([str(keep.pk), str(duplicate.pk)])
    values: dict[str, list[str]] = {}
    for name, value in form.form_values():
        values.setdefault(name, []).append(value)
    response = editor_client.post("/admin/taggit/tag/", {**values, "keep": str(keep.pk)})

    assert response.status_code == 302
    assert not Tag.objects.filter(pk=duplicate.pk).exists()
    assert set(Resource.objects.filter(tags=keep).values_list("slug", flat=True)) == expected
    opennotes = Resource.objects.get(slug="opennotes")
    latest = Version.objects.get_for_object(opennotes).first().revision
    assert (
        latest.get_comment()
        == "Topics \u201cengaging patients\u201d merged into \u201cpatient engagement\u201d."
    )
    assert latest.user.username == "volunteer"


def test_merging_a_topic_into_itself_is_refused(editor_client, seeded):
    tag = Tag.objects.get(name="research")
    response = editor_client.post(
        "/admin/taggit/tag/", {"action": "merge", "_selected_action": [tag.pk]}, follow=True
    )
    assert messages_shown(response) == [
        "Select two or more topics to merge: a topic cannot be merged into itself."
    ]
    assert Tag.objects.filter(pk=tag.pk).exists()


def test_topics_stay_case_insensitive(editor_client, seeded):
    resource = Resource.objects.get(slug="opennotes")
    count = Tag.objects.count()
    submit(editor_client, change_url(resource), {"tags": "Research, DIAGNOSIS"})
    assert Tag.objects.count() == count
    assert resource.tag_names == ["diagnosis", "research"]


def test_a_browsers_crlf_line_breaks_are_not_a_change(editor_client, seeded):
    resource = Resource.objects.get(slug="opennotes")
    values = form_values(editor_client, change_url(resource))
    # What a browser posts for an untouched textarea: its line breaks as CRLF.
    values.update(
        {
            "why_it_matters": values["why_it_matters"].replace("\n", "\r\n"),
            "summary": "Only the summary changed.",
            "_save": "Save",
        }
    )
    assert editor_client.post(change_url(resource), values).status_code == 302

    resource.refresh_from_db()
    assert "\r" not in resource.why_it_matters
    latest = Version.objects.get_for_object(resource).first()
    assert latest.revision.get_comment() == "Changed Summary."


@pytest.mark.django_db(transaction=True)
def test_the_lists_order_column_saves_as_in_production_without_a_test_transaction():
    """As on a real server, no test transaction wraps the request: the rows' version
    check locks them (PostgreSQL), which needs the save's own transaction."""
    run_seed()
    staff = signed_in(
        User.objects.create_user("boss", password="x", is_staff=True, is_superuser=True)
    )
    other = Resource.objects.get(slug="let-patients-help")
    values = form_values(staff, ADMIN, "changelist-form")
    row = next(k for k, v in values.items() if k.endswith("-id") and v == str(other.pk))
    values[row.replace("-id", "-position")] = "1"
    values["_save"] = "Save"
    assert staff.post(ADMIN, values).status_code == 302
    other.refresh_from_db()
    assert other.position == 1


# The rules the admin's actions call, called as a script or a command would.


def test_mark_reviewed_records_a_revision_each_and_accepts_the_pages_titles(seeded, make_resource):
    resource = make_resource(last_reviewed_on=None)
    link = resource.primary_link
    record_health(link.url, "ok", title="A new title", reviewed_title="The old title")
    user = editor()

    count = curation.mark_reviewed(Resource.objects.filter(pk=resource.pk), user=user)

    assert count == 1
    resource.refresh_from_db()
    assert resource.last_reviewed_on == timezone.localdate()
    latest = Version.objects.get_for_object(resource).first()
    assert latest.revision.user == user
    assert latest.revision.comment.startswith("Marked as reviewed on ")
    link.health.refresh_from_db()
    assert link.health.reviewed_title == "A new title"
    assert not link.health.title_changed


def test_archive_and_return_change_only_what_needs_it_and_say_how_many(seeded):
    resources = Resource.objects.filter(slug__in=["opennotes", "let-patients-help"])
    assert curation.archive(resources, user=None) == 2
    assert curation.archive(resources, user=None) == 0  # already archived: nothing recorded
    assert not Resource.objects.listed().filter(slug="opennotes").exists()
    assert [v.revision.comment for v in Version.objects.get_for_object(resources[0])][:1] == [
        "Archived: taken off the list, page kept."
    ]
    assert curation.return_to_list(resources.filter(slug="opennotes"), user=None) == 1
    assert Resource.objects.listed().filter(slug="opennotes").exists()


def test_check_links_now_refuses_more_than_a_page_of_resources(db, make_resource):
    for _ in range(curation.CHECK_NOW_LIMIT + 1):
        make_resource()
    done, said = curation.check_links_now(Resource.objects.all())
    assert not done
    assert said == (
        "Select at most 25 resources to check at once; manage.py check_links checks every link."
    )
    assert not Link.objects.filter(health__isnull=False).exists()


def test_a_version_whose_address_another_resource_took_cannot_be_restored(seeded):
    book = Resource.objects.get(slug="let-patients-help")
    with reversion.create_revision():
        book.save()
    version = Version.objects.get_for_object(book).first()
    assert curation.restore_problem(version) == ""
    book.slug = "let-patients-help-book"
    book.save()
    Resource.objects.filter(slug="opennotes").update(slug="spare")
    other = Resource.objects.get(slug="spare")
    other.slug = "let-patients-help"  # the book's first address, now taken
    FormerSlug.objects.filter(slug="let-patients-help").delete()
    other.save()
    assert curation.restore_problem(version) == (
        "This version cannot be restored: its address, /resources/let-patients-help/, now "
        "leads to \u201cOpenNotes\u201d. Nothing was changed."
    )


def test_links_needing_attention_are_asked_of_the_health_table(seeded):
    urls = list(
        Link.objects.order_by("resource__position", "position").values_list("url", flat=True)
    )
    record_health(urls[0], "broken", status_code=404, failures=2)
    record_health(urls[1], "moved", final_url="https://example.org/new", permanent_move=True)
    record_health(urls[2], "ok", title="Parked domain", reviewed_title="The toolkit")
    record_health(urls[3], "unverified", status_code=403)
    record_health(urls[4], "ok", title="Same", reviewed_title="Same")
    current = LinkHealth.objects.current().in_list_order()
    assert [h.url for h in current.broken()] == [urls[0]]
    assert [h.url for h in current.moved()] == [urls[1]]
    assert [h.url for h in current.retitled()] == [urls[2]]
    assert current.unverified().count() == 1
    # Once the link points elsewhere, what was found at its old address no longer counts.
    Link.objects.filter(url=urls[0]).update(url="https://example.org/fixed")
    assert not LinkHealth.objects.current().broken().exists()


def test_a_resource_is_reported_by_its_worst_link(db, make_resource):
    resource = make_resource()
    first, second = resource.links.all()
    assert Resource.objects.with_link_health().get(pk=resource.pk).worst_link_state == "unknown"
    assert set(Resource.objects.with_link_state("unknown")) == {resource}
    record_health(first.url, "ok")
    record_health(second.url, "moved", final_url="https://example.org/elsewhere")
    loaded = Resource.objects.with_link_health().get(pk=resource.pk)
    assert loaded.worst_link_state == "moved"
    assert set(Resource.objects.with_link_state("moved")) == {resource}
    assert not Resource.objects.with_link_state("unknown").exists()
    record_health(first.url, "broken", status_code=500, failures=2)
    assert Resource.objects.with_link_health().get(pk=resource.pk).worst_link_state == "broken"
