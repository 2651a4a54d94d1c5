"""A wheel's METADATA: from the disk cache, a PEP 658 file, range reads of the zip, or the wheel."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from puffin.cache.cache import Cache, CacheBucket, digest, index_key
from puffin.cache.write_behind import WriteBehind
from puffin.client.auth import split_credentials
from puffin.client.session import Session, offline_error
from puffin.client.urls import file_url_to_path, is_file_url, redact_url
from puffin.client.zip_tail import (
    TAIL_SIZE,
    UnusableZipTail,
    extract_member,
    find_central_member,
    find_member,
    locate_central_directory,
    member_span,
    parse_central_directory,
)
from puffin.dist_types import File
from puffin.errors import HashMismatch, InvalidWheel
from puffin.filenames import WheelFilename
from puffin.fs import atomic_write_bytes, read_json
from puffin.hashes import MultiHasher, first_mismatch
from puffin.names import normalize_name
from puffin.traits import SilentReporter

logger = logging.getLogger("puffin.client")

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


def is_project_metadata(member: str, wheel: WheelFilename) -> bool:
    """Is `member` the METADATA of `wheel`'s own dist-info, at the archive root?"""
    if member.count("/") != 1 or not member.endswith(".dist-info/METADATA"):
        return False
    project = member.split("/")[0][: -len(".dist-info")].rpartition("-")[0]
    return normalize_name(project) == wheel.name


def _no_metadata(wheel: WheelFilename) -> InvalidWheel:
    return InvalidWheel(
        wheel.filename, f"no {wheel.name}-*.dist-info/METADATA file at the archive root"
    )


def read_wheel_metadata(path: Path, wheel: WheelFilename) -> bytes:
    """The METADATA of the wheel at `path` (blocking); InvalidWheel if it has none.

    The dist-info directory must sit at the archive root; when several do, the one whose
    name matches the wheel's project is taken.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if is_project_metadata(name, wheel):
                    return archive.read(name)
    except (OSError, zipfile.BadZipFile) as error:
        raise InvalidWheel(wheel.filename, f"not a readable zip archive ({error})") from None
    raise _no_metadata(wheel)


# -- the disk cache -----------------------------------------------------------------------


def metadata_cache_path(cache: Cache, file: File, wheel: WheelFilename) -> Path:
    """`wheel-metadata-v0/{pypi|index/<d>|url/<d>}/<name>/<wheel stem>.json`."""
    if file.index.is_flat or file.index.url == file.url:  # find-links, or a direct URL
        location = f"url/{digest(_recorded_url(file))}"
    else:
        location = index_key(file.index.url)
    stem = wheel.filename.removesuffix(".whl")
    return cache.bucket(CacheBucket.WHEEL_METADATA) / location / wheel.name / f"{stem}.json"


def read_cached_metadata(path: Path, file: File) -> bytes | None:
    """The stored METADATA of `file`, or None when missing, unreadable or of another upload
    (another URL or wheel hashes, or bytes the index's metadata hash rejects)."""
    entry = read_json(path)
    if not isinstance(entry, dict) or entry.get("url") != _recorded_url(file):
        return None
    text = entry.get("metadata")
    if not isinstance(text, str) or entry.get("hashes") != sorted(map(str, file.hashes)):
        return None
    # JSON holds text: bytes that are not UTF-8 were stored as lone surrogates.
    metadata = text.encode("utf-8", "surrogateescape")
    if _metadata_mismatch(file, metadata) is not None:
        logger.debug("Ignoring %s: the index now announces other metadata", path)
        return None
    return metadata


def write_entry(path: Path, entry: bytes) -> None:
    """Store an encoded cache entry atomically; a cache that cannot be written only costs
    speed, so a failure is logged, not raised."""
    try:
        atomic_write_bytes(path, entry)
    except OSError as error:
        logger.warning("Could not write the cache entry %s: %s", path, error.strerror or error)


def cache_entry(file: File, metadata: bytes) -> bytes:
    """The JSON a METADATA cache entry holds: the file's URL and hashes, and the text."""
    entry = {
        "url": _recorded_url(file),
        "hashes": sorted(map(str, file.hashes)),
        "metadata": metadata.decode("utf-8", "surrogateescape"),
    }
    return json.dumps(entry, separators=(",", ":")).encode()


def _recorded_url(file: File) -> str:
    """The file's URL as the cache keys and records it: without credentials (a direct URL
    may carry them; index pages never do, their credentials were taken out on arrival)."""
    return split_credentials(file.url)[0]


def _metadata_mismatch(file: File, metadata: bytes) -> str | None:
    """The digest to report when `metadata` is not what the index announced, else None."""
    if not file.metadata_hashes:
        return None
    hasher = MultiHasher({digest.algorithm for digest in file.metadata_hashes})
    hasher.update(metadata)
    wrong = first_mismatch(file.metadata_hashes, hasher.digests())
    return None if wrong is None else str(wrong)


def _check_metadata(file: File, metadata: bytes) -> None:
    wrong = _metadata_mismatch(file, metadata)
    if wrong is not None:
        expected = [str(digest) for digest in file.metadata_hashes]
        raise HashMismatch(f"the metadata of {file.filename}", expected, wrong)


# -- fetching -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Window:
    """Bytes `start..start+len(data)-1` of a remote file of `total` bytes."""

    start: int
    data: bytes
    total: int

    def covers(self, first: int, stop: int) -> bool:
        return self.start <= first and stop <= self.start + len(self.data)

    def slice(self, first: int, stop: int) -> bytes:
        return self.data[first - self.start : stop - self.start]


class WheelMetadataFetcher:
    """Gets wheel METADATA for one run, cheapest source first: the disk cache (no request),
    the index's PEP 658 file, two or three HTTP range reads of the wheel's zip directory and
    METADATA member, and last the whole wheel.

    Registry wheels are immutable (same URL, same hashes), so their METADATA is stored once
    and later runs, `--offline` ones included, read it from disk.
    """

    def __init__(self, session: Session, cache: Cache, writes: WriteBehind) -> None:
        self._session = session
        self._cache = cache
        self._writes = writes  # the caller closes it, so the entries are on disk
        # An origin that answered a range request with the whole file is not asked again:
        # each attempt would cost an aborted request before the real download.
        self._origins_without_ranges: set[str] = set()

    async def fetch(self, file: File, wheel: WheelFilename) -> bytes:
        """The METADATA of `file` (a wheel); HashMismatch when the index's metadata hash
        rejects it, OfflineError when it is not cached and `--offline` is set."""
        if is_file_url(file.url):  # read in place: copying or caching a local wheel gains nothing
            return await asyncio.to_thread(read_wheel_metadata, file_url_to_path(file.url), wheel)
        path = metadata_cache_path(self._cache, file, wheel)
        # Read inline: a few-KiB file costs less than a thread hand-off.
        cached = read_cached_metadata(path, file)
        if cached is not None:
            return cached
        if self._session.offline:
            raise offline_error(f"The metadata of {file.filename}")
        metadata = await self._fetch_remote(file, wheel)
        _check_metadata(file, metadata)
        # Encoded here, written by one thread: file creation is the slow part (write_behind.py).
        self._writes.submit(write_entry, path, cache_entry(file, metadata))
        return metadata

    async def _fetch_remote(self, file: File, wheel: WheelFilename) -> bytes:
        if file.has_metadata_file:
            metadata = await self._metadata_file(file)
            if metadata is not None:
                return metadata
        if _origin(file.url) not in self._origins_without_ranges:
            metadata = await self._read_by_ranges(file, wheel)
            if metadata is not None:
                return metadata
        return await self._read_downloaded(file, wheel)

    async def _metadata_file(self, file: File) -> bytes | None:
        """PEP 658: `<file url>.metadata`; None when the index does not serve it after all."""
        from puffin.client.attempts import raise_for_status
        from puffin.client.index_pages import NOT_FOUND

        url = f"{file.url}.metadata"
        response = await self._session.get(url)
        if response.status in NOT_FOUND:
            logger.debug("%s is announced but missing; reading the wheel", redact_url(url))
            return None
        raise_for_status(response, url)
        return response.content

    async def _read_by_ranges(self, file: File, wheel: WheelFilename) -> bytes | None:
        """METADATA read from the end of the remote zip; None when the server or the archive
        does not allow it (the caller downloads the wheel)."""
        try:
            tail = await self._get_range(file, None, TAIL_SIZE)
            if tail is None:
                self._origins_without_ranges.add(_origin(file.url))
                logger.debug("%s ignores byte ranges; downloading wheels", _origin(file.url))
                return None
            directory = locate_central_directory(tail.data, tail.start, tail.total)
            directory_end = directory.offset + directory.size
            window = tail
            member = None
            if directory.offset < tail.start:  # a central directory longer than the tail
                # The dist-info is written last, so its entries usually end the directory:
                # found in the part the tail holds, METADATA is the only range left to read
                # (torch's 1.2 MB directory, pandas' 140 kB ones: 2 requests instead of 3).
                member = find_central_member(
                    tail.slice(tail.start, directory_end), b".dist-info/METADATA"
                )
                if member is None or not is_project_metadata(member.name, wheel):
                    member = None
                    head = await self._required_range(file, directory.offset, tail.start)
                    window = _Window(head.start, head.data + tail.data, tail.total)
            central = window.slice(max(directory.offset, window.start), directory_end)
            if member is None:
                member = find_central_member(central, b".dist-info/METADATA")
            span = None
            if member is not None and is_project_metadata(member.name, wheel):
                # Without the other entries the span ends at its size cap, not at the next
                # member: fine when the bytes are at hand (METADATA usually sits just before
                # the directory), else parse everything for a tight second range.
                span = member_span(member, [member], directory.offset)
                if not window.covers(span.start, span.stop):
                    # A second range, sized for the local header as the central one describes
                    # it plus room for an extra field; a larger one fails the extraction below
                    # and the wheel is downloaded instead.
                    stop = span.start + 30 + 2 * len(member.name) + 1024 + member.compressed_size
                    span = range(span.start, min(span.stop, stop))
            if span is None:
                if window.start > directory.offset:  # only part of the directory at hand
                    head = await self._required_range(file, directory.offset, window.start)
                    window = _Window(head.start, head.data + window.data, window.total)
                    central = window.slice(directory.offset, directory_end)
                members = parse_central_directory(central, directory.entries)
                member = find_member(members, lambda name: is_project_metadata(name, wheel))
                if member is None:
                    raise _no_metadata(wheel)
                span = member_span(member, members, directory.offset)
            assert member is not None
            if window.covers(span.start, span.stop):
                data = window.slice(span.start, span.stop)
            else:
                data = (await self._required_range(file, span.start, span.stop)).data
            return extract_member(data, member)
        except UnusableZipTail as reason:
            logger.debug("Cannot read %s by ranges (%s); downloading it", file.filename, reason)
            return None

    async def _required_range(self, file: File, first: int, stop: int) -> _Window:
        window = await self._get_range(file, first, stop)
        if window is None:
            raise UnusableZipTail("the server stopped honouring byte ranges")
        return window

    async def _get_range(self, file: File, first: int | None, stop: int) -> _Window | None:
        """Bytes `first..stop-1` of `file` (first None: its last `stop` bytes); None when the
        server answers with the whole file, which is then not read."""
        from puffin.client.attempts import raise_for_status

        spec = f"-{stop}" if first is None else f"{first}-{stop - 1}"
        # Identity: a compressed answer would make the byte positions meaningless. A 200 (the
        # whole file) is larger than the range, so it is left unread; retries are Session's.
        answer = await self._session.get(
            file.url,
            headers={"Range": f"bytes={spec}", "Accept-Encoding": "identity"},
            max_body=stop if first is None else stop - first,
            decode_content=False,
        )
        if answer.status == 200:
            return None
        if answer.status == 416:
            raise UnusableZipTail("HTTP 416: the file is empty")
        raise_for_status(answer, file.url)
        if answer.status != 206:
            raise UnusableZipTail(f"HTTP {answer.status} to a range request")
        start, end, total = _content_range(answer.headers.get("content-range", ""))
        wanted = (max(total - stop, 0), total) if first is None else (first, stop)
        if (start, end) != wanted or (file.size is not None and total != file.size):
            raise UnusableZipTail(f"bytes {start}-{end - 1}/{total} for {spec}")
        if answer.headers.get("content-encoding", "identity") != "identity":
            raise UnusableZipTail("a compressed answer to a range request")
        if answer.body is None or len(answer.body) != end - start:
            raise UnusableZipTail(f"a body that is not the {end - start} bytes of the range")
        return _Window(start, answer.body, total)

    async def _read_downloaded(self, file: File, wheel: WheelFilename) -> bytes:
        from puffin.client.download import download_http

        with self._cache.temp_dir() as temp:
            archive = temp / file.filename
            await download_http(
                self._session,
                file.url,
                file.filename,
                archive,
                algorithms=frozenset(),
                expected=file.hashes,
                size_hint=file.size,
                reporter=SilentReporter(),
            )
            return await asyncio.to_thread(read_wheel_metadata, archive, wheel)


def _content_range(value: str) -> tuple[int, int, int]:
    """`bytes 10-19/100` -> (10, 20, 100): start, stop (exclusive) and total."""
    match = _CONTENT_RANGE.fullmatch(value.strip())
    if match is None:
        raise UnusableZipTail(f"an unreadable Content-Range {value!r}")
    first, last, total = (int(group) for group in match.groups())
    if not first <= last < total:
        raise UnusableZipTail(f"an impossible Content-Range {value!r}")
    return first, last + 1, total


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
