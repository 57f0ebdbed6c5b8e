"""What becomes of a member's post: an answer about a resource already on the list, a +1
on the same suggestion already waiting, or a new suggestion in the queue; and a bot's
post, kept as spam where staff can rescue it.

No registry is asked here (that is slow, and would let anyone make the site knock on
other doors): the identifier is only recognised. The queue looks it up for staff.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from outbox.delivery import one_address, one_line
from resources import intake
from resources.identifiers import Identifier, Unrecognised, recognise
from resources.models import Resource

from . import notices
from .models import PlusOne, Suggestion

SPAM_DAYS = 30  # and none longer than this (suggestions/retention.py)


@dataclass(frozen=True)
class Outcome:
    """``listed``: a published resource has it (``resource``); ``considered``: already
    suggested or a draft, the note kept with it; ``added``: a new suggestion."""

    kind: Literal["listed", "considered", "added"]
    resource: Resource | None = None


def receive(
    identifier: Identifier, text: str, note: str, name: str, email: str, network: str
) -> Outcome:
    """A person's suggestion (the form is valid and the defences let it through)."""
    listed = intake.already_listed(intake.Keys.of_identifier(identifier))
    if public := [resource for resource in listed if resource.is_published]:
        return Outcome("listed", public[0])
    fields = {"note": note, "name": name, "email": email}
    if listed:
        # A draft: being considered. Its note joins the suggestion that made the draft, or
        # is kept as a duplicate of it (the member is told when it is published either way).
        made_it = Suggestion.objects.filter(resource__in=listed).order_by("created_at").first()
        if made_it is not None:
            PlusOne.objects.create(suggestion=made_it, **fields)
        else:
            Suggestion.objects.create(
                identifier=text,
                key=identifier.key,
                status=Suggestion.Status.DUPLICATE,
                resource=listed[0],
                closed_at=timezone.now(),
                address_hash=network,
                **fields,
            )
        notices.receipt(email, again=True)
        return Outcome("considered")
    for _ in range(2):  # a second try only if another post of the same one won a race
        with transaction.atomic():
            waiting = Suggestion.objects.select_for_update().waiting().filter(key=identifier.key)
            if (first := waiting.first()) is not None:
                PlusOne.objects.create(suggestion=first, **fields)
                notices.receipt(email, again=True)
                return Outcome("considered")
            try:
                with transaction.atomic():
                    Suggestion.objects.create(
                        identifier=text, key=identifier.key, address_hash=network, **fields
                    )
            except IntegrityError:
                continue
            notices.receipt(email)
            return Outcome("added")
    raise RuntimeError("A suggestion could be neither added nor joined to its twin.")


def store_spam(data: Any, reason: str, network: str) -> Suggestion:
    """Keep what a post the defences took for a bot's said, as spam (never mailed), and drop
    the oldest spam beyond SUGGESTION_SPAM_KEEP."""
    text = str(data.get("identifier", "")).strip()[:500]
    try:
        key = recognise(text).key if text else ""
    except Unrecognised:
        key = ""
    try:
        email = one_address(str(data.get("email", "")))[:254]
    except ValueError:
        email = ""
    now = timezone.now()
    spam = Suggestion.objects.create(
        identifier=text,
        key=key[:600],
        note=str(data.get("note", ""))[:2000],
        name=one_line(str(data.get("name", "")), 100),
        email=email,
        status=Suggestion.Status.SPAM,
        spam_reason=reason[:200],
        address_hash=network,
        created_at=now,
        closed_at=now,
    )
    keep = settings.SUGGESTION_SPAM_KEEP
    beyond = (
        Suggestion.objects.filter(status=Suggestion.Status.SPAM)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)[keep : keep + 500]
    )
    if old := list(beyond):
        Suggestion.objects.filter(pk__in=old).delete()
    return spam
