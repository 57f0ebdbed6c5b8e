"""Safe editing for every model staff edit: history with restore, and no lost updates.

History is django-reversion's, with django-reversion-compare's "what changed" view. Each
revision holds one edited object (with what it follows: a resource's links, creators and
tags), so restoring one resource never rewinds another edited in the same request.

Lost updates are refused by optimistic concurrency: a model counts its saves in
``version``; a form carries the version it was opened at, and a save of a form opened
before someone else's save is refused with their name and the time, keeping what was typed.
"""

from __future__ import annotations

from typing import Any

import reversion
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from reversion.models import Version
from reversion_compare.admin import CompareVersionAdmin

from spm_site.table_forms import NamedRowForm


class VersionedModel(models.Model):
    """A model whose saves are counted, so that a stale form can be told from a fresh one."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            self.version = (self.version or 0) + 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
        super().save(*args, **kwargs)


def last_change(instance: models.Model) -> str:
    """Who saved ``instance`` last, and when, as history recorded it."""
    latest = Version.objects.get_for_object(instance).select_related("revision__user").first()
    if latest is None:
        return "Someone"
    user = latest.revision.user
    who = (user.get_full_name() or user.get_username()) if user else "A script"
    when = date_format(timezone.localtime(latest.revision.date_created), "H:i \\o\\n j F Y")
    return f"{who} saved a change at {when}"


class ConcurrencyForm(forms.ModelForm):
    """Carries the version the form was opened at; refuses to save over a newer one."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["seen_version"].initial = self.instance.version
        if self.is_bound and isinstance(self.data, QueryDict):
            # Browsers send a textarea's line breaks as CRLF; the content keeps plain LF,
            # so an untouched paragraph never counts as a change (nor exports as one).
            data = self.data.copy()
            for key, values in self.data.lists():
                data.setlist(key, [v.replace("\r\n", "\n").replace("\r", "\n") for v in values])
            self.data = data

    def has_changed(self) -> bool:
        # The version only tells when the form was opened: it is not a change to save
        # (a list row nobody touched is not saved, whatever its version).
        return any(name != "seen_version" for name in self.changed_data)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        instance = self.instance
        if instance.pk is None or not self.has_changed():
            return cleaned
        # Locked until the save commits (PostgreSQL); SQLite's IMMEDIATE transaction
        # already holds the write lock for the whole admin request.
        current = (
            type(instance)
            ._default_manager.select_for_update()
            .filter(pk=instance.pk)
            .values_list("version", flat=True)
            .first()
        )
        if current is not None and cleaned.get("seen_version") != current:
            opts = instance._meta
            name = f"admin:{opts.app_label}_{opts.model_name}"
            raise ValidationError(
                format_html(
                    "{}, after you opened this page, so your changes were not saved. They are "
                    'still on this form: <a href="{}" target="_blank">open the {} again in '
                    'a new tab</a> and copy into it what you want to keep, or <a href="{}" '
                    'target="_blank">see what changed</a>.',
                    last_change(instance),
                    reverse(f"{name}_change", args=[instance.pk]),
                    opts.verbose_name,
                    reverse(f"{name}_history", args=[instance.pk]),
                ),
                code="stale",
            )
        return cleaned


class ChangelistRowForm(NamedRowForm, ConcurrencyForm):
    """A row of the list's editable columns: named fields, and no lost updates."""


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


def record(instance: models.Model, comment: str, user: Any = None) -> None:
    """Save ``instance`` as a revision of its own, with who and why (for actions and commands)."""
    with reversion.create_revision():
        if user is not None:
            reversion.set_user(user)
        reversion.set_comment(comment)
        instance.save()
