from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from suggestions import retention
from suggestions.submissions import SPAM_DAYS


class Command(BaseCommand):
    help = (
        "Delete members' names and emails from suggestions closed more than "
        "SUGGESTION_RETENTION_DAYS ago, and spam older than 30 days (daily, from cron)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        purged = retention.purge()
        self.stdout.write(
            f"Forgot the sender of {purged.forgotten} suggestion(s) closed more than "
            f"{settings.SUGGESTION_RETENTION_DAYS} days ago; deleted {purged.spam} spam "
            f"suggestion(s) older than {SPAM_DAYS} days."
        )
