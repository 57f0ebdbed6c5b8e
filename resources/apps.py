from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def fill_search_index(sender: Any, **kwargs: Any) -> None:
    """After migrating, index the resources if the search index is new and empty."""
    from django.db import DatabaseError

    from . import search
    from .models import Resource

    try:
        if Resource.objects.exists() and not search.has_entries():
            search.rebuild()
    except DatabaseError:
        return  # migrated back to before the index (or the resources) existed


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = "Resources for providers"

    def ready(self) -> None:
        from taggit.models import Tag

        from spm_site import backups, http, pagecache

        from . import ordering, search, signals
        from .citations import BIBLIOGRAPHY, BIBLIOGRAPHY_STYLES, FORMATS
        from .models import Creator, FormerSlug, Link, Notice, Resource, TaggedResource

        signals.connect()
        ordering.connect()
        backups.restored.connect(search.new_epoch, dispatch_uid="search-new-epoch")
        post_migrate.connect(ordering.after_migrate, sender=self)
        # What the list, the resource pages, the catalogue and the feeds show. Link health
        # retires the pages itself, and only when what they show changes. A notice (a
        # retraction) is on the resource's page and its list entry, recorded or deleted.
        pagecache.watch(Resource, Link, Creator, FormerSlug, TaggedResource, Tag, Notice)
        post_migrate.connect(fill_search_index, sender=self)
        # A resource's address also answers its citation in these types (views.py).
        for download in FORMATS.values():
            http.offer(download.media_type)
        http.offer(BIBLIOGRAPHY, BIBLIOGRAPHY_STYLES)
