"""The second step of signing in to the admin, and enrolment at the first sign-in."""

import logging
from typing import Any

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.contrib import messages
from django.contrib.admin import AdminSite
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice

from . import devices
from .forms import CodeForm, FirstCodeForm

log = logging.getLogger(__name__)

RECOVERY_CODES_KEY = "second_factor_recovery_codes"


def _next_url(request: HttpRequest, admin_site: AdminSite) -> str:
    """Where to go once signed in: ``next`` if it stays on this site, else the admin's index."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("admin:index", current_app=admin_site.name)


def _with_next(name: str, next_url: str, admin_site: AdminSite) -> str:
    return f"{reverse(name, current_app=admin_site.name)}?{urlencode({'next': next_url})}"


def _context(request: HttpRequest, admin_site: AdminSite, **extra: Any) -> dict[str, Any]:
    request.current_app = admin_site.name
    return {
        **admin_site.each_context(request),
        "has_permission": False,  # no admin menus before the second step
        "next": _next_url(request, admin_site),
        "username": request.password_user.get_username(),  # type: ignore[attr-defined]
        **extra,
    }


def _wrong_code(request: HttpRequest, username: str) -> HttpResponse | None:
    """Count a wrong code with the wrong passwords (django-axes); the lockout page once
    there are too many, with the session signed out so the password is asked again."""
    credentials = {"username": username}
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    if getattr(request, "axes_locked_out", False):
        logout(request)
        return get_lockout_response(request, None, credentials)
    return None


def _locked(request: HttpRequest, username: str) -> HttpResponse | None:
    credentials = {"username": username}
    if AxesProxyHandler.is_locked(request, credentials):
        logout(request)
        return get_lockout_response(request, None, credentials)
    return None


def _signed_in(request: HttpRequest, device: Device) -> None:
    """Both steps passed: the session is verified, and earlier failures are forgiven."""
    user = request.password_user  # type: ignore[attr-defined]
    request.user = user  # django_otp.login checks the device belongs to request.user
    django_otp.login(request, device)
    AxesProxyHandler.update_request(request)
    AxesProxyHandler.reset_attempts(
        username=user.get_username(),
        ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
    )


@never_cache
@csrf_protect
def code(request: HttpRequest, admin_site: AdminSite) -> HttpResponse:
    """Step two: a code from the authenticator app, or a recovery code."""
    user = request.password_user  # type: ignore[attr-defined]
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return redirect_to_password_step(request, admin_site)
    next_url = _next_url(request, admin_site)
    if user.is_verified():
        return HttpResponseRedirect(next_url)
    if not devices.is_enrolled(user):
        return HttpResponseRedirect(_with_next("admin:second_factor_enrol", next_url, admin_site))
    if (locked := _locked(request, user.get_username())) is not None:
        return locked
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = devices.check_code(user, form.cleaned_data["code"])
        if device is not None:
            _signed_in(request, device)
            recovery = isinstance(device, StaticDevice)
            log.info(
                "Second factor: %s signed in with %s.",
                user.get_username(),
                "a recovery code" if recovery else "the authenticator app",
            )
            if recovery:
                left = devices.recovery_codes_left(user)
                messages.warning(
                    request,
                    f"You signed in with a recovery code, which now no longer works; "
                    f"{left} of your recovery codes are left. If your phone is lost, ask a "
                    f"superuser to reset your second factor.",
                )
            return HttpResponseRedirect(next_url)
        if (locked := _wrong_code(request, user.get_username())) is not None:
            return locked
        form.add_error("code", "That code is not right, or has already been used. Type the "
                       "six digits the app shows now, or an unused recovery code.")  # fmt: skip
    context = _context(request, admin_site, form=form, title="Second step: your code")
    return render(request, "second_factor/code.html", context)


@never_cache
@csrf_protect
def enrol(request: HttpRequest, admin_site: AdminSite) -> HttpResponse:
    """First sign-in: set up an authenticator app from a QR code, confirm it with a code."""
    user = request.password_user  # type: ignore[attr-defined]
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return redirect_to_password_step(request, admin_site)
    next_url = _next_url(request, admin_site)
    if devices.is_enrolled(user):
        return HttpResponseRedirect(_with_next("admin:second_factor", next_url, admin_site))
    if (locked := _locked(request, user.get_username())) is not None:
        return locked
    app = devices.pending_app(user)
    form = FirstCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = devices.confirm_app(app, form.cleaned_data["code"])
        if codes is not None:
            app.refresh_from_db()
            _signed_in(request, app)
            request.session[RECOVERY_CODES_KEY] = codes
            return HttpResponseRedirect(
                _with_next("admin:second_factor_recovery_codes", next_url, admin_site)
            )
        if (locked := _wrong_code(request, user.get_username())) is not None:
            return locked
        form.add_error("code", "That code is not right. Check that the app shows the entry "
                       "for SPM Resources, and type the six digits it shows now.")  # fmt: skip
    context = _context(
        request,
        admin_site,
        form=form,
        title="Set up your second factor",
        qr=devices.qr_svg(app),
        secret=devices.secret_text(app),
    )
    return render(request, "second_factor/enrol.html", context)


def recovery_codes(request: HttpRequest, admin_site: AdminSite) -> HttpResponse:
    """The ten recovery codes, shown once, right after enrolment."""
    codes = request.session.pop(RECOVERY_CODES_KEY, None)
    next_url = _next_url(request, admin_site)
    if not codes:
        return HttpResponseRedirect(next_url)
    context = {
        **admin_site.each_context(request),
        "title": "Store your recovery codes",
        "codes": codes,
        "next": next_url,
    }
    return render(request, "second_factor/recovery_codes.html", context)


def redirect_to_password_step(request: HttpRequest, admin_site: AdminSite) -> HttpResponse:
    login = reverse("admin:login", current_app=admin_site.name)
    return redirect(f"{login}?{urlencode({'next': _next_url(request, admin_site)})}")
