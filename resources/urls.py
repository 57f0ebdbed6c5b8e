from django.urls import path, re_path
from django.views.generic import RedirectView

from . import feeds, views

app_name = "resources"

urlpatterns = [
    path("", views.ResourceListView.as_view(), name="list"),
    path("resources/", RedirectView.as_view(pattern_name="resources:list", permanent=True)),
    path("resources/<slug:slug>/", views.ResourceDetailView.as_view(), name="detail"),
    path("resources/<slug:slug>/card.png", views.share_card, name="card"),
    re_path(
        r"^resources/(?P<slug>[-a-zA-Z0-9_]+)/citation\.(?P<extension>[a-z]+)$",
        views.citation_download,
        name="citation",
    ),
    re_path(
        r"^resources/citations\.(?P<extension>[a-z]+)$", views.citation_download, name="citations"
    ),
    # At most 18 digits: no resource has a longer number.
    re_path(r"^r/(?P<number>[0-9]{1,18})/$", views.short_link, name="short"),
    path("handout/", views.handout, name="handout"),
    path("feeds/resources.atom", feeds.LatestResourcesFeed(), name="feed"),
    path("feeds/tags/<slug:tag>.atom", feeds.TagFeed(), name="tag-feed"),
]
