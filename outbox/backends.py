"""An email backend for a production server without EMAIL_HOST: nothing is sent, and every
mail stays in the outbox (with this reason) until EMAIL_HOST is set and send_mail_queue
runs. Never the console backend there: it would write members' addresses into the log."""

from typing import Any

from django.core.mail.backends.base import BaseEmailBackend


class NotConfigured(OSError):
    pass


class NotConfiguredBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Any) -> int:
        raise NotConfigured("EMAIL_HOST is not set: kept until it is (see the README).")
