"""Admin forms laid out as table rows (inlines, the list's editable columns) name their fields.

A field in a table cell has no <label> of its own: screen readers, voice control and axe then
find an input with no name. Each one is named after its column and its row, for example
"Web address, link 2" or "Order, OpenNotes".
"""

from typing import Any

from django import forms
from django.forms.models import BaseInlineFormSet


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
