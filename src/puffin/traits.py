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


if TYPE_CHECKING:  # appended with the protocol below, which alone needs it
    from collections.abc import Sequence


class BuildEnvironmentProvider(Protocol):
    """Makes the isolated environments PEP 517 builds run in; `build/` asks, L3 wires it.

    Synchronous because builds run in worker threads; an implementation that resolves with
    the async client hands the work to the event loop and waits for it.
    """

    def environment_for(self, requirements: Sequence[str]) -> Path:
        """A python executable whose environment holds exactly `requirements`.

        `requirements` are PEP 508 strings as the project declared them (its
        `[build-system].requires`, then the union with what `get_requires_for_build_*`
        returned). The implementation resolves and installs them with puffin itself, and
        returns the same environment to every build whose requirements resolve to the same
        set: callers never install into it, so it may be shared, also across threads. A
        failure raises a PuffinError, which the build wraps with the package's name.
        """
        ...
