"""When a resource is first published, the members who suggested it are told, once.

A signal, because a resource is published from several doors (its change form, the
list's "published" column, a restored version), and every one of them saves it."""

from typing import Any

from django.db.models.signals import post_save

from resources.models import Resource


def resource_saved(sender: Any, instance: Resource, raw: bool = False, **kwargs: Any) -> None:
    if raw or not instance.is_published:
        return
    from . import moderation
    from .models import Suggestion

    waiting = Suggestion.objects.filter(
        resource=instance,
        published_notice_at__isnull=True,
        status__in=[Suggestion.Status.ACCEPTED, Suggestion.Status.DUPLICATE],
    )
    for suggestion in waiting:
        moderation.tell_if_published(suggestion, instance)


def connect() -> None:
    post_save.connect(resource_saved, sender=Resource, dispatch_uid="suggestions-published")
