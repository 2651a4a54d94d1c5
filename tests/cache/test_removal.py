"""Counted, crash-safe removal: what went is counted, symlinks are never followed."""

from __future__ import annotations

import os
from pathlib import Path

from puffin.cache.removal import Removal, discard, remove_counted


def test_a_tree_is_removed_and_counted(tmp_path: Path) -> None:
    tree = tmp_path / "entry"
    (tree / "pkg" / "sub").mkdir(parents=True)
    (tree / "pkg" / "__init__.py").write_bytes(b"x" * 100)
    (tree / "pkg" / "sub" / "data.bin").write_bytes(b"y" * 28)
    assert remove_counted(tree) == Removal(files=2, directories=3, bytes=128)
    assert not tree.exists()


def test_a_symlink_is_removed_but_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep me")
    tree = tmp_path / "entry"
    tree.mkdir()
    (tree / "link").symlink_to(outside)
    removed = remove_counted(tree)
    assert (removed.files, removed.directories) == (1, 1)
    assert (outside / "precious.txt").read_text() == "keep me"


def test_discard_moves_the_entry_aside_then_leaves_nothing(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    entry = root / "wheels-v0" / "pypi" / "alpha"
    entry.mkdir(parents=True)
    (entry / "alpha-1.0-py3-none-any.json").write_text("{}")
    assert discard(entry, root) == Removal(files=1, directories=1, bytes=2)
    assert sorted(os.listdir(root)) == ["wheels-v0"]
    assert os.listdir(root / "wheels-v0" / "pypi") == []


def test_discarding_a_missing_path_removes_nothing(tmp_path: Path) -> None:
    removed = discard(tmp_path / "gone", tmp_path)
    assert removed == Removal()
    assert removed.empty
