from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from . import delivery
from .models import OutgoingMail


@admin.register(OutgoingMail)
class OutgoingMailAdmin(admin.ModelAdmin):
    """What the site mailed, and what is still waiting (superusers only: it holds addresses)."""

    list_display = ["subject", "to", "created_at", "attempts", "sent_at", "last_error"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["to", "subject"]
    readonly_fields = [f.name for f in OutgoingMail._meta.fields]
    actions = ["send_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Try to send the selected waiting mail now", permissions=["view"])
    def send_now(self, request: HttpRequest, queryset: Any) -> None:
        results = [delivery.deliver(mail.pk) for mail in queryset.waiting()]
        sent = sum(results)
        messages.add_message(
            request,
            messages.SUCCESS if sent == len(results) else messages.WARNING,
            f"Sent {sent} of {len(results)} waiting mail(s).",
        )
