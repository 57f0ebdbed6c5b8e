from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """The developer's tools: benchmarks, load checks, Lighthouse and the dependency audit.
    Installed only outside production (settings.py), so a server never offers them."""

    name = "devtools"
    verbose_name = "Developer tools"
