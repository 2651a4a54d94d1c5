"""Delete cache entries crash-safely, counting the files and bytes that went."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from puffin.errors import CacheError

# A doomed entry is first renamed to this prefix in the root: a crash mid-delete then leaves a
# `.tmp-*` directory that the next clean or prune removes, never half an entry under its name.
TRASH_PREFIX = ".tmp-removing-"


@dataclass(frozen=True)
class Removal:
    """What a removal took away: files (symlinks included), directories, apparent bytes."""

    files: int = 0
    directories: int = 0
    bytes: int = 0

    def __add__(self, other: Removal) -> Removal:
        return Removal(
            self.files + other.files,
            self.directories + other.directories,
            self.bytes + other.bytes,
        )

    @property
    def empty(self) -> bool:
        return self.files == 0 and self.directories == 0


def discard(path: Path, root: Path) -> Removal:
    """Rename `path` out of its place into the cache `root`, then delete it there.

    The rename is atomic, so a reader sees the whole entry or none of it. A path already gone
    counts as nothing. Raises CacheError naming the path when it cannot be removed.
    """
    trash = root / f"{TRASH_PREFIX}{os.urandom(8).hex()}"
    try:
        os.rename(path, trash)
    except FileNotFoundError:
        return Removal()
    except OSError as error:
        if error.errno != errno.EXDEV:  # a bucket symlinked to another file system
            raise CacheError(f"Cannot remove {path}: {error.strerror}") from None
        trash = path
    try:
        return remove_counted(trash)
    except OSError as error:
        raise CacheError(f"Cannot remove {path}: {error.strerror}") from None


def remove_counted(path: Path) -> Removal:
    """Delete a file, symlink (never its target) or directory tree, in one walk that counts."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return Removal()
    if not stat.S_ISDIR(info.st_mode):
        _retry_writable(os.unlink, path)
        return Removal(files=1, bytes=info.st_size)
    removed = Removal(directories=1)
    with os.scandir(path) as entries:
        children = [Path(entry.path) for entry in entries]
    for child in children:
        removed += remove_counted(child)
    _retry_writable(os.rmdir, path)
    return removed


def _retry_writable(remove: Callable[[Path], None], path: Path) -> None:
    """Remove `path`; if its directory forbids it (git marks its object dirs read-only),
    make the directory writable once and try again."""
    try:
        remove(path)
    except PermissionError:
        parent = path.parent
        os.chmod(parent, os.lstat(parent).st_mode | stat.S_IRWXU)
        remove(path)
