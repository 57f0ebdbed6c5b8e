from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
    URLValidator,
)
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from stdnum import isbn
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

# The scheme check keeps javascript:, data: and ftp: addresses out of pages
# that providers open with one tap.
WEB_ADDRESS_MESSAGE = "Enter a full web address that starts with http:// or https://."
http_url_validator = URLValidator(schemes=["http", "https"], message=WEB_ADDRESS_MESSAGE)


class WebAddressFormField(forms.URLField):
    default_validators = [http_url_validator]
    default_error_messages = {"invalid": WEB_ADDRESS_MESSAGE}


class WebAddressField(models.URLField):
    """A URL that a browser opens as a page: http or https only."""

    default_validators = [http_url_validator]

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"form_class": WebAddressFormField, **kwargs})


doi_validator = RegexValidator(
    r"^10\.\d{4,9}/\S+$",
    "Enter a DOI such as 10.15265/IY-2014-0017, without https://doi.org/.",
)
pmid_validator = RegexValidator(r"^\d{1,9}$", "Enter the PubMed ID as digits only.")


def validate_isbn(value: str) -> None:
    """Accept an ISBN-10 or ISBN-13, with or without hyphens, whose check digit is right."""
    if not isbn.is_valid(value):
        raise ValidationError(
            "Enter a valid ISBN-10 or ISBN-13 (check the digits).", code="invalid"
        )


class ResourceQuerySet(models.QuerySet["Resource"]):
    def published(self) -> ResourceQuerySet:
        return self.filter(is_published=True)

    def in_list_order(self) -> ResourceQuerySet:
        return self.order_by("position", "pk")

    def with_list_details(self) -> ResourceQuerySet:
        """Everything the list and detail pages show, in a fixed number of queries."""
        return self.prefetch_related("links", "tags")

    @staticmethod
    def before_q(resource: Resource) -> Q:
        """Matches the resources that come before ``resource`` in curated order."""
        return Q(position__lt=resource.position) | Q(position=resource.position, pk__lt=resource.pk)

    def before(self, resource: Resource) -> ResourceQuerySet:
        return self.filter(self.before_q(resource))

    def after(self, resource: Resource) -> ResourceQuerySet:
        return self.filter(
            Q(position__gt=resource.position) | Q(position=resource.position, pk__gt=resource.pk)
        )


class ResourceManager(models.Manager["Resource"]):
    def get_by_natural_key(self, slug: str) -> Resource:
        return self.get(slug=slug)


class TaggedResourceManager(models.Manager["TaggedResource"]):
    def get_by_natural_key(self, resource_slug: str, tag_name: str) -> TaggedResource:
        return self.get(content_object__slug=resource_slug, tag__name=tag_name)


class TaggedResource(TaggedItemBase):
    """Tags attached straight to a resource by foreign key (faster than taggit's generic link)."""

    content_object = models.ForeignKey(
        "Resource", on_delete=models.CASCADE, related_name="tagged_items"
    )

    objects = TaggedResourceManager()

    class Meta:
        verbose_name = "tagged resource"
        constraints = [
            models.UniqueConstraint(
                fields=["content_object", "tag"], name="unique_tag_per_resource"
            )
        ]

    def natural_key(self) -> tuple[str, str]:
        return (self.content_object.slug, self.tag.name)

    natural_key.dependencies = ["resources.resource", "taggit.tag"]  # type: ignore[attr-defined]


# taggit ships no type information, so mypy's Django plugin cannot see TaggedResource's manager.
class Resource(models.Model):  # type: ignore[django-manager-missing]
    class Kind(models.TextChoices):
        WHITEPAPER = "whitepaper", "White paper"
        PROJECT = "project", "Project"
        PRESENTATIONS = "presentations", "Presentations"
        JOURNAL_ARTICLE = "journal-article", "Journal article"
        TOOLKIT = "toolkit", "Toolkit"
        BOOK = "book", "Book"
        PLEDGE = "pledge", "Pledge"
        RESEARCH_REPORTS = "research-reports", "Research reports"
        ARTICLE = "article", "Article or essay"
        WEBSITE = "website", "Website"
        VIDEO = "video", "Video"
        OTHER = "other", "Other"

    title = models.CharField(max_length=300)
    slug = models.SlugField(
        max_length=100,
        unique=True,
        help_text="Makes the resource's web address, /resources/this-slug/. Members share it, "
        "so change it only when it is wrong.",
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    creators = models.CharField(
        max_length=300,
        blank=True,
        help_text="Authors, presenters or organisation, as they should read on the page.",
    )
    publisher = models.CharField(
        "publisher or venue",
        max_length=300,
        blank=True,
        help_text="Journal, publisher, blog or organisation that published it.",
    )
    year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1800), MaxValueValidator(2200)],
        help_text="Year of publication. Leave empty if it is not known for sure.",
    )
    published_on = models.DateField(
        "date published",
        null=True,
        blank=True,
        help_text="Full date, only where it is known (for example an article's online date).",
    )
    volume = models.CharField(max_length=20, blank=True)
    issue = models.CharField(max_length=20, blank=True)
    pages = models.CharField(max_length=30, blank=True, help_text="For example 170-176.")
    doi = models.CharField(
        "DOI",
        max_length=200,
        blank=True,
        validators=[doi_validator],
        help_text="Without https://doi.org/.",
    )
    pmid = models.CharField("PubMed ID", max_length=12, blank=True, validators=[pmid_validator])
    isbn = models.CharField("ISBN", max_length=20, blank=True, validators=[validate_isbn])
    summary = models.CharField(
        max_length=280,
        help_text="One or two plain sentences: what it is. Shown in the list and in link previews.",
    )
    why_it_matters = models.TextField(
        "why it matters to providers",
        blank=True,
        help_text="What a provider gets from it. Separate paragraphs with a blank line.",
    )
    position = models.PositiveIntegerField(
        "order",
        default=0,
        db_index=True,
        help_text="Place in the curated list: lower numbers come first.",
    )
    is_published = models.BooleanField(
        "published",
        default=True,
        help_text="Untick to take the resource off the public site without deleting it.",
    )
    tags = TaggableManager(
        through=TaggedResource,
        blank=True,
        help_text="Topics, separated by commas.",
    )
    # Defaults rather than auto_now(_add), so that fixtures also load with a raw `loaddata`.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField("last changed", default=timezone.now, editable=False)

    objects = ResourceManager.from_queryset(ResourceQuerySet)()

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.updated_at = timezone.now()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "updated_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("resources:detail", kwargs={"slug": self.slug})

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    def clean(self) -> None:
        if self.published_on and self.year is None:
            self.year = self.published_on.year
        elif self.published_on and self.year != self.published_on.year:
            raise ValidationError({"year": "The year must match the date published."})

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def pubmed_url(self) -> str:
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/" if self.pmid else ""

    @property
    def primary_link(self) -> Link | None:
        """The first link in Link's ordering (primary first); uses prefetched links."""
        return next(iter(self.links.all()), None)

    @property
    def tag_names(self) -> list[str]:
        return sorted(tag.name for tag in self.tags.all())


class LinkManager(models.Manager["Link"]):
    def get_by_natural_key(self, resource_slug: str, url: str) -> Link:
        return self.get(resource__slug=resource_slug, url=url)


class Link(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="links")
    label = models.CharField(
        max_length=120,
        help_text="What the reader gets, for example \u201cRead the white paper (PDF)\u201d.",
    )
    url = WebAddressField("web address", max_length=500)
    is_primary = models.BooleanField(
        "primary",
        default=False,
        help_text="The link the list opens. Each resource has exactly one.",
    )
    position = models.PositiveIntegerField("order", default=0)

    objects = LinkManager()

    class Meta:
        ordering = ["-is_primary", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["resource"],
                condition=Q(is_primary=True),
                name="one_primary_link_per_resource",
                violation_error_message="This resource already has a primary link.",
            ),
            models.UniqueConstraint(
                fields=["resource", "url"],
                name="unique_link_url_per_resource",
                violation_error_message="This resource already links to that address.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.url})"

    def natural_key(self) -> tuple[str, str]:
        return (self.resource.slug, self.url)

    natural_key.dependencies = ["resources.resource"]  # type: ignore[attr-defined]

    @property
    def host(self) -> str:
        """The site a link leads to, for a reader who wants to know before tapping."""
        host = urlsplit(self.url).hostname or ""
        return host.removeprefix("www.")
