"""Mail to members goes through Django's email framework to a real SMTP server (aiosmtpd on
127.0.0.1, started by each test): one recipient each, no header from what anyone typed, and
a mail the server refuses is kept and sent later, never a lost suggestion or an error page."""

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from outbox.models import OutgoingMail
from suggestions.models import Suggestion

from .conftest import PRODUCTION, manage
from .suggesting import PERSON, free_port, suggest

pytestmark = pytest.mark.usefixtures("fresh_defences")

INJECTION = "\r\nBcc: x@example.org"


def send_queue() -> str:
    # Only mail at least a minute old is retried: a newer one belongs to the request sending it.
    OutgoingMail.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    out = StringIO()
    call_command("send_mail_queue", stdout=out)
    return out.getvalue()


def test_a_receipt_goes_to_one_recipient_through_smtp(
    client, db, clock, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = suggest(client, clock)
    assert response.status_code == 302
    [received] = smtp_server.received
    assert received.recipients == ["pat@example.org"]
    assert received.sender == "resources@example.org"
    message = received.message
    assert message["To"] == "pat@example.org"
    assert message["From"] == "SPM Resources <resources@example.org>"
    assert message["Subject"] == "Your suggestion to SPM\u2019s Resources for Providers"
    assert "Bcc" not in message
    assert "Cc" not in message
    assert "SPM's editors will read it" in message.get_content()
    assert OutgoingMail.objects.get().sent_at is not None


@pytest.mark.parametrize("field", ["identifier", "note", "name", "email"])
def test_a_header_typed_into_any_field_adds_no_recipient_or_header(
    client, db, clock, smtp_server, django_capture_on_commit_callbacks, field
):
    value = {
        "identifier": "10.5555/OpenNotes.2012.1" + INJECTION,
        "note": PERSON["note"] + INJECTION + "\r\nSubject: Free money",
        "name": "Pat" + INJECTION,
        "email": "pat@example.org" + INJECTION,
    }[field]
    with django_capture_on_commit_callbacks(execute=True):
        changes: dict[str, Any] = {field: value}
        response = suggest(client, clock, **changes)
    recipients = [r for mail in smtp_server.received for r in mail.recipients]
    assert "x@example.org" not in recipients
    if field == "email":
        # Not an address: the person is asked for one, their words kept; nothing is mailed.
        assert response.status_code == 200
        assert b"Enter an email address like name@example.org" in response.content
        assert smtp_server.received == []
        return
    assert response.status_code == 302
    [received] = smtp_server.received
    assert received.recipients == ["pat@example.org"]
    headers = {name.lower() for name in received.message}
    assert headers <= {
        "to",
        "from",
        "subject",
        "date",
        "message-id",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
    }
    assert received.message["Subject"] == "Your suggestion to SPM\u2019s Resources for Providers"
    stored = Suggestion.objects.get()
    assert "\n" not in stored.name
    assert "\r" not in stored.identifier


def test_a_refused_mail_is_kept_and_the_queue_sends_it_once_the_server_accepts(
    client, db, clock, smtp_server, django_capture_on_commit_callbacks, caplog
):
    smtp_server.refuse()
    with django_capture_on_commit_callbacks(execute=True):
        response = suggest(client, clock)
    # The member is thanked and the suggestion is in the queue all the same.
    assert response.status_code == 302
    assert response["Location"] == "/suggest/thanks/"
    assert Suggestion.objects.get().status == "new"
    waiting = OutgoingMail.objects.get()
    assert (waiting.sent_at, waiting.attempts) == (None, 1)
    assert "550" in waiting.last_error
    assert "Refused by the test's server" in waiting.last_error
    logged = [r.getMessage() for r in caplog.records if r.name == "outbox.delivery"]
    assert len(logged) == 1
    assert "could not be sent (kept for send_mail_queue)" in logged[0]
    assert "pat@example.org" not in logged[0]  # the log names the mail, not the member

    assert send_queue().startswith("Sent 0 waiting mails; 1 failed again (last error:")
    assert smtp_server.received == []

    smtp_server.refuse(False)
    assert send_queue().startswith("Sent 1 waiting mail; 0 failed again")
    [received] = smtp_server.received
    assert received.recipients == ["pat@example.org"]
    sent = OutgoingMail.objects.get()
    assert (sent.attempts, sent.last_error) == (3, "")
    assert sent.sent_at is not None
    # Sent once: the next run has nothing to send.
    assert send_queue().startswith("Sent 0 waiting mails; 0 failed again")
    assert len(smtp_server.received) == 1


def test_a_closed_port_is_kept_too_and_sent_when_the_server_is_back(
    client, db, clock, settings, smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.point(settings, port=free_port())  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        assert suggest(client, clock).status_code == 302
    assert "ConnectionRefusedError" in OutgoingMail.objects.get().last_error
    smtp_server.point(settings)
    send_queue()
    assert [r.recipients for r in smtp_server.received] == [["pat@example.org"]]


def test_mail_older_than_thirty_days_is_forgotten(db):
    old = OutgoingMail.objects.create(
        to="a@example.org", subject="s", body="b", created_at=timezone.now() - timedelta(days=31)
    )
    recent = OutgoingMail.objects.create(
        to="b@example.org", subject="s", body="b", sent_at=timezone.now()
    )
    out = StringIO()
    call_command("send_mail_queue", stdout=out)
    assert "1 older than 30 days forgotten" in out.getvalue()
    assert list(OutgoingMail.objects.all()) == [recent]
    assert not OutgoingMail.objects.filter(pk=old.pk).exists()


def mailer(**env: str) -> str:
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; "
        "print(settings.MAILERS['default']['BACKEND'], settings.DEFAULT_FROM_EMAIL)",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_without_email_host_mail_is_printed_locally_and_kept_in_production():
    assert mailer().startswith("django.core.mail.backends.console.EmailBackend")
    assert mailer(**PRODUCTION).startswith("outbox.backends.NotConfiguredBackend")
    assert mailer(
        **PRODUCTION,
        EMAIL_HOST="smtp.example.org",
        DEFAULT_FROM_EMAIL="SPM <resources@example.org>",
    ) == ("django.core.mail.backends.smtp.EmailBackend SPM <resources@example.org>")


@pytest.mark.parametrize(
    ("env", "said"),
    [
        (
            {**PRODUCTION, "EMAIL_HOST": "smtp.example.org"},
            "DEFAULT_FROM_EMAIL must be set when EMAIL_HOST is, in production",
        ),
        (
            {"DEFAULT_FROM_EMAIL": "resources@example.org\nBcc: x@example.org"},
            "DEFAULT_FROM_EMAIL must be an address",
        ),
        ({"EMAIL_USE_TLS": "maybe"}, "EMAIL_USE_TLS must be true or false"),
    ],
)
def test_mail_settings_fail_loudly(env, said):
    result = manage("check", **env)
    assert result.returncode != 0
    assert said in result.stderr
