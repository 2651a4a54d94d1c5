"""One writer thread for cache entries that the run itself never waits for."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

logger = logging.getLogger("puffin.cache")


class WriteBehind:
    """Runs blocking writes on one daemon thread, in the order they were submitted.

    A cold boto3.in resolve stores ~3,100 METADATA entries, and creating a file on this VM's
    disk costs 0.05-0.6 ms: written inline they took a second of the event loop's time
    (cProfile: `posix.open` 1.0 s of 14 s). The file syscalls release the GIL, so one thread
    takes that time off the loop; a thread hand-off per write (asyncio.to_thread) cost more
    than it saved. Each submitted function must make its entry appear whole or not at all
    (fs.atomic_write_bytes), since a killed process leaves the queue unwritten; `close` waits
    for the queue to drain, so a command that ends normally leaves every entry behind it.
    """

    def __init__(self, name: str = "puffin-cache-writer") -> None:
        self._name = name
        self._queue: queue.SimpleQueue[tuple[Callable[..., object], tuple[Any, ...]] | None] = (
            queue.SimpleQueue()
        )
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, function: Callable[..., object], *args: Any) -> None:
        """Queue `function(*args)`; its failure is logged, never raised to the submitter."""
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                    self._thread.start()
        self._queue.put((function, args))

    def close(self) -> None:
        """Wait until every queued write is done (blocking); later submits start anew."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            function, args = item
            try:
                function(*args)
            except Exception as error:  # a cache entry costs speed when missing, nothing more
                logger.warning("A cache write failed: %s", error)
