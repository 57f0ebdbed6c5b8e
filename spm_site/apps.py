from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The project itself, as an app: it holds the site-wide commands (backup, restore)."""

    name = "spm_site"
    verbose_name = "SPM site"
