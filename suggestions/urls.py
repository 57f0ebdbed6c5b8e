from django.urls import path

from . import views

app_name = "suggestions"

urlpatterns = [
    path("suggest/", views.suggest, name="suggest"),
    path("suggest/thanks/", views.thanks, name="thanks"),
    path("suggest/listed/<slug:slug>/", views.listed, name="listed"),
]
