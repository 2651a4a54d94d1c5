"""Find pyenv-installed CPython interpreters by minor version, for tests that need a real one."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SUPPORTED_MINORS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13")
"""The interpreter versions puffin installs into."""


def pyenv_root() -> Path:
    """`$PYENV_ROOT`, else `~/.pyenv`."""
    configured = os.environ.get("PYENV_ROOT")
    return Path(configured) if configured else Path.home() / ".pyenv"


def find_python(minor: str, root: Path | None = None) -> Path | None:
    """The highest-patch `<root>/versions/<minor>.<patch>/bin/python<minor>`, or None.

    Only final releases count (`3.12.1`, not `3.13.0rc1` or `3.13.0t`); `root` defaults to
    `pyenv_root()`.
    """
    versions = (root or pyenv_root()) / "versions"
    best: tuple[int, Path] | None = None
    for candidate in versions.glob(f"{minor}.*"):
        patch = candidate.name[len(minor) + 1 :]
        executable = candidate / "bin" / f"python{minor}"
        if not patch.isdigit() or not os.access(executable, os.X_OK):
            continue
        if best is None or int(patch) > best[0]:
            best = (int(patch), executable)
    return None if best is None else best[1]


@dataclass(frozen=True)
class PythonVersions:
    """The pyenv interpreters found, by minor version ("3.8" -> .../bin/python3.8)."""

    found: Mapping[str, Path]

    @classmethod
    def discover(
        cls, minors: Iterable[str] = SUPPORTED_MINORS, root: Path | None = None
    ) -> PythonVersions:
        located = {minor: find_python(minor, root) for minor in minors}
        return cls({minor: path for minor, path in located.items() if path is not None})

    def get(self, minor: str) -> Path | None:
        return self.found.get(minor)

    def require(self, minor: str) -> Path:
        """The interpreter for `minor`; skips the calling test when it is not installed."""
        path = self.found.get(minor)
        if path is None:
            pytest.skip(f"CPython {minor} is not installed under {pyenv_root()}/versions")
        return path


def python_params(minors: Iterable[str] = SUPPORTED_MINORS) -> list[Any]:
    """`pytest.param(path, id=minor)` per minor, for `parametrize`; a missing one is skipped.

    For collection time, where fixtures are not available:
    `@pytest.mark.parametrize("python", python_params())`.
    """
    found = PythonVersions.discover(minors)
    return [
        pytest.param(
            found.get(minor),
            id=minor,
            marks=[] if minor in found.found else [pytest.mark.skip(reason=f"no CPython {minor}")],
        )
        for minor in minors
    ]
