from typing import Any

from django.views.generic import TemplateView

from resources import linked_data
from spm_site.public_urls import absolute_url

from .models import TextBlock


class AboutView(TemplateView):
    template_name = "principles/about.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["text_blocks"] = TextBlock.objects.on_page(TextBlock.Page.ABOUT)
        context["page_title"] = "About the Society"
        context["page_description"] = (
            "About the Society for Participatory Medicine, a not-for-profit membership "
            "organization."
        )
        context["canonical_url"] = absolute_url(self.request.path)
        context["json_ld"] = linked_data.json_ld(linked_data.society_json_ld())
        return context
