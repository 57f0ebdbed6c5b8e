from typing import Any

from django import template

from suggestions.models import Suggestion

register = template.Library()


@register.simple_tag(takes_context=True)
def waiting_suggestions(context: dict[str, Any]) -> int | None:
    """How many new suggestions wait, for staff who may see them (None for the others)."""
    request = context.get("request")
    if request is None or not request.user.has_perm("suggestions.view_suggestion"):
        return None
    return Suggestion.objects.waiting().count()
