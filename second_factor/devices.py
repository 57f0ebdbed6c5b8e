"""A staff member's second factor: the authenticator app (TOTP) and ten recovery codes."""

import logging
from base64 import b32encode

import django_otp
import segno
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import User
from django.db import transaction
from django.utils.safestring import SafeString, mark_safe
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

log = logging.getLogger(__name__)

RECOVERY_CODES = 10


def is_enrolled(user: User) -> bool:
    """Whether ``user`` has confirmed an authenticator app."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_app(user: User) -> TOTPDevice:
    """The authenticator app being set up: the same secret until a code confirms it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").last()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The secret as an app asks for it when typed in: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> SafeString:
    """The app's set-up link as an inline SVG QR code (never cached: it holds the secret)."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5,
        border=4,
        dark="#000",
        light="#fff",
        title="QR code to scan with an authenticator app",
        svgclass="qr",
        lineclass=None,
        omitsize=True,
    )
    return mark_safe(svg)  # segno writes only paths; the title is escaped


def normalise(code: str) -> str:
    """What people type, as the devices store it: no spaces or dashes, lower case."""
    return "".join(code.split()).replace("-", "").lower()


def confirm_app(device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the app with its first code; returns fresh recovery codes, or None if wrong."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not device.verify_token(normalise(code)):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = new_recovery_codes(device.user)
    log.info("Second factor: %s enrolled an authenticator app.", device.user.get_username())
    return codes


def new_recovery_codes(user: User) -> list[str]:
    """Ten new one-time recovery codes for ``user``; any earlier ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes")
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def check_code(user: User, code: str) -> Device | None:
    """The confirmed device (app or recovery codes) that accepts ``code``, if any.

    A recovery code is deleted as it is accepted, so it never works twice.
    """
    code = normalise(code)
    if not code:
        return None
    for device in list(django_otp.devices_for_user(user)):
        verified = django_otp.verify_token(user, device.persistent_id, code)
        if verified is not None:
            return verified
    return None


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def reset(user: User, *, by: User | None, how: str) -> int:
    """Delete ``user``'s second factor, so they enrol again at their next sign-in.

    Logged, and recorded in the user's history in the admin; ``by`` is the superuser who
    asked (None for an operator on the server). Returns how many devices were deleted.
    """
    with transaction.atomic():
        deleted = sum(
            model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
            for model in (TOTPDevice, StaticDevice)
        )
        who = by.get_username() if by is not None else "an operator on the server"
        message = f"Reset the second factor ({how}, by {who}): enrols again at next sign-in."
        LogEntry.objects.log_actions(
            user_id=(by or user).pk,
            queryset=[user],
            action_flag=CHANGE,
            change_message=message,
            single_object=True,
        )
    log.warning(
        "Second factor: reset for %s by %s (%s); %d device(s) deleted.",
        user.get_username(),
        who,
        how,
        deleted,
    )
    return deleted
