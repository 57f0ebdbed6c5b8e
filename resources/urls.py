from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "resources"

urlpatterns = [
    path("", views.ResourceListView.as_view(), name="list"),
    path("resources/", RedirectView.as_view(pattern_name="resources:list", permanent=True)),
    path("resources/<slug:slug>/", views.ResourceDetailView.as_view(), name="detail"),
]
