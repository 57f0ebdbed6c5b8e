"""An embed in another site's page, as the Society's WordPress shows it: from an allowed
origin it loads, tells the host its height and opens links; from any other it is refused.

The site is served whole (page cache, WhiteNoise and every middleware, as gunicorn serves
it), since what a sandboxed frame may load depends on the headers of its static files. The
host pages come from a small server of their own, reached as another origin; their script
does what WordPress's wp-embed.js does with the messages (its own code, written here).
"""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import lxml.html
import pytest
from django.db import connections
from django.test.testcases import LiveServerThread
from playwright.sync_api import Browser, Page, expect

from spm_site.wsgi import application

HOST_SCRIPT = """
window.embedHeights = [];
window.embedLinks = [];
window.addEventListener("message", function (event) {
  var data = event.data;
  if (!data || typeof data.secret !== "string" || /[^a-zA-Z0-9]/.test(data.secret)) {
    return;
  }
  document.querySelectorAll("iframe[data-secret='" + data.secret + "']").forEach(function (frame) {
    if (frame.contentWindow !== event.source) {
      return;
    }
    document.querySelectorAll("blockquote[data-secret='" + data.secret + "']").forEach(
      function (quote) { quote.hidden = true; }
    );
    frame.classList.remove("waiting");
    if (data.message === "height") {
      var height = Math.min(1000, Math.max(200, parseInt(data.value, 10)));
      frame.height = height;
      window.embedHeights.push(height);
    } else if (data.message === "link") {
      window.embedLinks.push(data.value);
    }
  });
});
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("iframe").forEach(function (frame) {
    frame.addEventListener("load", function () { frame.dataset.loaded = "yes"; });
  });
});
"""

HOST_STYLE = """
body { margin: 0; font: 17px/1.6 Georgia, serif; color: #222; background: #f4f1ea; }
article { max-width: 640px; margin: 0 auto; padding: 24px 16px; background: #fff; }
iframe { display: block; width: 100%; max-width: 100%; border: 0; }
iframe.waiting { position: absolute; visibility: hidden; }
"""


def host_page(html: str) -> bytes:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Society blog post</title>
<link rel="stylesheet" href="/host.css"><script src="/host.js"></script></head>
<body><article><h1>Reading for your next clinic meeting</h1>
<p>The Society's list of resources for providers has a reading for every team.</p>
{html}
<p>Tell us what you think in the comments.</p></article></body></html>""".encode()


def as_discovered(html: str, secret: str) -> str:
    """What WordPress makes of the answer of a provider it found by discovery: the blockquote
    and frame only, its own secret added, the frame sandboxed with scripts alone and hidden
    until it speaks."""
    quote, frame = lxml.html.fragments_fromstring(html)
    for element in (quote, frame):
        element.set("data-secret", secret)
    frame.set("src", f"{frame.get('src')}#?secret={secret}")
    frame.set("sandbox", "allow-scripts")
    frame.set("class", "wp-embedded-content waiting")
    return "".join(lxml.html.tostring(e, encoding="unicode") for e in (quote, frame))


class HostPages:
    """A little web server for host pages, on its own port (so its own origin)."""

    def __init__(self) -> None:
        self.pages: dict[str, bytes] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                files = {"/host.js": ("text/javascript", HOST_SCRIPT.encode()),
                         "/host.css": ("text/css", HOST_STYLE.encode())}  # fmt: skip
                kind, body = files.get(self.path, ("text/html; charset=utf-8", b""))
                body = pages.get(self.path, body)
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def whole_site(transactional_db: None) -> Iterator[str]:
    """The WSGI application gunicorn serves, on a free port of 127.0.0.1."""
    shared = {
        c.alias: c
        for c in connections.all()
        if c.vendor == "sqlite" and c.is_in_memory_db()  # type: ignore[attr-defined]
    }
    # In place of the live server's handler (Django alone, static files apart): the whole.
    whole: Any = lambda _: application  # noqa: E731
    thread = LiveServerThread("127.0.0.1", whole, connections_override=shared)
    thread.daemon = True
    for connection in shared.values():
        connection.inc_thread_sharing()
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()
    for connection in shared.values():
        connection.dec_thread_sharing()


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any], whole_site: str) -> dict[str, Any]:
    """The browser's pages close before the site stops (their open connections first)."""
    return browser_context_args


@pytest.fixture
def hosts(whole_site: str, settings: Any) -> Iterator[HostPages]:
    """Host pages at http://localhost:<port>, the origin allowed to frame the embeds; the
    same pages at http://127.0.0.1:<port> are another origin, which is not."""
    pages = HostPages()
    settings.SITE_URL = whole_site
    settings.EMBED_ALLOWED_ORIGINS = [f"http://localhost:{pages.port}"]
    yield pages
    pages.close()


def oembed_html(page: Page, site: str, url: str) -> str:
    response = page.request.get(f"{site}/oembed", params={"url": url, "maxwidth": "640"})
    assert response.status == 200
    return response.json()["html"]


def loaded_frame(page: Page):
    frame = page.locator("iframe")
    expect(frame).to_have_attribute("data-loaded", "yes")
    return frame


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("mode", ["trusted", "discovered"])
def test_an_embed_on_an_allowed_host_sets_its_height_and_opens_links(
    page: Page, whole_site, hosts, seeded, mode, width
):
    page.set_viewport_size({"width": width, "height": 900})
    html = oembed_html(page, whole_site, f"{whole_site}/resources/opennotes/")
    hosts.pages["/post/"] = host_page(
        html if mode == "trusted" else as_discovered(html, "Host4Given")
    )

    page.goto(f"http://localhost:{hosts.port}/post/")

    frame = loaded_frame(page)
    inside = page.frame_locator("iframe")
    expect(inside.locator("h1")).to_have_text("OpenNotes")
    # The embed's own stylesheet applied, inside a sandboxed frame of opaque origin.
    assert inside.locator(".embed").evaluate("e => getComputedStyle(e).borderTopLeftRadius") == (
        "8px"
    )
    page.wait_for_function("window.embedHeights.length > 0")
    content = inside.locator("html").evaluate("e => Math.ceil(e.getBoundingClientRect().height)")
    expect(frame).to_have_attribute("height", str(min(1000, max(200, content))))
    expect(page.locator("blockquote")).to_be_hidden()
    expect(frame).to_be_visible()
    # The frame is as tall as its content: nothing cut off, no scroll bar inside.
    assert frame.bounding_box()["height"] >= content
    page.screenshot(path=f"/tmp/embed-{mode}-{width}.png", full_page=True)

    title = inside.get_by_role("link", name="OpenNotes", exact=True)
    if mode == "trusted":
        # Its sandbox lets it open a tab of its own, outside the sandbox.
        with page.context.expect_page() as opened:
            title.click()
        expect(opened.value).to_have_url(f"{whole_site}/resources/opennotes/")
        assert page.evaluate("window.embedLinks") == []
    else:
        # No new tab may open from WordPress's sandbox: the host is asked to follow it.
        title.click()
        page.wait_for_function("window.embedLinks.length > 0")
        assert page.evaluate("window.embedLinks") == [f"{whole_site}/resources/opennotes/"]
        assert len(page.context.pages) == 1


@pytest.mark.parametrize("width", [390, 1280])
def test_the_embedded_list_on_an_allowed_host(page: Page, whole_site, hosts, seeded, width):
    page.set_viewport_size({"width": width, "height": 900})
    hosts.pages["/list/"] = host_page(oembed_html(page, whole_site, f"{whole_site}/"))

    page.goto(f"http://localhost:{hosts.port}/list/")

    frame = loaded_frame(page)
    inside = page.frame_locator("iframe")
    expect(inside.locator("ol.embed__list > li")).to_have_count(3)
    page.wait_for_function("window.embedHeights.length > 0")
    content = inside.locator("html").evaluate("e => Math.ceil(e.getBoundingClientRect().height)")
    # Within the most WordPress gives a frame, even on a phone: nothing is cut off.
    assert content <= 1000
    expect(frame).to_have_attribute("height", str(max(200, content)))
    page.screenshot(path=f"/tmp/embed-list-{width}.png", full_page=True)

    # Narrower (a phone turned, a window resized): the frame says its new height.
    page.set_viewport_size({"width": 320, "height": 900})
    page.wait_for_function(
        "h => window.embedHeights.length > 1 && window.embedHeights.at(-1) > h", arg=content
    )
    taller = inside.locator("html").evaluate("e => Math.ceil(e.getBoundingClientRect().height)")
    expect(frame).to_have_attribute("height", str(min(1000, max(200, taller))))


@pytest.mark.parametrize("width", [390, 1280])
def test_an_embed_on_a_host_not_allowed_is_refused(page: Page, whole_site, hosts, seeded, width):
    page.set_viewport_size({"width": width, "height": 900})
    refusals: list[str] = []
    page.on("console", lambda message: refusals.append(message.text))
    html = oembed_html(page, whole_site, f"{whole_site}/resources/opennotes/")
    hosts.pages["/post/"] = host_page(html)

    page.goto(f"http://127.0.0.1:{hosts.port}/post/")

    loaded_frame(page)
    # The frame holds the browser's error page, not the embed, and never spoke.
    embed = page.frame_locator("iframe").locator("main.embed")
    expect(embed).to_have_count(0)
    assert not page.frames[1].url.startswith(whole_site)
    assert page.evaluate("window.embedHeights") == []
    expect(page.locator("blockquote")).to_be_visible()
    assert any(
        "frame-ancestors" in text and f"http://localhost:{hosts.port}" in text for text in refusals
    ), refusals
    page.screenshot(path=f"/tmp/embed-refused-{width}.png", full_page=True)


def test_the_site_itself_may_not_frame_its_ordinary_pages(
    browser: Browser, whole_site, hosts, seeded
):
    page = browser.new_page()
    hosts.pages["/page/"] = host_page(
        f'<iframe src="{whole_site}/resources/opennotes/" title="Page"></iframe>'
    )
    page.goto(f"http://localhost:{hosts.port}/page/")
    loaded_frame(page)
    expect(page.frame_locator("iframe").locator("main#main")).to_have_count(0)
    assert not page.frames[1].url.startswith(whole_site)
    page.close()
