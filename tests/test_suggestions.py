"""Members suggest resources through /suggest/: a person's words always reach the queue (or
are kept on the page to send again), bots never reach "new", and nothing of a suggestion is
ever public. Every test posts what the rendered form holds, as a browser would."""

import io
from datetime import timedelta

import lxml.html
import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from outbox.models import OutgoingMail
from resources.models import Resource
from suggestions import submissions
from suggestions.models import PlusOne, Suggestion

from .conftest import through_site
from .suggesting import PERSON, SUGGEST, browser_values, suggest

pytestmark = pytest.mark.usefixtures("fresh_defences")


def text_of(response) -> str:
    return " ".join(lxml.html.fromstring(response.content.decode()).text_content().split())


def test_the_form_warns_about_health_information_and_says_what_is_kept(client, db):
    response = client.get(SUGGEST)
    shown = text_of(response)
    assert "Please do not include any patient’s health information" in shown
    assert "deleted 90 days after the suggestion is decided" in shown
    assert "Posts that look automated are kept for 30 days" in shown
    document = lxml.html.fromstring(response.content.decode())
    form = document.xpath("//form[@method='post']")[0]
    names = [i.get("name") for i in form.xpath(".//input | .//textarea")]
    assert names == [
        "csrfmiddlewaretoken",
        "token",
        "identifier",
        "note",
        "name",
        "email",
        "favourite_colour",
    ]
    trap = form.xpath(".//input[@name='favourite_colour']")[0]
    assert (trap.get("tabindex"), trap.get("autocomplete")) == ("-1", "off")
    wrapper = trap.getparent()
    assert wrapper.get("aria-hidden") == "true"
    assert "field--trap" in wrapper.get("class")
    assert trap.get("style") is None  # hidden by site.css, not inline (CSP)
    # Each field's hint is tied to it.
    note = form.xpath(".//textarea[@name='note']")[0]
    assert note.get("aria-describedby") == "id_note_helptext"
    assert document.xpath("//*[@id='id_note_helptext']")


def test_the_form_is_linked_from_the_list_the_catalogue_and_the_footer(client, seeded):
    for path in ["/", "/resources/", "/resources/?q=xylophone", "/about/"]:
        links = lxml.html.fromstring(client.get(path).content).xpath(
            "//main//a[@href='/suggest/'] | //footer//a[@href='/suggest/']"
        )
        places = {link.xpath("name(ancestor::*[self::main or self::footer][1])") for link in links}
        wanted = {"footer"} if path == "/about/" else {"main", "footer"}
        assert places == wanted, path


def test_the_pages_are_private_and_never_in_the_page_cache(client, seeded):
    for path in [SUGGEST, "/suggest/thanks/", "/suggest/listed/opennotes/"]:
        first, second = through_site(path), through_site(path)
        assert first.status == second.status == 200, path
        assert "X-Cache" not in second.headers, path
        control = second.headers["Cache-Control"]
        assert "private" in control, path
        assert "no-store" in control, path


def test_a_persons_suggestion_lands_as_new_and_mails_a_receipt(
    client, db, clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = suggest(client, clock)
    assert response.status_code == 302
    assert response["Location"] == "/suggest/thanks/"
    suggestion = Suggestion.objects.get()
    assert suggestion.status == "new"
    assert (suggestion.identifier, suggestion.key) == (
        PERSON["identifier"],
        "doi:10.5555/opennotes.2012.1",
    )
    assert (suggestion.note, suggestion.name, suggestion.email) == (
        PERSON["note"],
        PERSON["name"],
        PERSON["email"],
    )
    assert len(suggestion.address_hash) == 64
    assert "127.0.0.1" not in suggestion.address_hash
    assert [m.to for m in mail.outbox] == [["pat@example.org"]]
    assert "SPM's editors will read it" in mail.outbox[0].body
    assert PERSON["note"] not in mail.outbox[0].body  # a receipt repeats nothing typed
    assert OutgoingMail.objects.get().sent_at is not None
    thanks = client.get(response["Location"])
    assert "SPM’s editors will read it and decide" in text_of(thanks)


def test_without_an_email_nothing_is_mailed(client, db, clock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        suggest(client, clock, email="", name="")
    assert Suggestion.objects.get().status == "new"
    assert mail.outbox == []
    assert not OutgoingMail.objects.exists()


def test_a_bot_that_fills_every_field_is_thanked_and_kept_as_spam(
    client, db, clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = suggest(client, clock, favourite_colour="blue")
    assert response.status_code == 302
    assert response["Location"] == "/suggest/thanks/"
    spam = Suggestion.objects.get()
    assert (spam.status, spam.spam_reason) == ("spam", "filled in the hidden field")
    assert spam.note == PERSON["note"]  # kept, for staff to rescue a person caught by mistake
    assert mail.outbox == []  # a bot's address is never mailed


def test_a_post_sooner_than_three_seconds_after_the_page_is_spam(client, db, clock):
    response = suggest(client, clock, wait=1.5)
    assert response["Location"] == "/suggest/thanks/"
    spam = Suggestion.objects.get()
    assert spam.status == "spam"
    assert spam.spam_reason == "sent 1.5 s after the form was served"


def test_a_post_after_three_seconds_is_a_persons(client, db, clock):
    suggest(client, clock, wait=3.1)
    assert Suggestion.objects.get().status == "new"


def test_a_replayed_token_is_spam(client, db, clock):
    values = {**browser_values(client.get(SUGGEST)), **PERSON}
    clock.advance(10)
    client.post(SUGGEST, values)
    client.post(SUGGEST, {**values, "identifier": "https://example.org/another"})
    assert list(Suggestion.objects.order_by("pk").values_list("status", "spam_reason")) == [
        ("new", ""),
        ("spam", "sent a form token used before"),
    ]


@pytest.mark.parametrize("token", [None, "", "forged", "eyJ0IjoxLCJuIjoieCJ9:1abc:forged"])
def test_a_post_without_a_genuine_token_is_spam(client, db, clock, token):
    suggest(client, clock, token=token)
    spam = Suggestion.objects.get()
    assert (spam.status, spam.spam_reason) == ("spam", "no valid form token")


def test_an_expired_token_shows_the_form_again_with_the_text_kept(client, db, clock):
    response = suggest(client, clock, wait=21 * 60 * 60)
    assert response.status_code == 200
    shown = text_of(response)
    assert "This form was open for more than 20 hours, so it was not sent" in shown
    assert not Suggestion.objects.exists()
    values = browser_values(response)
    assert {k: values[k] for k in PERSON} == PERSON
    # Sent again at once: the form shown again is past the 3-second wait.
    client.post(SUGGEST, values)
    assert Suggestion.objects.get().status == "new"


def test_a_flood_from_one_address_behind_a_proxy_is_refused_at_the_sixth(
    client, db, clock, settings
):
    settings.TRUSTED_PROXIES = 1
    member = {"X-Forwarded-For": "203.0.113.7"}
    for n in range(5):
        response = suggest(client, clock, headers=member, identifier=f"https://example.org/{n}")
        assert response.status_code == 302, n
    sixth = suggest(
        client,
        clock,
        headers=member,
        identifier="https://example.org/six",
        note="The sixth, kept on the page.",
    )
    assert sixth.status_code == 429
    assert 3500 < int(sixth["Retry-After"]) <= 3600
    shown = text_of(sixth)
    assert "Your network has sent 5 suggestions in the last hour" in shown
    assert "in about 59 minutes" in shown  # the first of the five was 50 s ago
    kept = browser_values(lxml.html.fromstring(sixth.content.decode()))
    assert (kept["identifier"], kept["note"]) == (
        "https://example.org/six",
        "The sixth, kept on the page.",
    )
    assert Suggestion.objects.count() == 5
    # What a client writes into X-Forwarded-For itself changes nothing: the proxy's entry counts.
    spoofed = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}
    assert (
        suggest(client, clock, headers=spoofed, identifier="https://example.org/x").status_code
        == 429
    )
    # Another member behind the same proxy is not held up.
    other = {"X-Forwarded-For": "203.0.113.8"}
    assert (
        suggest(client, clock, headers=other, identifier="https://example.org/y").status_code == 302
    )
    # Later, the oldest post's turn has come back (the cache forgets it after the hour).


def test_an_ipv6_network_counts_as_one_address(client, db, clock, settings):
    settings.SUGGESTION_RATE_LIMIT = 2
    for n, address in enumerate(["2001:db8:1:2::10", "2001:db8:1:2:ffff::1"]):
        assert (
            suggest(
                client, clock, remote=address, identifier=f"https://example.org/{n}"
            ).status_code
            == 302
        )
    same_64 = suggest(client, clock, remote="2001:db8:1:2::99", identifier="https://example.org/3")
    assert same_64.status_code == 429
    next_64 = suggest(client, clock, remote="2001:db8:1:3::10", identifier="https://example.org/4")
    assert next_64.status_code == 302


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        (
            {"identifier": "javascript:alert(1)"},
            "identifier",
            "Only web addresses starting with http:// or https:// can be suggested.",
        ),
        (
            {"identifier": "ftp://example.org/paper.pdf"},
            "identifier",
            "Only web addresses starting with http:// or https:// can be suggested.",
        ),
        ({"identifier": "a good book I read"}, "identifier", "is not an identifier the site"),
        ({"identifier": ""}, "identifier", "Enter a DOI, PubMed ID, ISBN or web address."),
        ({"note": ""}, "note", "Say in a few words why it would help providers."),
        (
            {"note": "See https://a.example https://b.example and www.c.example"},
            "note",
            "Please include at most 2 links in the note (it has 3).",
        ),
        (
            {"note": "x" * 2001},
            "note",
            "Please keep the note to 2000 characters at most (it has 2001).",
        ),
        ({"email": "not an address"}, "email", "Enter an email address like name@example.org"),
    ],
)
def test_a_field_error_is_tied_to_its_field_and_keeps_the_text(
    client, db, clock, changes, field, error
):
    response = suggest(client, clock, **changes)
    assert response.status_code == 200
    document = lxml.html.fromstring(response.content.decode())
    assert document.xpath("string(//title)").startswith("Error: ")
    summary = document.xpath("//div[@class='error-summary']")[0]
    assert summary.get("role") == "alert"
    assert summary.xpath(f".//a[@href='#id_{field}']")
    assert error in summary.text_content()
    widget = document.xpath(f"//*[@name='{field}']")[0]
    assert widget.get("aria-invalid") == "true"
    assert f"id_{field}_error" in widget.get("aria-describedby").split()
    assert error in document.xpath(f"string(//*[@id='id_{field}_error'])")
    values = browser_values(document)
    for name, value in {**PERSON, **changes}.items():
        assert values[name] == value.strip(), name
    assert not Suggestion.objects.exists()
    # Corrected and sent at once: a person fixing a mistake is not taken for a bot.
    client.post(SUGGEST, {**values, **{k: v for k, v in PERSON.items() if k in changes}})
    assert Suggestion.objects.get().status == "new"


def test_a_published_resource_is_pointed_to_at_once(client, seeded, clock):
    for identifier in [
        "https://doi.org/10.15265/IY-2014-0017",
        "PMID: 25123739",
        "https://opennotes.org/",
    ]:
        response = suggest(client, clock, identifier=identifier)
        assert response.status_code == 302, identifier
        answer = client.get(response["Location"])
        shown = text_of(answer)
        assert "It is already on the list" in shown
        link = lxml.html.fromstring(answer.content).xpath("//main//a[@class='button']")[0]
        resource = Resource.objects.get(slug=link.get("href").split("/")[2])
        assert identifier.startswith("https://opennotes") == (resource.slug == "opennotes")
    assert not Suggestion.objects.exists()


def test_a_draft_counts_as_being_considered_without_being_shown(client, db, clock, make_resource):
    draft = make_resource(title="A secret draft", doi="10.5555/draft.1", is_published=False)
    response = suggest(client, clock, identifier="doi:10.5555/DRAFT.1")
    assert response["Location"] == "/suggest/thanks/?already=1"
    shown = text_of(client.get(response["Location"]))
    assert "already and is being considered" in shown
    assert "A secret draft" not in shown
    kept = Suggestion.objects.get()
    assert (kept.status, kept.resource) == ("duplicate", draft)
    # The listed page never shows a draft.
    assert client.get(f"/suggest/listed/{draft.slug}/").status_code == 404


def test_a_suggestion_already_waiting_gets_a_plus_one(client, db, clock):
    suggest(client, clock, identifier="10.5555/OpenNotes.2012.1")
    response = suggest(
        client,
        clock,
        identifier="https://doi.org/10.5555/opennotes.2012.1",
        note="Our residents loved it.",
        email="sam@example.org",
    )
    assert response["Location"] == "/suggest/thanks/?already=1"
    assert "your note has been added to it" in text_of(client.get(response["Location"]))
    waiting = Suggestion.objects.get()
    assert waiting.status == "new"
    plus_one = PlusOne.objects.get()
    assert (plus_one.suggestion, plus_one.note, plus_one.email) == (
        waiting,
        "Our residents loved it.",
        "sam@example.org",
    )


def test_no_registry_is_asked_on_submit(client, db, clock, registry):
    suggest(client, clock, identifier="10.5555/OpenNotes.2012.1")
    assert Suggestion.objects.get().status == "new"
    assert registry.requests() == 0


def test_nothing_of_a_suggestion_is_shown_on_any_public_page(client, seeded, clock):
    suggest(
        client,
        clock,
        identifier="https://example.org/unlisted-gem",
        note="A note only staff may read: zebra-quokka.",
    )
    for path in [
        "/",
        "/resources/",
        "/resources/?q=zebra",
        "/sitemap.xml",
        "/feeds/resources.atom",
        "/suggest/",
        "/suggest/thanks/",
    ]:
        body = client.get(path).content.decode()
        assert "zebra-quokka" not in body, path
        assert "unlisted-gem" not in body, path


def test_spam_is_capped_with_the_oldest_dropped(db, settings):
    settings.SUGGESTION_SPAM_KEEP = 3
    for n in range(5):
        submissions.store_spam(
            {"identifier": f"https://spam.example/{n}", "note": "buy"}, "test", "h"
        )
    kept = Suggestion.objects.filter(status="spam").order_by("created_at", "pk")
    assert [s.identifier for s in kept] == [f"https://spam.example/{n}" for n in (2, 3, 4)]


def test_purge_forgets_senders_after_the_retention_and_deletes_old_spam(db, settings):
    settings.SUGGESTION_RETENTION_DAYS = 90
    now = timezone.now()
    day = timedelta(days=1)

    def made(status, closed_days_ago, **fields):
        return Suggestion.objects.create(
            identifier="https://example.org/x",
            note="n",
            name="Pat",
            email="pat@example.org",
            address_hash="h" * 64,
            status=status,
            closed_at=None if closed_days_ago is None else now - closed_days_ago * day,
            **fields,
        )

    old_decline = made("declined", 91)
    PlusOne.objects.create(suggestion=old_decline, note="+1", name="Sam", email="sam@example.org")
    recent_decline = made("declined", 89)
    waiting = made("new", None, created_at=now - 400 * day)
    old_spam = made("spam", 31, created_at=now - 31 * day)
    new_spam = made("spam", 29, created_at=now - 29 * day)
    out = io.StringIO()
    call_command("purge_suggestions", stdout=out)
    assert out.getvalue() == (
        "Forgot the sender of 1 suggestion(s) closed more than 90 days ago; deleted 1 spam "
        "suggestion(s) older than 30 days.\n"
    )
    old_decline.refresh_from_db()
    assert (old_decline.name, old_decline.email, old_decline.address_hash) == ("", "", "")
    assert old_decline.note == "n"  # the record of what was considered stays
    assert PlusOne.objects.get().email == ""
    for kept in (recent_decline, waiting, new_spam):
        kept.refresh_from_db()
        assert kept.email == "pat@example.org"
    assert not Suggestion.objects.filter(pk=old_spam.pk).exists()


def test_a_token_first_posted_too_fast_is_not_a_persons_later(client, db, clock):
    values = {**browser_values(client.get(SUGGEST)), **PERSON}
    clock.advance(0.5)
    client.post(SUGGEST, values)  # at once: a bot's
    clock.advance(10)
    client.post(SUGGEST, values)  # the same token, after the wait: still a bot's
    assert list(Suggestion.objects.order_by("pk").values_list("status", "spam_reason")) == [
        ("spam", "sent 0.5 s after the form was served"),
        ("spam", "sent a form token used before"),
    ]


def test_the_error_wait_and_expired_pages_are_valid_html(
    client, db, clock, settings, nu_checker, tmp_path
):
    import subprocess

    pages = {"errors": suggest(client, clock, note="", identifier="ftp://example.org/x")}
    pages["expired"] = suggest(client, clock, wait=21 * 60 * 60)
    settings.SUGGESTION_RATE_LIMIT = 1
    suggest(client, clock, identifier="https://example.org/first")
    pages["wait"] = suggest(client, clock, identifier="https://example.org/second")
    assert [r.status_code for r in pages.values()] == [200, 200, 429]
    for name, response in pages.items():
        (tmp_path / f"{name}.html").write_bytes(response.content)
    checked = subprocess.run(
        [*nu_checker, "--errors-only", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
