"""History: who saved what, and why (django-reversion's revisions)."""

from typing import Any

import reversion
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from reversion.models import Version


def last_change(instance: models.Model) -> str:
    """Who saved ``instance`` last, and when, as history recorded it."""
    latest = Version.objects.get_for_object(instance).select_related("revision__user").first()
    if latest is None:
        return "Someone"
    user = latest.revision.user
    who = (user.get_full_name() or user.get_username()) if user else "A script"
    when = date_format(timezone.localtime(latest.revision.date_created), "H:i \\o\\n j F Y")
    return f"{who} saved a change at {when}"


def record(instance: models.Model, comment: str, user: Any = None) -> None:
    """Save ``instance`` as a revision of its own, with who and why (for actions and commands)."""
    with reversion.create_revision():
        if user is not None:
            reversion.set_user(user)
        reversion.set_comment(comment)
        instance.save()
