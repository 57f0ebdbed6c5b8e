from typing import Any

from django.db.models import Count
from django.views.generic import DetailView, ListView

from principles.models import Principle, TextBlock

from .models import Resource


class ResourceListView(ListView):
    """The Resources for Providers page: principles, mission text, the curated list."""

    template_name = "resources/resource_list.html"
    context_object_name = "resources"

    def get_queryset(self):
        return Resource.objects.published().in_list_order().with_list_details()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["principles"] = Principle.objects.all()
        context["text_blocks"] = TextBlock.objects.on_page(TextBlock.Page.RESOURCES)
        return context


class ResourceDetailView(DetailView):
    template_name = "resources/resource_detail.html"
    context_object_name = "resource"

    def get_queryset(self):
        return Resource.objects.published().with_list_details()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        resource = self.object
        listed = Resource.objects.published().in_list_order().only("slug", "title")
        counts = listed.aggregate(
            total=Count("pk"), before=Count("pk", filter=listed.before_q(resource))
        )
        context["number"] = counts["before"] + 1
        context["total"] = counts["total"]
        context["previous"] = listed.before(resource).last()
        context["next"] = listed.after(resource).first()
        context["page_url"] = self.request.build_absolute_uri(resource.get_absolute_url())
        return context
