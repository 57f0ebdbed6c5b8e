"""Sending mail: written to the outbox, handed to the mail server once the transaction that
wrote it commits, and retried by ``manage.py send_mail_queue`` while the server refuses.

A mail that cannot be sent is logged (its number and the error, never the address) and
kept: the page that caused it answers as usual.

One recipient per mail, never a header from what someone typed: the address must be one
valid address on one line, the subject is folded onto one line, and Django's email
framework refuses a newline in any header besides.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import OutgoingMail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 20  # an hourly queue run retries for most of a day, then gives up
KEEP_DAYS = 30  # mail is forgotten after this, sent or not


def one_address(address: str) -> str:
    """``address`` if it is one valid email address, else ValueError."""
    address = address.strip()
    if any(c in address for c in '\r\n,;<>"') or any(ord(c) < 32 for c in address):
        raise ValueError("An outgoing mail goes to one plain address.")
    try:
        validate_email(address)
    except ValidationError as error:
        raise ValueError("An outgoing mail goes to one valid address.") from error
    return address


def one_line(text: str, limit: int = 200) -> str:
    """Text folded onto one line (no control characters), at most ``limit`` characters."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())[:limit]


def send(to: str, subject: str, body: str) -> OutgoingMail:
    """Write a mail to the outbox and send it once the current transaction commits."""
    mail = OutgoingMail.objects.create(to=one_address(to), subject=one_line(subject), body=body)
    transaction.on_commit(lambda: deliver(mail.pk))
    return mail


def deliver(pk: int) -> bool:
    """Hand one waiting mail to the mail server; True once it is sent."""
    mail = OutgoingMail.objects.waiting().filter(pk=pk).first()
    if mail is None:
        return True  # sent meanwhile (or forgotten)
    message = EmailMessage(
        subject=mail.subject, body=mail.body, from_email=settings.DEFAULT_FROM_EMAIL, to=[mail.to]
    )
    now = timezone.now()
    try:
        message.send()
    except Exception as error:  # SMTP, socket, TLS and backends' own errors alike
        # The error may quote the address (a refused recipient): the log never does.
        reason = f"{type(error).__name__}: {error}".replace(mail.to, "<the recipient>")[:500]
        logger.warning("Mail %s could not be sent (kept for send_mail_queue): %s", pk, reason)
        OutgoingMail.objects.filter(pk=pk).update(
            attempts=F("attempts") + 1, last_attempt_at=now, last_error=reason
        )
        return False
    OutgoingMail.objects.filter(pk=pk).update(
        attempts=F("attempts") + 1, last_attempt_at=now, last_error="", sent_at=now
    )
    return True


def deliver_waiting(now: datetime | None = None) -> tuple[int, int]:
    """Try every waiting mail that has not been given up on, oldest first; returns (sent,
    failed). Mail written in the last minute is left to the request that wrote it."""
    now = now or timezone.now()
    waiting = (
        OutgoingMail.objects.waiting()
        .filter(attempts__lt=MAX_ATTEMPTS, created_at__lte=now - timedelta(minutes=1))
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
    sent = failed = 0
    for pk in list(waiting):
        if deliver(pk):
            sent += 1
        else:
            failed += 1
    return sent, failed


def forget_old(now: datetime | None = None) -> int:
    """Delete mail written more than KEEP_DAYS ago, sent or not: it holds members' addresses,
    and news that late is no news."""
    cutoff = (now or timezone.now()) - timedelta(days=KEEP_DAYS)
    count, _ = OutgoingMail.objects.filter(created_at__lt=cutoff).delete()
    return count
