from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

import reversion
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, URLValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from stdnum import isbn
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItemBase

from editing.models import VersionedModel

from .kinds import KIND_TYPES, Kind, KindTypes
from .partial_dates import PartialDate, validate_partial_date

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
pmcid_validator = RegexValidator(r"^PMC\d{1,9}$", "Enter the PMC ID as PMC followed by digits.")


def validate_isbn(value: str) -> None:
    """Accept an ISBN-10 or ISBN-13, with or without hyphens, whose check digit is right."""
    if not isbn.is_valid(value):
        raise ValidationError(
            "Enter a valid ISBN-10 or ISBN-13 (check the digits).", code="invalid"
        )


slug_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    "Use lowercase letters, digits and single hyphens only, for example opennotes-project.",
    code="invalid",
)


class ResourceQuerySet(models.QuerySet["Resource"]):
    # Writes without signals that may change the list's membership or order change its
    # order token (resources/ordering.py); bulk_update() is an update() too.
    def update(self, **kwargs: Any) -> int:
        from . import ordering

        changed = super().update(**kwargs)
        if changed and set(kwargs) & set(ordering.FIELDS):
            ordering.bump()
        return changed

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Any]:
        from . import ordering

        made = super().bulk_create(objs, *args, **kwargs)
        if made:
            ordering.bump()
        return made

    def published(self) -> ResourceQuerySet:
        """Public at their address: the list's resources and the archived ones."""
        return self.filter(is_published=True)

    def listed(self) -> ResourceQuerySet:
        """On the list (and its numbering, feeds, handout): published and not archived."""
        return self.filter(is_published=True, archived_at__isnull=True)

    def review_due(self, today: date | None = None) -> ResourceQuerySet:
        """Never reviewed, or last reviewed longer ago than settings.REVIEW_AFTER_DAYS."""
        today = today or timezone.localdate()
        cutoff = today - timedelta(days=settings.REVIEW_AFTER_DAYS)
        return self.filter(Q(last_reviewed_on__isnull=True) | Q(last_reviewed_on__lt=cutoff))

    def in_list_order(self) -> ResourceQuerySet:
        return self.order_by("position", "pk")

    def with_link_state(self, state: str) -> ResourceQuerySet:
        """Resources with a link whose last check (at its present address) found ``state``;
        "unknown" means never checked there."""
        current = LinkHealth.objects.current()
        if state == LinkHealth.State.UNKNOWN:
            links = Link.objects.exclude(pk__in=current.exclude(state=state).values("link_id"))
        else:
            links = Link.objects.filter(pk__in=current.filter(state=state).values("link_id"))
        return self.filter(pk__in=links.values("resource_id"))

    def with_link_health(self) -> ResourceQuerySet:
        """Each resource's links with what their checks found, in two queries."""
        return self.prefetch_related(
            models.Prefetch("links", queryset=Link.objects.select_related("health"))
        )

    def with_list_details(self) -> ResourceQuerySet:
        """Everything the list and detail pages show, in a fixed number of queries."""
        links = models.Prefetch("links", queryset=Link.objects.select_related("health"))
        return self.prefetch_related(links, "tags", "creators", "notices")

    def under_serious_notice(self) -> ResourceQuerySet:
        """Not archived, and retracted or under an expression of concern: what staff must
        deal with (archiving it is dealing with it)."""
        flagged = Notice.objects.serious().values("resource_id")
        return self.filter(archived_at__isnull=True, pk__in=flagged)

    def with_notice(self, kinds: list[str]) -> ResourceQuerySet:
        """Resources with a notice of one of ``kinds`` (archived ones too)."""
        return self.filter(pk__in=Notice.objects.filter(kind__in=kinds).values("resource_id"))

    @staticmethod
    def before_q(resource: Resource) -> Q:
        """Matches the resources that come before ``resource`` in curated order. (The
        first bound says nothing new, but lets the database seek in the list's index
        rather than walk it.)"""
        return Q(position__lte=resource.position) & (
            Q(position__lt=resource.position) | Q(position=resource.position, pk__lt=resource.pk)
        )

    def place_on_list(self, resource: Resource) -> dict[str, Any] | None:
        """Where ``resource`` stands on the list (in curated order): its number, the total,
        the one before and the one after; None when it is not on the list. The numbers and
        which resources are next to it are kept under the list's order token
        (resources/ordering.py): they are counted again only when the order changes."""
        if not resource.is_listed:
            return None
        from . import ordering

        ordered = self.listed().in_list_order()
        counted: dict[int, Resource] = {}  # the neighbours, when counted here

        def count() -> tuple[int, int, int | None, int | None]:
            counts = ordered.aggregate(
                total=models.Count("pk"), before=models.Count("pk", filter=self.before_q(resource))
            )
            around = (
                ordered.before(resource).only("slug", "title").last(),
                ordered.after(resource).only("slug", "title").first(),
            )
            counted.update({r.pk: r for r in around if r is not None})
            pks = [r.pk if r is not None else None for r in around]
            return counts["before"] + 1, counts["total"], pks[0], pks[1]

        number, total, previous_pk, next_pk = ordering.kept(
            ordering.read_token(), f"place-{resource.pk}", count, tuple
        )
        if not counted:
            # Their titles and addresses as they are now: an edit may change those alone.
            wanted = [pk for pk in (previous_pk, next_pk) if pk is not None]
            if wanted:
                counted = ordered.filter(pk__in=wanted).only("slug", "title").in_bulk()
        previous, following = counted.get(previous_pk), counted.get(next_pk)
        return {"number": number, "total": total, "previous": previous, "next": following}

    def before(self, resource: Resource) -> ResourceQuerySet:
        return self.filter(self.before_q(resource))

    def after(self, resource: Resource) -> ResourceQuerySet:
        return self.filter(
            Q(position__gte=resource.position),
            Q(position__gt=resource.position) | Q(position=resource.position, pk__gt=resource.pk),
        )


class ResourceManager(models.Manager["Resource"]):
    def get_by_natural_key(self, slug: str) -> Resource:
        return self.get(slug=slug)


class TaggedResourceManager(models.Manager["TaggedResource"]):
    def get_by_natural_key(self, resource_slug: str, tag_name: str) -> TaggedResource:
        return self.get(content_object__slug=resource_slug, tag__name=tag_name)


@reversion.register()
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


SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z\u201c\"(])")
# Words whose period does not end a sentence ("Dr. Sands", "U.S. adults"); single
# letters (initials such as "D. Z.") are skipped too.
ABBREVIATIONS = {"dr", "mr", "mrs", "ms", "st", "vs", "e.g", "i.e", "u.s", "etc", "no", "vol"}


class Audience(models.TextChoices):
    """Who a resource is written for. A resource for both counts under either filter."""

    PROVIDERS = "providers", "Providers"
    PATIENTS = "patients", "Patients and caregivers"
    BOTH = "both", "Providers, patients and caregivers"

    @classmethod
    def including(cls, value: str) -> list[str]:
        """The audiences whose resources a reader choosing ``value`` is shown."""
        return [value, cls.BOTH] if value != cls.BOTH else [cls.BOTH]

    @property
    def schema_audience_types(self) -> list[str]:
        """schema.org audienceType of each group the resource is for."""
        return {
            "providers": ["Healthcare providers"],
            "patients": ["Patients and caregivers"],
            "both": ["Healthcare providers", "Patients and caregivers"],
        }[self.value]

    @property
    def for_patients(self) -> bool:
        return self.value in (self.PATIENTS, self.BOTH)


# The grade that health-literacy guidance asks patient material to be written at.
PLAIN_LANGUAGE_GRADES = (6, 8)


def first_sentence(text: str) -> str:
    """``text`` up to the end of its first sentence (a period after an abbreviation or an
    initial does not end it)."""
    for end in SENTENCE_END.finditer(text):
        word = text[: end.start()].rsplit(" ", 1)[-1]
        if len(word) > 1 and word.lower() not in ABBREVIATIONS:
            return text[: end.end()]
    return text.split("\n\n", 1)[0]


# Worst first: how a resource's links together are reported ("broken" if any is).
LINK_SEVERITY = ["broken", "moved", "unverified", "unknown", "ok"]


def join_names(names: list[str]) -> str:
    """A, A and B, or A, B, and C; with a comma before "and" when a name holds one (B, MD)."""
    if len(names) <= 1:
        return "".join(names)
    if len(names) == 2 and not any("," in name for name in names):
        return f"{names[0]} and {names[1]}"
    return f"{', '.join(names[:-1])}, and {names[-1]}"


class ListOrder(models.Model):
    """One row whose token changes whenever the list's membership or order may have
    (resources/ordering.py): its length and each resource's place are kept under it."""

    token = models.BigIntegerField()

    def __str__(self) -> str:
        return str(self.token)


# taggit ships no type information, so mypy's Django plugin cannot see TaggedResource's manager.
# History follows what a resource page edits with it: its creators, links and tags. The
# save counter stays out of history, so a restore never makes a stale form look fresh.
@reversion.register(
    follow=["creators", "links", "tagged_items", "former_slugs"], exclude=["version"]
)
class Resource(VersionedModel):  # type: ignore[django-manager-missing]
    Kind = Kind
    Audience = Audience

    title = models.CharField(max_length=300)
    slug = models.SlugField(
        max_length=100,
        unique=True,
        validators=[slug_validator],
        error_messages={"unique": "Another resource already has this slug. Choose another."},
        help_text="Makes the resource's web address, /resources/this-slug/. If you change it, "
        "the old address keeps working and leads here.",
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    audience = models.CharField(
        "for",
        max_length=20,
        choices=Audience.choices,
        default=Audience.PROVIDERS,
        help_text="Who it is written for. A resource patients can read too is listed under "
        "both filters, and providers can hand it to patients.",
    )
    container_title = models.CharField(
        "published in",
        max_length=300,
        blank=True,
        help_text="The journal, website, blog or series it appeared in.",
    )
    container_short = models.CharField(
        "short journal title",
        max_length=120,
        blank=True,
        help_text="The journal's standard abbreviation, for example Yearb Med Inform "
        "(used in AMA citations).",
    )
    publisher = models.CharField(
        max_length=300,
        blank=True,
        help_text="The organisation or company that published it.",
    )
    issued = models.CharField(
        "date published",
        max_length=10,
        blank=True,
        validators=[validate_partial_date],
        help_text="As precisely as a reliable source gives it: 2014, 2014-08 or 2014-08-15. "
        "Leave empty if it is not known for sure.",
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
    pmcid = models.CharField(
        "PMC ID",
        max_length=12,
        blank=True,
        validators=[pmcid_validator],
        help_text="PubMed Central's number for a free full text, for example PMC4287071.",
    )
    isbn = models.CharField("ISBN", max_length=20, blank=True, validators=[validate_isbn])
    abstract = models.TextField(
        blank=True,
        help_text="The work's own abstract, as its registry gives it: for staff writing the "
        "summary; not shown on the site.",
    )
    summary = models.CharField(
        max_length=280,
        help_text="One or two plain sentences: what it is. Shown in the list and in link previews.",
    )
    plain_summary = models.TextField(
        "plain-language summary",
        blank=True,
        help_text="For a resource patients and caregivers read: what it is and how it helps, "
        "in short sentences and everyday words (6th to 8th grade reading level). Shown on its "
        "page under the summary.",
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
        default=False,
        help_text="A new resource is a draft, seen only by staff, until this is ticked.",
    )
    first_published_at = models.DateTimeField(
        "first published", null=True, blank=True, editable=False
    )
    archived_at = models.DateTimeField(
        "archived",
        null=True,
        blank=True,
        help_text="When it was retired from the list. Its page stays online with a notice; "
        "use the \u201cArchive\u201d action rather than deleting.",
    )
    superseded_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supersedes",
        help_text="For an archived resource: the one readers should use instead.",
    )
    last_reviewed_on = models.DateField(
        "last reviewed",
        null=True,
        blank=True,
        help_text="When someone at SPM last checked that it is still accurate and available.",
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
    # What it was loaded with, and whether its save changes the list (resources/ordering.py).
    _order_as_loaded: dict[str, Any]
    _order_changes: bool

    class Meta:
        ordering = ["position", "pk"]
        indexes = [
            # The listed resources in curated order: the list's pages, its length and a
            # resource's place on it read from the index alone, however long the list.
            models.Index(
                fields=["is_published", "archived_at", "position", "id"],
                name="resource_list_order",
            ),
            # Covers what the catalogue counts and orders the listed resources by, so a
            # count over thousands of matches reads this index, not the wide rows.
            models.Index(
                fields=["is_published", "archived_at", "position", "kind", "audience"],
                name="resource_listed_facets",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(slug=Lower("slug")),
                name="resource_slug_is_lowercase",
                violation_error_message="Use lowercase letters in the slug.",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.updated_at = timezone.now()
        if self.is_published and self.first_published_at is None:
            self.first_published_at = self.updated_at
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "updated_at", "first_published_at"}
        with transaction.atomic():
            previous = (
                Resource.objects.filter(pk=self.pk).values_list("slug", flat=True).first()
                if self.pk
                else None
            )
            super().save(*args, **kwargs)
            if previous and previous != self.slug:
                # The old address goes on leading here; an address it had before and
                # takes back is no longer a former one.
                FormerSlug.objects.update_or_create(slug=previous, defaults={"resource": self})
                FormerSlug.objects.filter(resource=self, slug=self.slug).delete()

    def get_absolute_url(self) -> str:
        return reverse("resources:detail", kwargs={"slug": self.slug})

    def get_short_url(self) -> str:
        """The address that never changes, whatever staff rename: /r/<number>/."""
        return reverse("resources:short", kwargs={"number": self.pk})

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    def clean(self) -> None:
        if self.is_published and not self.summary.strip():
            raise ValidationError(
                {
                    "summary": "Write the summary before publishing: the list and link previews "
                    "show it."
                }
            )
        if self.plain_summary.strip() and not Audience(self.audience).for_patients:
            raise ValidationError(
                {
                    "plain_summary": "A plain-language summary is for patients and caregivers: "
                    "set \u201cfor\u201d to include them, or leave this empty."
                }
            )
        if self.superseded_by_id is not None and self.superseded_by_id == self.pk:
            raise ValidationError({"superseded_by": "A resource cannot replace itself."})
        if self.slug:
            holder = (
                FormerSlug.objects.filter(slug=self.slug)
                .exclude(resource_id=self.pk)
                .select_related("resource")
                .first()
            )
            if holder:
                raise ValidationError(
                    {
                        "slug": f"/resources/{self.slug}/ was the address of "
                        f"\u201c{holder.resource.title}\u201d and still leads there. "
                        "Choose another slug."
                    }
                )

    def review_is_due(self, today: date | None = None) -> bool:
        """The same rule as ResourceQuerySet.review_due, for one resource already loaded."""
        today = today or timezone.localdate()
        cutoff = today - timedelta(days=settings.REVIEW_AFTER_DAYS)
        return self.last_reviewed_on is None or self.last_reviewed_on < cutoff

    @classmethod
    def from_db(
        cls, db: str | None, field_names: Any, values: Any, *, fetch_mode: Any = None
    ) -> Resource:
        instance = super().from_db(db, field_names, values, fetch_mode=fetch_mode)
        # What a save compares with, to tell whether it changes the list's order.
        from . import ordering

        instance._order_as_loaded = ordering.loaded(instance)
        return instance

    @property
    def is_listed(self) -> bool:
        """On the list: the same rule as ResourceQuerySet.listed, for one resource loaded."""
        return self.is_published and self.archived_at is None

    @property
    def status(self) -> str:
        if not self.is_published:
            return "Draft"
        return "Archived" if self.archived_at else "Published"

    @property
    def for_patients(self) -> bool:
        """Written (also) for patients and caregivers."""
        return Audience(self.audience).for_patients

    @property
    def plain_summary_shown(self) -> str:
        """The plain-language summary, where the resource is for patients."""
        return self.plain_summary if self.for_patients else ""

    @property
    def types(self) -> KindTypes:
        return KIND_TYPES[self.kind]

    @property
    def date(self) -> PartialDate | None:
        """The publication date, as precisely as it is known."""
        return PartialDate.of(self.issued)

    @property
    def year(self) -> int | None:
        return self.date.year if self.date else None

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def pubmed_url(self) -> str:
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/" if self.pmid else ""

    @property
    def primary_link(self) -> Link | None:
        """The first link by position, the one the list opens; uses prefetched links."""
        return next(iter(self.links.all()), None)

    @property
    def worst_link_state(self) -> str | None:
        """The state of the resource's worst link as the last checks found it (None: no
        links); uses prefetched links and health (``with_link_health``)."""
        states = [
            health.state if (health := link.current_health) else LinkHealth.State.UNKNOWN
            for link in self.links.all()
        ]
        return min(states, key=LINK_SEVERITY.index) if states else None

    @property
    def tag_names(self) -> list[str]:
        return sorted(tag.name for tag in self.tags.all())

    @property
    def summary_lead(self) -> str:
        """The summary's first sentence, for a one-line mention (the printed handout)."""
        return first_sentence(self.summary)

    @property
    def handout_lead(self) -> str:
        """What the handout says of it: the plain-language summary's first sentence where
        there is one (a handout is for patients), otherwise the summary's."""
        return first_sentence(self.plain_summary_shown) or self.summary_lead

    @property
    def notices_shown(self) -> list[Notice]:
        """The notices about the work, worst first, each once: two registries reporting the
        same retraction (same kind, same date) make one line (uses prefetched notices)."""
        shown: list[Notice] = []
        for notice in sorted(self.notices.all(), key=Notice.rank):
            if not any(
                kept.kind == notice.kind and (kept.issued == notice.issued or not notice.issued)
                for kept in shown
            ):
                shown.append(notice)
        return shown

    @property
    def serious_notice(self) -> Notice | None:
        """The retraction (or else the expression of concern) readers must be told of."""
        worst = next(iter(self.notices_shown), None)
        return worst if worst is not None and worst.is_serious else None

    @property
    def byline(self) -> str:
        """Who made it, as a reader expects: built from the creators (uses prefetched ones)."""
        creators = list(self.creators.all())
        makers = [c.byline_name for c in creators if c.role != Creator.Role.EDITOR]
        editors = [c.byline_name for c in creators if c.role == Creator.Role.EDITOR]
        if not editors:
            return join_names(makers)
        edited = f"edited by {join_names(editors)}"
        return f"{join_names(makers)}; {edited}" if makers else edited[0].upper() + edited[1:]


class FormerSlugManager(models.Manager["FormerSlug"]):
    def get_by_natural_key(self, slug: str) -> FormerSlug:
        return self.get(slug=slug)


class SeedLoad(models.Model):
    """A seed file that was loaded into this database: it is never loaded again."""

    name = models.CharField(max_length=200, unique=True)
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "seed file loaded"
        verbose_name_plural = "seed files loaded"

    def __str__(self) -> str:
        return self.name


@reversion.register()
class FormerSlug(models.Model):
    """An address a resource had before a rename: it answers with a permanent redirect."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="former_slugs")
    slug = models.SlugField(max_length=100, unique=True)
    retired_at = models.DateTimeField("in use until", default=timezone.now)

    objects = FormerSlugManager()

    class Meta:
        ordering = ["-retired_at", "pk"]
        verbose_name = "former address"
        verbose_name_plural = "former addresses"

    def __str__(self) -> str:
        return f"/resources/{self.slug}/"

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


@reversion.register()
class Creator(models.Model):
    """A person or an organisation who made a resource, in the order a citation lists them."""

    class Role(models.TextChoices):
        AUTHOR = "author", "Author"
        EDITOR = "editor", "Editor"
        PRESENTER = "presenter", "Presenter"

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="creators")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.AUTHOR)
    given_names = models.CharField(
        max_length=150,
        blank=True,
        help_text="A person's given names or initials, as the source gives them.",
    )
    family_name = models.CharField(max_length=150, blank=True, help_text="A person's surname.")
    organisation = models.CharField(
        "or organisation",
        max_length=300,
        blank=True,
        help_text="When an organisation made it: its name, with no person's names.",
    )
    credentials = models.CharField(
        max_length=60,
        blank=True,
        help_text="Degrees shown after the name on the page, for example MD, PhD. "
        "Not used in citations.",
    )
    position = models.PositiveIntegerField("order", default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(organisation="") & ~Q(family_name=""))
                | (~Q(organisation="") & Q(family_name="") & Q(given_names="")),
                name="creator_is_a_person_or_an_organisation",
                violation_error_message="Give a person's family name, or an organisation's "
                "name, but not both.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.organisation and (self.family_name or self.given_names):
            raise ValidationError(
                {"organisation": "Fill in either a person's names or an organisation, not both."}
            )
        if not self.organisation and not self.family_name:
            raise ValidationError(
                {"family_name": "Give the person's family name (or an organisation's name)."}
            )

    @property
    def is_organisation(self) -> bool:
        return bool(self.organisation)

    @property
    def name(self) -> str:
        """The name in reading order: Daniel Z. Sands, or the organisation's name."""
        if self.organisation:
            return self.organisation
        return f"{self.given_names} {self.family_name}".strip()

    @property
    def byline_name(self) -> str:
        return f"{self.name}, {self.credentials}" if self.credentials else self.name


class LinkManager(models.Manager["Link"]):
    def get_by_natural_key(self, resource_slug: str, url: str) -> Link:
        return self.get(resource__slug=resource_slug, url=url)


@reversion.register()
class Link(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="links")
    label = models.CharField(
        max_length=120,
        help_text="What the reader gets, for example \u201cRead the white paper (PDF)\u201d.",
    )
    url = WebAddressField("web address", max_length=500)
    position = models.PositiveIntegerField(
        "order",
        default=0,
        help_text="Lower numbers come first. The first link is the one the list opens.",
    )

    objects = LinkManager()

    class Meta:
        # The first link in this order is the primary one: the one the list opens.
        ordering = ["position", "pk"]
        constraints = [
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

    @property
    def current_health(self) -> LinkHealth | None:
        """What the checks found at the link's present address (None: not checked yet).

        Health belongs to an address: once staff change the URL, what was found at the
        old one no longer applies. Select or prefetch ``health`` to avoid a query.
        """
        try:
            health = self.health
        except LinkHealth.DoesNotExist:
            return None
        return health if health.url == self.url else None

    @property
    def archive_url(self) -> str:
        """The Wayback Machine's copies of the address (its latest, when one exists)."""
        return f"https://web.archive.org/web/{self.url}"


class LinkHealthQuerySet(models.QuerySet["LinkHealth"]):
    def current(self) -> LinkHealthQuerySet:
        """Only what was found at each link's present address."""
        return self.filter(url=F("link__url"))

    def in_list_order(self) -> LinkHealthQuerySet:
        """By resource in curated order, then by link, with both loaded."""
        return self.select_related("link__resource").order_by(
            "link__resource__position", "link__resource__pk", "link__position", "link__pk"
        )

    def broken(self) -> LinkHealthQuerySet:
        return self.filter(state=LinkHealth.State.BROKEN)

    def moved(self) -> LinkHealthQuerySet:
        """Moved for good: staff can take the new address with one click."""
        return self.filter(state=LinkHealth.State.MOVED)

    def unverified(self) -> LinkHealthQuerySet:
        return self.filter(state=LinkHealth.State.UNVERIFIED)

    def retitled(self) -> LinkHealthQuerySet:
        """Pages whose title is not the one they had at the resource's last review."""
        return self.exclude(title="").exclude(reviewed_title="").exclude(title=F("reviewed_title"))


class LinkHealth(models.Model):
    """What the link checks found at a link's address.

    Kept apart from Link on purpose: it is observed, not edited, so it stays out of the
    resource's history, its version counter and the exported fixtures, and a check that
    finishes while staff edit the link can never overwrite their change. Written only
    through ``resources.link_health.store``.
    """

    class State(models.TextChoices):
        UNKNOWN = "unknown", "not known yet"
        OK = "ok", "ok"
        MOVED = "moved", "moved"
        BROKEN = "broken", "broken"
        UNVERIFIED = "unverified", "could not verify"

    link = models.OneToOneField(
        Link, on_delete=models.CASCADE, primary_key=True, related_name="health"
    )
    url = models.CharField("address checked", max_length=500)
    state = models.CharField(
        max_length=12, choices=State.choices, default=State.UNKNOWN, db_index=True
    )
    checked_at = models.DateTimeField("last checked", default=timezone.now)
    status_code = models.PositiveSmallIntegerField("HTTP status", null=True, blank=True)
    final_url = models.CharField("final address", max_length=2000, blank=True)
    permanent_move = models.BooleanField(
        default=False, help_text="Every redirect on the way to the final address was permanent."
    )
    title = models.CharField("page title", max_length=300, blank=True)
    reviewed_title = models.CharField(
        "title at the last review",
        max_length=300,
        blank=True,
        help_text="The page title when staff last reviewed the resource (or first saw it).",
    )
    failures = models.PositiveSmallIntegerField("failures in a row", default=0)
    problem = models.CharField(
        max_length=200, blank=True, help_text="What went wrong, in a few words."
    )
    last_ok_at = models.DateTimeField("last found working", null=True, blank=True)

    objects = LinkHealthQuerySet.as_manager()

    class Meta:
        verbose_name = "link health"
        verbose_name_plural = "link health"

    def __str__(self) -> str:
        return f"{self.url}: {self.get_state_display()}"

    @property
    def is_broken(self) -> bool:
        return self.state == self.State.BROKEN

    @property
    def title_changed(self) -> bool:
        """The page's title is not the one it had when staff last reviewed the resource."""
        return bool(self.title and self.reviewed_title and self.title != self.reviewed_title)

    @property
    def finding(self) -> str:
        """What the last check found, in a few words: "HTTP 404", "timed out", "HTTP 403"."""
        return self.problem or (f"HTTP {self.status_code}" if self.status_code else "")

    def describe(self) -> str:
        """The state for staff, with what the last check found."""
        match self.state:
            case self.State.BROKEN:
                return f"broken: {self.finding} ({self.failures} failures in a row)"
            case self.State.MOVED:
                return f"moved permanently to {self.final_url}"
            case self.State.UNVERIFIED:
                return f"could not verify: {self.finding}"
        if self.failures:
            return (
                f"{self.get_state_display()}, but failed once ({self.finding}): "
                "checked again next time"
            )
        return str(self.get_state_display())


@dataclass(frozen=True)
class NoticeWords:
    """How the site speaks of one kind of notice, and how citations and JSON-LD mark it."""

    name: str  # the notice: "Retraction"
    state: str  # the work since: "Retracted" (as in "Retracted on 4 June 2020")
    meaning: str = ""  # for readers of its page: what the notice means for them
    csl_status: str = ""  # CSL's ``status`` of the work ("retracted"), when it has one
    schema_status: str = ""  # schema.org's creativeWorkStatus ("Retracted")
    # schema.org: a notice that corrects the record is a ``correction``; one that only warns
    # readers (an expression of concern) a ``comment``.
    schema_property: str = "correction"
    about: str = "of"  # "a retraction of", "an expression of concern about"


# The kinds lookup.Update reports, worst first; any other kind is spoken of by its own name.
NOTICE_KINDS = {
    "retraction": NoticeWords(
        "Retraction",
        "Retracted",
        "Its publisher has retracted this work; the notice says why.",
        csl_status="retracted",
        schema_status="Retracted",
    ),
    "withdrawal": NoticeWords(
        "Withdrawal",
        "Withdrawn",
        "Its publisher has withdrawn this work; the notice says why.",
        csl_status="withdrawn",
        schema_status="Withdrawn",
    ),
    "removal": NoticeWords(
        "Removal",
        "Removed by its publisher",
        "Its publisher has removed this work; the notice says why.",
        csl_status="removed",
        schema_status="Removed",
    ),
    "partial retraction": NoticeWords(
        "Partial retraction",
        "Partly retracted",
        "Its publisher has retracted part of this work; the notice says which part and why.",
        csl_status="partially retracted",
        schema_status="Partially retracted",
    ),
    "expression of concern": NoticeWords(
        "Expression of concern",
        "Expression of concern issued",
        "Its publisher has told readers of serious concerns about this work; the notice "
        "says what they are.",
        schema_property="comment",
        about="about",
    ),
    "correction": NoticeWords("Correction", "Corrected"),
}


def notice_words(kind: str) -> NoticeWords:
    """The words for ``kind``; a kind the table lacks ("new version", "addendum") is named
    as it is, and only commented on, never taken for a correction."""
    return NOTICE_KINDS.get(kind) or NoticeWords(kind.capitalize(), "", schema_property="comment")


class NoticeQuerySet(models.QuerySet["Notice"]):
    def serious(self) -> NoticeQuerySet:
        """Retractions, withdrawals and expressions of concern: what readers must be told."""
        return self.filter(kind__in=Notice.SERIOUS)

    def retractions(self) -> NoticeQuerySet:
        """Notices that take the work back, whole or in part."""
        return self.filter(kind__in=Notice.RETRACTIONS)


class Notice(models.Model):
    """A notice its publisher issued about a resource's work: a retraction, a correction, an
    expression of concern. Found by ``check_updates`` (or when the resource was added) in
    Crossref or PubMed; observed, not edited, so it stays out of the resource's history."""

    SERIOUS = ["retraction", "partial retraction", "withdrawal", "removal", "expression of concern"]
    RETRACTIONS = ["retraction", "partial retraction", "withdrawal", "removal"]

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=40, help_text="retraction, correction, ...")
    issued = models.CharField(
        "date of the notice", max_length=10, blank=True, validators=[validate_partial_date]
    )
    notice_doi = models.CharField("notice's DOI", max_length=200, blank=True)
    notice_url = models.CharField("notice's address", max_length=500, blank=True)
    source = models.CharField("reported by", max_length=60)
    found_at = models.DateTimeField("found", default=timezone.now)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-found_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "kind", "notice_doi", "notice_url"],
                name="one_record_of_each_notice",
            )
        ]

    def __str__(self) -> str:
        when = f" ({self.date.display()})" if self.date else ""
        return f"{self.kind.capitalize()}{when}: {self.resource}"

    @property
    def is_serious(self) -> bool:
        return self.kind in self.SERIOUS

    @property
    def date(self) -> PartialDate | None:
        return PartialDate.of(self.issued)

    @property
    def url(self) -> str:
        """Where a reader can read the notice."""
        return self.notice_url or (f"https://doi.org/{self.notice_doi}" if self.notice_doi else "")

    @property
    def words(self) -> NoticeWords:
        return notice_words(self.kind)

    @property
    def headline(self) -> str:
        """What readers are told: "Retracted on 4 June 2020", "Retracted in 2020", or
        "Retracted" when the registry gives no date."""
        state = self.words.state or self.words.name
        when = self.date
        if when is None:
            return state
        return f"{state} {'on' if when.day else 'in'} {when.display()}"

    def rank(self) -> tuple[Any, ...]:
        """Worst kind first; of one kind, the best documented (dated, with a DOI) first."""
        kinds = list(NOTICE_KINDS)
        return (
            kinds.index(self.kind) if self.kind in kinds else len(kinds),
            not self.issued,
            not self.notice_doi,
            not self.notice_url,
            self.issued,
            self.pk or 0,
        )


# Tag names are part of what a restore brings back.
reversion.register(Tag)


# The search index's change feed (resources/search.py): what a kept page of results needs
# to be corrected, exactly, by the edits made since it was counted.


class SearchSequence(models.Model):
    """One row: the number of the last change to the search index. It is raised under the
    row's lock, in the transaction of the change, so the numbers follow commit order. The
    epoch changes when the row is made again (a flushed database), so that results kept
    under an earlier life of the numbers are never corrected by this one's."""

    seq = models.BigIntegerField(default=0)
    epoch = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.seq} ({self.epoch})"


class SearchFacets(models.Model):
    """What the catalogue filters and counts a resource by, as the search index holds it
    beside its text (written with it, and with its change, in one transaction)."""

    resource_id = models.BigIntegerField(primary_key=True)
    kind = models.CharField(max_length=40)
    audience = models.CharField(max_length=20)
    listed = models.BooleanField()
    position = models.PositiveIntegerField()
    topics = models.TextField(blank=True)  # the ids of its tags, sorted, space-separated

    class Meta:
        indexes = [
            # Covers the counts by kind and audience, and the best matches' ties.
            models.Index(
                fields=["listed", "kind", "audience", "position", "resource_id"],
                name="search_facets_listed",
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource_id}: {self.kind}, {self.audience}"


class SearchTopic(models.Model):
    """A topic of a resource as the search index holds it (SearchFacets.topics, a row each),
    so that the counts by topic are read from the index alone."""

    resource_id = models.BigIntegerField()
    tag_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resource_id", "tag_id"], name="search_topic_once")
        ]
        indexes = [models.Index(fields=["tag_id", "resource_id"], name="search_topic_resources")]

    def __str__(self) -> str:
        return f"{self.resource_id}: {self.tag_id}"


class SearchChange(models.Model):
    """One change to the search index, numbered in commit order, with what the index held
    for the resource before it: its facets here (``existed`` False when it held nothing)
    and its text, as the engine matches it, in the engine's own table of earlier texts
    under the same number. A change without a resource is a bulk one: everything."""

    seq = models.BigIntegerField(primary_key=True)
    resource_id = models.BigIntegerField(null=True)
    existed = models.BooleanField(default=False)
    kind = models.CharField(max_length=40, blank=True)
    audience = models.CharField(max_length=20, blank=True)
    listed = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    topics = models.TextField(blank=True)
    made_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.seq}: {self.resource_id}"
