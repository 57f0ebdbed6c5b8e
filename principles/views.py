from typing import Any

from django.views.generic import TemplateView

from .models import TextBlock


class AboutView(TemplateView):
    template_name = "principles/about.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["text_blocks"] = TextBlock.objects.on_page(TextBlock.Page.ABOUT)
        return context
