"""Every mail the site sends, kept until it is sent (and a while after, to see what went)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutgoingMailQuerySet(models.QuerySet["OutgoingMail"]):
    def waiting(self) -> "OutgoingMailQuerySet":
        """Not sent yet."""
        return self.filter(sent_at__isnull=True)


class OutgoingMail(models.Model):
    to = models.EmailField(help_text="One recipient: every mail goes to one address only.")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    attempts = models.PositiveIntegerField(
        default=0, help_text="Times it was handed to the mail server."
    )
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(
        max_length=500, blank=True, help_text="Why the last attempt failed (empty once sent)."
    )
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = OutgoingMailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "outgoing mail"
        verbose_name_plural = "outgoing mail"
        constraints = [
            models.CheckConstraint(
                condition=~Q(to__contains="\n") & ~Q(to__contains="\r"),
                name="outgoing_mail_to_is_one_line",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({'sent' if self.sent_at else 'waiting'})"
