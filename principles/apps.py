from django.apps import AppConfig


class PrinciplesConfig(AppConfig):
    name = "principles"
    verbose_name = "Principles and mission text"

    def ready(self) -> None:
        from spm_site import pagecache

        from .models import Principle, TextBlock

        pagecache.watch(Principle, TextBlock)
