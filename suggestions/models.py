"""Members' suggestions of resources, the +1s on those already waiting, and the reasons
staff give when they decline one. Nothing here is ever shown on a public page."""

from __future__ import annotations

import reversion
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone

from resources.models import Resource

# A member's name and email are never part of a suggestion's history: they are deleted
# after the retention period (suggestions/retention.py), and a copy in an old version
# would outlive that.
PERSONAL = ["name", "email", "address_hash"]


@reversion.register()
class DeclineReason(models.Model):
    """A short answer staff can choose when declining; the member is sent its text."""

    title = models.CharField(max_length=80, unique=True, help_text="What staff choose from.")
    text = models.TextField(
        help_text="What the member is told, after “Thank you for suggesting …”. Plain text."
    )
    position = models.PositiveIntegerField("order", default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class SuggestionQuerySet(models.QuerySet["Suggestion"]):
    def waiting(self) -> SuggestionQuerySet:
        return self.filter(status=Suggestion.Status.NEW)

    def with_plus_ones(self) -> SuggestionQuerySet:
        return self.annotate(plus_one_count=Count("plus_ones"))


@reversion.register(exclude=PERSONAL)
class Suggestion(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "new"
        ACCEPTED = "accepted", "accepted"
        DECLINED = "declined", "declined"
        DUPLICATE = "duplicate", "duplicate"
        SPAM = "spam", "spam"

    identifier = models.CharField(
        max_length=500, help_text="What the member typed: a DOI, PubMed ID, ISBN or address."
    )
    key = models.CharField(
        max_length=600,
        blank=True,
        db_index=True,
        help_text="The identifier in its normal form (empty if it is not one the site knows).",
    )
    note = models.TextField(max_length=2000, help_text="Why it would help providers.")
    name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(
        blank=True,
        help_text="Only to tell them the outcome; deleted when the retention period ends.",
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.NEW, db_index=True
    )
    spam_reason = models.CharField(
        max_length=200, blank=True, help_text="Why the form's defences took it for a bot."
    )
    address_hash = models.CharField(
        max_length=64,
        blank=True,
        help_text="A keyed hash of the sender's network, not its address.",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    resource = models.ForeignKey(
        Resource,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="suggestions",
        help_text="The draft it was accepted into, or the resource it duplicates.",
    )
    decline_reason = models.ForeignKey(
        DeclineReason, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decline_text = models.TextField(blank=True, help_text="What the member was told.")
    published_notice_at = models.DateTimeField(
        null=True, blank=True, help_text="When the member was told the resource is published."
    )

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A second suggestion of one identifier while the first waits is a +1 on it.
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(status="new") & ~Q(key=""),
                name="one_waiting_suggestion_per_identifier",
            )
        ]

    def __str__(self) -> str:
        return self.identifier[:80]

    @property
    def is_closed(self) -> bool:
        return self.status != self.Status.NEW


class PlusOne(models.Model):
    """Another member suggested the same thing while it waited: their note, kept with it."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="plus_ones")
    note = models.TextField(max_length=2000)
    name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "+1"
        verbose_name_plural = "+1s"

    def __str__(self) -> str:
        return f"+1 on {self.suggestion}"
