from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.generic import TemplateView

from resources.sitemaps import SITEMAPS
from spm_site import views
from spm_site.http import read_only

admin.site.site_header = "SPM Resources"
admin.site.site_title = "SPM Resources admin"
admin.site.index_title = "Edit the Resources for Providers site"

handler500 = "spm_site.views.server_error"

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("sitemap.xml", read_only(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path(
        "robots.txt",
        read_only(
            TemplateView.as_view(
                template_name="robots.txt", content_type="text/plain; charset=utf-8"
            )
        ),
    ),
    path("", include("principles.urls")),
    path("", include("resources.urls")),
    path("", include("suggestions.urls")),
]
