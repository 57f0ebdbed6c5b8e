"""The mail members get: a receipt when they suggest, and the outcome (declined, with the
reason staff chose; or published, with its address). Through the outbox, so a mail the
server refuses is retried and never costs the member's suggestion or staff's action.

A receipt repeats nothing the sender typed: anyone can type anyone's address into the
form, and a receipt must not carry their words (or links) to a stranger's inbox. The
outcome mails, sent after a person at SPM has read the suggestion, name what was suggested.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.template.loader import render_to_string

from outbox import delivery
from resources.models import Resource

from . import defences
from .models import PlusOne, Suggestion

SUBJECT_RECEIPT = "Your suggestion to SPM\u2019s Resources for Providers"
SUBJECT_DECLINED = "Your suggestion to SPM\u2019s Resources for Providers"
SUBJECT_PUBLISHED = "Your suggestion is on SPM\u2019s Resources for Providers"


def context() -> dict[str, object]:
    return {
        "SITE_URL": settings.SITE_URL,
        "retention_days": settings.SUGGESTION_RETENTION_DAYS,
        "contact": settings.CONTACT_EMAIL,
    }


def receipt(email: str, *, again: bool = False) -> None:
    """Tell a member their suggestion arrived (at most a few receipts a day to one address)."""
    if not email or not defences.may_mail_receipt(email):
        return
    body = render_to_string("suggestions/mail/receipt.txt", {**context(), "again": again})
    delivery.send(email, SUBJECT_RECEIPT, body)


def members(suggestion: Suggestion) -> Iterable[str]:
    """Every address that asked to hear about ``suggestion``: its own and its +1s', once each."""
    addresses = [
        suggestion.email,
        *PlusOne.objects.filter(suggestion=suggestion).values_list("email", flat=True),
    ]
    return dict.fromkeys(a for a in addresses if a)


def declined(suggestion: Suggestion) -> int:
    body = render_to_string(
        "suggestions/mail/declined.txt",
        {**context(), "suggestion": suggestion, "reason": suggestion.decline_text},
    )
    sent = 0
    for email in members(suggestion):
        delivery.send(email, SUBJECT_DECLINED, body)
        sent += 1
    return sent


def published(suggestion: Suggestion, resource: Resource) -> int:
    body = render_to_string(
        "suggestions/mail/published.txt",
        {
            **context(),
            "suggestion": suggestion,
            "resource": resource,
            "url": f"{settings.SITE_URL}{resource.get_absolute_url()}",
        },
    )
    sent = 0
    for email in members(suggestion):
        delivery.send(email, SUBJECT_PUBLISHED, body)
        sent += 1
    return sent
