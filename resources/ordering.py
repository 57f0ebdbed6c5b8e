"""The list's order token: which membership and order of the list a count was made at.

The list's length and a resource's place on it (its number, and which resources come
before and after it) depend only on which resources are listed and in what order. Over a
long list they are the costliest parts of its pages to work out (each is a count of the
list), and most edits change neither: a new title, a link, a topic. So they are kept in
the cache under this token rather than under the generation token, and the token changes,
in the same transaction as the change, only when the list's membership or order may have:

- a resource created, deleted, or saved with another ``is_published``, ``archived_at``
  or ``position`` than it was loaded with (every save, raw ones too: fixtures, restores);
- ``update()`` (and so ``bulk_update()``) of any of those fields, and ``bulk_create()``,
  on resources (resources/models.py's queryset);
- a migration.

Changing it more often than needed only costs a count; missing a change would number the
list wrongly, so anything unsure changes it. The token is random, as the generation's is.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection

# The fields that decide whether a resource is on the list, and where.
FIELDS = ("is_published", "archived_at", "position")
MISSING = object()


def read_token() -> int | None:
    """The current order token (None before any change was recorded: then nothing is
    kept under it)."""
    from .models import ListOrder

    table = connection.ops.quote_name(ListOrder._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {table} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


def kept(token: int | None, name: str, make: Callable[[], Any], kind: type) -> Any:
    """What ``make()`` gives (an instance of ``kind``), kept in the cache under the order
    ``token``: made again only when the list's membership or order changed (each time
    when there is no token yet)."""
    if token is None:
        return make()
    key = f"resource-list-{name}:{token}"
    found = cache.get(key)
    if not isinstance(found, kind):
        found = make()
        cache.set(key, found, settings.FRAGMENT_CACHE_SECONDS)
    return found


def bump(**kwargs: Any) -> None:
    """The list's membership or order may have changed."""
    from .models import ListOrder

    token = secrets.randbits(62)
    if not ListOrder.objects.filter(pk=1).update(token=token):
        ListOrder.objects.bulk_create([ListOrder(pk=1, token=token)], ignore_conflicts=True)
        ListOrder.objects.filter(pk=1).update(token=token)


def loaded(instance: Any) -> dict[str, Any]:
    """The values of FIELDS an instance holds now (those it was not loaded with left out)."""
    return {name: instance.__dict__[name] for name in FIELDS if name in instance.__dict__}


def changes_order(instance: Any, raw: bool, update_fields: Any) -> bool:
    """Whether saving ``instance`` may change the list's membership or order."""
    if raw or instance._state.adding:
        return True
    before = getattr(instance, "_order_as_loaded", None)
    if before is None:
        return True  # not loaded from the database: unknown
    saved = FIELDS if update_fields is None else [f for f in FIELDS if f in update_fields]
    now = loaded(instance)
    return any(
        name in now and before.get(name, MISSING) != now[name]
        for name in saved  # a field not loaded and not set is not saved
    )


def before_save(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    instance._order_changes = changes_order(instance, raw, kwargs.get("update_fields"))


def after_save(sender: Any, instance: Any, **kwargs: Any) -> None:
    if getattr(instance, "_order_changes", True):
        bump()
    instance._order_as_loaded = loaded(instance)  # a second save compares with this one


def after_migrate(**kwargs: Any) -> None:
    from django.db import DatabaseError

    try:
        bump()
    except DatabaseError:
        return  # migrated back to before the table existed


def connect() -> None:
    from django.db.models.signals import post_delete, post_save, pre_save

    from .models import Resource

    pre_save.connect(before_save, sender=Resource, dispatch_uid="order-before-save")
    post_save.connect(after_save, sender=Resource, dispatch_uid="order-after-save")
    post_delete.connect(bump, sender=Resource, dispatch_uid="order-after-delete")
