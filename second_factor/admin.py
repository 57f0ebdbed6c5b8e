from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import devices

# A device's own admin pages would show its secret; staff enrol themselves, and a superuser
# resets a lost device from the list of users.
for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "has_second_factor")
    actions = ["reset_second_factor"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        enrolled = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(enrolled=Exists(enrolled))

    @admin.display(boolean=True, description="Second factor", ordering="enrolled")
    def has_second_factor(self, user: User) -> bool:
        return user.enrolled  # type: ignore[attr-defined]

    def has_reset_second_factor_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    @admin.action(
        description="Reset the second factor (lost phone): enrol again at next sign-in",
        permissions=["reset_second_factor"],
    )
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        users = list(queryset)
        for user in users:
            devices.reset(user, by=request.user, how="admin action")  # type: ignore[arg-type]
        names = ", ".join(sorted(u.get_username() for u in users))
        self.message_user(
            request,
            f"Second factor reset for {names}: they set up an authenticator app again at "
            f"their next sign-in.",
            messages.SUCCESS,
        )
