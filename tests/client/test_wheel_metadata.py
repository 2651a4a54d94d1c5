"""METADATA read out of a downloaded wheel, when the index offers no `.metadata` file."""

from __future__ import annotations

from pathlib import Path

import pytest

from puffin.client.wheel_metadata import read_wheel_metadata
from puffin.errors import InvalidWheel
from puffin.filenames import WheelFilename
from tests.support.wheels import build_raw_wheel

WHEEL = WheelFilename.parse("foo_bar-1.0-py3-none-any.whl")


def test_the_projects_own_dist_info_is_read(tmp_path: Path) -> None:
    path = build_raw_wheel(
        tmp_path / WHEEL.filename,
        [
            ("vendored-2.0.dist-info/METADATA", "Name: vendored\n"),
            ("Foo.Bar-1.0.dist-info/METADATA", "Name: Foo.Bar\n"),
            ("pkg/nested-1.0.dist-info/METADATA", "Name: nested\n"),
        ],
    )
    assert read_wheel_metadata(path, WHEEL) == b"Name: Foo.Bar\n"


def test_a_wheel_without_metadata_is_invalid(tmp_path: Path) -> None:
    path = build_raw_wheel(tmp_path / WHEEL.filename, [("foo_bar/__init__.py", "")])
    with pytest.raises(InvalidWheel) as info:
        read_wheel_metadata(path, WHEEL)
    assert str(info.value) == (
        "Invalid wheel foo_bar-1.0-py3-none-any.whl: "
        "no foo-bar-*.dist-info/METADATA file at the archive root"
    )


def test_a_file_that_is_not_a_zip_is_invalid(tmp_path: Path) -> None:
    path = tmp_path / WHEEL.filename
    path.write_bytes(b"<html>not found</html>")
    with pytest.raises(InvalidWheel) as info:
        read_wheel_metadata(path, WHEEL)
    assert str(info.value) == (
        "Invalid wheel foo_bar-1.0-py3-none-any.whl: "
        "not a readable zip archive (File is not a zip file)"
    )
