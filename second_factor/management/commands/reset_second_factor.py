from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from second_factor import devices


class Command(BaseCommand):
    help = (
        "Reset a staff member's second factor (a lost or replaced phone): their authenticator "
        "app and recovery codes are deleted, and they set up a new app at their next sign-in."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="The username of the staff member")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(
                f'No user is named "{username}". Usernames are listed in the admin, under '
                f"Users; they are case-sensitive."
            ) from None
        deleted = devices.reset(user, by=None, how="manage.py reset_second_factor")
        if deleted:
            self.stdout.write(
                f"Second factor reset for {username}: they set up an authenticator app "
                f"again at their next sign-in."
            )
        else:
            self.stdout.write(
                f"{username} had no second factor set up yet: they set one up at their "
                f"next sign-in."
            )
