from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SiteConfig(AppConfig):
    """The project itself, as an app: the site-wide commands (backup, restore) and the
    generation that retires cached pages (each app watches the models its pages show)."""

    name = "spm_site"
    verbose_name = "SPM site"

    def ready(self) -> None:
        from . import pagecache

        # A release (which migrates) may change any page: retire what was cached.
        post_migrate.connect(pagecache.bump_after_migrate, sender=self)
