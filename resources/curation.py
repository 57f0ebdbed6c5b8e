"""What staff do to the list as a whole, each as one recorded change: review, archive and
bring back, check links now, merge topics, restore an old version safely.

The admin's actions and views call these in one line; commands and tests can too. Every
change to a resource is saved as a revision of its own, with who made it and why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import reversion
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from reversion.models import Revision, Version
from taggit.models import Tag

from editing.history import record

from . import link_health
from .models import FormerSlug, Link, Resource, TaggedResource

# "Check links now" runs while staff wait: a page of resources at most, and done well
# within the app server's and the proxy's timeouts.
CHECK_NOW_LIMIT = 25
CHECK_NOW_SECONDS = 20.0


def change_each(resources: Iterable[Resource], change: Callable[[Resource], str], user: Any) -> int:
    """Apply ``change`` to each resource and record it, one revision each; ``change`` returns
    the revision's comment, or "" when there is nothing to change. Returns how many changed."""
    changed = 0
    for resource in resources:
        comment = change(resource)
        if comment:
            record(resource, comment, user=user)
            changed += 1
    return changed


def accept_current_titles(resources: Iterable[Resource]) -> None:
    """A review accepts the titles the resources' pages have now: a later change of title is
    what "Needs attention" reports."""
    link_health.accept_titles(Link.objects.filter(resource__in=list(resources)))


def mark_reviewed(resources: Iterable[Resource], user: Any, today: date | None = None) -> int:
    """Record that staff checked these resources today (and accept their pages' titles)."""
    today = today or timezone.localdate()
    resources = list(resources)

    def review(resource: Resource) -> str:
        resource.last_reviewed_on = today
        return f"Marked as reviewed on {date_format(today)}."

    count = change_each(resources, review, user)
    accept_current_titles(resources)
    return count


def archive(resources: Iterable[Resource], user: Any) -> int:
    """Take resources off the list; their pages stay online with a notice."""
    now = timezone.now()

    def retire(resource: Resource) -> str:
        if resource.archived_at:
            return ""
        resource.archived_at = now
        return "Archived: taken off the list, page kept."

    return change_each(resources, retire, user)


def return_to_list(resources: Iterable[Resource], user: Any) -> int:
    """Undo archiving: the resources are on the list again, where they were."""

    def bring_back(resource: Resource) -> str:
        if not resource.archived_at:
            return ""
        resource.archived_at = None
        return "Returned to the list."

    return change_each(resources, bring_back, user)


def check_links_now(resources: Iterable[Resource]) -> tuple[bool, str]:
    """Check the links of a few resources while staff wait: (done, what to tell them)."""
    resources = list(resources)
    if len(resources) > CHECK_NOW_LIMIT:
        return False, (
            f"Select at most {CHECK_NOW_LIMIT} resources to check at once; "
            "manage.py check_links checks every link."
        )
    limits = link_health.Limits(timeout=settings.LINK_CHECK_TIMEOUT, budget=CHECK_NOW_SECONDS)
    summary = link_health.check_links(Link.objects.filter(resource__in=resources), limits)
    return True, str(summary)


def merge_topics(keep: Tag, others: Iterable[Tag], user: Any = None) -> int:
    """Move every resource tagged with one of ``others`` to ``keep``, then delete ``others``.

    Each resource changed gets a revision of its own, so history shows the merge and a
    restore brings back its old topics. Returns how many resources changed.
    """
    others = [tag for tag in others if tag.pk != keep.pk]
    names = ", ".join(f"\u201c{tag.name}\u201d" for tag in others)
    with transaction.atomic():
        affected = list(Resource.objects.filter(tagged_items__tag__in=others).distinct())
        for resource in affected:
            with reversion.create_revision():
                if user is not None:
                    reversion.set_user(user)
                reversion.set_comment(f"Topics {names} merged into \u201c{keep.name}\u201d.")
                resource.tags.remove(*others)
                resource.tags.add(keep)
                resource.save()
        for tag in others:
            tag.delete()
    return len(affected)


# Restoring an old version of a resource (reversion's revision and recover views).


def restore_problem(version: Version) -> str:
    """Why this version of a resource cannot be restored as it is, or ""."""
    slug = version.field_dict.get("slug", "")
    resource_id = int(version.object_id)
    holder = (
        Resource.objects.filter(slug=slug).exclude(pk=resource_id).first()
        or Resource.objects.filter(former_slugs__slug=slug).exclude(pk=resource_id).first()
    )
    if holder is None:
        return ""
    return (
        f"This version cannot be restored: its address, /resources/{slug}/, now leads to "
        f"\u201c{holder.title}\u201d. Nothing was changed."
    )


def bring_back_deleted_tags(revision: Revision) -> None:
    """Recreate, from history, any topic of the revision that was deleted (or merged) since."""
    tag_ids = {
        int(v.field_dict["tag_id"] if "tag_id" in v.field_dict else v.field_dict["tag"])
        for v in revision.version_set.all()
        if v._model is TaggedResource
    }
    missing = tag_ids - set(Tag.objects.filter(pk__in=tag_ids).values_list("pk", flat=True))
    for tag_id in missing:
        deleted = Version.objects.get_for_model(Tag).filter(object_id=str(tag_id)).first()
        if deleted is not None:
            deleted.revert()


@dataclass
class Restore:
    """Set ``done`` once the version was restored, so the addresses are kept."""

    done: bool = False


@contextmanager
def restoring(version: Version) -> Iterator[Restore]:
    """Around the restore of ``version`` (check ``restore_problem`` first), in one
    transaction: topics deleted since are brought back before it, and every address the
    resource had before it keeps leading to the resource after it."""
    resource_id = int(version.object_id)
    with transaction.atomic():
        addresses = [
            *FormerSlug.objects.filter(resource_id=resource_id).values_list("slug", flat=True),
            *Resource.objects.filter(pk=resource_id).values_list("slug", flat=True),
        ]
        bring_back_deleted_tags(version.revision)
        outcome = Restore()
        yield outcome
        if outcome.done:
            resource = Resource.objects.get(pk=resource_id)
            for slug in addresses:
                if slug != resource.slug:
                    FormerSlug.objects.update_or_create(slug=slug, defaults={"resource": resource})
