"""The registries the lookups ask: where they are (settings, so a mirror or a test's
stand-in can take their place), how fast they let us ask, and how their answers are judged.

The limits are the registries' own: Crossref's REST API documents 5 requests at once and
50 a second for its polite pool (the one a mailto joins); NCBI's E-utilities allow 3
requests a second, 10 with an API key; doi.org and Open Library publish none, so they get
a modest share.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from django.conf import settings

import outbound
from outbound import Fetched, HostLimit


@dataclass(frozen=True)
class Registry:
    name: str
    base: str
    limit: HostLimit

    def url(self, path: str = "") -> str:
        return self.base.rstrip("/") + "/" + path.lstrip("/") if path else self.base


def doi_org() -> Registry:
    return Registry("doi.org", settings.LOOKUP_DOI_URL, HostLimit(concurrent=5, per_second=20))


def crossref() -> Registry:
    return Registry(
        "Crossref", settings.LOOKUP_CROSSREF_URL, HostLimit(concurrent=5, per_second=50)
    )


def eutils() -> Registry:
    rate = 10 if settings.NCBI_API_KEY else 3
    return Registry(
        "PubMed", settings.LOOKUP_NCBI_EUTILS_URL, HostLimit(concurrent=3, per_second=rate)
    )


def idconv() -> Registry:
    return Registry(
        "the PMC ID Converter",
        settings.LOOKUP_NCBI_IDCONV_URL,
        HostLimit(concurrent=3, per_second=3),
    )


def openlibrary() -> Registry:
    return Registry(
        "Open Library", settings.LOOKUP_OPENLIBRARY_URL, HostLimit(concurrent=3, per_second=5)
    )


def all_registries() -> list[Registry]:
    return [doi_org(), crossref(), eutils(), idconv(), openlibrary()]


def client_config() -> outbound.Config:
    """The lookups' client: the registries' limits, by host and port; LOOKUP_TIMEOUT to
    connect and for each read, twice that for a whole request (a dripping server included)."""
    limits = {}
    for registry in all_registries():
        url = httpx.URL(registry.base)
        limits[outbound.client.host_key(url)] = registry.limit
    return outbound.config(
        "looks up the details of the works it recommends",
        connect_timeout=settings.LOOKUP_TIMEOUT,
        read_timeout=settings.LOOKUP_TIMEOUT,
        deadline=2 * settings.LOOKUP_TIMEOUT,
        host_limits=limits,
        default_limit=HostLimit(concurrent=2, per_second=2),
    )


def ncbi_params() -> dict[str, str]:
    """NCBI asks every tool to say its name and a contact address (and its key, if any)."""
    params = {"tool": "spm-resources"}
    if settings.CONTACT_EMAIL:
        params["email"] = settings.CONTACT_EMAIL
    if settings.NCBI_API_KEY:
        params["api_key"] = settings.NCBI_API_KEY
    return params


def crossref_params() -> dict[str, str]:
    """Crossref's polite pool: a mailto it can write to."""
    return {"mailto": settings.CONTACT_EMAIL} if settings.CONTACT_EMAIL else {}


class NotThere(Exception):
    """The registry answered, and has no such record. ``str()`` says so for staff."""


def judged(fetched: Fetched, source: str, missing: str) -> Fetched:
    """The answer if it is a success; NotThere for 404 and 410 (``missing`` says what);
    OutboundError for the rest."""
    if fetched.ok:
        return fetched
    if fetched.status in (404, 410):
        raise NotThere(missing)
    if fetched.status == 429:
        wait = outbound.retry_after(fetched.headers.get("retry-after"))
        raise outbound.Busy(fetched.url, 60 if wait is None else wait)
    raise outbound.Unreachable(
        f"{source} is not answering properly (HTTP {fetched.status}); try again later.",
        fetched.url,
    )
