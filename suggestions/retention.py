"""How long a suggestion keeps what is personal (``manage.py purge_suggestions``, daily).

- A closed suggestion (accepted, declined, duplicate) loses its sender's name, email and
  network hash SUGGESTION_RETENTION_DAYS after it was closed, and its +1s theirs.
- Spam is deleted after SPAM_DAYS, with its history.
Personal fields are never in a suggestion's history (models.PERSONAL), so nothing older
keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from reversion.models import Version

from .models import PlusOne, Suggestion
from .submissions import SPAM_DAYS


@dataclass(frozen=True)
class Purged:
    forgotten: int  # suggestions whose sender's details were deleted
    spam: int  # spam suggestions deleted


def purge(now: datetime | None = None) -> Purged:
    now = now or timezone.now()
    closed_before = now - timedelta(days=settings.SUGGESTION_RETENTION_DAYS)
    with transaction.atomic():
        expired = Suggestion.objects.exclude(
            status__in=[Suggestion.Status.NEW, Suggestion.Status.SPAM]
        ).filter(closed_at__lt=closed_before)
        PlusOne.objects.filter(suggestion__in=expired).exclude(name="", email="").update(
            name="", email=""
        )
        # update(), not save(): these fields are outside the history on purpose.
        forgotten = expired.exclude(name="", email="", address_hash="").update(
            name="", email="", address_hash=""
        )
        spam = Suggestion.objects.filter(
            status=Suggestion.Status.SPAM, created_at__lt=now - timedelta(days=SPAM_DAYS)
        )
        ids = [str(pk) for pk in spam.values_list("pk", flat=True)]
        Version.objects.get_for_model(Suggestion).filter(object_id__in=ids).delete()
        _, deleted = Suggestion.objects.filter(pk__in=ids).delete()
    return Purged(forgotten=forgotten, spam=deleted.get(Suggestion._meta.label, 0))
