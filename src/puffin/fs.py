"""Crash-safe file-system primitives: atomic writes, atomic symlink swaps, and locks."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def atomic_write_bytes(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write `data` to `path` so readers see the old file or the new one, never a torn one.

    The temp file lives in the same directory, so `os.replace` is a rename within one file
    system, which POSIX guarantees to be atomic. The new file gets `mode`, else the usual
    permissions of a new file (0o666 less the umask).
    """
    directory = os.path.dirname(path)
    made_directory = False
    while True:
        temp = os.path.join(directory, f".{os.path.basename(path)}.{_PID}.{next(_temps)}.tmp")
        try:
            fd = os.open(temp, _CREATE_NEW, 0o666)
        except FileNotFoundError:
            if made_directory:
                raise
            # Made on first need: a resolve writes ~3,000 entries into existing directories,
            # and asking for each directory first cost a stat (or a raised FileExistsError).
            os.makedirs(directory, exist_ok=True)
            made_directory = True
            continue
        except FileExistsError:  # left by a crashed process whose pid came round again
            continue
        break
    try:
        try:
            if mode is not None:
                os.chmod(temp, mode)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


# Unique per process and write: tempfile.mkstemp drew random names (and made 0o600 files,
# which is wrong for a requirements file and needless for the cache), a measurable share of a
# cold resolve that writes thousands of metadata entries from worker threads.
_PID = os.getpid()
_temps = itertools.count()
_CREATE_NEW = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)  # Windows: no newline translation
)


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
    import tempfile  # a warm resolve makes no temporary directory

    parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(dir=parent, prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
