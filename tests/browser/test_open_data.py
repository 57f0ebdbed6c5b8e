"""Another site's script reads the data in Chromium, and cannot read the HTML pages."""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page

ARTICLE = "/resources/transforming-health-care-delivery/"
VANCOUVER = (
    "Sands DZ, Wald JS. Transforming health care delivery through consumer engagement, "
    "health data transparency, and patient-generated health information. Yearb Med Inform. "
    "2014 Aug 15;9(1):170\u20136. doi:10.15265/IY-2014-0017 PubMed PMID: 25123739.\n"
)

# What another site's page runs: the answer's text, or the error the browser gives its script.
READ = """async ([url, headers]) => {
  try {
    const response = await fetch(url, {headers: headers});
    return {status: response.status, type: response.headers.get("Content-Type"),
            text: await response.text()};
  } catch (error) {
    return {error: error.name};
  }
}"""


class Elsewhere(BaseHTTPRequestHandler):
    """Another site: one page, on another origin than the live server's."""

    def do_GET(self) -> None:
        body = b"<!doctype html><html lang=en><title>Another site</title><p>Elsewhere</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def elsewhere() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_another_sites_script_reads_the_data_but_not_the_pages(
    page: Page, live_server, seeded, elsewhere
):
    assert not elsewhere.startswith(live_server.url)  # another origin, truly
    page.goto(elsewhere)
    assert page.title() == "Another site"

    def read(path: str, accept: str | None = None, **headers: str) -> dict:
        if accept is not None:
            headers["Accept"] = accept
        return page.evaluate(READ, [f"{live_server.url}{path}", headers])

    cited = read(ARTICLE, "text/x-bibliography; style=vancouver")
    assert cited == {"status": 200, "type": "text/x-bibliography; charset=utf-8", "text": VANCOUVER}
    assert read(ARTICLE, "application/x-research-info-systems")["text"].startswith("TY  - JOUR")
    assert read("/resources/?q=diagnosis&format=ris")["text"].startswith("TY  - ")
    assert read("/feeds/resources.atom")["type"] == "application/atom+xml; charset=utf-8"
    assert "406 Not Acceptable" in read(ARTICLE, "application/pdf")["text"]

    # The pages stay the site's own: the browser refuses them to the script.
    assert read(ARTICLE) == {"error": "TypeError"}
    assert read(ARTICLE, "text/html") == {"error": "TypeError"}
    assert read("/resources/?q=diagnosis") == {"error": "TypeError"}
    # A GET with only an Accept header is a simple request, sent without a preflight (the
    # site answers OPTIONS with 405): one with a header of its own is asked about first,
    # and refused.
    assert read(ARTICLE, "application/x-bibtex", **{"X-Requested-With": "x"}) == {
        "error": "TypeError"
    }
