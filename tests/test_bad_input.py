"""Whatever a visitor, a crawler or an attacker sends, the answer is a clear page, never a 500."""

import lxml.html
import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PUBLIC = [
    "/",
    "/about/",
    "/handout/",
    "/resources/",
    "/resources/opennotes/",
    "/resources/opennotes/card.png",
    "/resources/opennotes/citation.ris",
    "/resources/citations.bib",
    "/feeds/resources.atom",
    "/feeds/tags/research.atom",
    "/sitemap.xml",
    "/robots.txt",
    "/embed/",
    "/embed/resources/opennotes/",
    "/oembed?url=http%3A%2F%2F127.0.0.1%3A8000%2F",
]
INTERNALS = ["Traceback", "django.", "SECRET_KEY", "DATABASES", 'File "', "/work/", "site-packages"]


def main_text(response) -> str:
    return " ".join(lxml.html.fromstring(response.content.decode()).xpath("string(//main)").split())


def shows_no_internals(response) -> None:
    body = response.content.decode(errors="replace")
    for secret in INTERNALS:
        assert secret not in body, secret


@pytest.mark.parametrize("path", PUBLIC)
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_public_pages_answer_get_and_head_only(client, seeded, path, method):
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert main_text(response).startswith("That kind of request is not accepted here")
    # A browser reads no more of the body than Content-Length says.
    assert int(response["Content-Length"]) == len(response.content)
    shows_no_internals(response)


@pytest.mark.parametrize("path", PUBLIC)
def test_head_answers_like_get_without_a_body(client, seeded, path):
    get = client.get(path)
    head = client.head(path)
    assert head.status_code == get.status_code
    assert head.content == b""


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/resources/no-such-resource/", 404),
        ("/resources/%E0%A4%A/", 404),  # malformed percent-encoding
        ("/resources/%FF%FE%FD/", 404),  # not UTF-8
        ("/resources/%00/", 404),  # NUL
        ("/resources/op%00ennotes/", 404),
        ("/" + "a" * 5000 + "/", 404),  # a 5 KB path
        ("/resources/opennotes/citation.%FF", 404),
        ("/feeds/tags/%00.atom", 404),
        ("/r/%2e%2e/", 404),
        ("/sitemap.xml?p=abc", 404),
        ("/sitemap.xml?p=99", 404),
    ],
)
def test_malformed_addresses_get_a_clear_4xx(client, seeded, path, status):
    response = client.get(path)
    assert response.status_code == status
    shows_no_internals(response)


def test_a_5_kb_query_string_and_too_many_parameters_are_harmless(client, seeded):
    assert client.get("/?q=" + "x" * 5000).status_code == 200
    many = "&".join(f"p{i}=1" for i in range(3000))
    response = client.get(f"/resources/opennotes/?{many}")
    assert response.status_code == 200  # a page that reads no parameter ignores them
    shows_no_internals(response)
    search = client.get(f"/resources/?{many}")
    assert search.status_code == 400  # the catalogue reads them, and says it cannot
    shows_no_internals(search)


def test_a_bogus_host_gets_a_400_page(client, db):
    response = client.get("/", headers={"host": "attacker.example:99999"})
    assert response.status_code == 400
    assert main_text(response).startswith("That request could not be understood")
    shows_no_internals(response)


def test_error_pages_show_no_internals(client, seeded, settings):
    from django.test import RequestFactory
    from django.views.defaults import server_error

    shows_no_internals(server_error(RequestFactory().get("/")))
    shows_no_internals(client.get("/nope/"))
    shows_no_internals(client.post("/"))


# A fuzz over paths, methods and parameters, through the whole stack.

segments = st.one_of(
    st.sampled_from(["resources", "r", "feeds", "tags", "admin", "opennotes", "card.png",
                     "citation.ris", "citations.bib", "handout", "about", "..", "%00", "%ff",
                     "%2F", "999999999999999999999", "-1", "0"]),
    st.text(min_size=0, max_size=40),
)  # fmt: skip
paths = st.lists(segments, min_size=0, max_size=5).map(
    # One leading slash: the test client would read "//x" as a host, not a path.
    lambda parts: "/" + "/".join(parts).lstrip("/") + ("/" if parts else "")
)
parameters = st.dictionaries(st.text(min_size=1, max_size=12), st.text(max_size=60), max_size=6)
methods = st.sampled_from(["get", "head", "post", "put", "delete", "options", "patch"])


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(path=paths, method=methods, params=parameters)
def test_fuzzed_requests_never_get_a_500(seeded, path, method, params):
    # A fault in the site comes back as a 500 response, not as an exception in the test.
    client = Client(raise_request_exception=False)
    try:
        response = getattr(client, method)(path, params if method == "get" else params or None)
    except (UnicodeEncodeError, ValueError):
        return  # the test client itself cannot build this request: no server would see it
    assert response.status_code < 500, (method, path, params)
