"""The anchors, `<base href>` and API version of an HTML page, read with the stdlib parser.

A module of its own so that html.parser is imported with the first HTML page (simple_html.py):
a JSON index, PyPI's included, never sends one.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

from puffin.errors import IndexError_


class AnchorCollector(HTMLParser):
    """Keeps the attributes of every `<a>`, the first `<base href>` and the API version meta."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)  # attribute values arrive HTML-unescaped
        self.anchors: list[dict[str, str | None]] = []
        self.base_href: str | None = None
        self.api_version: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.anchors.append(dict(attrs))
        elif tag == "base" and self.base_href is None:
            self.base_href = dict(attrs).get("href") or None
        elif tag == "meta":
            values = dict(attrs)
            if values.get("name") == "pypi:repository-version":
                self.api_version = values.get("content")

    def base_url(self, page_url: str) -> str:
        # HTML: the first <base href> applies to every link, itself relative to the page.
        return urljoin(page_url, self.base_href) if self.base_href else page_url


def collect(text: str) -> AnchorCollector:
    collector = AnchorCollector()
    try:
        collector.feed(text)
        collector.close()
    except AssertionError as error:  # html.parser signals a few malformed constructs this way
        raise IndexError_(f"HTML page cannot be parsed: {error}") from None
    return collector
