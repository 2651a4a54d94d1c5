"""Index pages in `simple-v0`: parsed file records plus the HTTP policy that keeps them fresh."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from puffin.client.cache_policy import CachePolicy
from puffin.fs import atomic_write_json, read_json
from puffin.pypi_types.file_record import FileRecord
from puffin.pypi_types.simple_json import parse_file

logger = logging.getLogger("puffin.client")


@dataclass(frozen=True)
class CachedPage:
    """One cached answer for `<index>/<name>/`: its files, or None when the index had no page.

    The records stay as decoded JSON until asked for: a stale entry the server replaces
    with a new page is never parsed.
    """

    page_url: str
    policy: CachePolicy
    raw_files: list[Any] | None

    def records(self) -> tuple[FileRecord, ...] | None:
        if self.raw_files is None:
            return None
        page_url = self.page_url
        return tuple([parse_file(entry, page_url) for entry in self.raw_files])


def read_cached_page(path: Path) -> CachedPage | None:
    """The entry at `path`, or None when it is missing or not one we wrote (then refetched)."""
    data = read_json(path)
    if data is None:
        return None
    if not isinstance(data, dict):
        logger.debug("Ignoring the unreadable cache entry %s", path)
        return None
    page_url, files = data.get("url"), data.get("files")
    policy = CachePolicy.from_json(data.get("policy"))
    if (
        not isinstance(page_url, str)
        or policy is None
        or not (files is None or type(files) is list)
    ):
        logger.debug("Ignoring the unreadable cache entry %s", path)
        return None
    return CachedPage(page_url, policy, files)


def write_cached_page(path: Path, page: CachedPage) -> None:
    """Replace the entry atomically; a cache that cannot be written only costs speed."""
    entry = {"url": page.page_url, "policy": page.policy.to_json(), "files": page.raw_files}
    try:
        atomic_write_json(path, entry)
    except OSError as error:
        logger.warning("Could not write the cache entry %s: %s", path, error.strerror or error)


def cached_page_from_records(
    page_url: str, policy: CachePolicy, records: tuple[FileRecord, ...] | None
) -> CachedPage:
    """The entry to store for a freshly fetched page."""
    raw = None if records is None else [record.to_json() for record in records]
    return CachedPage(page_url, policy, raw)
