"""Working the queue: what each admin action does, in one place. Every change of status is
a revision in the suggestion's history, with who and why; mail to members goes out once
the change is committed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from editing.history import record
from resources import intake
from resources.models import Resource

from . import notices
from .models import DeclineReason, PlusOne, Suggestion

PREVIEW_SECONDS = 60 * 60  # what an identifier resolves to, as the change page shows it


@dataclass(frozen=True)
class Resolved:
    """What a suggestion's identifier leads to, for the change page (kept in the cache)."""

    status: str  # found, duplicate or failed, as intake.Preview says
    rows: list[tuple[str, str, str]]
    message: str
    warnings: list[str]
    duplicates: list[tuple[int, str, str]]  # (pk, title, Draft/Published/Archived)


def resolved(suggestion: Suggestion) -> Resolved:
    """``suggestion``'s identifier looked up (through intake.preview), cached an hour."""
    key = f"suggestion-resolves:{suggestion.key or suggestion.identifier}"[:240]
    found = cache.get(key)
    if isinstance(found, Resolved):
        return found
    preview = intake.preview([suggestion.identifier])[0]
    found = Resolved(
        status=preview.status,
        rows=preview.rows(),
        message=preview.message,
        warnings=preview.warnings,
        duplicates=[(r.pk, str(r), r.status) for r in preview.duplicates],
    )
    cache.set(key, found, PREVIEW_SECONDS)
    return found


def still_waiting(suggestion: Suggestion) -> Suggestion | None:
    """The suggestion, locked, if nobody has closed it meanwhile."""
    return Suggestion.objects.select_for_update().waiting().filter(pk=suggestion.pk).first()


def close(suggestion: Suggestion, status: str, comment: str, user: Any, **fields: Any) -> None:
    suggestion.status = status
    suggestion.closed_at = timezone.now()
    for name, value in fields.items():
        setattr(suggestion, name, value)
    record(suggestion, comment, user)


def tell_if_published(suggestion: Suggestion, resource: Resource) -> None:
    """Mail the members once when ``resource`` is published (now, or at its first publication:
    suggestions/signals.py)."""
    if not resource.is_published or suggestion.published_notice_at is not None:
        return
    # Claimed by one UPDATE, so that two saves at once can never mail twice.
    claimed = Suggestion.objects.filter(pk=suggestion.pk, published_notice_at__isnull=True).update(
        published_notice_at=timezone.now()
    )
    if claimed:
        notices.published(suggestion, resource)


def accept(suggestions: Iterable[Suggestion], user: Any) -> list[str]:
    """Make a draft of each waiting suggestion (looked up through intake, as "Add from
    identifiers" does) and link it back; one already on the list is linked as a duplicate.
    Returns a sentence per suggestion for staff."""
    chosen = [s for s in suggestions if s.status == Suggestion.Status.NEW]
    if not chosen:
        return ["Nothing to accept: only new suggestions can be accepted."]
    said = []
    previews = intake.preview([s.identifier for s in chosen])  # outside any lock: it waits
    for suggestion, preview in zip(chosen, previews, strict=True):
        if preview.status == "failed":
            said.append(f"\u201c{suggestion}\u201d was not accepted: {preview.message}")
            continue
        with transaction.atomic():
            current = still_waiting(suggestion)
            if current is None:
                said.append(f"\u201c{suggestion}\u201d was closed meanwhile by someone else.")
                continue
            made = intake.add_found(preview, user=user) if preview.status == "found" else preview
            if isinstance(made, Resource):
                close(
                    current,
                    Suggestion.Status.ACCEPTED,
                    f"Accepted into the draft \u201c{made}\u201d.",
                    user,
                    resource=made,
                )
                said.append(f"\u201c{suggestion}\u201d is the draft \u201c{made}\u201d now.")
            else:
                resource = made.duplicates[0]
                close(
                    current,
                    Suggestion.Status.DUPLICATE,
                    f"Already on the list as \u201c{resource}\u201d.",
                    user,
                    resource=resource,
                )
                tell_if_published(current, resource)
                said.append(
                    f"\u201c{suggestion}\u201d is already on the list as \u201c{resource}\u201d."
                )
    return said


def decline(suggestions: Iterable[Suggestion], reason: DeclineReason, user: Any) -> int:
    """Decline each waiting suggestion with ``reason``; its members are told the reason."""
    count = 0
    for suggestion in suggestions:
        with transaction.atomic():
            current = still_waiting(suggestion)
            if current is None:
                continue
            close(
                current,
                Suggestion.Status.DECLINED,
                f"Declined: {reason.title}.",
                user,
                decline_reason=reason,
                decline_text=reason.text,
            )
            notices.declined(current)
            count += 1
    return count


def mark_spam(suggestions: Iterable[Suggestion], user: Any) -> int:
    count = 0
    for suggestion in suggestions:
        with transaction.atomic():
            current = still_waiting(suggestion)
            if current is None:
                continue
            close(
                current,
                Suggestion.Status.SPAM,
                "Marked as spam.",
                user,
                spam_reason="marked as spam by staff",
            )
            count += 1
    return count


def not_spam(suggestions: Iterable[Suggestion], user: Any) -> int:
    """Rescue suggestions taken for spam: back into the queue, or, when the same one is
    waiting there already, a +1 on it."""
    count = 0
    for suggestion in suggestions:
        with transaction.atomic():
            current = (
                Suggestion.objects.select_for_update()
                .filter(pk=suggestion.pk, status=Suggestion.Status.SPAM)
                .first()
            )
            if current is None:
                continue
            twin = (
                Suggestion.objects.waiting().filter(key=current.key).first()
                if current.key
                else None
            )
            if twin is not None:
                PlusOne.objects.create(
                    suggestion=twin,
                    note=current.note,
                    name=current.name,
                    email=current.email,
                    created_at=current.created_at,
                )
                close(
                    current,
                    Suggestion.Status.DUPLICATE,
                    f"Not spam: added as a +1 to the same suggestion waiting (#{twin.pk}).",
                    user,
                )
            else:
                current.status = Suggestion.Status.NEW
                current.closed_at = None
                record(current, "Not spam: back in the queue.", user)
            count += 1
    return count
