"""Find-links locations: a directory of archives, one archive, or an HTML page of links."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

from puffin.client.session import Session
from puffin.client.urls import file_url_to_path, is_file_url, redact_url
from puffin.errors import IndexError_
from puffin.pypi_types.file_record import FileRecord
from puffin.pypi_types.simple_html import ARCHIVE_SUFFIXES, parse_find_links_html

logger = logging.getLogger("puffin.client")


def is_remote(location: str) -> bool:
    return location.startswith(("http://", "https://"))


async def find_links_records(session: Session, location: str) -> tuple[FileRecord, ...]:
    """The archives one find-links location offers; `location` carries no credentials.

    A page over HTTP is not cached on disk (it lists every project at once), so --offline
    skips it with a warning.
    """
    if not is_remote(location):
        path = file_url_to_path(location) if is_file_url(location) else Path(location)
        return await asyncio.to_thread(list_local_find_links, path)
    if session.offline:
        logger.warning(
            "Skipping the find-links page %s: --offline forbids network access",
            redact_url(location),
        )
        return ()
    from puffin.client.attempts import raise_for_status

    response = await session.get(location, headers={"Accept": "text/html"})
    raise_for_status(response, location)
    return session.strip_credentials(parse_find_links_html(response.text, response.url))


def list_local_find_links(path: Path) -> tuple[FileRecord, ...]:
    """The archives a local find-links location offers (blocking: run it in a thread).

    Hashes are not computed here: that would read every archive in the directory on every
    run; a file's digest is computed while it is copied, as for a download.
    """
    if path.is_dir():
        records = []
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.name.lower().endswith(ARCHIVE_SUFFIXES) and entry.is_file():
                    records.append(_local_record(Path(entry.path), entry.stat().st_size))
        return tuple(sorted(records, key=lambda record: str(record.filename)))
    if path.is_file():
        if path.name.lower().endswith(ARCHIVE_SUFFIXES):
            return (_local_record(path, path.stat().st_size),)
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            raise IndexError_(f"Cannot read find-links page {path}: {error.strerror}") from None
        return parse_find_links_html(text, path.as_uri())
    raise IndexError_(f"Find-links location {path} does not exist")


def _local_record(path: Path, size: int) -> FileRecord:
    return FileRecord(filename=path.name, url=path.as_uri(), hashes={}, size=size)
