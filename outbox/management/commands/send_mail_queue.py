from typing import Any

from django.core.management.base import BaseCommand

from outbox import delivery
from outbox.models import OutgoingMail


class Command(BaseCommand):
    help = (
        "Send the mail the mail server refused or could not be reached for (from cron, every "
        "few minutes), and forget mail older than 30 days. Exits 0 even when some still fail: "
        "they are tried again next time, up to 20 times."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        forgotten = delivery.forget_old()
        sent, failed = delivery.deliver_waiting()
        given_up = (
            OutgoingMail.objects.waiting().filter(attempts__gte=delivery.MAX_ATTEMPTS).count()
        )
        line = f"Sent {sent} waiting mail{'s' if sent != 1 else ''}; {failed} failed again"
        if failed:
            last = OutgoingMail.objects.waiting().exclude(last_error="").first()
            line += f" (last error: {last.last_error})" if last else ""
        line += f"; {given_up} given up after {delivery.MAX_ATTEMPTS} attempts"
        line += f"; {forgotten} older than {delivery.KEEP_DAYS} days forgotten."
        self.stdout.write(line)
