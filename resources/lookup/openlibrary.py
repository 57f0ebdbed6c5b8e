"""ISBNs: Open Library's Books API (``/api/books?bibkeys=ISBN:…&jscmd=data&format=json``).

Open Library matches an ISBN loosely at times, so the record it returns must hold the ISBN
asked for (as ISBN-10 or ISBN-13) before it is believed.
"""

from __future__ import annotations

from typing import Any

from stdnum import isbn as stdnum_isbn

from outbound import Outbound

from ..identifiers import isbn13
from .records import Draft, clean_text, parts_from_text, split_name
from .registries import NotThere, judged, openlibrary

SOURCE = "Open Library"


def bibkeys(isbn: str) -> list[str]:
    keys = [f"ISBN:{isbn}"]
    if isbn.startswith("978"):
        keys.append(f"ISBN:{stdnum_isbn.compact(stdnum_isbn.to_isbn10(isbn))}")
    return keys


def lookup(client: Outbound, isbn: str) -> Draft:
    """The record of the book with ISBN-13 ``isbn``."""
    registry = openlibrary()
    keys = bibkeys(isbn)
    fetched = judged(
        client.get(
            registry.url("api/books"),
            params={"bibkeys": ",".join(keys), "jscmd": "data", "format": "json"},
        ),
        SOURCE,
        f"Open Library has no book with the ISBN {isbn}.",
    )
    answer = fetched.json()
    if not isinstance(answer, dict):
        raise NotThere(f"Open Library has no book with the ISBN {isbn}.")
    for key in keys:
        book = answer.get(key)
        if isinstance(book, dict):
            if isbn not in isbns_of(book):
                raise NotThere(
                    f"Open Library answered with another book for the ISBN {isbn} "
                    f"(\u201c{book.get('title', '')}\u201d): fill in the details by hand."
                )
            return from_book(book, isbn)
    raise NotThere(f"Open Library has no book with the ISBN {isbn}.")


def isbns_of(book: dict[str, Any]) -> set[str]:
    identifiers = book.get("identifiers") or {}
    found = set()
    for value in [*identifiers.get("isbn_13", []), *identifiers.get("isbn_10", [])]:
        if stdnum_isbn.is_valid(str(value)):
            found.add(isbn13(str(value)))
    return found


def from_book(book: dict[str, Any], isbn: str) -> Draft:
    draft = Draft()
    draft.put("type", "book", SOURCE)
    title = str(book.get("title") or "")
    subtitle = str(book.get("subtitle") or "")
    draft.title(f"{title}: {subtitle}" if title and subtitle else title, SOURCE)
    draft.names(
        "author",
        [
            split_name(str(a.get("name", "")))
            for a in book.get("authors") or []
            if isinstance(a, dict)
        ],
        SOURCE,
    )
    draft.issued(parts_from_text(str(book.get("publish_date") or "")), SOURCE)
    publishers = [p.get("name", "") for p in book.get("publishers") or [] if isinstance(p, dict)]
    draft.put("publisher", clean_text(publishers[0]) if publishers else "", SOURCE)
    places = [p.get("name", "") for p in book.get("publish_places") or [] if isinstance(p, dict)]
    draft.put("publisher-place", places[0] if places else "", SOURCE)
    draft.put("number-of-pages", str(book.get("number_of_pages") or ""), SOURCE)
    draft.put("ISBN", isbn, SOURCE)
    draft.put("URL", str(book.get("url") or ""), SOURCE)
    subjects = [s.get("name", "") for s in book.get("subjects") or [] if isinstance(s, dict)]
    draft.put("subject", [s for s in subjects if s][:12], SOURCE)
    return draft
