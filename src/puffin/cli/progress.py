"""A rich progress display for downloads and unpacking (loaded only when there is work)."""

from __future__ import annotations

import threading
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TransferSpeedColumn,
)

from puffin.cli.output import color_choice


class RichReporter:
    """Shows one bar per active download and an overall count; thread-safe."""

    def __init__(self) -> None:
        choice = color_choice()
        self._console = Console(
            stderr=True,
            no_color=choice == "never",
            force_terminal=True if choice == "always" else None,
        )
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=self._console,
            transient=True,
        )
        # The number of wheels to fetch is not known when the first download starts.
        self._overall = self._progress.add_task("Preparing packages", total=None)
        self._lock = threading.Lock()

    def __enter__(self) -> RichReporter:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def on_download_start(self, name: str, total_bytes: int | None) -> int:
        with self._lock:
            return int(self._progress.add_task(f"  {name}", total=total_bytes))

    def on_download_progress(self, task_id: int, advanced_bytes: int) -> None:
        self._progress.advance(TaskID(task_id), advanced_bytes)

    def on_download_complete(self, task_id: int) -> None:
        with self._lock:
            self._progress.remove_task(TaskID(task_id))

    def on_unpack_complete(self, name: str) -> None:
        self._progress.advance(self._overall, 1)
        completed = int(self._progress.tasks[0].completed)
        self._progress.update(self._overall, description=f"Prepared {completed} packages")
