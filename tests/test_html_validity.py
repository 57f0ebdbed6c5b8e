"""Every public page is valid HTML by the current Nu HTML checker (the W3C validator's engine)."""

from pathlib import Path

from django.db import OperationalError
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.views.defaults import server_error

from spm_site.views import server_error as site_server_error

from .conftest import PublicPage, nu_errors

# Routes that answer with something other than an HTML page.
NOT_HTML = {
    "resources:card",
    "resources:citation",
    "resources:citations",
    "resources:short",
    "resources:feed",
    "resources:oembed",  # JSON
    "resources:tag-feed",
    "sitemap",
    "robots.txt",
    "healthz",  # plain text, for load balancers
    "readyz",  # JSON, for monitoring
}


def route_names(resolver: URLResolver, namespace: str = "") -> set[str]:
    """The name of every public route (the admin is checked on its own)."""
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name != "admin":
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                names |= route_names(pattern, inner)
        elif isinstance(pattern, URLPattern):
            names.add(f"{namespace}{pattern.name}" if pattern.name else str(pattern.pattern))
    return names


def error_pages() -> dict[str, bytes]:
    """The error pages no ordinary link reaches, rendered as the site would send them."""
    bad_host = Client().get("/", headers={"host": "attacker.example"})
    forged = Client(enforce_csrf_checks=True).post("/admin/login/", {"username": "x"})
    crashed = server_error(RequestFactory().get("/"))
    assert (bad_host.status_code, forged.status_code, crashed.status_code) == (400, 403, 500)
    pages = {"400": bad_host.content, "403 CSRF": forged.content, "500": crashed.content}
    for name, path in (("503", "/resources/"), ("503 admin", "/admin/resources/resource/")):
        try:
            raise OperationalError("database is locked")
        except OperationalError:  # the database away, as the site's 500 handler sees it
            unavailable = site_server_error(RequestFactory().get(path))
        assert unavailable.status_code == 503
        pages[name] = unavailable.content
    return pages


def test_every_public_page_is_valid_html(
    client: Client, public_pages: list[PublicPage], nu_checker: list[str], tmp_path: Path
):
    sources: dict[str, str] = {}
    for number, public in enumerate(public_pages):
        response = client.generic(public.method, public.path)
        assert response.status_code == public.status, public
        assert response["Content-Type"].startswith("text/html"), public
        name = f"{number:03d}.html"
        (tmp_path / name).write_bytes(response.content)
        sources[name] = f"{public.method} {public.path}"
    for status, content in error_pages().items():
        name = f"error-{status.replace(' ', '-')}.html"
        (tmp_path / name).write_bytes(content)
        sources[name] = f"the {status} page"

    errors = nu_errors(nu_checker, tmp_path, sources)
    assert not errors, "\n".join(errors)


def test_every_html_route_is_among_the_checked_pages(public_pages: list[PublicPage]):
    """A page added to the site must join public_pages, and so the axe and HTML checks."""
    checked = {
        resolve(public.path.split("?")[0]).view_name
        for public in public_pages
        if public.status != 404
    }
    unchecked = route_names(get_resolver()) - NOT_HTML - checked
    assert unchecked == set()
