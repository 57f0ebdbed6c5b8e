from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.functional import cached_property
from django.views.decorators.cache import cache_control
from django.views.generic import DetailView, ListView
from taggit.models import Tag

from principles.models import Principle, TextBlock
from spm_site import http, pagecache
from spm_site.public_urls import absolute_url

from . import cards, citations, embeds, fragments, linked_data, ordering, picks, sharing
from .catalogue import AUDIENCE_FILTERS, SORTS, Choices, everything, find
from .models import Resource, ResourceQuerySet
from .pagination import pagination


class ListPaginator(Paginator):
    """The list's length, and which resources each page shows, kept in the cache under
    the list's order token (only a change of what is listed, or of the order, changes it:
    resources/ordering.py), so most pages neither count the list nor look for their place
    in it."""

    @cached_property
    def token(self) -> int | None:
        return ordering.read_token()

    def kept(self, name: str, make: Callable[[], Any], kind: type) -> Any:
        return ordering.kept(self.token, name, make, kind)

    @cached_property
    def count(self) -> int:
        return self.kept("count", lambda: Paginator.count.func(self), int)  # type: ignore[attr-defined]

    def ids(self, page: Page) -> list[int]:
        """The ids of the resources on ``page``, in order."""
        shown: Any = page.object_list  # the list's queryset, sliced
        return self.kept(
            f"page-{page.number}", lambda: list(shown.values_list("pk", flat=True)), list
        )


class ResourceListView(ListView):
    """The Resources for Providers page: principles, mission text, the curated list."""

    template_name = "resources/resource_list.html"
    context_object_name = "resources"
    paginate_by = 50  # a bad page number gets the styled 404

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.generation = pagecache.token_for(request)

    def get_queryset(self):
        # What the page needs besides its entries, which come from fragments.py: the entries
        # not kept are loaded there with their details.
        return Resource.objects.listed().in_list_order().only("slug", "title")

    def get_paginator(self, queryset: Any, per_page: int, *args: Any, **kwargs: Any) -> Paginator:
        return ListPaginator(queryset, per_page, *args, **kwargs)

    def paginate_queryset(self, queryset: Any, page_size: int) -> Any:
        # Once a request: get() asks for the page before get_context_data() does.
        if not hasattr(self, "paginated"):
            self.paginated = super().paginate_queryset(queryset, page_size)
        return self.paginated

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """The page is made from its entries' rows, the list's length and the principles:
        read those first, and when they are what the kept page was made from, that page
        holds (an edit of a resource on another page changes none of them)."""
        self.object_list = self.get_queryset()
        paginator, page, _, _ = self.paginate_queryset(self.object_list, self.paginate_by)
        self.ids = ids = paginator.ids(page)
        self.digests = fragments.entry_digests(ids)
        self.principles = Principle.objects.all()
        self.text_blocks = TextBlock.objects.on_page(TextBlock.Page.RESOURCES)
        self.principles_key = fragments.key(
            "principles", fragments.stored_texts(self.principles, self.text_blocks)
        )
        inputs = fragments.key(
            "list-page",
            page.number,
            paginator.count,
            [self.digests[pk] for pk in ids],
            self.principles_key,
        )
        kept = pagecache.unchanged(request, inputs)
        if kept is not None:
            return kept
        response = self.render_to_response(self.get_context_data())
        return pagecache.made_from(request, response, inputs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        number = f"?page={page.number}" if page.number > 1 else ""
        context["canonical_url"] = absolute_url(self.request.path + number)
        context["oembed_url"] = embeds.discovery_url(absolute_url(self.request.path))
        context["pagination"] = pagination(
            page, lambda n: f"?page={n}" if n > 1 else self.request.path, "Pages of the list"
        )
        context["downloads"] = citations.DOWNLOADS.values()
        # The entries, the JSON-LD and the principles, each kept under what it shows: one
        # cache round trip, and after an edit only the changed entry is rendered again.
        # What the JSON-LD and the entries not kept need of each resource.
        loaded = self.get_queryset().filter(pk__in=self.ids).in_bulk()
        resources = page.object_list = [loaded[pk] for pk in self.ids if pk in loaded]
        start = page.start_index()
        principles, text_blocks = self.principles, self.text_blocks  # read if not kept
        shown = [(resource.slug, resource.title) for resource in resources]
        items, (json_ld, principles_html) = fragments.listed_items(
            resources,
            self.generation,
            also=[
                (
                    fragments.key("list-json-ld", start, shown),
                    lambda: linked_data.json_ld(linked_data.list_json_ld(resources, start=start)),
                ),
                (
                    self.principles_key,
                    lambda: get_template("resources/resource_list.html#principles").render(
                        {"principles": list(principles), "text_blocks": list(text_blocks)}
                    ),
                ),
            ],
            digests=self.digests,
        )
        context.update(items=items, json_ld=json_ld, principles_html=principles_html)
        return context


class ResourceDetailView(DetailView):
    template_name = "resources/resource_detail.html"
    context_object_name = "resource"

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        # Read before the rows the page's fragments are keyed by (fragments.render).
        self.generation = pagecache.token_for(request)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        wanted = http.representation(request.headers.get("Accept", ""))
        try:
            self.object = self.get_object()
        except Http404:
            # An address typed with capitals, or one the resource had before a
            # rename, leads to the current address in one permanent redirect.
            slug = kwargs["slug"].lower()
            visible = self.visible()
            current = (
                visible.filter(slug=slug).first() or visible.filter(former_slugs__slug=slug).first()
            )
            if current is None:
                raise
            return HttpResponsePermanentRedirect(current.get_absolute_url())
        if wanted.media_type == http.HTML:
            # Made from what ``shown`` reads: when that is what the kept page was made from
            # (an edit of another resource, away from its place), that page holds.
            inputs = fragments.key("detail-page", self.shown) if self.object.is_published else ""
            response = pagecache.unchanged(request, inputs) or pagecache.made_from(
                request, self.render_to_response(self.get_context_data(object=self.object)), inputs
            )
        elif wanted.acceptable:
            body, content_type = citations.answer(self.detailed, wanted.media_type, wanted.style)
            response = HttpResponse(body, content_type=content_type)
        else:
            response = not_acceptable(request)
        # The same address answers HTML or a citation (the page cache keeps each apart).
        patch_vary_headers(response, ["Accept"])
        if request.user.is_authenticated:
            # What staff see (drafts among it) is theirs alone: no shared cache keeps it.
            patch_cache_control(response, private=True, no_store=True)
        return response

    def visible(self) -> ResourceQuerySet:
        """Published resources; staff who may view resources also see drafts (a preview)."""
        if self.request.user.has_perm("resources.view_resource"):
            return Resource.objects.all()
        return Resource.objects.published()

    def get_queryset(self):
        # The resource's own row: its details are loaded only for what is not kept.
        return self.visible()

    @cached_property
    def detailed(self) -> Resource:
        """The resource with everything its page shows (``with_list_details()``)."""
        return self.get_queryset().with_list_details().get(pk=self.object.pk)

    @cached_property
    def place(self) -> dict[str, Any] | None:
        return Resource.objects.place_on_list(self.object)

    @cached_property
    def replacement(self) -> Resource | None:
        replacement = self.object.superseded_by
        return replacement if replacement is not None and replacement.is_published else None

    @cached_property
    def shown(self) -> tuple[Any, ...]:
        """What the page shows, as stored: the resource's rows, its place on the list and
        its replacement."""
        place, replacement = self.place, self.replacement
        return (
            fragments.page_digest(self.object.pk),
            place and (place["number"], place["total"], *(
                (other.pk, other.slug, other.title) if other else None
                for other in (place["previous"], place["next"])
            )),
            replacement and (replacement.pk, replacement.slug, replacement.title),
        )  # fmt: skip

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        resource = self.object
        place = self.place
        if place is not None:
            context.update(place)
        replacement = self.replacement
        canonical_url = absolute_url(resource.get_absolute_url())
        context.update(
            on_list=place is not None,
            replacement=replacement,
            page_title=resource.title,
            page_description=resource.summary,
            canonical_url=canonical_url,
            oembed_url=embeds.discovery_url(canonical_url) if resource.is_published else "",
            og_type=resource.types.open_graph,
            share_image=sharing.preview_image(resource),
        )
        # The page's own head and body, kept under what they show. A draft's (a preview for
        # staff) is never kept.
        shown = self.shown
        context["detail_head"], context["detail_body"] = fragments.render(
            [
                (fragments.key("detail-head", shown), lambda: self.part("head", context)),
                (fragments.key("detail-body", shown), lambda: self.part("body", context)),
            ],
            keep_them=resource.is_published,
            generation=self.generation,
        )
        return context

    @cached_property
    def costly(self) -> dict[str, Any]:
        """What only a rendering of the page's parts needs: citations, QR code, JSON-LD."""
        resource = self.detailed
        record = citations.csl_record(resource)
        share = sharing.shared(resource)
        return {
            "short_url": share.short_url,
            "qr_code": share.qr_code,
            "citations": citations.citation_styles.cite(record),
            "downloads": citations.DOWNLOADS.values(),
            "citation_meta": linked_data.citation_meta(resource, record),
            "json_ld": linked_data.json_ld(linked_data.resource_json_ld(resource, record)),
        }

    def part(self, name: str, context: dict[str, Any]) -> str:
        template = get_template(f"{self.template_name}#{name}")
        resource = {"resource": self.detailed, "object": self.detailed}
        return template.render(
            {**context, **resource, **self.costly, "SITE_URL": settings.SITE_URL}
        )


def not_acceptable(request: HttpRequest) -> HttpResponse:
    """406, in words a person or a program can act on: what the address does answer."""
    styles = "|".join(citations.BIBLIOGRAPHY_STYLES)
    offered = [
        f"{http.HTML}",
        *(download.media_type for download in citations.FORMATS.values()),
        f"{citations.BIBLIOGRAPHY}; style={styles}   (a formatted citation in US English; "
        f"style={citations.BIBLIOGRAPHY_STYLES[0]} when none is given)",
    ]
    lines = [
        "406 Not Acceptable: this address cannot answer in the type the Accept header asks for.",
        "It answers:",
        *(f"  Accept: {line}" for line in offered),
        "",
    ]
    return HttpResponse("\n".join(lines), status=406, content_type="text/plain; charset=utf-8")


def short_link(request: HttpRequest, number: str) -> HttpResponse:
    """/r/<number>/: the address that never changes leads to the current one.

    A temporary redirect, since the current address may change with a rename; the
    short link itself is what stays.
    """
    resource = get_object_or_404(Resource.objects.published().only("slug"), pk=int(number))
    return redirect(resource)


@cache_control(public=True, max_age=60 * 60 * 24)
def share_card(request: HttpRequest, slug: str) -> HttpResponse:
    """The resource's own link-preview image (1200x630 PNG)."""
    resource = get_object_or_404(Resource.objects.published().with_list_details(), slug=slug)
    return HttpResponse(cards.card_png(resource), content_type="image/png")


def citation_download(
    request: HttpRequest, extension: str, slug: str | None = None
) -> HttpResponse:
    """One resource's citation, the whole list's in curated order, or the picks' (``?r=4&r=2``)
    in their order, as RIS, BibTeX or CSL-JSON."""
    download = citations.DOWNLOADS.get(extension)
    if download is None:
        raise Http404("No such citation format.")
    name = slug or "spm-resources-for-providers"
    if slug is None and picks.asked(request):
        resources: Any = picks.read(request).resources
        if not resources:
            raise Http404("None of these numbers is a resource on the list.")
        name = "spm-resources-picked"
    elif slug is None:
        resources = Resource.objects.listed().in_list_order().with_list_details()
    else:
        resources = Resource.objects.published().with_list_details().filter(slug=slug)
        if not resources:
            raise Http404("No such resource.")
    response = HttpResponse(
        citations.write(resources, extension), content_type=download.content_type
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    return response


def format_links(path: str, choices: Choices) -> list[dict[str, str]]:
    """The address of every result of these choices in each format, for a link."""
    query = choices.query(page="")
    return [
        {
            "name": name,
            "label": d.label,
            "url": f"{path}{query}{'&' if query else '?'}format={name}",
        }
        for name, d in citations.FORMATS.items()
    ]


def catalogue_download(request: HttpRequest, choices: Choices, topic: Tag | None) -> HttpResponse:
    """Every result of a catalogue address (``?format=csl|ris|bib``), not one page, as a file."""
    download = citations.FORMATS.get(request.GET["format"])
    if download is None:
        context = {
            "asked": request.GET["format"][:100],
            "formats": format_links(request.path, choices),
            "page_title": "No such format",
            "noindex": True,
        }
        return render(request, "resources/unknown_format.html", context, status=400)
    resources = everything(choices)
    name = f"spm-resources-{topic.slug}" if topic else "spm-resources"
    response = HttpResponse(
        citations.write(resources, download.extension), content_type=download.content_type
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.{download.extension}"'
    return response


def handout(request: HttpRequest) -> HttpResponse:
    """The whole list on paper, or a provider's picks (``?r=4&r=2``) in their order: title,
    summary, short link and QR code of each resource."""
    picked = picks.read(request) if picks.asked(request) else None
    if picked is None:
        resources: Any = Resource.objects.listed().in_list_order().with_list_details()
        title = "Handout: Participatory Medicine Resources for Providers"
    else:
        resources = picked.resources
        title = f"Handout: {len(resources)} resource{'s' if len(resources) != 1 else ''} picked"
    items = [sharing.shared(resource, f"QR code for {resource.title}") for resource in resources]
    query = picked.query() if picked else ""
    return render(
        request,
        "resources/handout.html",
        {
            "items": items,
            "picked": picked,
            "page_title": title,
            "canonical_url": absolute_url(request.path + query),
            "list_url": absolute_url("/"),
            "downloads": [(d, query) for d in citations.DOWNLOADS.values()] if query else [],
        },
    )


def catalogue(request: HttpRequest, tag: str | None = None) -> HttpResponse:
    """/resources/ (search and filters) and /resources/tags/<tag>/ (one topic)."""
    topic = get_object_or_404(Tag, slug=tag) if tag is not None else None
    choices = Choices.read(request, fixed_topic=topic.slug if topic else "")
    if request.GET.get("format"):
        return catalogue_download(request, choices, topic)
    results = find(choices)
    hits = results.page.object_list
    digests = fragments.entry_digests([hit.resource.pk for hit in hits])
    # Made from the results' rows, their counts and the reader's choices: when those are
    # what the kept page was made from, that page holds.
    inputs = fragments.key(
        "catalogue-page",
        choices.query(),
        topic and (topic.pk, topic.slug, topic.name),
        results.total,
        [(k["value"], k["count"]) for k in results.kinds],
        [(a["value"], a["count"]) for a in results.audiences],
        [(t["slug"], t["name"], t["count"]) for t in results.topics],
        [digests[hit.resource.pk] for hit in hits],
    )
    kept = pagecache.unchanged(request, inputs)
    if kept is not None:
        return kept
    items = fragments.search_items(
        [hit.resource for hit in hits],
        [(hit.title_html, hit.summary_html) for hit in hits],
        pagecache.token_for(request),
        digests=digests,
    )
    path = request.path
    pages = pagination(results.page, lambda n: path + choices.query(page=n), "Pages of results")
    if choices.q:
        title = f"Search: {choices.q}"
    elif topic:
        title = f"Resources on {topic.name}"
    elif choices.audience:
        title = f"Resources for {AUDIENCE_FILTERS[choices.audience].lower()}"
    else:
        title = "All resources for providers"
    response = render(
        request,
        "resources/catalogue.html",
        {
            "results": results,
            "items": items,
            "pagination": pages,
            "choices": choices,
            "search_query": choices.q,
            "topic": topic,
            "sorts": SORTS,
            "page_title": title,
            "page_description": (
                f"Resources on {topic.name} that the Society for Participatory Medicine "
                "recommends to providers."
                if topic
                else "Search the reading the Society for Participatory Medicine recommends "
                "to providers, by word, kind and topic."
            ),
            "canonical_url": absolute_url(path + choices.query()),
            "formats": format_links(path, choices),
            # A search is for the reader; a topic page is worth a search engine's time.
            "noindex": bool(choices.q),
        },
    )
    return pagecache.made_from(request, response, inputs)


def oembed_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def pixels(query: QueryDict, name: str) -> int | None:
    """A maxwidth or maxheight: a whole number of pixels above 0, or None when not given."""
    value = query.get(name, "").strip()
    if not value:
        return None
    if not value.isdecimal() or not 0 < int(value) < 100_000:
        raise ValueError(f"{name} must be a whole number of pixels, such as 600, not {value!r}.")
    return int(value)


def oembed(request: HttpRequest) -> JsonResponse:
    """/oembed?url=<the list's or a resource's address>&format=json&maxwidth=&maxheight=:
    the oEmbed answer that WordPress (or any consumer) embeds. Open data (resources/urls.py):
    any site's scripts may read it too."""
    if (request.GET.get("format") or "json") != "json":
        # oEmbed's answer for a format not offered; WordPress then asks for JSON.
        return oembed_error("Only format=json is offered.", 501)
    url = request.GET.get("url", "")
    if not url.strip():
        return oembed_error(
            f"Give the address of the list or of a resource as url, for example "
            f"?url={settings.SITE_URL}/.",
            400,
        )
    try:
        maxwidth, maxheight = pixels(request.GET, "maxwidth"), pixels(request.GET, "maxheight")
    except ValueError as error:
        return oembed_error(str(error), 400)
    target = embeds.target_for(url)
    if target is None:
        return oembed_error(
            f"Nothing to embed at {url[:300]!r}: only the list ({settings.SITE_URL}/) and "
            f"the pages of published resources ({settings.SITE_URL}/resources/...) can be.",
            404,
        )
    return JsonResponse(embeds.oembed(target, maxwidth, maxheight))


def embed_list(request: HttpRequest) -> HttpResponse:
    """/embed/: the start of the list, compact, for a frame in another site's page."""
    listed = Resource.objects.listed()
    shown = listed.in_list_order().prefetch_related("creators", "notices")[: embeds.LIST_LENGTH]
    target = embeds.Target()
    return render(
        request,
        "resources/embed.html",
        {
            "resources": shown,
            "total": listed.count(),
            "page_title": target.title,
            "page_url": target.page_url,
        },
    )


def embed_resource(request: HttpRequest, slug: str) -> HttpResponse:
    """/embed/resources/<slug>/: one resource, compact, for a frame in another site's page.
    A renamed resource's old embed address (kept in the pages that embedded it) leads on."""
    published = Resource.objects.published().prefetch_related("creators", "notices")
    resource = published.filter(slug=slug).first()
    if resource is None:
        lower = slug.lower()
        current = (
            published.filter(slug=lower).first()
            or published.filter(former_slugs__slug=lower).first()
        )
        if current is None:
            raise Http404("No such resource.")
        return HttpResponsePermanentRedirect(reverse("resources:embed", args=[current.slug]))
    return render(
        request,
        "resources/embed.html",
        {
            "resource": resource,
            "page_title": resource.title,
            "page_url": absolute_url(resource.get_absolute_url()),
        },
    )
