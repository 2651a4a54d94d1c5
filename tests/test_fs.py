"""Atomic writes leave the old file or the new one, with sensible permissions, and no debris."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from puffin.fs import atomic_write_bytes, atomic_write_json, read_json


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def test_a_new_file_gets_the_permissions_of_any_new_file(tmp_path: Path) -> None:
    target = tmp_path / "entry.json"

    atomic_write_json(target, {"a": [1, 2]})

    assert read_json(target) == {"a": [1, 2]}
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~_umask()
    assert os.listdir(tmp_path) == ["entry.json"]


def test_missing_directories_are_made(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "file"

    atomic_write_bytes(target, b"x" * 100_000)

    assert target.read_bytes() == b"x" * 100_000


def test_a_given_mode_is_applied_and_the_old_content_replaced(tmp_path: Path) -> None:
    target = tmp_path / "requirements.txt"
    target.write_bytes(b"old\n")

    atomic_write_bytes(target, b"new\n", mode=0o640)

    assert target.read_bytes() == b"new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["requirements.txt"]


def test_a_stale_temp_file_of_the_same_name_is_stepped_over(tmp_path: Path) -> None:
    import puffin.fs

    target = tmp_path / "page"
    upcoming = next(puffin.fs._temps) + 1
    (tmp_path / f".page.{os.getpid()}.{upcoming}.tmp").write_bytes(b"left by a crash")

    atomic_write_bytes(target, b"fresh")

    assert target.read_bytes() == b"fresh"


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "entry"
    target.write_bytes(b"old")

    with pytest.raises(TypeError):
        atomic_write_bytes(target, "not bytes")  # type: ignore[arg-type]

    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["entry"]


def test_a_file_where_a_directory_should_be_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_bytes(b"")

    with pytest.raises(OSError):
        atomic_write_bytes(tmp_path / "blocker" / "entry", b"data")
