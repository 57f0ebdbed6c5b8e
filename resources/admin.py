from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from .models import Link, Resource


class LinkForm(forms.ModelForm):
    def validate_constraints(self) -> None:
        # "One primary link" is a rule about the links together: LinkFormSet checks
        # it across the forms, since a single form sees the database before the save.
        unchecked = {f.name for f in Link._meta.fields if f.name not in self.cleaned_data}
        try:
            self.instance.validate_constraints(exclude=unchecked | {"is_primary"})
        except ValidationError as error:
            self.add_error(None, error)


class LinkFormSet(BaseInlineFormSet):
    """Checks the links as a whole: a resource with links has exactly one primary link."""

    def clean(self) -> None:
        super().clean()
        # Untouched blank forms have empty cleaned_data and are not saved.
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        primaries = sum(1 for form in kept if form.cleaned_data.get("is_primary"))
        if kept and primaries != 1:
            raise ValidationError(
                "Tick \u201cprimary\u201d on exactly one link: the one the list opens."
            )

    def save_existing_objects(self, commit: bool = True) -> list[Any]:
        # The database allows one primary link per resource at any moment, so
        # when staff move the tick to another link, clear the old one first.
        if commit:
            demoted = [
                form.instance.pk
                for form in self.initial_forms
                if form.cleaned_data.get("DELETE") or not form.cleaned_data.get("is_primary")
            ]
            self.instance.links.filter(pk__in=demoted, is_primary=True).update(is_primary=False)
        return super().save_existing_objects(commit)


class LinkInline(admin.TabularInline):
    model = Link
    form = LinkForm
    formset = LinkFormSet
    fields = ["label", "url", "is_primary", "position"]
    extra = 1


class ResourceForm(forms.ModelForm):
    class Meta:
        widgets = {"summary": forms.Textarea(attrs={"rows": 3, "maxlength": 280})}


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    form = ResourceForm
    list_display = ["position", "title", "kind", "is_published", "updated_at"]
    list_display_links = ["title"]
    list_editable = ["position", "is_published"]
    list_filter = ["kind", "is_published", "tags"]
    search_fields = ["title", "creators", "publisher", "summary", "slug", "tags__name"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [LinkInline]
    save_on_top = True
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "is_published", "position"]}),
        ("For readers", {"fields": ["summary", "why_it_matters", "tags"]}),
        (
            "Bibliographic facts",
            {
                "description": "Fill in only what a reliable source confirms.",
                "fields": [
                    "creators",
                    "publisher",
                    ("year", "published_on"),
                    ("volume", "issue", "pages"),
                    ("doi", "pmid", "isbn"),
                ],
            },
        ),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]
