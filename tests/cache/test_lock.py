"""The cache root lock: shared holders coexist, an exclusive one waits for them and says so."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from puffin.cache import Cache

_HOLDER = """
import sys
from pathlib import Path
from puffin.cache import Cache

cache = Cache(Path(sys.argv[1]))
lock = cache.shared_lock() if sys.argv[2] == "shared" else cache.exclusive_lock()
with lock:
    print("held", flush=True)
    sys.stdin.read()
"""


class Holder:
    """Another process holding the root lock until `release()` (or until it is killed)."""

    def __init__(self, root: Path, mode: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _HOLDER, str(root), mode],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline() == "held\n"

    def release(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        assert self.process.wait(timeout=30) == 0


@pytest.fixture
def holders() -> Iterator[list[Holder]]:
    started: list[Holder] = []
    yield started
    for holder in started:
        if holder.process.poll() is None:
            holder.process.kill()
            holder.process.wait()


def test_shared_holders_do_not_wait_for_each_other(tmp_path: Path, holders: list[Holder]) -> None:
    holders.append(Holder(tmp_path, "shared"))
    waits: list[str] = []
    with Cache(tmp_path).shared_lock(on_wait=lambda: waits.append("waited")):
        pass
    assert waits == []


def test_exclusive_waits_for_a_shared_holder_and_reports_it_once(
    tmp_path: Path, holders: list[Holder]
) -> None:
    holder = Holder(tmp_path, "shared")
    holders.append(holder)
    waits: list[float] = []
    started = time.monotonic()

    def on_wait() -> None:
        waits.append(time.monotonic() - started)
        holder.release()  # the wait is reported before it blocks, so the holder can go now

    with Cache(tmp_path).exclusive_lock(on_wait=on_wait):
        assert holder.process.poll() == 0, "the lock was taken before the holder let go"
    assert len(waits) == 1
    assert waits[0] >= 0.2


def test_a_shared_lock_waits_for_an_exclusive_holder(tmp_path: Path, holders: list[Holder]) -> None:
    holder = Holder(tmp_path, "exclusive")
    holders.append(holder)
    waits: list[str] = []

    def on_wait() -> None:
        waits.append("waited")
        holder.release()

    with Cache(tmp_path).shared_lock(on_wait=on_wait):
        pass
    assert waits == ["waited"]


def test_a_killed_holder_releases_the_lock(tmp_path: Path, holders: list[Holder]) -> None:
    holder = Holder(tmp_path, "exclusive")
    holders.append(holder)
    os.kill(holder.process.pid, signal.SIGKILL)
    holder.process.wait()
    waits: list[str] = []
    with Cache(tmp_path).exclusive_lock(on_wait=lambda: waits.append("waited")):
        pass
    assert waits == []


def test_an_uncontended_lock_creates_the_root_and_reports_nothing(tmp_path: Path) -> None:
    waits: list[str] = []
    root = tmp_path / "new" / "cache"
    with Cache(root).exclusive_lock(on_wait=lambda: waits.append("waited")):
        assert (root / ".lock").is_file()
    assert waits == []


def test_a_root_that_is_a_file_is_a_cache_error(tmp_path: Path) -> None:
    from puffin.errors import CacheError

    root = tmp_path / "cache"
    root.write_text("not a directory")
    with pytest.raises(CacheError) as caught, Cache(root).shared_lock():
        pass
    assert str(caught.value) == f"Cannot lock cache directory {root}: File exists"
