from typing import Any

from django.core.management.base import BaseCommand

from resources import search


class Command(BaseCommand):
    help = "Index every resource for search again, from scratch (after a bulk import)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = search.rebuild()
        self.stdout.write(self.style.SUCCESS(f"Indexed {count} resources for search."))
