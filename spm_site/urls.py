from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "SPM Resources"
admin.site.site_title = "SPM Resources admin"
admin.site.index_title = "Edit the Resources for Providers site"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("principles.urls")),
    path("", include("resources.urls")),
]
