"""Forms that refuse to save over a newer edit, and table rows whose fields have names.

Admin forms laid out as table rows (inlines, the list's editable columns) name their fields.

A field in a table cell has no <label> of its own: screen readers, voice control and axe then
find an input with no name. Each one is named after its column and its row, for example
"Web address, link 2" or "Order, OpenNotes".
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import QueryDict
from django.urls import reverse
from django.utils.html import format_html

from .history import last_change


def name_fields(form: forms.BaseForm, row: str) -> None:
    for name, field in form.fields.items():
        if not field.widget.is_hidden:
            label = str(field.label or name.replace("_", " ")).capitalize()
            field.widget.attrs.setdefault("aria-label", f"{label}, {row}")


class NamedRowsInlineFormSet(BaseInlineFormSet):
    """An inline formset whose every field, the delete box included, has a name."""

    def add_fields(self, form: forms.ModelForm, index: int | None) -> None:
        super().add_fields(form, index)
        noun = form._meta.model._meta.verbose_name
        name_fields(form, f"{noun} {index + 1}" if index is not None else f"new {noun}")


class NamedRowForm(forms.ModelForm):
    """A row of the admin list's editable columns, its fields named after the object."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        name_fields(self, str(self.instance))


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
