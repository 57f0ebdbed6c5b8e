"""The queue in the admin: staff (an Editor is enough) see what members suggested with its
+1s and what it resolves to, and accept it into a draft, decline it with a reason, or mark
it as spam and back; each decision is in the suggestion's history, and members are told."""

from typing import Any

import pytest
from django.core import mail
from reversion.models import Version

from resources.models import Resource
from suggestions.models import DeclineReason, PlusOne, Suggestion

from .conftest import form_values, messages_shown, page, post_change

pytestmark = pytest.mark.usefixtures("fresh_defences")

QUEUE = "/admin/suggestions/suggestion/"


def suggested(identifier: str = "10.5555/OpenNotes.2012.1", **fields: Any) -> Suggestion:
    from resources.identifiers import recognise

    values = {"note": "Good for residents.", "email": "pat@example.org", "name": "Pat"}
    return Suggestion.objects.create(
        identifier=identifier, key=recognise(identifier).key, **{**values, **fields}
    )


def run_action(client, action: str, *suggestions: Suggestion, **extra: Any):
    return client.post(
        QUEUE,
        {"action": action, "_selected_action": [s.pk for s in suggestions], **extra},
        follow=True,
    )


def comments(suggestion: Suggestion) -> list[str]:
    return [v.revision.get_comment() for v in Version.objects.get_for_object(suggestion)]


def test_the_queue_lists_and_filters_with_the_plus_ones(editor_client, db):
    waiting = suggested()
    PlusOne.objects.create(suggestion=waiting, note="Yes please", email="sam@example.org")
    PlusOne.objects.create(suggestion=waiting, note="Seconded")
    suggested("https://spam.example/pills", status="spam", note="Buy now")
    listed = page(editor_client.get(QUEUE))
    rows = listed.xpath("//table[@id='result_list']/tbody/tr")
    assert len(rows) == 2
    new_only = page(editor_client.get(f"{QUEUE}?status__exact=new"))
    [row] = new_only.xpath("//table[@id='result_list']/tbody/tr")
    cells = [" ".join(c.text_content().split()) for c in row.xpath("td|th")]
    assert "10.5555/OpenNotes.2012.1" in cells
    assert "2" in cells  # the +1s
    assert "Good for residents." in cells
    spam = page(editor_client.get(f"{QUEUE}?status__exact=spam"))
    assert "spam.example/pills" in spam.text_content()
    assert "OpenNotes" not in spam.xpath("string(//table[@id='result_list'])")


def test_the_admin_index_counts_the_new_suggestions(editor_client, db):
    suggested()
    suggested("https://example.org/guide")
    suggested("https://spam.example/", status="spam")
    line = page(editor_client.get("/admin/")).xpath("//*[@id='suggestion-queue']")[0]
    assert " ".join(line.text_content().split()).startswith(
        "2 new suggestions from members waiting"
    )
    assert line.xpath(".//a/@href") == [f"{QUEUE}?status__exact=new"]


def test_the_change_page_shows_what_the_identifier_resolves_to_cached(editor_client, db, registry):
    suggestion = suggested()
    shown = page(editor_client.get(f"{QUEUE}{suggestion.pk}/change/"))
    resolved = " ".join(
        shown.xpath("string(//div[@class='resolves-to resolves-to--found'])").split()
    )
    assert "Patients can read the notes" in resolved or "Annals of Internal Medicine" in resolved
    asked = registry.requests()
    assert asked > 0
    editor_client.get(f"{QUEUE}{suggestion.pk}/change/")
    assert registry.requests() == asked  # kept in the cache
    # Nothing the member wrote can be edited: the actions are the buttons.
    assert not shown.xpath("//input[@name='_save']")
    assert not shown.xpath("//textarea[@name='note']")


def test_accept_makes_a_draft_linked_back_and_publishing_it_mails_the_members_once(
    editor_client, db, registry, django_capture_on_commit_callbacks
):
    suggestion = suggested()
    PlusOne.objects.create(suggestion=suggestion, note="+1", email="sam@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(editor_client, "accept", suggestion)
    suggestion.refresh_from_db()
    draft = suggestion.resource
    assert draft is not None
    assert not draft.is_published
    assert suggestion.status == "accepted"
    assert f"is the draft \u201c{draft}\u201d now" in " ".join(messages_shown(response))
    assert comments(suggestion) == [f"Accepted into the draft \u201c{draft}\u201d."]
    assert Version.objects.get_for_object(suggestion).get().revision.user.username == "volunteer"
    assert mail.outbox == []  # told when it is published, not before

    with django_capture_on_commit_callbacks(execute=True):
        response = post_change(
            editor_client,
            draft,
            is_published="on",
            summary="Patients reading their doctors' notes.",
        )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_published
    assert sorted(m.to[0] for m in mail.outbox) == ["pat@example.org", "sam@example.org"]
    body = mail.outbox[0].body
    assert draft.title in body
    assert f"/resources/{draft.slug}/" in body
    # Saved again (and unpublished and published again): no second mail.
    with django_capture_on_commit_callbacks(execute=True):
        post_change(editor_client, draft, summary="Edited once more.")
        post_change(editor_client, draft, is_published=None)
        post_change(editor_client, draft, is_published="on")
    assert len(mail.outbox) == 2


def test_accept_from_the_suggestions_own_page(editor_client, db, registry):
    suggestion = suggested()
    url = f"{QUEUE}{suggestion.pk}/change/"
    values = form_values(editor_client, url)
    action_field = next(k for k in values if k.endswith("-action"))
    editor_client.post(url, {**values, action_field: "accept"}, follow=True)
    suggestion.refresh_from_db()
    assert suggestion.status == "accepted"


def test_accepting_one_already_on_the_list_links_it_as_a_duplicate(
    editor_client, seeded, registry, django_capture_on_commit_callbacks
):
    suggestion = suggested("PMID: 25123739")
    with django_capture_on_commit_callbacks(execute=True):
        run_action(editor_client, "accept", suggestion)
    suggestion.refresh_from_db()
    assert suggestion.status == "duplicate"
    assert suggestion.resource == Resource.objects.get(slug="transforming-health-care-delivery")
    assert [m.to for m in mail.outbox] == [["pat@example.org"]]  # it is published: told at once


def test_an_identifier_that_cannot_be_looked_up_stays_new_and_says_why(editor_client, db, registry):
    suggestion = suggested("10.5555/no-such-work")
    response = run_action(editor_client, "accept", suggestion)
    suggestion.refresh_from_db()
    assert suggestion.status == "new"
    assert "was not accepted" in " ".join(messages_shown(response))


def test_decline_asks_for_a_reason_and_mails_it(
    editor_client, db, django_capture_on_commit_callbacks
):
    suggestion = suggested()
    PlusOne.objects.create(suggestion=suggestion, note="+1", email="sam@example.org")
    PlusOne.objects.create(suggestion=suggestion, note="anonymous +1")
    asked = run_action(editor_client, "decline", suggestion)
    choices = page(asked).xpath("//input[@name='reason']")
    assert len(choices) == DeclineReason.objects.count() == 5
    reason = DeclineReason.objects.get(title="Already covered")
    reason.text = "The list has two on this already."
    reason.save()
    with django_capture_on_commit_callbacks(execute=True):
        done = run_action(editor_client, "decline", suggestion, reason=reason.pk)
    assert "Declined 1 suggestion(s)" in " ".join(messages_shown(done))
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.decline_text) == (
        "declined",
        "The list has two on this already.",
    )
    assert suggestion.closed_at is not None
    assert sorted(m.to[0] for m in mail.outbox) == ["pat@example.org", "sam@example.org"]
    assert "The list has two on this already." in mail.outbox[0].body
    assert "10.5555/OpenNotes.2012.1" in mail.outbox[0].body
    assert comments(suggestion) == ["Declined: Already covered."]


def test_staff_edit_the_decline_reasons(editor_client, db):
    response = editor_client.post(
        "/admin/suggestions/declinereason/add/",
        {"title": "Out of scope", "text": "It is about something else.", "position": 60},
    )
    assert response.status_code == 302
    assert DeclineReason.objects.filter(title="Out of scope").exists()


def test_spam_and_not_spam(editor_client, db):
    person = suggested()
    run_action(editor_client, "mark_spam", person)
    person.refresh_from_db()
    assert person.status == "spam"
    caught = suggested("https://example.org/caught", status="spam", spam_reason="too fast")
    run_action(editor_client, "not_spam", person, caught)
    person.refresh_from_db()
    caught.refresh_from_db()
    assert (person.status, caught.status) == ("new", "new")
    assert person.closed_at is None
    assert comments(person) == ["Not spam: back in the queue.", "Marked as spam."]


def test_a_rescued_twin_of_a_waiting_suggestion_becomes_its_plus_one(editor_client, db):
    waiting = suggested()
    caught = suggested(
        "https://doi.org/10.5555/opennotes.2012.1",
        status="spam",
        note="Caught by mistake",
        email="sam@example.org",
    )
    run_action(editor_client, "not_spam", caught)
    caught.refresh_from_db()
    assert caught.status == "duplicate"
    assert list(waiting.plus_ones.values_list("note", "email")) == [
        ("Caught by mistake", "sam@example.org")
    ]


def test_decisions_on_closed_suggestions_change_nothing(editor_client, db):
    declined = suggested(status="declined")
    run_action(editor_client, "mark_spam", declined)
    run_action(editor_client, "accept", declined)
    declined.refresh_from_db()
    assert declined.status == "declined"
    assert comments(declined) == []


def test_history_keeps_no_name_or_email(editor_client, db):
    suggestion = suggested()
    run_action(editor_client, "mark_spam", suggestion)
    data = Version.objects.get_for_object(suggestion).get().serialized_data
    assert "pat@example.org" not in data
    assert "Pat" not in data
    assert "Good for residents." in data


def test_the_outbox_is_for_superusers_only(editor_client, staff_client, db):
    assert editor_client.get("/admin/outbox/outgoingmail/").status_code == 403
    assert staff_client.get("/admin/outbox/outgoingmail/").status_code == 200


def test_nobody_adds_a_suggestion_in_the_admin(staff_client, db):
    assert staff_client.get(f"{QUEUE}add/").status_code == 403
