"""Downloads: hashed while streaming, retried from scratch, never left half-written."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from puffin.cache.cache import Cache
from puffin.client.registry import IndexSettings, RegistryClient
from puffin.dist_types import File
from puffin.errors import CacheError, HashMismatch, NetworkError, PuffinError
from puffin.hashes import HashAlgorithm, HashDigest
from puffin.names import normalize_name
from tests.support.index_server import PackageIndex

BOTH = frozenset({HashAlgorithm.SHA256, HashAlgorithm.SHA512})
INCOMPRESSIBLE = random.Random(0).randbytes(600_000)  # a wheel of several download chunks


class RecordingReporter:
    """Keeps every progress callback, as a progress bar would receive them."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []
        self.progress: list[int] = []

    def on_download_start(self, name: str, total_bytes: int | None) -> int:
        self.events.append(("start", (name, total_bytes)))
        return 7

    def on_download_progress(self, task_id: int, advanced_bytes: int) -> None:
        self.events.append(("progress", advanced_bytes))
        self.progress.append(advanced_bytes)

    def on_download_complete(self, task_id: int) -> None:
        self.events.append(("complete", task_id))

    def on_unpack_complete(self, name: str) -> None:
        self.events.append(("unpack", name))


def download(
    cache: Cache,
    settings: IndexSettings,
    dest: Path,
    *,
    reporter: RecordingReporter | None = None,
    algorithms: frozenset[HashAlgorithm] = BOTH,
    offline: bool = False,
    retries: int = 3,
    edit: object = None,
) -> tuple[HashDigest, ...]:
    """Find foo's only file on the index and download it to `dest`."""

    async def run() -> tuple[HashDigest, ...]:
        async with RegistryClient(cache=cache, indexes=settings, retries=retries) as registry:
            [file] = await registry.project_files(normalize_name("foo"))
        async with RegistryClient(
            cache=cache, indexes=settings, offline=offline, retries=retries
        ) as registry:
            return await registry.download(
                edit(file) if callable(edit) else file,
                dest,
                reporter=reporter,
                algorithms=algorithms,
            )

    return asyncio.run(run())


def digests_of(path: Path) -> tuple[HashDigest, ...]:
    data = path.read_bytes()
    return (
        HashDigest(HashAlgorithm.SHA256, hashlib.sha256(data).hexdigest()),
        HashDigest(HashAlgorithm.SHA512, hashlib.sha512(data).hexdigest()),
    )


def test_a_download_is_hashed_and_reported(
    index: PackageIndex, cache: Cache, tmp_path: Path
) -> None:
    wheel = index.add_wheel("foo", "1.0", files={"foo/data.bin": INCOMPRESSIBLE})
    reporter = RecordingReporter()
    dest = tmp_path / "out" / wheel.name
    assert download(cache, IndexSettings(index.url), dest, reporter=reporter) == digests_of(wheel)
    assert dest.read_bytes() == wheel.read_bytes()
    size = wheel.stat().st_size
    assert reporter.events[0] == ("start", (wheel.name, size))
    assert reporter.events[-1] == ("complete", 7)
    assert sum(reporter.progress) == size and len(reporter.progress) > 1
    assert index.request_paths("/files/")[-1] == f"/files/{wheel.name}"
    assert index.requests[-1].headers["accept-encoding"] == "identity"


def test_only_the_asked_algorithms_are_returned(
    index: PackageIndex, cache: Cache, tmp_path: Path
) -> None:
    wheel = index.add_wheel("foo", "1.0")
    sha512 = frozenset({HashAlgorithm.SHA512})
    digests = download(cache, IndexSettings(index.url), tmp_path / "f.whl", algorithms=sha512)
    assert digests == digests_of(wheel)[1:]


def test_a_truncated_transfer_is_retried_from_scratch(
    index: PackageIndex, cache: Cache, tmp_path: Path
) -> None:
    wheel = index.add_wheel("foo", "1.0", files={"foo/data.bin": INCOMPRESSIBLE})
    index.truncate(f"/files/{wheel.name}", times=1)
    dest = tmp_path / wheel.name
    reporter = RecordingReporter()
    assert download(cache, IndexSettings(index.url), dest, reporter=reporter) == digests_of(wheel)
    assert dest.read_bytes() == wheel.read_bytes()
    assert index.request_paths("/files/") == [f"/files/{wheel.name}"] * 2
    assert [kind for kind, _ in reporter.events if kind != "progress"] == [
        "start",
        "complete",
        "start",
        "complete",
    ]


def test_a_transfer_that_keeps_failing_leaves_nothing_behind(
    index: PackageIndex, cache: Cache, tmp_path: Path
) -> None:
    wheel = index.add_wheel("foo", "1.0", files={"foo/data.bin": INCOMPRESSIBLE})
    index.truncate(f"/files/{wheel.name}", times=None)
    dest = tmp_path / "out" / wheel.name
    with pytest.raises(NetworkError) as info:
        download(cache, IndexSettings(index.url), dest, retries=1)
    assert str(info.value) == (
        f"Request to {index.file_url(wheel.name)} failed: "
        "the server closed the connection before the response was complete"
    )
    assert list(dest.parent.iterdir()) == []


def test_a_file_not_matching_the_index_hash_is_refused(
    index: PackageIndex, cache: Cache, tmp_path: Path
) -> None:
    wheel = index.add_wheel("foo", "1.0")
    index.add(wheel, hashes={"sha256": "0" * 64})
    dest = tmp_path / "out" / wheel.name
    with pytest.raises(HashMismatch) as info:
        download(cache, IndexSettings(index.url), dest)
    assert str(info.value) == (
        f"Hash mismatch for {wheel.name}:\n"
        f"    Expected: sha256:{'0' * 64}\n"
        f"    Got:      {digests_of(wheel)[0]}"
    )
    assert list(dest.parent.iterdir()) == []


def test_a_missing_file_is_not_retried(index: PackageIndex, cache: Cache, tmp_path: Path) -> None:
    wheel = index.add_wheel("foo", "1.0")
    index.fail(f"/files/{wheel.name}", status=404)
    with pytest.raises(NetworkError) as info:
        download(cache, IndexSettings(index.url), tmp_path / wheel.name)
    assert str(info.value) == f"Request to {index.file_url(wheel.name)} failed: HTTP 404 Not Found"
    assert index.request_paths("/files/") == [f"/files/{wheel.name}"]


def test_credentials_in_a_file_url_are_redacted_in_errors_and_logs(
    index: PackageIndex, cache: Cache, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    wheel = index.add_wheel("foo", "1.0")
    index.fail(f"/files/{wheel.name}", status=502, times=None)

    def with_credentials(file: File) -> File:
        secret_url = file.url.replace("http://", "http://bob:hunter2@")
        return File(**{**file.__dict__, "url": secret_url})

    with caplog.at_level(logging.DEBUG), pytest.raises(NetworkError) as info:
        download(cache, IndexSettings(index.url), tmp_path / "x", retries=1, edit=with_credentials)
    url = index.file_url(wheel.name).replace("http://", "http://****@")
    assert str(info.value) == f"Request to {url} failed: HTTP 502 Bad Gateway"
    assert index.requests[-1].headers["authorization"].startswith("Basic ")
    assert "HTTP Request: GET" in caplog.text  # httpx logs every request URL, in full
    assert "hunter2" not in caplog.text and "bob" not in caplog.text


def test_a_local_file_is_copied_and_hashed(
    wheel_dir: Path, cache: Cache, tmp_path: Path, make_wheel: Callable[..., Path]
) -> None:
    wheel = make_wheel("foo", "1.0")
    dest = tmp_path / "copy" / wheel.name
    reporter = RecordingReporter()
    settings = IndexSettings(no_index=True, find_links=(str(wheel_dir),))
    assert download(cache, settings, dest, reporter=reporter, offline=True) == digests_of(wheel)
    assert dest.read_bytes() == wheel.read_bytes()
    assert reporter.events == [("start", (wheel.name, wheel.stat().st_size)), ("complete", 7)]


def test_offline_downloads_are_a_clear_error(
    index: PackageIndex, cache: Cache, tmp_path: Path
) -> None:
    wheel = index.add_wheel("foo", "1.0")
    with pytest.raises(PuffinError) as info:
        download(cache, IndexSettings(index.url), tmp_path / "x", offline=True)
    assert str(info.value) == (
        f"{wheel.name} is not in the cache and --offline forbids network access"
    )


def test_a_destination_that_cannot_be_written_is_a_cache_error(
    index: PackageIndex, cache: Cache, tmp_path: Path
) -> None:
    index.add_wheel("foo", "1.0")
    (tmp_path / "blocker").write_text("a file where a directory should be")
    dest = tmp_path / "blocker" / "foo.whl"
    with pytest.raises(CacheError) as info:
        download(cache, IndexSettings(index.url), dest)
    assert str(info.value) == f"Cannot write {dest}: File exists"
