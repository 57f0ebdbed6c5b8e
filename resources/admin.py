from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import ActionLocation
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST
from reversion.models import Version
from reversion_compare.admin import CompareVersionAdmin
from taggit.models import Tag

from editing.admin import SafeEditingAdmin
from editing.forms import ConcurrencyForm, NamedRowsInlineFormSet

from . import curation, intake, link_health, readability, references
from .models import Creator, Link, LinkHealth, Notice, Resource


def already_listed_message(listed: list[Resource]) -> str:
    return format_html(
        "Already on the list: {}. Edit that one instead.",
        format_html_join(
            "; ",
            '<a href="{}">{}</a>',
            ((reverse("admin:resources_resource_change", args=[r.pk]), r) for r in listed),
        ),
    )


class LinkFormSet(NamedRowsInlineFormSet):
    """Links of a resource; an address another resource already links to is refused."""

    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            url = form.cleaned_data.get("url") if form.cleaned_data else None
            if not url or form.cleaned_data.get("DELETE"):
                continue
            listed = intake.already_listed(intake.Keys.of(urls=[url]), self.instance.pk)
            if listed:
                form.add_error("url", already_listed_message(listed))


class LinkInline(admin.TabularInline):
    model = Link
    formset = LinkFormSet
    fields = ["label", "url", "position", "check_state", "last_checked"]
    verbose_name_plural = "links (the first by order is the one the list opens)"
    readonly_fields = ["check_state", "last_checked"]
    extra = 1

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("health")

    @admin.display(description="link check")
    def check_state(self, link: Link) -> str:
        health = link.current_health if link.pk else None
        return health.describe() if health else "not checked yet"

    @admin.display(description="last checked")
    def last_checked(self, link: Link) -> str:
        health = link.current_health if link.pk else None
        if health is None:
            return "\u2014"
        return date_format(timezone.localtime(health.checked_at), "j F Y, H:i")


class NoticeInline(admin.TabularInline):
    """What the registries report about the work (``manage.py check_updates``): observed,
    not edited, so read-only (deleted, the next check would record it again)."""

    model = Notice
    fields = ["kind", "notice_date", "notice_link", "source", "found"]
    readonly_fields = ["kind", "notice_date", "notice_link", "source", "found"]
    extra = 0
    verbose_name_plural = "notices from its publisher (retractions, corrections)"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Part of what staff see of a resource, not a model they manage.
        return request.user.has_perm("resources.view_resource")

    @admin.display(description="date")
    def notice_date(self, notice: Notice) -> str:
        return notice.date.display() if notice.date else "not given"

    @admin.display(description="found")
    def found(self, notice: Notice) -> str:
        return date_format(timezone.localtime(notice.found_at), "j F Y, H:i")

    @admin.display(description="notice")
    def notice_link(self, notice: Notice) -> str:
        if not notice.url:
            return "\u2014"
        return format_html('<a href="{}">{}</a>', notice.url, notice.notice_doi or notice.url)


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
    formset = NamedRowsInlineFormSet
    fields = ["role", "given_names", "family_name", "organisation", "credentials", "position"]
    extra = 1
    verbose_name_plural = "creators (in the order a citation lists them)"


class IdentifiersForm(forms.Form):
    identifiers = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6, "cols": 60, "spellcheck": "false"}),
        help_text="One a line, up to 20: a DOI (10.1234/abc or its doi.org address), a PubMed "
        "ID (PMID: 12345678), a PMCID (PMC1234567), an ISBN, or a web address.",
    )

    def clean_identifiers(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["identifiers"].splitlines()]
        lines = list(dict.fromkeys(line for line in lines if line))
        if not lines:
            raise forms.ValidationError("Paste at least one identifier.")
        if len(lines) > intake.BATCH_LIMIT:
            raise forms.ValidationError(
                f"Paste at most {intake.BATCH_LIMIT} identifiers at once ({len(lines)} were "
                "pasted); manage.py add_resource takes any number."
            )
        return lines


class ResourceForm(ConcurrencyForm):
    class Meta:
        widgets = {"summary": forms.Textarea(attrs={"rows": 3, "maxlength": 280})}

    def clean_slug(self) -> str:
        # Addresses are lowercase: "OpenNotes" is taken as "opennotes" (and refused
        # if another resource has it), never kept as a second, differently cased address.
        return self.cleaned_data["slug"].strip().lower()

    def clean_isbn(self) -> str:
        return intake.isbn_13(self.cleaned_data["isbn"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in ("doi", "pmid", "pmcid", "isbn"):
            value = cleaned.get(name)
            keys = intake.Keys.of(**{name: value}) if value else None
            if keys and (listed := intake.already_listed(keys, self.instance.pk)):
                self.add_error(name, already_listed_message(listed))
        return cleaned


# Actions staff can run on selected resources in the list, or on one from its own page.
BOTH_PLACES = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("listed", "On the list"), ("draft", "Draft"), ("archived", "Archived")]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        match self.value():
            case "listed":
                return queryset.listed()
            case "draft":
                return queryset.filter(is_published=False)
            case "archived":
                return queryset.filter(archived_at__isnull=False)
        return queryset


class ReviewFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("due", f"Review due (none in {settings.REVIEW_AFTER_DAYS} days)")]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        return queryset.review_due() if self.value() == "due" else queryset


class NoticeFilter(admin.SimpleListFilter):
    title = "notices"
    parameter_name = "notices"
    KINDS = {
        "retracted": ("Retracted", Notice.RETRACTIONS),
        "concern": ("Expression of concern", ["expression of concern"]),
        "corrected": ("Corrected", ["correction"]),
    }

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(value, label) for value, (label, _) in self.KINDS.items()]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        value = self.value()
        return queryset.with_notice(self.KINDS[value][1]) if value in self.KINDS else queryset


class LinkStateFilter(admin.SimpleListFilter):
    title = "link check"
    parameter_name = "links"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(state.value, str(state.label).capitalize()) for state in LinkHealth.State]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        value = self.value()
        return queryset.with_link_state(value) if value in LinkHealth.State.values else queryset


@admin.register(Resource)
class ResourceAdmin(SafeEditingAdmin):
    form = ResourceForm
    list_display = [
        "position",
        "title",
        "kind",
        "is_published",
        "state",
        "review",
        "links_state",
        "updated_at",
    ]
    list_display_links = ["title"]
    list_editable = ["position", "is_published"]
    list_filter = [
        StatusFilter,
        ReviewFilter,
        LinkStateFilter,
        NoticeFilter,
        "kind",
        "audience",
        "tags",
    ]
    # reversion's list template with a link to "Needs attention".
    change_list_template = "admin/resources/resource/change_list.html"
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
    readonly_fields = [
        "addresses",
        "reading_grade",
        "first_published_at",
        "created_at",
        "updated_at",
    ]
    inlines = [CreatorInline, LinkInline, NoticeInline]
    actions = ["mark_reviewed", "check_links_now", "archive", "return_to_list"]
    # Topics are compared through the tagged items the history follows (taggit's manager
    # is not a plain many-to-many field that reversion-compare can read).
    # superseded_by is restored with the rest, but the compare view cannot show a link to
    # a resource it does not follow.
    compare_exclude = ["tags", "version", "superseded_by"]
    save_on_top = True
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "slug",
                    "addresses",
                    ("kind", "audience"),
                    "is_published",
                    "position",
                ]
            },
        ),
        (
            "For readers",
            {"fields": ["summary", "plain_summary", "reading_grade", "why_it_matters", "tags"]},
        ),
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
        (
            "Review and retirement",
            {"fields": ["last_reviewed_on", ("archived_at", "superseded_by")]},
        ),
        (
            "Dates",
            {"fields": ["first_published_at", "created_at", "updated_at"], "classes": ["collapse"]},
        ),
    ]

    class Media:
        # The reading grade of the plain-language summary, as staff type it.
        js = ["js/reading-grade.js"]

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> list[type[Any]]:
        # A resource being added has no notices (nor a form that posts any).
        inlines = list(super().get_inlines(request, obj))
        return inlines if obj is not None else [i for i in inlines if i is not NoticeInline]

    def get_actions(
        self, request: HttpRequest, action_location: Any = ActionLocation.CHANGE_LIST
    ) -> dict[str, Any]:
        # Deleting breaks every link to the page: steer staff to archiving (one resource can
        # still be deleted from its own page, which says why archiving is better).
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "last_reviewed_on" in form.changed_data:
            curation.accept_current_titles([obj])

    @admin.display(description="status")
    def state(self, resource: Resource) -> str:
        return resource.status

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).with_link_health()

    @admin.display(description="links")
    def links_state(self, resource: Resource) -> str:
        """The state of the resource's worst link, as the last check found it."""
        worst = resource.worst_link_state
        if worst is None:
            return "\u2014"
        label = str(LinkHealth.State(worst).label)
        return format_html("<strong>{}</strong>", label) if worst == "broken" else label

    @admin.display(description="last reviewed", ordering="last_reviewed_on")
    def review(self, resource: Resource) -> str:
        due = resource.review_is_due()
        shown = date_format(resource.last_reviewed_on) if resource.last_reviewed_on else "never"
        return format_html("{} <strong>(review due)</strong>", shown) if due else shown

    @admin.action(
        description="Mark as reviewed today", permissions=["change"], location=BOTH_PLACES
    )
    def mark_reviewed(self, request: HttpRequest, queryset: Any) -> None:
        count = curation.mark_reviewed(queryset, user=request.user)
        messages.success(request, f"Marked {count} resource(s) as reviewed today.")

    @admin.action(description="Check links now", permissions=["change"], location=BOTH_PLACES)
    def check_links_now(self, request: HttpRequest, queryset: Any) -> None:
        done, said = curation.check_links_now(queryset)
        messages.add_message(request, messages.SUCCESS if done else messages.ERROR, said)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        flagged = Resource.objects.under_serious_notice().count()
        return super().changelist_view(request, {"flagged": flagged, **(extra_context or {})})

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], *args: Any, obj: Any = None,
        **kwargs: Any,
    ) -> HttpResponse:  # fmt: skip
        # The warning at the top of the form: readers are told of it on the resource's page.
        context["serious_notice"] = obj.serious_notice if obj is not None and obj.pk else None
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def get_urls(self) -> list[URLPattern]:
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("links/", view(self.links_view), name=f"{name}_links"),
            path("import/", view(self.import_view), name=f"{name}_import"),
            path("reading-grade/", view(self.reading_grade_view), name=f"{name}_reading_grade"),
            path(
                "add-from-identifiers/",
                view(self.add_from_identifiers_view),
                name=f"{name}_add_from_identifiers",
            ),
            path(
                "links/archive/<int:resource_id>/",
                view(self.archive_view),
                name=f"{name}_archive_now",
            ),
            path(
                "links/<int:link_id>/use-new-address/",
                view(self.use_new_address_view),
                name=f"{name}_use_new_address",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="reading grade")
    def reading_grade(self, resource: Resource) -> str:
        """The plain-language summary's grade (as saved); reading-grade.js keeps it up to
        date as staff type, through reading_grade_view."""
        found = readability.reading(resource.plain_summary)
        url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_reading_grade")
        return format_html(
            '<span class="reading-grade{}" data-reading-grade-url="{}" aria-live="polite">'
            "{}</span>",
            " reading-grade--over" if found.grade is not None and not found.meets_target else "",
            url,
            found.verdict,
        )

    @method_decorator(require_POST)
    def reading_grade_view(self, request: HttpRequest) -> JsonResponse:
        """The reading grade of the text posted (JSON), for the change form as staff type."""
        if not (self.has_change_permission(request) or self.has_add_permission(request)):
            raise PermissionDenied
        text = request.POST.get("text", "")[: readability.MAX_CHARACTERS]
        return JsonResponse(readability.reading(text).as_json())

    def links_view(self, request: HttpRequest) -> HttpResponse:
        """Needs attention: retractions and expressions of concern first, then broken links,
        permanent moves, titles changed since review."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        current = LinkHealth.objects.current().in_list_order()
        flagged = Resource.objects.under_serious_notice().in_list_order()
        return TemplateResponse(
            request,
            "admin/resources/resource/links.html",
            {
                **self.admin_site.each_context(request),
                "title": "Needs attention",
                "opts": self.opts,
                "flagged": flagged.prefetch_related("notices"),
                "broken": current.broken(),
                "moved": current.moved(),
                "retitled": current.retitled(),
                "unverified": current.unverified().count(),
                "can_change": self.has_change_permission(request),
            },
        )

    def add_from_identifiers_view(self, request: HttpRequest) -> HttpResponse:
        """Paste identifiers, see what each one is, then make drafts of those chosen."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = IdentifiersForm(request.POST or None)
        previews = intake.preview(form.cleaned_data["identifiers"]) if form.is_valid() else []
        if previews and "_create" in request.POST:
            chosen = set(request.POST.getlist("add"))
            made = intake.add_chosen(previews, chosen, user=request.user)
            if not made:
                messages.warning(request, "Nothing was added: tick the records to add.")
            elif len(made) == 1:
                messages.success(
                    request,
                    f"“{made[0]}” is a draft now: write its summary and why it "
                    "matters, then publish it.",
                )
                return redirect(
                    reverse(
                        f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                        args=[made[0].pk],
                    )
                )
            else:
                messages.success(request, f"Added {len(made)} drafts: " + "; ".join(map(str, made)))
                changelist = reverse(
                    f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"
                )
                return redirect(f"{changelist}?status=draft")
        return TemplateResponse(
            request,
            "admin/resources/resource/add_from_identifiers.html",
            {
                **self.admin_site.each_context(request),
                "title": "Add from identifiers",
                "opts": self.opts,
                "form": form,
                "previews": previews,
                "can_add": any(p.status == "found" for p in previews),
            },
        )

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Import a reference library: a draft of each record not already on the list."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportLibraryForm(request.POST or None, request.FILES or None)
        report = None
        if form.is_valid():
            report = references.import_library(form.cleaned_data["file"], user=request.user)
            form = ImportLibraryForm()
        return TemplateResponse(
            request,
            "admin/resources/resource/import.html",
            {
                **self.admin_site.each_context(request),
                "title": "Import a reference library",
                "opts": self.opts,
                "form": form,
                "report": report,
            },
        )

    @method_decorator(require_POST)
    def use_new_address_view(self, request: HttpRequest, link_id: int) -> HttpResponse:
        link = get_object_or_404(Link.objects.select_related("health", "resource"), pk=link_id)
        if not self.has_change_permission(request, link.resource):
            raise PermissionDenied
        old = link.url
        problem = link_health.use_new_address(link, user=request.user)
        if problem:
            messages.error(request, problem)
        else:
            messages.success(request, f"“{link.resource}” now links to {link.url} (was {old}).")
        return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_links"))

    @method_decorator(require_POST)
    def archive_view(self, request: HttpRequest, resource_id: int) -> HttpResponse:
        """Archive one resource from "Needs attention" (its retraction then needs none)."""
        resource = get_object_or_404(Resource, pk=resource_id)
        if not self.has_change_permission(request, resource):
            raise PermissionDenied
        if curation.archive([resource], user=request.user):
            messages.success(
                request,
                f"Archived \u201c{resource}\u201d: it is off the list, and its page stays "
                "online with the notice. \u201cReturn to the list\u201d undoes it.",
            )
        return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_links"))

    @admin.action(
        description="Archive: take off the list, keep the page",
        permissions=["change"],
        location=BOTH_PLACES,
    )
    def archive(self, request: HttpRequest, queryset: Any) -> None:
        count = curation.archive(queryset, user=request.user)
        messages.success(
            request, f"Archived {count} resource(s). Their pages stay online with a notice."
        )

    @admin.action(
        description="Return to the list (undo archive)",
        permissions=["change"],
        location=BOTH_PLACES,
    )
    def return_to_list(self, request: HttpRequest, queryset: Any) -> None:
        count = curation.return_to_list(queryset, user=request.user)
        messages.success(request, f"Returned {count} resource(s) to the list.")

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

    # Restoring a version (reversion's revision and recover views) goes through
    # resources/curation.py: a version whose address another resource now uses is refused,
    # and the restore brings back deleted topics and keeps every address the resource had.

    def revision_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        version = get_object_or_404(Version, pk=version_id, object_id=unquote(object_id))
        return self.restore(
            request,
            version,
            lambda: super(ResourceAdmin, self).revision_view(
                request, object_id, version_id, extra_context
            ),
        )

    def recover_view(
        self, request: HttpRequest, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        version = get_object_or_404(Version, pk=version_id)
        return self.restore(
            request,
            version,
            lambda: super(ResourceAdmin, self).recover_view(request, version_id, extra_context),
        )

    def restore(
        self, request: HttpRequest, version: Version, view: Callable[[], HttpResponse]
    ) -> HttpResponse:
        if problem := curation.restore_problem(version):
            messages.error(request, problem)
            return redirect(request.path.rsplit("/", 2)[0] + "/")
        if request.method != "POST":
            return view()  # the preview
        with curation.restoring(version) as restore:
            response = view()
            restore.done = response.status_code == 302
        return response


class ImportLibraryForm(forms.Form):
    file = forms.FileField(
        label="Reference library",
        help_text="A file exported from Zotero, EndNote or Mendeley: RIS (.ris), BibTeX (.bib) "
        f"or CSL-JSON (.json), up to {references.MAX_BYTES // 2**20} MB. Each record not "
        "already on the list becomes a draft.",
        widget=forms.ClearableFileInput(attrs={"accept": ".ris,.bib,.json"}),
    )

    def clean_file(self) -> references.Library:
        """The file, read: a file that cannot be read is refused here, with the reason."""
        upload = self.cleaned_data["file"]
        if upload.size > references.MAX_BYTES:
            raise forms.ValidationError(
                f"{upload.name} is {upload.size / 2**20:.1f} MB: the largest library the site "
                f"imports is {references.MAX_BYTES // 2**20} MB. Export a smaller collection."
            )
        extension = upload.name.rpartition(".")[2].lower()
        if extension not in references.FORMATS:
            raise forms.ValidationError(
                f"{upload.name} is not a .ris, .bib or .json file. {references.EXPECTED}"
            )
        try:
            library = references.read(upload.read(), upload.name)
        except references.Unreadable as error:
            raise forms.ValidationError(str(error)) from None
        if len(library.references) > references.MAX_RECORDS_AT_ONCE:
            raise forms.ValidationError(
                f"{upload.name} holds {len(library.references):,} records; the admin imports "
                f"up to {references.MAX_RECORDS_AT_ONCE} at a time. Export a smaller "
                "collection, or import this one with manage.py import_references."
            )
        return library


class MergeTopicsForm(forms.Form):
    keep = forms.ModelChoiceField(
        queryset=Tag.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        label="Keep this topic",
        help_text="Every resource with one of the other topics gets this one; the others "
        "are deleted.",
    )

    def __init__(self, *args: Any, tags: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keep = self.fields["keep"]
        assert isinstance(keep, forms.ModelChoiceField)
        keep.queryset = tags


admin.site.unregister(Tag)


@admin.register(Tag)
class TopicAdmin(CompareVersionAdmin):
    """Topics (taggit's tags), with a count of resources, history, and merging."""

    list_display = ["name", "slug", "resource_count"]
    search_fields = ["name"]
    ordering = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    actions = ["merge"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).annotate(count=Count("resources_taggedresource_items"))

    @admin.display(description="resources", ordering="count")
    def resource_count(self, tag: Any) -> int:
        return tag.count

    @admin.action(description="Merge selected topics into one", permissions=["change", "delete"])
    def merge(self, request: HttpRequest, queryset: Any) -> HttpResponse | None:
        if queryset.count() < 2:
            messages.error(
                request,
                "Select two or more topics to merge: a topic cannot be merged into itself.",
            )
            return None
        form = MergeTopicsForm(request.POST if "keep" in request.POST else None, tags=queryset)
        if form.is_valid():
            keep = form.cleaned_data["keep"]
            others = [tag for tag in queryset if tag.pk != keep.pk]
            changed = curation.merge_topics(keep, others, user=request.user)
            messages.success(
                request,
                f"Merged {len(others)} topic(s) into \u201c{keep.name}\u201d; "
                f"{changed} resource(s) changed.",
            )
            return None
        return TemplateResponse(
            request,
            "admin/taggit/tag/merge.html",
            {
                **self.admin_site.each_context(request),
                "title": "Merge topics",
                "opts": self.model._meta,
                "form": form,
                "tags": queryset,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            },
        )
