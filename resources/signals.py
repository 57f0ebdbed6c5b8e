"""Keep the search index in step with every change a page shows: saves, deletes, topics,
creators, restores (raw saves) and tag renames or merges. Every save of a resource
reindexes it, whatever it changed, since its facets (published, archived, kind, audience,
position) are indexed too; each reindex is a change of the index's feed."""

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from taggit.models import Tag

from . import search
from .models import Creator, Resource, TaggedResource


def resource_saved(sender: Any, instance: Resource, **kwargs: Any) -> None:
    search.reindex(instance.pk)


def resource_deleted(sender: Any, instance: Resource, **kwargs: Any) -> None:
    search.reindex(instance.pk)  # gone from the database, so forgotten, as a change


def creator_changed(sender: Any, instance: Creator, **kwargs: Any) -> None:
    search.reindex(instance.resource_id)


def tagging_changed(sender: Any, instance: TaggedResource, **kwargs: Any) -> None:
    search.reindex(instance.content_object_id)


def topics_changed(sender: Any, instance: Any, action: str, reverse: bool, **kwargs: Any) -> None:
    if not action.startswith("post_"):
        return
    if isinstance(instance, Resource):
        search.reindex(instance.pk)
    else:  # a tag's resources changed, seen from the tag
        for resource_id in kwargs.get("pk_set") or ():
            search.reindex(resource_id)


def tag_saved(sender: Any, instance: Tag, **kwargs: Any) -> None:
    ids = TaggedResource.objects.filter(tag=instance).values_list("content_object_id", flat=True)
    for resource_id in ids:
        search.reindex(resource_id)


def connect() -> None:
    post_save.connect(resource_saved, sender=Resource, dispatch_uid="search-resource-saved")
    post_delete.connect(resource_deleted, sender=Resource, dispatch_uid="search-resource-deleted")
    for signal in (post_save, post_delete):
        signal.connect(creator_changed, sender=Creator, dispatch_uid=f"search-creator-{signal}")
        signal.connect(
            tagging_changed, sender=TaggedResource, dispatch_uid=f"search-tagging-{signal}"
        )
    m2m_changed.connect(
        topics_changed, sender=Resource.tags.through, dispatch_uid="search-topics-changed"
    )
    post_save.connect(tag_saved, sender=Tag, dispatch_uid="search-tag-saved")
