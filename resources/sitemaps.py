"""sitemap.xml: the public pages and every published resource, with addresses from SITE_URL."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max, QuerySet
from django.urls import reverse

from .models import Resource


class PublicSitemap(Sitemap):
    """Addresses start with SITE_URL, whatever Host the request came with."""

    def get_protocol(self, protocol: str | None = None) -> str:
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site: Any = None) -> str:
        return urlsplit(settings.SITE_URL).netloc


class ResourceSitemap(PublicSitemap):
    def items(self) -> QuerySet[Resource]:
        return Resource.objects.published().in_list_order()

    def lastmod(self, item: Resource) -> datetime:
        return item.updated_at


class PageSitemap(PublicSitemap):
    def items(self) -> list[str]:
        return ["resources:list", "principles:about", "resources:handout"]

    def location(self, item: str) -> str:
        return reverse(item)

    def lastmod(self, item: str) -> datetime | None:
        if item == "principles:about":
            return None
        return Resource.objects.listed().aggregate(latest=Max("updated_at"))["latest"]


SITEMAPS = {"pages": PageSitemap, "resources": ResourceSitemap}
