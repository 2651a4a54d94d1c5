"""RegistryClient: the first-index strategy, find-links, in-flight sharing, lazy files, metadata."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from packaging.version import Version

from puffin.cache.cache import Cache
from puffin.client.registry import IndexSettings, RegistryClient
from puffin.dist_types import File
from puffin.errors import HashMismatch, NetworkError, PuffinError
from puffin.names import normalize_name
from tests.support.index_server import PackageIndex


def test_the_first_index_that_knows_a_project_wins(
    index: PackageIndex, fetch_files: Callable[..., list[File]]
) -> None:
    index.add_wheel("foo", "1.0")
    with PackageIndex() as extra:
        extra.add_wheel("foo", "2.0")
        extra.add_wheel("bar", "1.0")
        foo = fetch_files("foo", index_url=index.url, extra_index_urls=(extra.url,))
        bar = fetch_files("bar", index_url=index.url, extra_index_urls=(extra.url,))
        assert extra.request_paths() == ["/simple/bar/"]
    assert [str(file.dist.version) for file in foo] == ["1.0"]
    assert [file.index.url for file in bar] == [extra.url]
    assert index.request_paths() == ["/simple/foo/", "/simple/bar/"]


def test_an_unknown_project_has_no_files(
    index: PackageIndex, fetch_files: Callable[..., list[File]]
) -> None:
    assert fetch_files("nothing", index_url=index.url) == []


def test_offline_moves_past_an_index_that_had_no_page(
    index: PackageIndex, fetch_files: Callable[..., list[File]]
) -> None:
    with PackageIndex() as extra:
        extra.add_wheel("bar", "1.0")
        online = fetch_files("bar", index_url=index.url, extra_index_urls=(extra.url,))
        offline = fetch_files(
            "bar", index_url=index.url, extra_index_urls=(extra.url,), offline=True
        )
    assert offline == online and len(online) == 1


def test_files_of_a_project_on_a_page_of_another_are_skipped(
    index: PackageIndex, fetch_files: Callable[..., list[File]]
) -> None:
    foo = index.add_wheel("foo", "1.0")
    other = index.add_wheel("other", "1.0")
    index.add(other, project="foo")  # listed on foo's page, but named `other`
    assert [file.filename for file in fetch_files("foo", index_url=index.url)] == [foo.name]


def test_ten_concurrent_callers_share_one_request(index: PackageIndex, cache: Cache) -> None:
    index.add_wheel("foo", "1.0")
    index.delay("/simple/foo/", 0.2, times=1)  # keeps the first request in flight

    async def run() -> list[int]:
        async with RegistryClient(cache=cache, indexes=IndexSettings(index.url)) as registry:
            results = await asyncio.gather(
                *(registry.project_files(normalize_name("foo")) for _ in range(10))
            )
            again = await registry.project_files(normalize_name("foo"))
        return [len(files) for files in (*results, again)]

    assert asyncio.run(run()) == [1] * 11
    assert index.request_paths() == ["/simple/foo/"]


def test_project_builds_files_per_version_on_demand(index: PackageIndex, cache: Cache) -> None:
    for version in ("1.0", "2.0", "1.10"):
        index.add_wheel("foo", version)
        index.add_sdist("foo", version)

    async def run() -> None:
        async with RegistryClient(cache=cache, indexes=IndexSettings(index.url)) as registry:
            project = await registry.project(normalize_name("foo"))
            assert project.versions() == [Version("2.0"), Version("1.10"), Version("1.0")]
            assert sorted(f.filename for f in project.files(Version("1.10"))) == [
                "foo-1.10-py3-none-any.whl",
                "foo-1.10.tar.gz",
            ]
            assert project.files(Version("3.0")) == []
            everything = await registry.project_files(normalize_name("foo"))
            assert len(everything) == 6
            assert project.files(Version("1.10")) == [
                f for f in everything if f.dist.version == Version("1.10")
            ]

    asyncio.run(run())


def test_credentials_reach_the_index_but_never_errors_or_the_cache(
    cache: Cache, fetch_files: Callable[..., list[File]]
) -> None:
    with PackageIndex(auth=("alice", "s3cret")) as private:
        private.add_wheel("foo", "1.0")
        [file] = fetch_files("foo", index_url=private.url_with_auth)
        assert file.url == private.file_url(file.filename)
        assert file.index.url == private.url

        async def download() -> None:
            async with RegistryClient(
                cache=cache, indexes=IndexSettings(private.url_with_auth)
            ) as registry:
                [again] = await registry.project_files(normalize_name("foo"))
                await registry.download(again, cache.root / "foo.whl")

        asyncio.run(download())  # file requests carry the index's credentials too
        private.fail("/simple/bar/", status=503, times=None)
        with pytest.raises(NetworkError) as info:
            fetch_files("bar", index_url=private.url_with_auth, retries=0)
        assert str(info.value) == (
            f"Request to {private.project_url('bar')} failed: HTTP 503 Service Unavailable"
        )
    stored = [path.read_bytes() for path in cache.root.rglob("*") if path.is_file()]
    assert any(b"foo-1.0" in data for data in stored)
    assert not any(b"s3cret" in data or b"alice" in data for data in stored)


def test_wheel_metadata_comes_from_the_pep_658_file(index: PackageIndex, cache: Cache) -> None:
    wheel = index.add_wheel("foo", "1.0", requires_dist=["bar>=2"])

    async def run() -> bytes:
        async with RegistryClient(cache=cache, indexes=IndexSettings(index.url)) as registry:
            [file] = await registry.project_files(normalize_name("foo"))
            return await registry.wheel_metadata(file)

    metadata = asyncio.run(run())
    assert b"Requires-Dist: bar>=2" in metadata
    assert index.request_paths("/files/") == [f"/files/{wheel.name}.metadata"]


def test_a_metadata_file_with_the_wrong_hash_is_refused(index: PackageIndex, cache: Cache) -> None:
    wheel = index.add_wheel("foo", "1.0")
    index.serve_raw(f"/files/{wheel.name}.metadata", "Name: evil\n", "text/plain")

    async def run() -> bytes:
        async with RegistryClient(cache=cache, indexes=IndexSettings(index.url)) as registry:
            [file] = await registry.project_files(normalize_name("foo"))
            return await registry.wheel_metadata(file)

    with pytest.raises(HashMismatch) as info:
        asyncio.run(run())
    assert str(info.value).startswith(
        f"Hash mismatch for the metadata of {wheel.name}:\n    Expected: sha256:"
    )


@pytest.mark.parametrize("why", ["not announced", "announced but missing"])
def test_wheel_metadata_falls_back_to_the_wheel(
    index: PackageIndex, cache: Cache, why: str
) -> None:
    wheel = index.add_wheel("foo", "1.0", requires_dist=["bar>=2"])
    if why == "not announced":
        index.metadata_files = False
    else:
        index.serve_raw(f"/files/{wheel.name}.metadata", "gone", status=404)

    async def run() -> bytes:
        async with RegistryClient(cache=cache, indexes=IndexSettings(index.url)) as registry:
            [file] = await registry.project_files(normalize_name("foo"))
            return await registry.wheel_metadata(file)

    metadata = asyncio.run(run())
    assert metadata.startswith(b"Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n")
    assert b"Requires-Dist: bar>=2" in metadata
    assert index.request_paths(f"/files/{wheel.name}")[-1] == f"/files/{wheel.name}"
    assert not (cache.root / ".tmp").exists()  # read by byte ranges: nothing downloaded


def test_offline_metadata_is_a_clear_error(
    index: PackageIndex, cache: Cache, fetch_files: Callable[..., list[File]]
) -> None:
    wheel = index.add_wheel("foo", "1.0")
    settings = IndexSettings(index.url)

    async def run(offline: bool) -> bytes:
        async with RegistryClient(cache=cache, indexes=settings, offline=offline) as registry:
            [file] = await registry.project_files(normalize_name("foo"))
            return await registry.wheel_metadata(file)

    fetch_files("foo", index_url=index.url)  # the page is cached, the metadata is not
    with pytest.raises(PuffinError) as info:
        asyncio.run(run(offline=True))
    asyncio.run(run(offline=False))
    assert b"Name: foo" in asyncio.run(run(offline=True))  # now read from the disk cache
    assert str(info.value) == (
        f"The metadata of {wheel.name} is not in the cache and --offline forbids network access"
    )


def test_index_settings() -> None:
    settings = IndexSettings(extra_index_urls=("https://b/simple",), find_links=("d",))
    assert settings.index_urls == ("https://pypi.org/simple", "https://b/simple")
    assert IndexSettings(no_index=True, find_links=("d",)).index_urls == ()


def test_metadata_of_a_local_wheel_is_read_in_place(
    wheel_dir: Path, make_wheel: Callable[..., Path], cache: Cache
) -> None:
    make_wheel("foo", "1.0", requires_dist=["bar>=2"])
    settings = IndexSettings(no_index=True, find_links=(str(wheel_dir),))

    async def run() -> bytes:
        async with RegistryClient(cache=cache, indexes=settings, offline=True) as registry:
            [file] = await registry.project_files(normalize_name("foo"))
            return await registry.wheel_metadata(file)

    assert b"Requires-Dist: bar>=2" in asyncio.run(run())
    assert not (cache.root / ".tmp").exists()


def test_credentials_a_page_writes_into_file_urls_are_kept_out_of_files_and_cache(
    cache: Cache,
) -> None:
    with PackageIndex(auth=("bob", "pw-123")) as private:
        wheel = private.add_wheel("foo", "1.0")
        secret_url = private.file_url(wheel.name).replace("http://", "http://bob:pw-123@")
        page = {
            "meta": {"api-version": "1.0"},
            "files": [{"filename": wheel.name, "url": secret_url, "hashes": {}}],
        }
        private.serve_raw("/simple/foo/", json.dumps(page), "application/vnd.pypi.simple.v1+json")
        settings = IndexSettings(private.url_with_auth)

        async def run() -> str:
            async with RegistryClient(cache=cache, indexes=settings) as registry:
                [file] = await registry.project_files(normalize_name("foo"))
                await registry.download(file, cache.root / "foo.whl")
                return file.url

        assert asyncio.run(run()) == private.file_url(wheel.name)
    assert not any("pw-123" in path.read_text() for path in cache.root.rglob("*.json"))


def test_closing_stops_work_whose_callers_were_cancelled(index: PackageIndex, cache: Cache) -> None:
    """A resolver's look-ahead is cancelled at the end of a run; the shared request it started
    must not go on to use the closed client (asyncio would print its traceback)."""
    wheel = index.add_wheel("foo", "1.0")
    index.delay(f"/files/{wheel.name}.metadata", 0.5)
    loop_errors: list[dict[str, object]] = []

    async def run() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda _, ctx: loop_errors.append(ctx))
        async with RegistryClient(cache=cache, indexes=IndexSettings(index.url)) as registry:
            [file] = await registry.project_files(normalize_name("foo"))
            look_ahead = asyncio.ensure_future(registry.wheel_metadata(file))
            await asyncio.sleep(0.1)
            look_ahead.cancel()
        await asyncio.sleep(0.6)  # past the delayed answer

    asyncio.run(run())
    assert loop_errors == []
    assert list(cache.root.rglob(f"{wheel.name[:-4]}*.json")) == []
