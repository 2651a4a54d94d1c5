"""Crash-safe file-system primitives: atomic writes, atomic symlink swaps, and locks."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` so readers see the old file or the new one, never a torn one.

    The temp file lives in the same directory, so `os.replace` is a rename within one file
    system, which POSIX guarantees to be atomic.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def atomic_write_json(path: Path, value: Any) -> None:
    atomic_write_bytes(path, json.dumps(value, separators=(",", ":")).encode())


def read_json(path: Path) -> Any | None:
    """Return the parsed JSON at `path`, or None if it is missing or unreadable."""
    try:
        with open(path, "rb") as handle:
            return json.loads(handle.read())
    except (OSError, ValueError):
        return None


def replace_symlink(link: Path, target: str) -> None:
    """Point `link` at `target` atomically: a temp symlink renamed over the old one."""
    link.parent.mkdir(parents=True, exist_ok=True)
    temp = link.parent / f".{link.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    os.symlink(target, temp)
    try:
        os.replace(temp, link)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def remove_tree(path: Path) -> None:
    """Remove a file, symlink or directory tree; missing paths are fine."""
    try:
        if path.is_symlink() or path.is_file():
            path.unlink()
        else:
            shutil.rmtree(path)
    except FileNotFoundError:
        pass


@contextlib.contextmanager
def temp_dir_in(parent: Path, prefix: str = ".tmp-") -> Iterator[Path]:
    """A temporary directory inside `parent`, removed on exit (also on error or Ctrl-C)."""
    parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(dir=parent, prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
