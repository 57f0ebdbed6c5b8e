from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class SecondFactorConfig(AppConfig):
    """Staff sign in with a password, then a code from an authenticator app or a recovery
    code (django-otp); nothing of the admin opens before both."""

    default = True
    name = "second_factor"
    verbose_name = "Second factor"


class StaffAdminConfig(admin_apps.AdminConfig):
    """Django's admin, served by the site that asks for the second factor."""

    default = False
    default_site = "second_factor.sites.StaffAdminSite"
