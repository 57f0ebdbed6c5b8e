"""Atom feeds of the list: every resource, newest first, and the resources on one topic."""

from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from taggit.models import Tag

from spm_site.public_urls import DEFAULT_DESCRIPTION, DEFAULT_TITLE, absolute_url

from .models import Resource

FEED_SIZE = 50


class LatestResourcesFeed(Feed):
    """Every published resource, the most recently added first."""

    feed_type = Atom1Feed
    title = DEFAULT_TITLE
    subtitle = DEFAULT_DESCRIPTION
    author_name = "Society for Participatory Medicine"
    author_link = "https://participatorymedicine.org/"

    def link(self) -> str:
        return absolute_url(reverse("resources:list"))

    def feed_url(self) -> str:
        return absolute_url(reverse("resources:feed"))

    def resources(self) -> QuerySet[Resource]:
        return Resource.objects.listed().with_list_details().order_by("-created_at", "-pk")

    def items(self) -> QuerySet[Resource]:
        return self.resources()[:FEED_SIZE]

    def item_title(self, item: Resource) -> str:
        return item.title

    def item_description(self, item: Resource) -> str:
        return item.summary

    def item_link(self, item: Resource) -> str:
        return absolute_url(item.get_absolute_url())

    def item_author_name(self, item: Resource) -> str:
        return item.byline

    def item_pubdate(self, item: Resource) -> datetime:
        return item.created_at

    def item_updateddate(self, item: Resource) -> datetime:
        return item.updated_at

    def item_categories(self, item: Resource) -> list[str]:
        return item.tag_names


class TagFeed(LatestResourcesFeed):
    """The published resources on one topic, the most recently added first."""

    def get_object(self, request: HttpRequest, tag: str) -> Tag:
        return get_object_or_404(Tag, slug=tag)

    def title(self, tag: Tag) -> str:  # type: ignore[override]
        return f"{DEFAULT_TITLE}: {tag.name}"

    def subtitle(self, tag: Tag) -> str:  # type: ignore[override]
        return f"Resources on {tag.name} that the Society for Participatory Medicine recommends."

    def feed_url(self, tag: Tag) -> str:  # type: ignore[override]
        return absolute_url(reverse("resources:tag-feed", kwargs={"tag": tag.slug}))

    def items(self, tag: Tag) -> QuerySet[Resource]:  # type: ignore[override]
        return self.resources().filter(tags=tag)[:FEED_SIZE]
