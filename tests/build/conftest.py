"""Build environments shared by the whole session: making them is the slow part of a build."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.build.provider import InstalledPackagesProvider


@pytest.fixture(scope="session")
def environments(tmp_path_factory: pytest.TempPathFactory) -> InstalledPackagesProvider:
    """One provider per session (per xdist worker), so builds with equal sets share a venv."""
    return InstalledPackagesProvider(tmp_path_factory.mktemp("build-envs"))


@pytest.fixture
def fresh_environments(tmp_path: Path) -> InstalledPackagesProvider:
    """A provider of this test's own, for tests that count the environments made."""
    return InstalledPackagesProvider(tmp_path / "build-envs")
