"""Protocols through which the L2 siblings and the CLI meet, without importing each other."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # the protocols are loaded on every run; their argument types need not be
    from pathlib import Path

    from puffin.dist_types import File
    from puffin.hashes import HashAlgorithm, HashDigest


class ProgressReporter(Protocol):
    """Receives progress of downloads and unpacking; only `cli/` implements it with output."""

    def on_download_start(self, name: str, total_bytes: int | None) -> int:
        """A download begins; return an id that the other callbacks receive."""
        ...

    def on_download_progress(self, task_id: int, advanced_bytes: int) -> None: ...

    def on_download_complete(self, task_id: int) -> None: ...

    def on_unpack_complete(self, name: str) -> None: ...


class SilentReporter:
    """A reporter that shows nothing: the default for library callers and `-q`."""

    def on_download_start(self, name: str, total_bytes: int | None) -> int:
        return 0

    def on_download_progress(self, task_id: int, advanced_bytes: int) -> None:
        pass

    def on_download_complete(self, task_id: int) -> None:
        pass

    def on_unpack_complete(self, name: str) -> None:
        pass


class FileDownloader(Protocol):
    """Fetches a file to a local path, hashing while it streams (the registry client)."""

    async def download(
        self,
        file: File,
        dest: Path,
        *,
        reporter: ProgressReporter,
        algorithms: frozenset[HashAlgorithm],
    ) -> tuple[HashDigest, ...]: ...
