"""The admin half of safe editing: history, restore and compare, no lost updates."""

from typing import Any

import reversion
from django import forms
from django.contrib import admin
from django.db import router, transaction
from django.http import HttpRequest, HttpResponse
from reversion_compare.admin import CompareVersionAdmin

from .forms import ChangelistRowForm, ConcurrencyForm


class SafeEditingAdmin(CompareVersionAdmin):
    """History, restore and compare (reversion), one revision per object, no lost updates."""

    form = ConcurrencyForm
    history_latest_first = True

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is None:
            return fieldsets
        # The form must carry the version it was opened at (a hidden input).
        name, options = fieldsets[0]
        fields = [*options["fields"], "seen_version"]
        return [(name, {**options, "fields": fields}), *fieldsets[1:]]

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> type[forms.ModelForm]:
        return super().get_changelist_form(request, form=ChangelistRowForm, **kwargs)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # Not VersionAdmin's single revision for the whole list: each row saved from the
        # list's editable columns gets a revision of its own (see save_model).
        context = {"has_change_permission": self.has_change_permission(request)}
        if request.method != "POST":
            return admin.ModelAdmin.changelist_view(
                self, request, {**context, **(extra_context or {})}
            )
        # Rows posted from the editable columns are checked against their versions (which
        # locks them) and saved in one transaction, as the change form is.
        with transaction.atomic(using=router.db_for_write(self.model)):
            return admin.ModelAdmin.changelist_view(
                self, request, {**context, **(extra_context or {})}
            )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if reversion.is_active():
            super().save_model(request, obj, form, change)
            return
        with reversion.create_revision():
            reversion.set_user(request.user)
            changed = ", ".join(str(form.fields[name].label or name) for name in form.changed_data)
            reversion.set_comment(f"Changed {changed.lower()} in the list." if changed else "")
            super().save_model(request, obj, form, change)
