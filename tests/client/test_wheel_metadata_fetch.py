"""WheelMetadataFetcher against a real index: disk cache, PEP 658, range reads, full downloads."""

from __future__ import annotations

import asyncio
import hashlib
import os
import zipfile
from pathlib import Path

import pytest

from puffin.cache.cache import Cache
from puffin.cache.write_behind import WriteBehind
from puffin.client.registry import IndexSettings, RegistryClient
from puffin.client.session import Session
from puffin.client.wheel_metadata import WheelMetadataFetcher, metadata_cache_path
from puffin.client.zip_tail import TAIL_SIZE
from puffin.dist_types import File
from puffin.errors import HashMismatch, OfflineError
from puffin.filenames import WheelFilename
from puffin.names import normalize_name
from tests.support.index_server import PackageIndex
from tests.support.wheels import build_raw_wheel

METADATA = b"Metadata-Version: 2.1\nName: foo\nVersion: 1.0\nRequires-Dist: bar>=2\n"


def project_files(index: PackageIndex, cache: Cache, name: str = "foo") -> list[File]:
    async def run() -> list[File]:
        settings = IndexSettings(index.url)
        async with RegistryClient(cache=cache, indexes=settings, refresh=True) as registry:
            return await registry.project_files(normalize_name(name))

    return asyncio.run(run())


def fetch_metadata(cache: Cache, *files: File, offline: bool = False) -> list[bytes]:
    """METADATA of `files` fetched in order by one new fetcher (one run of puffin)."""

    async def run() -> list[bytes]:
        session = Session(offline=offline, retries=0)
        writes = WriteBehind()
        fetcher = WheelMetadataFetcher(session, cache, writes)
        try:
            results = []
            for file in files:
                assert isinstance(file.dist, WheelFilename)
                results.append(await fetcher.fetch(file, file.dist))
            return results
        finally:
            writes.close()  # the cache entries are on disk when it returns
            await session.aclose()

    return asyncio.run(run())


def wheel_requests(index: PackageIndex, filename: str) -> list[str | None]:
    """The Range header of each request for the wheel itself (None: a plain GET)."""
    return [
        record.headers.get("range")
        for record in index.requests
        if record.path == f"/files/{filename}"
    ]


def metadata_first_wheel(directory: Path, *, padding: int, files: int = 1) -> Path:
    """foo 1.0 with METADATA first, then `files` incompressible members of `padding` bytes:
    METADATA lies far from the end of the archive."""
    members: list[tuple[str, bytes | str]] = [("foo-1.0.dist-info/METADATA", METADATA)]
    members += [(f"foo/data_{n:05}.bin", os.urandom(padding)) for n in range(files)]
    return build_raw_wheel(directory / "foo-1.0-py3-none-any.whl", members)


def test_metadata_comes_from_pep_658_then_from_disk_with_no_request(
    index: PackageIndex, cache: Cache
) -> None:
    wheel = index.add_wheel("foo", "1.0", requires_dist=["bar>=2"])
    [file] = project_files(index, cache)
    index.clear_requests()
    [first] = fetch_metadata(cache, file)
    assert index.request_paths() == [f"/files/{wheel.name}.metadata"]
    index.clear_requests()
    assert fetch_metadata(cache, file) == [first]
    assert fetch_metadata(cache, file, offline=True) == [first]
    assert index.requests == []
    assert b"Requires-Dist: bar>=2" in first
    stored = metadata_cache_path(cache, file, WheelFilename.parse(wheel.name))
    assert stored.relative_to(cache.root).parts[:2] == ("wheel-metadata-v0", "index")
    assert stored.relative_to(cache.root).parts[3:] == ("foo", "foo-1.0-py3-none-any.json")


def test_a_cached_entry_of_another_upload_is_not_used(index: PackageIndex, cache: Cache) -> None:
    index.add_wheel("foo", "1.0", requires_dist=["bar>=2"])
    [old] = project_files(index, cache)
    fetch_metadata(cache, old)
    index.add_wheel("foo", "1.0", requires_dist=["baz"])  # same name, other bytes
    [new] = project_files(index, cache)
    assert new.hashes != old.hashes
    [metadata] = fetch_metadata(cache, new)
    assert b"Requires-Dist: baz" in metadata and b"bar" not in metadata


def test_offline_without_a_cached_entry_is_a_clear_error(index: PackageIndex, cache: Cache) -> None:
    wheel = index.add_wheel("foo", "1.0")
    [file] = project_files(index, cache)
    with pytest.raises(OfflineError) as info:
        fetch_metadata(cache, file, offline=True)
    assert str(info.value) == (
        f"The metadata of {wheel.name} is not in the cache and --offline forbids network access"
    )


def test_a_small_wheel_is_read_with_one_suffix_range(index: PackageIndex, cache: Cache) -> None:
    index.metadata_files = False
    wheel = index.add_wheel("foo", "1.0", requires_dist=["bar>=2"])
    [file] = project_files(index, cache)
    [metadata] = fetch_metadata(cache, file)
    assert metadata.startswith(b"Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n")
    assert b"Requires-Dist: bar>=2" in metadata
    assert wheel_requests(index, wheel.name) == [f"bytes=-{TAIL_SIZE}"]
    index.clear_requests()
    assert fetch_metadata(cache, file) == [metadata]
    assert index.requests == []


def second_range_end(member: zipfile.ZipInfo) -> int:
    """The last byte of the range read for a member the first one missed: its local header
    (as its central entry describes it, plus 1 KiB of room for an extra field) and data."""
    return member.header_offset + 30 + 2 * len(member.filename) + 1024 + member.compress_size - 1


def test_metadata_far_from_the_end_takes_a_second_range(
    index: PackageIndex, cache: Cache, tmp_path: Path
) -> None:
    index.metadata_files = False
    wheel = index.add(metadata_first_wheel(tmp_path, padding=200_000))
    with zipfile.ZipFile(wheel) as archive:
        metadata_member, _padding = archive.infolist()
    [file] = project_files(index, cache)
    assert fetch_metadata(cache, file) == [METADATA]
    assert wheel_requests(index, wheel.name) == [
        f"bytes=-{TAIL_SIZE}",
        f"bytes=0-{second_range_end(metadata_member)}",
    ]
    assert metadata_member.header_offset == 0
    assert second_range_end(metadata_member) < 2048, "not the 200 kB member after it"


def test_a_central_directory_longer_than_the_tail_is_fetched_too(
    index: PackageIndex, cache: Cache, tmp_path: Path
) -> None:
    index.metadata_files = False
    wheel = index.add(metadata_first_wheel(tmp_path, padding=1, files=2000))
    with zipfile.ZipFile(wheel) as archive:
        infos = archive.infolist()
    content = wheel.read_bytes()
    size = len(content)
    directory_offset = int.from_bytes(content[-6:-2], "little")  # from the end record
    assert size - directory_offset > TAIL_SIZE
    [file] = project_files(index, cache)
    assert fetch_metadata(cache, file) == [METADATA]
    assert wheel_requests(index, wheel.name) == [
        f"bytes=-{TAIL_SIZE}",
        f"bytes={directory_offset}-{size - TAIL_SIZE - 1}",
        f"bytes=0-{second_range_end(infos[0])}",
    ]


def test_metadata_listed_in_the_tails_part_of_a_long_directory_needs_one_more_range(
    index: PackageIndex, cache: Cache, tmp_path: Path
) -> None:
    # The usual layout (the dist-info written last): its directory entries are in the tail,
    # so the rest of the directory is never asked for.
    index.metadata_files = False
    members: list[tuple[str, bytes | str]] = [
        (f"foo/data_{n:05}.bin", os.urandom(1)) for n in range(2000)
    ]
    members.append(("foo-1.0.dist-info/METADATA", METADATA))
    wheel = index.add(build_raw_wheel(tmp_path / "foo-1.0-py3-none-any.whl", members))
    with zipfile.ZipFile(wheel) as archive:
        metadata_member = archive.infolist()[-1]
    content = wheel.read_bytes()
    directory_offset = int.from_bytes(content[-6:-2], "little")
    assert len(content) - directory_offset > TAIL_SIZE
    [file] = project_files(index, cache)
    assert fetch_metadata(cache, file) == [METADATA]
    # From its local header to the directory that follows it.
    assert wheel_requests(index, wheel.name) == [
        f"bytes=-{TAIL_SIZE}",
        f"bytes={metadata_member.header_offset}-{directory_offset - 1}",
    ]


def test_a_server_that_ignores_ranges_gets_full_downloads(
    index: PackageIndex, cache: Cache, tmp_path: Path
) -> None:
    index.metadata_files = False
    foo = index.add_wheel("foo", "1.0", requires_dist=["bar>=2"])
    bar = index.add_wheel("bar", "1.0")
    for wheel in (foo, bar):  # a plain 200 with the whole file, whatever the Range header
        index.serve_raw(f"/files/{wheel.name}", wheel.read_bytes(), "application/octet-stream")
    [foo_file] = project_files(index, cache, "foo")
    [bar_file] = project_files(index, cache, "bar")
    foo_metadata, bar_metadata = fetch_metadata(cache, foo_file, bar_file)
    assert b"Requires-Dist: bar>=2" in foo_metadata
    assert bar_metadata.startswith(b"Metadata-Version: 2.1\nName: bar\nVersion: 1.0\n")
    # One range attempt on this origin; after it, wheels are downloaded at once.
    assert wheel_requests(index, foo.name) == [f"bytes=-{TAIL_SIZE}", None]
    assert wheel_requests(index, bar.name) == [None]
    assert list((cache.root / ".tmp").iterdir()) == []  # the downloaded wheels are not kept


def test_an_archive_a_range_read_cannot_handle_is_downloaded(
    index: PackageIndex, cache: Cache, tmp_path: Path
) -> None:
    index.metadata_files = False
    plain = metadata_first_wheel(tmp_path / "plain", padding=10)
    stub = tmp_path / plain.name
    stub.write_bytes(b"#!/bin/sh\n" + plain.read_bytes())  # data before the zip: offsets shift
    wheel = index.add(stub)
    [file] = project_files(index, cache)
    assert fetch_metadata(cache, file) == [METADATA]
    assert wheel_requests(index, wheel.name) == [f"bytes=-{TAIL_SIZE}", None]


def test_a_metadata_hash_mismatch_names_the_file_and_caches_nothing(
    index: PackageIndex, cache: Cache
) -> None:
    wheel = index.add_wheel("foo", "1.0")
    index.serve_raw(f"/files/{wheel.name}.metadata", "Name: evil\n", "text/plain")
    [file] = project_files(index, cache)
    with pytest.raises(HashMismatch) as info:
        fetch_metadata(cache, file)
    [expected] = file.metadata_hashes
    evil = hashlib.sha256(b"Name: evil\n").hexdigest()
    assert str(info.value) == (
        f"Hash mismatch for the metadata of {wheel.name}:\n"
        f"    Expected: {expected}\n"
        f"    Got:      sha256:{evil}"
    )
    assert not metadata_cache_path(cache, file, WheelFilename.parse(wheel.name)).exists()
