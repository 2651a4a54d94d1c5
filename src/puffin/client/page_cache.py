"""Index pages in `simple-v1`: the page as served plus the HTTP policy that keeps it fresh."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from puffin.client.cache_policy import CachePolicy
from puffin.fs import atomic_write_bytes
from puffin.pypi_types.file_record import FileRecord
from puffin.pypi_types.json_page_scan import scan_json_page
from puffin.pypi_types.page_records import PageRecords
from puffin.pypi_types.simple_html import parse_project_html
from puffin.pypi_types.simple_json import parse_file, project_document

logger = logging.getLogger("puffin.client")

# Content types of a cache entry's body besides the served ones: records puffin re-encoded
# (a page whose file URLs carried credentials, which must not reach the disk).
RECORDS_TYPE = "application/x-puffin-records+json"
JSON_CONTENT_TYPES = frozenset({"application/vnd.pypi.simple.v1+json", "application/json"})


@dataclass(frozen=True)
class CachedPage:
    """One cached answer for `<index>/<name>/`: the body as served, or no body (body None)
    when the index had no page.

    The body is stored as it arrived and parsed when its records are asked for. Re-encoding
    parsed records cost ~0.12 s of a cold jupyter.in resolve (30,000 file records); the
    served bytes are written as they are.
    """

    page_url: str
    policy: CachePolicy
    content_type: str
    body: bytes | None

    def records(self) -> Sequence[FileRecord] | None:
        """The page's file records (IndexError_ if the body is not a usable page)."""
        if self.body is None:
            return None
        return parse_body(self.body, self.content_type, self.page_url)


def parse_body(body: bytes, content_type: str, page_url: str) -> Sequence[FileRecord]:
    """Records of a page body whose content type is already known to be a page's; a JSON
    page's are parsed one by one as they are read (PageRecords)."""
    if content_type == RECORDS_TYPE:
        return tuple([parse_file(entry, page_url) for entry in json.loads(body)])
    if content_type in JSON_CONTENT_TYPES:
        scanned = scan_json_page(body, page_url)
        if scanned is not None:
            return scanned
        return PageRecords(project_document(body, page_url)["files"], page_url)
    return parse_project_html(body.decode("utf-8", "replace"), page_url).files


def read_cached_policy(path: Path) -> CachePolicy | None:
    """The policy of the entry at `path`, read from its header line only (a page body can
    be megabytes); None when the entry is missing or unreadable."""
    try:
        with open(path, "rb") as handle:
            header_line = handle.readline()
    except OSError:
        return None
    header = _header(header_line, b"\n", path)
    return None if header is None else header[1]


def read_cached_page(path: Path) -> CachedPage | None:
    """The entry at `path`, or None when it is missing or not one we wrote (then refetched).

    An entry is one JSON header line (url, policy, content type) and the body after it.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    header_line, newline, body = data.partition(b"\n")
    header = _header(header_line, newline, path)
    if header is None:
        return None
    page_url, policy, content_type, missing = header
    return CachedPage(page_url, policy, content_type, None if missing else body)


def _header(
    header_line: bytes, newline: bytes, path: Path
) -> tuple[str, CachePolicy, str, bool] | None:
    try:
        header = json.loads(header_line) if newline else None
    except ValueError:
        header = None
    if not isinstance(header, dict):
        logger.debug("Ignoring the unreadable cache entry %s", path)
        return None
    page_url, content_type = header.get("url"), header.get("content-type")
    policy = CachePolicy.from_json(header.get("policy"))
    missing = header.get("missing")
    if (
        not isinstance(page_url, str)
        or policy is None
        or not isinstance(content_type, str)
        or type(missing) is not bool
    ):
        logger.debug("Ignoring the unreadable cache entry %s", path)
        return None
    return page_url, policy, content_type, missing


def write_cached_page(path: Path, page: CachedPage) -> None:
    """Replace the entry atomically; a cache that cannot be written only costs speed."""
    header = {
        "url": page.page_url,
        "policy": page.policy.to_json(),
        "content-type": page.content_type,
        "missing": page.body is None,
    }
    data = json.dumps(header, separators=(",", ":")).encode() + b"\n" + (page.body or b"")
    try:
        atomic_write_bytes(path, data)
    except OSError as error:
        logger.warning("Could not write the cache entry %s: %s", path, error.strerror or error)


def page_without_credentials(
    page_url: str, policy: CachePolicy, records: Sequence[FileRecord]
) -> CachedPage:
    """The entry for a page whose file URLs spelled credentials: the records with the
    credentials taken out, re-encoded, instead of the served bytes."""
    body = json.dumps([record.to_json() for record in records], separators=(",", ":"))
    return CachedPage(page_url, policy, RECORDS_TYPE, body.encode())
