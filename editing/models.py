"""The save counter that lets a stale form be told from a fresh one."""

from typing import Any

from django.db import models


class VersionedModel(models.Model):
    """A model whose saves are counted, so that a stale form can be told from a fresh one."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            self.version = (self.version or 0) + 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
        super().save(*args, **kwargs)
