from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html, format_html_join

from .models import Creator, Link, Resource


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


class CreatorForm(forms.ModelForm):
    class Meta:
        widgets = {
            "given_names": forms.TextInput(attrs={"size": 16}),
            "family_name": forms.TextInput(attrs={"size": 16}),
            "organisation": forms.TextInput(attrs={"size": 28}),
            "credentials": forms.TextInput(attrs={"size": 10}),
            "position": forms.NumberInput(attrs={"size": 4, "class": "vIntegerField"}),
        }


class CreatorInline(admin.TabularInline):
    model = Creator
    form = CreatorForm
    fields = ["role", "given_names", "family_name", "organisation", "credentials", "position"]
    extra = 1
    verbose_name_plural = "creators (in the order a citation lists them)"


class ResourceForm(forms.ModelForm):
    class Meta:
        widgets = {"summary": forms.Textarea(attrs={"rows": 3, "maxlength": 280})}

    def clean_slug(self) -> str:
        # Addresses are lowercase: "OpenNotes" is taken as "opennotes" (and refused
        # if another resource has it), never kept as a second, differently cased address.
        return self.cleaned_data["slug"].strip().lower()


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    form = ResourceForm
    list_display = ["position", "title", "kind", "is_published", "updated_at"]
    list_display_links = ["title"]
    list_editable = ["position", "is_published"]
    list_filter = ["kind", "is_published", "tags"]
    search_fields = [
        "title",
        "creators__family_name",
        "creators__organisation",
        "container_title",
        "publisher",
        "summary",
        "slug",
        "tags__name",
    ]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["addresses", "created_at", "updated_at"]
    inlines = [CreatorInline, LinkInline]
    save_on_top = True
    fieldsets = [
        (None, {"fields": ["title", "slug", "addresses", "kind", "is_published", "position"]}),
        ("For readers", {"fields": ["summary", "why_it_matters", "tags"]}),
        (
            "Bibliographic facts",
            {
                "description": "Fill in only what a reliable source confirms.",
                "fields": [
                    ("container_title", "container_short"),
                    "publisher",
                    "issued",
                    ("volume", "issue", "pages"),
                    ("doi", "pmid", "isbn"),
                ],
            },
        ),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    @admin.display(description="Addresses")
    def addresses(self, resource: Resource) -> str:
        """The short link, and the former addresses that still lead here."""
        if resource.pk is None:
            return "The short link is made when the resource is first saved."
        short = format_html(
            'Short link (never changes): <a href="{}">{}</a>',
            resource.get_short_url(),
            resource.get_short_url(),
        )
        former = format_html_join(
            ", ", "<code>{}</code>", ((f,) for f in resource.former_slugs.all())
        )
        if not former:
            return short
        return format_html("{}<br>Former addresses, which lead here for ever: {}", short, former)
