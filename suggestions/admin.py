from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import ActionLocation
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import Truncator
from reversion_compare.admin import CompareVersionAdmin

from . import moderation
from .models import DeclineReason, PlusOne, Suggestion

BOTH_PLACES = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]


class DeclineForm(forms.Form):
    reason = forms.ModelChoiceField(
        queryset=DeclineReason.objects.all(),
        widget=forms.RadioSelect,
        empty_label=None,
        label="Reason the members are given",
        help_text="Edit these answers under “Decline reasons”.",
    )


class PlusOneInline(admin.TabularInline):
    model = PlusOne
    fields = ["created_at", "note", "name", "email"]
    readonly_fields = ["created_at", "note", "name", "email"]
    extra = 0
    can_delete = False
    verbose_name_plural = "+1s: others who suggested the same while it waited"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Suggestion)
class SuggestionAdmin(CompareVersionAdmin):
    """The queue: what members suggested, what it resolves to, and what staff decided.
    What the member wrote is never edited; the actions decide (suggestions/moderation.py)."""

    list_display = ["identifier_shown", "status", "plus_one_count", "note_start", "received"]
    list_filter = ["status", ("email", admin.EmptyFieldListFilter)]
    search_fields = ["identifier", "note", "plus_ones__note"]
    date_hierarchy = "created_at"
    inlines = [PlusOneInline]
    actions = ["accept", "decline", "mark_spam", "not_spam"]
    fieldsets = [
        ("Suggested", {"fields": ["identifier", "note", "name", "email", "created_at"]}),
        ("What it resolves to", {"fields": ["resolves_to"]}),
        (
            "Outcome",
            {
                "fields": [
                    "status",
                    "resource_link",
                    "decline_text",
                    "spam_reason",
                    "closed_at",
                    "published_notice_at",
                ]
            },
        ),
    ]
    readonly_fields = [
        "identifier",
        "note",
        "name",
        "email",
        "created_at",
        "resolves_to",
        "status",
        "resource_link",
        "decline_text",
        "spam_reason",
        "closed_at",
        "published_notice_at",
    ]
    compare_exclude = ["key", "address_hash"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).with_plus_ones().select_related("resource")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # suggestions come from members, through the form

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: Any = None,
        form_url: str = "",
        extra_context: Any = None,
    ) -> HttpResponse:
        # Nothing on the page is edited: the actions are the buttons.
        no_saving = {
            "title": "Suggestion",
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": True,
        }
        return super().changeform_view(
            request, object_id, form_url, {**no_saving, **(extra_context or {})}
        )

    @admin.display(description="suggested", ordering="identifier")
    def identifier_shown(self, suggestion: Suggestion) -> str:
        return Truncator(suggestion.identifier).chars(50)

    @admin.display(description="received", ordering="created_at")
    def received(self, suggestion: Suggestion) -> str:
        return date_format(timezone.localtime(suggestion.created_at), "j M Y")

    @admin.display(description="+1s", ordering="plus_one_count")
    def plus_one_count(self, suggestion: Suggestion) -> int:
        return suggestion.plus_one_count  # type: ignore[attr-defined]

    @admin.display(description="note")
    def note_start(self, suggestion: Suggestion) -> str:
        return Truncator(suggestion.note).chars(70)

    @admin.display(description="resource")
    def resource_link(self, suggestion: Suggestion) -> str:
        if suggestion.resource is None:
            return "\u2014"
        return format_html(
            '<a href="{}">{}</a> ({})',
            reverse("admin:resources_resource_change", args=[suggestion.resource.pk]),
            suggestion.resource,
            suggestion.resource.status.lower(),
        )

    @admin.display(description="looked up")
    def resolves_to(self, suggestion: Suggestion) -> str:
        if suggestion.pk is None:
            return ""
        return render_to_string(
            "admin/suggestions/suggestion/resolves_to.html",
            {"resolved": moderation.resolved(suggestion)},
        )

    @admin.action(description="Accept into a draft", permissions=["change"], location=BOTH_PLACES)
    def accept(self, request: HttpRequest, queryset: Any) -> None:
        for line in moderation.accept(queryset, user=request.user):
            messages.info(request, line)

    @admin.action(
        description="Decline, with a reason the members are told",
        permissions=["change"],
        location=BOTH_PLACES,
    )
    def decline(self, request: HttpRequest, queryset: Any) -> HttpResponse | None:
        form = DeclineForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            count = moderation.decline(queryset, form.cleaned_data["reason"], user=request.user)
            messages.success(request, f"Declined {count} suggestion(s); the members were told.")
            return None
        return TemplateResponse(
            request,
            "admin/suggestions/suggestion/decline.html",
            {
                **self.admin_site.each_context(request),
                "title": "Decline suggestions",
                "opts": self.opts,
                "form": form,
                "suggestions": queryset,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description="Mark as spam", permissions=["change"], location=BOTH_PLACES)
    def mark_spam(self, request: HttpRequest, queryset: Any) -> None:
        count = moderation.mark_spam(queryset, user=request.user)
        messages.success(request, f"Marked {count} suggestion(s) as spam.")

    @admin.action(
        description="Not spam: back into the queue", permissions=["change"], location=BOTH_PLACES
    )
    def not_spam(self, request: HttpRequest, queryset: Any) -> None:
        count = moderation.not_spam(queryset, user=request.user)
        messages.success(request, f"Returned {count} suggestion(s) to the queue.")


@admin.register(DeclineReason)
class DeclineReasonAdmin(CompareVersionAdmin):
    list_display = ["title", "position"]
    list_editable = ["position"]
    fields = ["title", "text", "position"]
