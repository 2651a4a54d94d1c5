"""WriteBehind: queued writes run in order on one thread and are all done after close()."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from puffin.cache.write_behind import WriteBehind
from puffin.fs import atomic_write_bytes


def test_every_queued_write_is_on_disk_after_close(tmp_path: Path) -> None:
    writes = WriteBehind()
    for number in range(200):
        writes.submit(atomic_write_bytes, tmp_path / "entries" / f"{number}.json", b"%d" % number)
    writes.close()
    assert sorted(path.name for path in (tmp_path / "entries").iterdir()) == sorted(
        f"{number}.json" for number in range(200)
    )
    assert (tmp_path / "entries" / "199.json").read_bytes() == b"199"


def test_writes_run_in_order_off_the_submitting_thread() -> None:
    seen: list[tuple[int, str]] = []
    writes = WriteBehind()
    for number in range(50):
        writes.submit(lambda n: seen.append((n, threading.current_thread().name)), number)
    writes.close()
    assert [number for number, _ in seen] == list(range(50))
    assert {name for _, name in seen} == {"puffin-cache-writer"}


def test_a_failed_write_is_logged_and_the_rest_still_happen(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def fail() -> None:
        raise ValueError("disk says no")

    writes = WriteBehind()
    writes.submit(fail)
    writes.submit(atomic_write_bytes, tmp_path / "after.json", b"{}")
    with caplog.at_level(logging.WARNING, logger="puffin.cache"):
        writes.close()
    assert (tmp_path / "after.json").read_bytes() == b"{}"
    assert [record.getMessage() for record in caplog.records] == [
        "A cache write failed: disk says no"
    ]


def test_the_writer_starts_again_after_close(tmp_path: Path) -> None:
    writes = WriteBehind()
    writes.close()  # nothing queued: nothing to wait for
    writes.submit(atomic_write_bytes, tmp_path / "late.json", b"1")
    writes.close()
    assert (tmp_path / "late.json").read_bytes() == b"1"
