"""A reporter that starts the rich display only when the first download begins."""

from __future__ import annotations

from puffin.cli.progress import RichReporter


class LazyProgressReporter:
    """Keeps rich off the screen for runs that download nothing (a warm-cache sync)."""

    def __init__(self) -> None:
        self._inner: RichReporter | None = None

    def _display(self) -> RichReporter:
        if self._inner is None:
            self._inner = RichReporter().__enter__()
        return self._inner

    def on_download_start(self, name: str, total_bytes: int | None) -> int:
        return self._display().on_download_start(name, total_bytes)

    def on_download_progress(self, task_id: int, advanced_bytes: int) -> None:
        self._display().on_download_progress(task_id, advanced_bytes)

    def on_download_complete(self, task_id: int) -> None:
        self._display().on_download_complete(task_id)

    def on_unpack_complete(self, name: str) -> None:
        if self._inner is not None:
            self._inner.on_unpack_complete(name)

    def close(self) -> None:
        if self._inner is not None:
            self._inner.__exit__(None, None, None)
            self._inner = None
