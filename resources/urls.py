from django.urls import path, re_path

from spm_site.http import embeddable, open_data, read_only

from . import feeds, views

app_name = "resources"

urlpatterns = [
    path("", read_only(views.ResourceListView.as_view()), name="list"),
    path("resources/", open_data(read_only(views.catalogue)), name="catalogue"),
    path("resources/tags/<slug:tag>/", open_data(read_only(views.catalogue)), name="tag"),
    path(
        "resources/<slug:slug>/",
        open_data(read_only(views.ResourceDetailView.as_view())),
        name="detail",
    ),
    path("resources/<slug:slug>/card.png", read_only(views.share_card), name="card"),
    re_path(
        r"^resources/(?P<slug>[-a-zA-Z0-9_]+)/citation\.(?P<extension>[a-z]+)$",
        open_data(read_only(views.citation_download)),
        name="citation",
    ),
    re_path(
        r"^resources/citations\.(?P<extension>[a-z]+)$",
        open_data(read_only(views.citation_download)),
        name="citations",
    ),
    # At most 18 digits: no resource has a longer number.
    re_path(r"^r/(?P<number>[0-9]{1,18})/$", open_data(read_only(views.short_link)), name="short"),
    path("handout/", read_only(views.handout), name="handout"),
    path("feeds/resources.atom", open_data(read_only(feeds.LatestResourcesFeed())), name="feed"),
    path("feeds/tags/<slug:tag>.atom", open_data(read_only(feeds.TagFeed())), name="tag-feed"),
    path("oembed", open_data(read_only(views.oembed)), name="oembed"),
    path("embed/", read_only(embeddable(views.embed_list)), name="embed-list"),
    path(
        "embed/resources/<slug:slug>/",
        read_only(embeddable(views.embed_resource)),
        name="embed",
    ),
]
