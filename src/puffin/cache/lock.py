"""The cache root's readers-writer lock: `flock(2)` on `<root>/.lock`, shared or exclusive.

filelock only offers exclusive locks, and every puffin command must be able to use the cache at
once while `clean` and `prune` shut them all out; `flock` gives both modes on one file. It is
POSIX only (Linux, macOS, the BSDs). The lock belongs to the open file, so the kernel releases
it when the process dies, however it dies: a killed puffin never leaves the cache locked.
"""

from __future__ import annotations

import contextlib
import enum
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from puffin.errors import CacheError

LOCK_FILE = ".lock"
# A holder that finishes within this long goes unmentioned; a longer wait is reported once.
REPORT_WAIT_AFTER = 0.2
_POLL_INTERVAL = 0.02


class LockMode(enum.Enum):
    SHARED = fcntl.LOCK_SH  # every command that reads or adds entries
    EXCLUSIVE = fcntl.LOCK_EX  # clean and prune, which delete entries


@contextlib.contextmanager
def hold_root_lock(
    root: Path, mode: LockMode, on_wait: Callable[[], None] | None = None
) -> Iterator[None]:
    """Hold the lock on `root` in `mode` for the `with` block, waiting as long as it takes.

    `on_wait` is called once if the lock is still held by another process after
    REPORT_WAIT_AFTER seconds. Ctrl-C interrupts the wait. Raises CacheError when the lock
    file can be neither created nor opened.
    """
    fd = _open_lock_file(root)
    try:
        _acquire(fd, mode, on_wait)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _open_lock_file(root: Path) -> int:
    path = root / LOCK_FILE
    try:
        root.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except PermissionError:
        pass
    except OSError as error:
        raise CacheError(f"Cannot lock cache directory {root}: {error.strerror}") from None
    # A read-only cache can still be locked: flock needs an open file, not a writable one.
    try:
        return os.open(path, os.O_RDONLY)
    except OSError as error:
        raise CacheError(f"Cannot lock cache directory {root}: {error.strerror}") from None


def _acquire(fd: int, mode: LockMode, on_wait: Callable[[], None] | None) -> None:
    # Polling for a moment first keeps short waits silent; then one blocking call, which
    # wakes as soon as the holder lets go and which Ctrl-C interrupts.
    deadline = time.monotonic() + REPORT_WAIT_AFTER
    while True:
        try:
            fcntl.flock(fd, mode.value | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        if time.monotonic() >= deadline:
            break
        time.sleep(_POLL_INTERVAL)
    if on_wait is not None:
        on_wait()
    fcntl.flock(fd, mode.value)
