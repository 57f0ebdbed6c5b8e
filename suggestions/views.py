"""The suggestion form and its answers. Never cached, never public: every page here is
private and no-store (a form carries a CSRF token, and an answer is one member's)."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from resources.models import Resource

from . import defences, submissions
from .defences import SuggestionForm


def form_page(
    request: HttpRequest, form: SuggestionForm, token: str, status: int = 200, **context: Any
) -> HttpResponse:
    return render(
        request,
        "suggestions/suggest.html",
        {
            "form": form,
            "token": token,
            "honeypot": defences.HONEYPOT,
            "retention_days": settings.SUGGESTION_RETENTION_DAYS,
            "page_title": "Suggest a resource",
            "page_description": "Suggest a paper, book or web page for SPM\u2019s Resources "
            "for Providers.",
            **context,
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def suggest(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return form_page(request, SuggestionForm(), defences.issue_token())
    network = defences.network_hash(request)
    # A form shown again for a person to send later starts past the 3-second wait.
    later = defences.clock() - defences.MIN_SECONDS
    if wait := defences.rate_limited(network):
        until = timezone.localtime() + timedelta(seconds=wait)
        response = form_page(
            request,
            SuggestionForm.kept(request.POST),
            defences.issue_token(later),
            status=429,
            minutes=max(1, round(wait / 60)),
            until=until,
            limit=settings.SUGGESTION_RATE_LIMIT,
        )
        response["Retry-After"] = str(wait)
        return response
    verdict = defences.judge(request.POST)
    if verdict.is_bot:
        submissions.store_spam(request.POST, verdict.reason, network)
        return redirect("suggestions:thanks")
    if verdict.kind == "expired":
        return form_page(
            request, SuggestionForm.kept(request.POST), defences.issue_token(later), expired=True
        )
    form = SuggestionForm(request.POST)
    if not form.is_valid():
        return form_page(request, form, defences.issue_token(verdict.issued_at))
    assert form.recognised is not None
    data = form.cleaned_data
    outcome = submissions.receive(
        form.recognised, data["identifier"], data["note"], data["name"], data["email"], network
    )
    if outcome.kind == "listed" and outcome.resource is not None:
        return redirect("suggestions:listed", slug=outcome.resource.slug)
    thanks = reverse("suggestions:thanks")
    return redirect(f"{thanks}?already=1" if outcome.kind == "considered" else thanks)


@never_cache
@require_safe
def thanks(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "suggestions/thanks.html",
        {"already": request.GET.get("already") == "1", "page_title": "Thank you"},
    )


@never_cache
@require_safe
def listed(request: HttpRequest, slug: str) -> HttpResponse:
    """A published resource that a member suggested: it is on the list already."""
    resource = get_object_or_404(Resource.objects.published(), slug=slug)
    return render(
        request,
        "suggestions/listed.html",
        {"resource": resource, "page_title": "Already on the list"},
    )
