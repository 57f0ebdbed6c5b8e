"""Growing the list: what is already on it (by DOI, PubMed ID, PMCID, ISBN or address), and
new drafts made from a looked-up or imported record, each recorded in its history.

The admin's "Add from identifiers", ``manage.py add_resource`` and the reference-library
import all come through here, so a resource is never added twice by one door or another.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import reversion
from django.db import transaction
from django.db.models import Max, Q
from django.utils.text import slugify
from stdnum import isbn as stdnum_isbn
from taggit.models import Tag

from spm_site import pagecache

from .identifiers import Identifier, Unrecognised, normalise_doi, normalise_url, recognise
from .lookup import Found, Suggestion, Update, lookup_many, suggest
from .models import Creator, FormerSlug, Link, Notice, Resource
from .partial_dates import PartialDate


@dataclass(frozen=True)
class Keys:
    """The identifiers a resource is known by, each in its normal form."""

    doi: str = ""
    pmid: str = ""
    pmcid: str = ""
    isbn: str = ""
    urls: tuple[str, ...] = ()

    @classmethod
    def of(cls, *, doi: str = "", pmid: str = "", pmcid: str = "", isbn: str = "",
           urls: Iterable[str] = ()) -> Keys:  # fmt: skip
        return cls(
            doi=doi_key(doi),
            pmid=pmid.strip(),
            pmcid=pmcid.strip().upper(),
            isbn=isbn_key(isbn),
            urls=tuple(key for url in urls if (key := address_key(url)) and not by_identifier(key)),
        )

    @classmethod
    def of_identifier(cls, identifier: Identifier) -> Keys:
        if identifier.scheme == "url":
            return cls.of(urls=[identifier.value])
        return cls.of(**{identifier.scheme: identifier.value})

    @classmethod
    def of_suggestion(cls, suggestion: Suggestion) -> Keys:
        fields = suggestion.fields
        return cls.of(
            doi=fields.get("doi", ""),
            pmid=fields.get("pmid", ""),
            pmcid=fields.get("pmcid", ""),
            isbn=fields.get("isbn", ""),
            urls=[link.url for link in suggestion.links],
        )


def doi_key(doi: str) -> str:
    try:
        return normalise_doi(doi) if doi.strip() else ""
    except Unrecognised:
        return doi.strip().lower()


def isbn_key(value: str) -> str:
    """ISBN-10 and ISBN-13 alike, as the 13 digits."""
    value = value.strip()
    if not value or not stdnum_isbn.is_valid(value):
        return stdnum_isbn.compact(value) if value else ""
    return stdnum_isbn.to_isbn13(stdnum_isbn.compact(value))


# Addresses that only resolve an identifier: two resources may both link to a paper's DOI
# (a project and the paper itself); their identifiers, not these links, say what they are.
RESOLVERS = ("doi.org/", "dx.doi.org/", "pubmed.ncbi.nlm.nih.gov/", "pmc.ncbi.nlm.nih.gov/",
             "www.ncbi.nlm.nih.gov/pmc/")  # fmt: skip


def by_identifier(key: str) -> bool:
    return key.removeprefix("www.").startswith(RESOLVERS)


def isbn_13(value: str) -> str:
    """A valid ISBN as its hyphenated ISBN-13 (how the site stores ISBNs); else as given."""
    value = value.strip()
    if value and stdnum_isbn.is_valid(value):
        return stdnum_isbn.format(value, convert=True)
    return value


def address_key(url: str) -> str:
    """An address without what does not change the page: scheme (http or https), host
    case, default port, trailing slash, fragment and tracking parameters."""
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")):
        return ""
    return normalise_url(url).split("://", 1)[1]


def already_listed(keys: Keys, exclude: int | None = None) -> list[Resource]:
    """Resources (drafts and archived ones included) that share one of ``keys``."""
    query = Q(pk__in=[])
    if keys.doi:
        query |= Q(doi__iexact=keys.doi)
    if keys.pmid:
        query |= Q(pmid=keys.pmid)
    if keys.pmcid:
        query |= Q(pmcid__iexact=keys.pmcid)
    others = Resource.objects.exclude(pk=exclude) if exclude else Resource.objects.all()
    found = {r.pk: r for r in others.filter(query)}
    if keys.isbn:
        for resource in others.exclude(isbn=""):
            if isbn_key(resource.isbn) == keys.isbn:
                found[resource.pk] = resource
    if keys.urls:
        hosts = {key.split("/", 1)[0].split(":")[0] for key in keys.urls}
        near = Q(pk__in=[])
        for host in hosts:
            near |= Q(url__icontains=host)
        for link in Link.objects.filter(near, resource__in=others).select_related("resource"):
            if address_key(link.url) in keys.urls:
                found[link.resource_id] = link.resource
    return sorted(found.values(), key=lambda r: (r.position, r.pk))


# Making a draft.


def unique_slug(title: str) -> str:
    base = slugify(title)[:80].strip("-") or "resource"
    taken = {
        *Resource.objects.filter(slug__startswith=base).values_list("slug", flat=True),
        *FormerSlug.objects.filter(slug__startswith=base).values_list("slug", flat=True),
    }
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def matching_topics(subjects: Iterable[str]) -> list[Tag]:
    """The site's existing topics that a registry's subjects name (case aside)."""
    wanted = {subject.strip().lower() for subject in subjects if subject.strip()}
    if not wanted:
        return []
    return [tag for tag in Tag.objects.all() if tag.name.lower() in wanted]


def record_notices(resource: Resource, updates: Iterable[Update]) -> list[Notice]:
    """Record each notice once (a later check that finds it again changes nothing);
    returns the ones that are new."""
    new = []
    for update in updates:
        notice, created = Notice.objects.get_or_create(
            resource=resource,
            kind=update.kind,
            notice_doi=update.notice_doi[:200],
            notice_url=update.notice_url[:500],
            defaults={"issued": update.date, "source": update.source[:60]},
        )
        if created:
            new.append(notice)
    if new:
        pagecache.bump()  # what the resource's page and the list say has changed
    return new


def create_draft(suggestion: Suggestion, comment: str, user: Any = None) -> Resource:
    """A new draft from ``suggestion``, with its creators, links, matching topics and the
    notices found about it, as one revision whose comment says where it came from."""
    fields = {k: v for k, v in suggestion.fields.items() if k in DRAFT_FIELDS}
    title = fields.get("title") or "Untitled"
    last = Resource.objects.aggregate(last=Max("position"))["last"] or 0
    with transaction.atomic(), reversion.create_revision():
        if user is not None:
            reversion.set_user(user)
        reversion.set_comment(comment)
        resource = Resource(
            **fields,
            slug=unique_slug(title),
            abstract=suggestion.abstract,
            summary="",
            position=last + 10,
            is_published=False,
        )
        resource.full_clean(exclude=["summary"])
        resource.save()
        for creator in suggestion.creators:
            made = Creator(resource=resource, **creator)
            made.full_clean()
            made.save()
        for position, link in enumerate(suggestion.links):
            made_link = Link(resource=resource, label=link.label[:120], url=link.url,
                             position=(position + 1) * 10)  # fmt: skip
            made_link.full_clean()
            made_link.save()
        topics = matching_topics(suggestion.topics)
        if topics:
            resource.tags.add(*topics)
        record_notices(resource, suggestion.updates)
    return resource


DRAFT_FIELDS = {
    "title", "kind", "container_title", "container_short", "publisher", "issued", "volume",
    "issue", "pages", "doi", "pmid", "pmcid", "isbn",
}  # fmt: skip


# Adding from identifiers: the admin's screen and manage.py add_resource.


@dataclass(frozen=True)
class Preview:
    """What one pasted identifier leads to: a record to add, a resource already on the list,
    or why neither (``message``)."""

    text: str
    identifier: Identifier | None = None
    found: Found | None = None
    suggestion: Suggestion | None = None
    duplicates: tuple[Resource, ...] = ()
    message: str = ""

    @property
    def status(self) -> str:
        if self.duplicates:
            return "duplicate"
        return "found" if self.suggestion is not None else "failed"

    def rows(self) -> list[tuple[str, str, str]]:
        """What was found, field by field: (label, value, where it came from)."""
        if self.suggestion is None:
            return []
        suggestion = self.suggestion
        rows = []
        for name, value in suggestion.fields.items():
            field = Resource._meta.get_field(name)
            shown = dict(Resource.Kind.choices).get(value, value) if name == "kind" else value
            label = str(getattr(field, "verbose_name", name))
            rows.append(
                (label[0].upper() + label[1:], str(shown), suggestion.provenance.get(name, ""))
            )
        if suggestion.creators:
            names = [
                c["organisation"] or f"{c['given_names']} {c['family_name']}".strip()
                for c in suggestion.creators
            ]
            rows.append(("Creators", "; ".join(names), suggestion.provenance.get("creators", "")))
        if suggestion.abstract:
            source = self.found.provenance.get("abstract", "") if self.found else ""
            rows.append(("Abstract", suggestion.abstract, source))
        return rows

    @property
    def warnings(self) -> list[str]:
        """The serious notices about the work (a retraction, an expression of concern), each
        once however many registries report it, in words for staff."""
        if self.suggestion is None:
            return []
        reported: dict[tuple[str, str], list[Update]] = {}
        for update in self.suggestion.updates:
            if update.serious:
                reported.setdefault((update.kind, update.date), []).append(update)
        said = []
        for (kind, day), updates in reported.items():
            when = f" of {PartialDate.parse(day).display()}" if day else ""
            sources = " and ".join(dict.fromkeys(u.source for u in updates if u.source))
            said.append(
                f"This work has a {kind}{when}, reported by {sources}. If you add it, its page "
                "will say so."
            )
        return said

    @property
    def notice_links(self) -> list[str]:
        """Where staff can read the serious notices."""
        updates = self.suggestion.updates if self.suggestion else ()
        urls = [
            u.notice_url or (f"https://doi.org/{u.notice_doi}" if u.notice_doi else "")
            for u in updates
            if u.serious
        ]
        return list(dict.fromkeys(url for url in urls if url))

    @property
    def topics(self) -> list[str]:
        """The site's topics the registry's subjects name (suggested for the draft)."""
        return [t.name for t in matching_topics(self.suggestion.topics)] if self.suggestion else []

    @property
    def comment(self) -> str:
        """The history comment of the draft it makes: where it came from."""
        sources = " and ".join(self.found.sources) if self.found else ""
        return f"Added from {self.identifier}" + (f" via {sources}." if sources else ".")


def preview(texts: Iterable[str]) -> list[Preview]:
    """Recognise each text, find what is already on the list, and look up the rest at once
    (within each registry's limits)."""
    previews: list[Preview | None] = []
    to_look_up: dict[int, Identifier] = {}
    for n, text in enumerate(texts):
        try:
            identifier = recognise(text)
        except Unrecognised as error:
            previews.append(Preview(text, message=str(error)))
            continue
        if listed := already_listed(Keys.of_identifier(identifier)):
            previews.append(Preview(text, identifier, duplicates=tuple(listed)))
            continue
        previews.append(None)
        to_look_up[n] = identifier
    outcomes = lookup_many(list(to_look_up.values()))
    for (n, identifier), outcome in zip(to_look_up.items(), outcomes, strict=True):
        if not isinstance(outcome, Found):
            previews[n] = Preview(identifier.text, identifier, message=outcome.message)
            continue
        suggestion = suggest(outcome)
        listed = already_listed(Keys.of_suggestion(suggestion))
        previews[n] = Preview(
            identifier.text, identifier, outcome, suggestion, duplicates=tuple(listed)
        )
    return [p for p in previews if p is not None]


def add_found(found: Preview, user: Any = None) -> Preview | Resource:
    """Make the draft of a found preview, unless something added meanwhile (another line of
    the same batch, another member of staff) is the same work: then that preview again."""
    assert found.suggestion is not None
    if listed := already_listed(Keys.of_suggestion(found.suggestion)):
        return Preview(found.text, found.identifier, found.found, found.suggestion, tuple(listed))
    return create_draft(found.suggestion, found.comment, user=user)


BATCH_LIMIT = 20  # identifiers the admin's screen looks up while staff wait


def add_chosen(previews: Iterable[Preview], chosen: set[str], user: Any = None) -> list[Resource]:
    """Make drafts of the found previews whose text is in ``chosen``, in order."""
    made = []
    for found in previews:
        if found.status == "found" and found.text in chosen:
            result = add_found(found, user=user)
            if isinstance(result, Resource):
                made.append(result)
    return made
