"""Fetching one project page from one index, through the `simple-v1` HTTP cache."""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from puffin.cache.cache import Cache, CacheBucket, index_key
from puffin.client.cache_policy import (
    Freshness,
    after_not_modified,
    conditional_headers,
    freshness,
    policy_from_headers,
)
from puffin.client.page_cache import (
    JSON_CONTENT_TYPES,
    CachedPage,
    page_without_credentials,
    parse_body,
    read_cached_page,
    read_cached_policy,
    write_cached_page,
)
from puffin.client.session import Session, offline_error
from puffin.client.urls import file_url_to_path, is_file_url, redact_url
from puffin.errors import IndexError_
from puffin.names import PackageName
from puffin.pypi_types.file_record import FileRecord
from puffin.pypi_types.page_records import PageRecords
from puffin.pypi_types.simple_html import parse_project_html

if TYPE_CHECKING:
    from puffin.cache.write_behind import WriteBehind
    from puffin.client.lean_http import HttpAnswer

JSON_AND_HTML_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.01"
)
HTML_CONTENT_TYPES = frozenset(
    {"application/vnd.pypi.simple.v1+html", "text/html", "application/xhtml+xml"}
)
logger = logging.getLogger("puffin.client")

NOT_FOUND = frozenset({404, 410})  # an index without the project: the next one is asked


async def index_page(
    session: Session,
    cache: Cache,
    index_url: str,
    name: PackageName,
    *,
    writes: WriteBehind,
    force_revalidate: bool = False,
) -> Sequence[FileRecord] | None:
    """The file records of `<index_url>/<name>/`, or None when that index lacks the project.

    A fresh cache entry answers without a request; a stale one is revalidated (a 304 only
    renews its expiry); under --offline any entry is used, whatever its age. `index_url`
    has no trailing slash and no credentials. Entries are stored by `writes`, the run's
    cache-writer thread.
    """
    if is_file_url(index_url):
        return await asyncio.to_thread(local_index_page, index_url, name)
    path = cache.bucket(CacheBucket.SIMPLE) / index_key(index_url) / f"{name}.page"
    cached = read_cached_page(path) if _worth_reading(session, path, force_revalidate) else None
    if cached is not None and (
        session.offline
        or freshness(cached.policy, time.time(), force_revalidate=force_revalidate)
        is Freshness.FRESH
    ):
        records = _cached_records(cached, path)
        if records is not UNREADABLE:
            return records
        cached = None
    if session.offline:
        raise offline_error(name)

    from puffin.client.attempts import raise_for_status

    url = f"{index_url}/{name}/"
    headers = {"Accept": JSON_AND_HTML_ACCEPT}
    if cached is not None:
        headers.update(conditional_headers(cached.policy))
    response = await session.get(url, headers=headers)
    now = time.time()
    if response.status == 304 and cached is not None:
        records = _cached_records(cached, path)
        if records is not UNREADABLE:
            renewed = after_not_modified(cached.policy, response.headers, now)
            writes.submit(write_cached_page, path, dataclasses.replace(cached, policy=renewed))
            return records
        response = await session.get(url, headers={"Accept": JSON_AND_HTML_ACCEPT})
    page_url = response.url
    policy = policy_from_headers(response.headers, now)
    if response.status in NOT_FOUND:
        # Cached too, so --offline knows to ask the next index.
        if policy is not None:
            writes.submit(write_cached_page, path, CachedPage(page_url, policy, "", None))
        return None
    raise_for_status(response, url)
    content_type = page_content_type(response, page_url)
    served = parse_body(response.content, content_type, page_url)
    records = _without_credentials(session, served, response.content)
    if policy is not None:
        if records is served:
            page = CachedPage(page_url, policy, content_type, response.content)
        else:
            page = page_without_credentials(page_url, policy, records)
        # Off the event loop, on one thread (file creation is a syscall that releases the
        # GIL): asyncio.to_thread's thread spawns and hand-offs cost the loop ~10% of a cold
        # jupyter.in resolve (py-spy).
        writes.submit(write_cached_page, path, page)
    return records


def _worth_reading(session: Session, path: Path, force_revalidate: bool) -> bool:
    """Whether the entry's body can serve this run: fresh, --offline, or stale with a
    validator for a conditional request. A stale entry without one (an index that sends no
    ETag or Last-Modified) would be read only to be replaced: ~13 MB of bodies per warm
    jupyter.in resolve. Its header line alone tells."""
    policy = read_cached_policy(path)
    if policy is None:
        return False
    if session.offline or conditional_headers(policy):
        return True
    return freshness(policy, time.time(), force_revalidate=force_revalidate) is Freshness.FRESH


def _without_credentials(
    session: Session, served: Sequence[FileRecord], body: bytes
) -> Sequence[FileRecord]:
    """`served` itself when no file URL can spell credentials (told from the page's bytes or
    raw entries, so a lazy page stays unparsed); else the records with them taken out."""
    if b"@" not in body:  # one C scan instead of looking at 30,000 entries' URLs
        return served
    if isinstance(served, PageRecords):
        if not served.urls_contain("@"):
            return served
    elif not any(isinstance(record.url, str) and "@" in record.url for record in served):
        return served
    return session.strip_credentials(tuple(served))


class _Unreadable(enum.Enum):
    ENTRY = "unreadable"


UNREADABLE = _Unreadable.ENTRY


def _cached_records(cached: CachedPage, path: Path) -> Sequence[FileRecord] | _Unreadable | None:
    """The entry's records; UNREADABLE when its body no longer parses (edited or damaged on
    disk: bodies are only stored after they parsed once), so the page is fetched again."""
    try:
        return cached.records()
    except IndexError_ as error:
        logger.debug("Ignoring the cache entry %s: %s", path, error)
        return UNREADABLE


def local_index_page(index_url: str, name: PackageName) -> Sequence[FileRecord] | None:
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


def page_content_type(response: HttpAnswer, page_url: str) -> str:
    """The page's media type, when it is one we parse (PEP 691); an absent type is HTML,
    what a bare static file server sends for an index.html.

    Any other type is an error: read as HTML, a JSON document, an error page or a binary
    holds no links, and the user would be told the project does not exist.
    """
    content_type: str = response.headers.get("content-type", "").partition(";")[0].strip().lower()
    if content_type in JSON_CONTENT_TYPES or content_type in HTML_CONTENT_TYPES:
        return content_type
    if not content_type:
        return "text/html"
    raise IndexError_(
        f"Index page {redact_url(page_url)} has Content-Type {content_type!r};"
        " expected an HTML or JSON simple index page"
    )
