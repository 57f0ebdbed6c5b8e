from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """Mail the site sends: written down first, sent at once, retried until it goes."""

    name = "outbox"
    verbose_name = "Outgoing mail"
