from typing import Any

from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


def create_defences_table(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """The defences' cache table (when they use the database, not Redis), made by migrate,
    so that no deploy step can forget it."""
    call_command("createcachetable", database=using, verbosity=0)


class SuggestionsConfig(AppConfig):
    name = "suggestions"
    verbose_name = "Suggestions from members"

    def ready(self) -> None:
        from . import signals

        signals.connect()
        post_migrate.connect(create_defences_table, sender=self)
