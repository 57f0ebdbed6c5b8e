from django.urls import path

from spm_site.http import read_only

from . import views

app_name = "principles"

urlpatterns = [
    path("about/", read_only(views.AboutView.as_view()), name="about"),
]
