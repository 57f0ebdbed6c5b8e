from __future__ import annotations

import reversion
from django.db import models

from editing.models import VersionedModel


class KeyedManager[M: models.Model](models.Manager[M]):
    def get_by_natural_key(self, key: str) -> M:
        return self.get(key=key)


@reversion.register(exclude=["version"])
class Principle(VersionedModel):
    """One of SPM's guiding principles, shown above the resource list."""

    key = models.SlugField(
        max_length=60,
        unique=True,
        help_text="Short internal name, also the page anchor (#key). Not shown as text.",
    )
    text = models.TextField()
    position = models.PositiveIntegerField(
        "order", default=0, help_text="Lower numbers come first."
    )

    objects = KeyedManager["Principle"]()

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text

    def natural_key(self) -> tuple[str]:
        return (self.key,)


class TextBlockQuerySet(models.QuerySet["TextBlock"]):
    def on_page(self, page: str) -> TextBlockQuerySet:
        return self.filter(page=page)


@reversion.register(exclude=["version"])
class TextBlock(VersionedModel):
    """A block of the Society's own words (the mission text), with an optional heading."""

    class Page(models.TextChoices):
        RESOURCES = "resources", "Resources for Providers page"
        ABOUT = "about", "About the Society page"

    key = models.SlugField(
        max_length=60,
        unique=True,
        help_text="Short internal name, also the page anchor (#key). Not shown as text.",
    )
    page = models.CharField(
        max_length=20,
        choices=Page.choices,
        default=Page.RESOURCES,
        help_text="The page the block appears on.",
    )
    heading = models.CharField(
        max_length=200, blank=True, help_text="Optional. Leave empty for a block with no heading."
    )
    body = models.TextField(help_text="Separate paragraphs with a blank line.")
    position = models.PositiveIntegerField(
        "order", default=0, help_text="Order on its page: lower numbers come first."
    )

    objects = KeyedManager.from_queryset(TextBlockQuerySet)()

    class Meta:
        ordering = ["page", "position", "pk"]
        verbose_name = "mission text block"

    def __str__(self) -> str:
        return self.heading or self.body[:60]

    def natural_key(self) -> tuple[str]:
        return (self.key,)
