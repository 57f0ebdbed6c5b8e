from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, URLResolver, path
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect


class StaffAdminSite(admin.AdminSite):
    """The admin, for staff who have passed both steps: a password, then a code."""

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and request.user.is_verified()  # type: ignore[union-attr]

    def get_urls(self) -> list[URLResolver | URLPattern]:
        from . import views

        step = {"admin_site": self}
        return [
            path("second-factor/", views.code, step, name="second_factor"),
            path("second-factor/enrol/", views.enrol, step, name="second_factor_enrol"),
            path(
                "second-factor/recovery-codes/",
                self.admin_view(views.recovery_codes),
                step,
                name="second_factor_recovery_codes",
            ),
            # Signing out works halfway through signing in too.
            path("logout/", never_cache(csrf_protect(self.logout)), name="logout"),
            *super().get_urls(),
        ]

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None):
        """The password step; whoever passes it goes on to the second step."""
        password_user = getattr(request, "password_user", None)
        if (
            request.method == "GET"
            and password_user is not None
            and password_user.is_authenticated
            and password_user.is_staff
        ):
            return self._to_second_step(request, request.GET.get("next", ""))
        response = super().login(request, extra_context)
        if (
            request.method == "POST"
            and isinstance(response, HttpResponseRedirect)
            and request.user.is_authenticated
        ):
            return self._to_second_step(request, response["Location"])
        return response

    def _to_second_step(self, request: HttpRequest, next_url: str) -> HttpResponse:
        from django.urls import reverse

        url = reverse("admin:second_factor", current_app=self.name)
        return HttpResponseRedirect(f"{url}?{urlencode({'next': next_url})}" if next_url else url)
