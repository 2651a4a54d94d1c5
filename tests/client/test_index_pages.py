"""Project pages over real HTTP: JSON first, HTML fallback, and the `simple-v1` HTTP cache."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from puffin.cache.cache import Cache, CacheBucket, index_key
from puffin.client.index_pages import JSON_AND_HTML_ACCEPT
from puffin.dist_types import File
from puffin.errors import IndexError_, NetworkError, PuffinError
from tests.support.index_server import PackageIndex


def cache_entry(cache: Cache, index: PackageIndex, name: str) -> Path:
    return cache.bucket(CacheBucket.SIMPLE) / index_key(index.url) / f"{name}.page"


def test_json_is_asked_for_first_and_read(
    index: PackageIndex, fetch_files: Callable[..., list[File]]
) -> None:
    wheel = index.add_wheel("foo", "1.0", requires_python=">=3.8")
    [file] = fetch_files("foo", index_url=index.url)
    [request] = index.requests
    assert request.headers["accept"] == JSON_AND_HTML_ACCEPT
    assert file.filename == wheel.name
    assert file.url == index.file_url(wheel.name)
    assert file.size == wheel.stat().st_size  # PEP 700: only the JSON page has sizes
    assert str(file.requires_python) == ">=3.8"
    assert file.has_metadata_file


def test_html_pages_are_read_when_json_is_not_served(
    index: PackageIndex, fetch_files: Callable[..., list[File]]
) -> None:
    index.formats = frozenset({"html"})
    index.add_wheel("foo", "1.0", requires_python=">=3.8,<4", yanked="broken")
    [file] = fetch_files("foo", index_url=index.url)
    assert file.size is None
    assert str(file.requires_python) == "<4,>=3.8"
    assert file.yanked == "broken"
    assert len(file.hashes) == 1 and file.has_metadata_file


def test_relative_file_urls_resolve_against_the_page(
    index: PackageIndex, fetch_files: Callable[..., list[File]]
) -> None:
    index.relative_urls = True
    wheel = index.add_wheel("foo", "1.0")
    for page_format in ("json", "html"):
        index.formats = frozenset({page_format})
        [file] = fetch_files("Foo", index_url=index.url, refresh=True)
        assert file.url == index.file_url(wheel.name)


def test_a_page_is_cached_parsed_and_a_second_run_asks_nothing(
    index: PackageIndex, fetch_files: Callable[..., list[File]], cache: Cache
) -> None:
    index.add_wheel("foo", "1.0")
    index.add_sdist("foo", "1.0")
    first = fetch_files("foo", index_url=index.url)
    assert index.request_paths() == ["/simple/foo/"]
    header, _, body = cache_entry(cache, index, "foo").read_bytes().partition(b"\n")
    entry = json.loads(header)
    assert entry["url"] == index.project_url("foo")
    assert entry["policy"]["etag"]
    assert entry["content-type"] == "application/vnd.pypi.simple.v1+json"
    assert sorted(record["filename"] for record in json.loads(body)["files"]) == [
        "foo-1.0-py3-none-any.whl",
        "foo-1.0.tar.gz",
    ]
    index.clear_requests()
    assert fetch_files("foo", index_url=index.url) == first
    assert index.requests == []


def test_a_stale_page_is_revalidated_and_a_304_renews_it(
    index: PackageIndex, fetch_files: Callable[..., list[File]], cache: Cache
) -> None:
    index.max_age = 0
    index.add_wheel("foo", "1.0")
    first = fetch_files("foo", index_url=index.url)
    header = cache_entry(cache, index, "foo").read_bytes().partition(b"\n")[0]
    etag = json.loads(header)["policy"]["etag"]
    index.clear_requests()
    index.max_age = 600  # the 304 carries the new lifetime
    assert fetch_files("foo", index_url=index.url) == first
    [revalidation] = index.requests
    assert revalidation.headers["if-none-match"] == etag
    assert "if-modified-since" in revalidation.headers
    index.clear_requests()
    assert fetch_files("foo", index_url=index.url) == first
    assert index.requests == []


def test_a_damaged_entry_answered_with_304_is_fetched_whole(
    index: PackageIndex, fetch_files: Callable[..., list[File]], cache: Cache
) -> None:
    index.max_age = 0
    index.add_wheel("foo", "1.0")
    first = fetch_files("foo", index_url=index.url)
    entry = cache_entry(cache, index, "foo")
    header = entry.read_bytes().partition(b"\n")[0]
    entry.write_bytes(header + b"\n{damaged")
    index.clear_requests()
    assert fetch_files("foo", index_url=index.url) == first
    conditional, whole = index.requests
    assert "if-none-match" in conditional.headers and "if-none-match" not in whole.headers


def test_a_changed_page_replaces_the_cached_one(
    index: PackageIndex, fetch_files: Callable[..., list[File]]
) -> None:
    index.max_age = 0
    index.add_wheel("foo", "1.0")
    fetch_files("foo", index_url=index.url)
    index.add_wheel("foo", "2.0")
    files = fetch_files("foo", index_url=index.url)
    assert sorted(str(file.dist.version) for file in files) == ["1.0", "2.0"]


@pytest.mark.parametrize("refresh", [True, frozenset({"foo"})])
def test_refresh_revalidates_a_fresh_page(
    index: PackageIndex, fetch_files: Callable[..., list[File]], refresh: bool | frozenset[str]
) -> None:
    index.add_wheel("foo", "1.0")
    index.add_wheel("bar", "1.0")
    fetch_files("foo", index_url=index.url)
    fetch_files("bar", index_url=index.url)
    index.clear_requests()
    fetch_files("foo", index_url=index.url, refresh=refresh)
    fetch_files("bar", index_url=index.url, refresh=refresh)
    expected = ["/simple/foo/", "/simple/bar/"] if refresh is True else ["/simple/foo/"]
    assert index.request_paths() == expected
    assert all("if-none-match" in request.headers for request in index.requests)


def test_offline_uses_the_cache_whatever_its_age(
    index: PackageIndex, fetch_files: Callable[..., list[File]]
) -> None:
    index.max_age = 0
    index.add_wheel("foo", "1.0")
    first = fetch_files("foo", index_url=index.url)
    index.clear_requests()
    assert fetch_files("foo", index_url=index.url, offline=True) == first
    assert index.requests == []


def test_offline_without_a_cached_page_is_a_clear_error(
    index: PackageIndex, fetch_files: Callable[..., list[File]]
) -> None:
    with pytest.raises(PuffinError) as info:
        fetch_files("foo", index_url=index.url, offline=True)
    assert str(info.value) == "foo is not in the cache and --offline forbids network access"
    assert index.requests == []


def test_an_unreadable_cache_entry_is_fetched_again(
    index: PackageIndex, fetch_files: Callable[..., list[File]], cache: Cache
) -> None:
    index.add_wheel("foo", "1.0")
    first = fetch_files("foo", index_url=index.url)
    entry = cache_entry(cache, index, "foo")
    header = cache_entry(cache, index, "foo").read_bytes().partition(b"\n")[0].decode()
    for garbage in ("{not json", '{"url": 1, "files": []}', "[]", f"{header}\n{{not json"):
        entry.write_text(garbage)
        index.clear_requests()
        assert fetch_files("foo", index_url=index.url) == first
        assert index.request_paths() == ["/simple/foo/"]


def test_a_no_store_page_is_not_cached(
    index: PackageIndex, fetch_files: Callable[..., list[File]], cache: Cache
) -> None:
    wheel = index.add_wheel("foo", "1.0")
    body = json.dumps(
        {
            "meta": {"api-version": "1.0"},
            "files": [{"filename": wheel.name, "url": index.file_url(wheel.name), "hashes": {}}],
        }
    )
    index.serve_raw(
        "/simple/foo/",
        body,
        "application/vnd.pypi.simple.v1+json",
        headers={"Cache-Control": "no-store"},
    )
    assert [file.filename for file in fetch_files("foo", index_url=index.url)] == [wheel.name]
    assert not cache_entry(cache, index, "foo").exists()


def test_bad_file_entries_are_skipped_and_the_page_is_used(
    index: PackageIndex, fetch_files: Callable[..., list[File]], caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps(
        {
            "meta": {"api-version": "1.0"},
            "files": [
                {"filename": "foo-1.0.tar.gz", "url": "/files/foo-1.0.tar.gz", "hashes": {}},
                {"filename": "foo-2.0.tar.gz", "url": 12},
                {"filename": "foo-latest.zip", "url": "/files/foo-latest.zip"},
            ],
        }
    )
    index.serve_raw("/simple/foo/", body, "application/vnd.pypi.simple.v1+json")
    with caplog.at_level(logging.DEBUG, logger="puffin.client"):
        files = fetch_files("foo", index_url=index.url)
    assert [file.url for file in files] == [f"{index.base_url}/files/foo-1.0.tar.gz"]
    assert f"Skipping a file entry on {index.url}: url is not a string (12)" in caplog.messages


def test_an_unparsable_page_is_an_index_error(
    index: PackageIndex, fetch_files: Callable[..., list[File]]
) -> None:
    index.serve_raw("/simple/foo/", "{", "application/vnd.pypi.simple.v1+json")
    with pytest.raises(IndexError_) as info:
        fetch_files("foo", index_url=index.url)
    assert str(info.value) == (
        f"Index page {index.project_url('foo')} is not valid JSON: "
        "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
    )


def test_a_server_error_is_retried_then_succeeds(
    index: PackageIndex, fetch_files: Callable[..., list[File]]
) -> None:
    index.add_wheel("foo", "1.0")
    index.fail("/simple/foo/", status=500, times=2)
    assert len(fetch_files("foo", index_url=index.url)) == 1
    assert index.request_paths() == ["/simple/foo/"] * 3


def test_a_persistent_server_error_gives_up_with_the_reason(
    index: PackageIndex, fetch_files: Callable[..., list[File]]
) -> None:
    index.add_wheel("foo", "1.0")
    index.fail("/simple/foo/", status=503, times=None)
    with pytest.raises(NetworkError) as info:
        fetch_files("foo", index_url=index.url, retries=1)
    assert str(info.value) == (
        f"Request to {index.project_url('foo')} failed: HTTP 503 Service Unavailable"
    )
    assert index.request_paths() == ["/simple/foo/"] * 2


def test_other_client_errors_are_not_retried(
    index: PackageIndex, fetch_files: Callable[..., list[File]]
) -> None:
    index.fail("/simple/foo/", status=403)
    with pytest.raises(NetworkError) as info:
        fetch_files("foo", index_url=index.url)
    assert str(info.value) == f"Request to {index.project_url('foo')} failed: HTTP 403 Forbidden"
    assert index.request_paths() == ["/simple/foo/"]


def test_a_local_file_index_is_read_from_disk(
    tmp_path: Path, make_wheel: Callable[..., Path], fetch_files: Callable[..., list[File]]
) -> None:
    wheel = make_wheel("foo", "1.0")
    page = tmp_path / "simple" / "foo" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text(f'<a href="../../wheels/{wheel.name}" data-requires-python="&gt;=3.9">x</a>')
    index_url = (tmp_path / "simple").as_uri()
    [file] = fetch_files("foo", index_url=index_url, offline=True)
    assert (file.url, str(file.requires_python)) == (wheel.as_uri(), ">=3.9")
    assert fetch_files("bar", index_url=index_url) == []


def test_a_page_whose_urls_carry_credentials_is_cached_without_them(
    index: PackageIndex, fetch_files: Callable[..., list[File]], cache: Cache
) -> None:
    wheel = index.add_wheel("foo", "1.0")
    secret_url = index.file_url(wheel.name).replace("http://", "http://alice:s3cret@")
    body = json.dumps(
        {
            "meta": {"api-version": "1.0"},
            "files": [{"filename": wheel.name, "url": secret_url, "hashes": {}}],
        }
    )
    index.serve_raw(
        "/simple/foo/",
        body,
        "application/vnd.pypi.simple.v1+json",
        headers={"Cache-Control": "max-age=600"},
    )
    [file] = fetch_files("foo", index_url=index.url)
    assert file.url == index.file_url(wheel.name)
    entry = cache_entry(cache, index, "foo").read_bytes()
    assert b"s3cret" not in entry and b"alice" not in entry
    index.clear_requests()
    [again] = fetch_files("foo", index_url=index.url)
    assert again == file and index.requests == []


def test_a_page_without_validators_is_fetched_whole_each_run_and_kept_for_offline(
    index: PackageIndex,
    fetch_files: Callable[..., list[File]],
    cache: Cache,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Some mirrors send neither a lifetime nor an ETag or Last-Modified: the stored body can
    # serve --offline, and online it would be read only to be replaced, so it is not read.
    index.max_age = None
    index.validators = False
    index.add_wheel("foo", "1.0")
    first = fetch_files("foo", index_url=index.url)
    index.add_wheel("foo", "2.0")
    index.clear_requests()
    import puffin.client.index_pages as index_pages

    def unexpected(path: Path) -> None:
        raise AssertionError(f"{path} was read whole")

    with monkeypatch.context() as patched:
        patched.setattr(index_pages, "read_cached_page", unexpected)
        second = fetch_files("foo", index_url=index.url)
    [request] = index.requests
    assert "if-none-match" not in request.headers
    assert "if-modified-since" not in request.headers
    assert sorted(str(file.dist.version) for file in second) == ["1.0", "2.0"]
    index.clear_requests()
    assert fetch_files("foo", index_url=index.url, offline=True) == second != first
    assert index.requests == []
