"""Reading the buckets' shapes: names from METADATA, archive ids from wheel links."""

from __future__ import annotations

import os
from pathlib import Path

from puffin.cache.layout import archive_id, metadata_name


def test_the_name_comes_from_the_header_block_normalized() -> None:
    metadata = "Metadata-Version: 2.1\nName: My_Project\nVersion: 1.0\n\nName: not-this\n"
    assert metadata_name(metadata) == "my-project"


def test_a_name_only_in_the_body_is_no_name() -> None:
    assert metadata_name("Metadata-Version: 2.1\nVersion: 1.0\n\nName: body-text\n") is None


def test_a_wheel_link_names_its_archive_entry(tmp_path: Path) -> None:
    archive = tmp_path / "archive-v0"
    (archive / "abc123").mkdir(parents=True)
    link = tmp_path / "wheels-v0" / "index" / "d" / "alpha" / "alpha-1.0-py3-none-any"
    link.parent.mkdir(parents=True)
    os.symlink("../../../../archive-v0/abc123", link)
    assert archive_id(link, archive) == "abc123"
    elsewhere = link.with_name("other")
    os.symlink(str(tmp_path), elsewhere)
    assert archive_id(elsewhere, archive) is None
