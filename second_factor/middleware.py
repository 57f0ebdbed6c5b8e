from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject


class SecondFactorMiddleware:
    """After django-otp's middleware: a session that has passed the password but not the
    second step counts as signed out everywhere (no admin page, no draft, no permission).

    The second step's own pages find that half-signed-in user as ``request.password_user``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        password_user = request.user
        request.password_user = password_user  # type: ignore[attr-defined]
        request.user = SimpleLazyObject(lambda: _verified_or_anonymous(password_user))  # type: ignore[assignment]
        return self.get_response(request)


def _verified_or_anonymous(user) -> object:
    if user.is_authenticated and user.is_verified():
        return user
    anonymous = AnonymousUser()
    anonymous.otp_device = None  # type: ignore[attr-defined]
    anonymous.is_verified = lambda: False  # type: ignore[attr-defined]
    return anonymous
