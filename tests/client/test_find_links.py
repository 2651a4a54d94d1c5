"""Find-links: local directories, single archives, HTML files and pages over HTTP."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from puffin.dist_types import File
from puffin.errors import IndexError_
from tests.support.index_server import PackageIndex
from tests.support.wheels import build_sdist


def test_a_directory_offers_its_archives(
    wheel_dir: Path, make_wheel: Callable[..., Path], fetch_files: Callable[..., list[File]]
) -> None:
    wheel = make_wheel("foo", "1.0")
    sdist = build_sdist(wheel_dir, "foo", "2.0")
    make_wheel("bar", "1.0")
    (wheel_dir / "notes.txt").write_text("not an archive")
    (wheel_dir / "foo-3.0.tar.gz").mkdir()  # a directory, whatever its name
    files = fetch_files("foo", no_index=True, find_links=(str(wheel_dir),))
    assert [(f.filename, f.url, f.size) for f in files] == [
        (sdist.name, sdist.as_uri(), sdist.stat().st_size),
        (wheel.name, wheel.as_uri(), wheel.stat().st_size),
    ]
    assert all(f.index.is_flat and f.index.url == str(wheel_dir) for f in files)


def test_relative_paths_file_urls_and_single_archives(
    wheel_dir: Path,
    make_wheel: Callable[..., Path],
    fetch_files: Callable[..., list[File]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wheel = make_wheel("foo", "1.0")
    monkeypatch.chdir(wheel_dir.parent)
    for location in ("wheels", wheel_dir.as_uri(), str(wheel), wheel.as_uri()):
        files = fetch_files("foo", no_index=True, find_links=(location,))
        assert [file.url for file in files] == [wheel.as_uri()]


def test_a_local_html_file_of_links(
    tmp_path: Path, make_wheel: Callable[..., Path], fetch_files: Callable[..., list[File]]
) -> None:
    wheel = make_wheel("foo", "1.0")
    page = tmp_path / "links.html"
    page.write_text(f'<a href="wheels/{wheel.name}">foo</a> <a href="other.html">x</a>')
    [file] = fetch_files("foo", no_index=True, find_links=(str(page),))
    assert file.url == wheel.as_uri()


def test_a_missing_location_is_an_error(
    tmp_path: Path, fetch_files: Callable[..., list[File]]
) -> None:
    with pytest.raises(IndexError_) as info:
        fetch_files("foo", no_index=True, find_links=(str(tmp_path / "nowhere"),))
    assert str(info.value) == f"Find-links location {tmp_path / 'nowhere'} does not exist"


def test_a_page_over_http_is_read_once_for_every_project(
    index: PackageIndex, fetch_files: Callable[..., list[File]]
) -> None:
    wheel = index.add_wheel("foo", "1.0")
    index.add_wheel("bar", "1.0")
    [file] = fetch_files("foo", no_index=True, find_links=(index.find_links_url,))
    assert file.url == index.file_url(wheel.name)
    assert file.index.is_flat
    assert index.request_paths() == ["/links/"]


def test_find_links_files_come_after_the_index_files(
    index: PackageIndex,
    make_wheel: Callable[..., Path],
    wheel_dir: Path,
    fetch_files: Callable[..., list[File]],
) -> None:
    index.add_wheel("foo", "1.0")
    make_wheel("foo", "1.0", tag="py2.py3-none-any")
    files = fetch_files("foo", index_url=index.url, find_links=(str(wheel_dir),))
    assert [(file.filename, file.index.is_flat) for file in files] == [
        ("foo-1.0-py3-none-any.whl", False),
        ("foo-1.0-py2.py3-none-any.whl", True),
    ]


def test_offline_skips_a_page_over_http_with_a_warning(
    index: PackageIndex, fetch_files: Callable[..., list[File]], caplog: pytest.LogCaptureFixture
) -> None:
    index.add_wheel("foo", "1.0")
    with caplog.at_level(logging.WARNING, logger="puffin.client"):
        files = fetch_files("foo", no_index=True, find_links=(index.find_links_url,), offline=True)
    assert files == []
    assert index.requests == []
    assert caplog.messages == [
        f"Skipping the find-links page {index.find_links_url}: --offline forbids network access"
    ]
