"""Fetching one project page from one index, through the `simple-v0` HTTP cache."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import TYPE_CHECKING

from puffin.cache.cache import Cache, CacheBucket, index_key
from puffin.client.cache_policy import (
    Freshness,
    after_not_modified,
    conditional_headers,
    freshness,
    policy_from_headers,
)
from puffin.client.page_cache import cached_page_from_records, read_cached_page, write_cached_page
from puffin.client.session import Session, offline_error
from puffin.client.urls import file_url_to_path, is_file_url, redact_url
from puffin.errors import IndexError_
from puffin.names import PackageName
from puffin.pypi_types.file_record import FileRecord
from puffin.pypi_types.simple_html import parse_project_html
from puffin.pypi_types.simple_json import parse_project_json

if TYPE_CHECKING:
    import httpx

JSON_AND_HTML_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.01"
)
JSON_CONTENT_TYPES = frozenset({"application/vnd.pypi.simple.v1+json", "application/json"})
HTML_CONTENT_TYPES = frozenset(
    {"application/vnd.pypi.simple.v1+html", "text/html", "application/xhtml+xml"}
)
NOT_FOUND = frozenset({404, 410})  # an index without the project: the next one is asked


async def index_page(
    session: Session,
    cache: Cache,
    index_url: str,
    name: PackageName,
    *,
    force_revalidate: bool = False,
) -> tuple[FileRecord, ...] | None:
    """The file records of `<index_url>/<name>/`, or None when that index lacks the project.

    A fresh cache entry answers without a request; a stale one is revalidated (a 304 only
    renews its expiry); under --offline any entry is used, whatever its age. `index_url`
    has no trailing slash and no credentials.
    """
    if is_file_url(index_url):
        return await asyncio.to_thread(local_index_page, index_url, name)
    path = cache.bucket(CacheBucket.SIMPLE) / index_key(index_url) / f"{name}.json"
    cached = read_cached_page(path)
    if cached is not None and (
        session.offline
        or freshness(cached.policy, time.time(), force_revalidate=force_revalidate)
        is Freshness.FRESH
    ):
        return cached.records()
    if session.offline:
        raise offline_error(name)

    from puffin.client.http import raise_for_status

    url = f"{index_url}/{name}/"
    headers = {"Accept": JSON_AND_HTML_ACCEPT}
    if cached is not None:
        headers.update(conditional_headers(cached.policy))
    response = await session.get(url, headers=headers)
    now = time.time()
    if response.status_code == 304 and cached is not None:
        renewed = after_not_modified(cached.policy, response.headers, now)
        write_cached_page(path, dataclasses.replace(cached, policy=renewed))
        return cached.records()
    page_url = str(response.url)
    if response.status_code in NOT_FOUND:
        records = None  # cached too, so --offline knows to ask the next index
    else:
        raise_for_status(response, url)
        records = session.strip_credentials(parse_page(response, page_url))
    policy = policy_from_headers(response.headers, now)
    if policy is not None:
        write_cached_page(path, cached_page_from_records(page_url, policy, records))
    return records


def local_index_page(index_url: str, name: PackageName) -> tuple[FileRecord, ...] | None:
    """A `file://` index: `<dir>/<name>/index.html` (what pip reads); never cached, it is local.

    Blocking: run it in a thread.
    """
    page_url = f"{index_url}/{name}/"
    try:
        text = (file_url_to_path(page_url) / "index.html").read_text("utf-8", errors="replace")
    except FileNotFoundError:
        return None
    except OSError as error:
        raise IndexError_(f"Cannot read index page {page_url}: {error.strerror}") from None
    return parse_project_html(text, page_url).files


def parse_page(response: httpx.Response, page_url: str) -> tuple[FileRecord, ...]:
    """Parse by the Content-Type the server answered with (PEP 691).

    Any other type is an error: read as HTML, a JSON document, an error page or a binary
    holds no links, and the user would be told the project does not exist.
    """
    content_type = response.headers.get("content-type", "").partition(";")[0].strip().lower()
    if content_type in JSON_CONTENT_TYPES:
        return parse_project_json(response.content, page_url).files
    # An absent type is HTML: what a bare static file server sends for an index.html.
    if content_type in HTML_CONTENT_TYPES or not content_type:
        return parse_project_html(response.text, page_url).files
    raise IndexError_(
        f"Index page {redact_url(page_url)} has Content-Type {content_type!r};"
        " expected an HTML or JSON simple index page"
    )
