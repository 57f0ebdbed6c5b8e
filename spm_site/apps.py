from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The project itself, as an app: the site-wide commands (backup, restore) and the
    generation that retires cached pages."""

    name = "spm_site"
    verbose_name = "SPM site"

    def ready(self) -> None:
        from . import pagecache

        pagecache.connect()
