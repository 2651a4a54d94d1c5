"""Real backends (setuptools, hatchling, flit-core) built through SourceBuild.

Their code comes from the environment running the tests (the `test` extra installs them); a
backend that is not installed there is skipped, with the reason, rather than downloaded.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from puffin.build.frontend import SourceBuild
from tests.build.editable import python_says, venv_with_wheel
from tests.build.projects import BACKENDS, write_demo_project, write_setup_py_project
from tests.build.provider import InstalledPackagesProvider, installed_version

BACKEND_NAMES = sorted(BACKENDS)


def _require(distribution: str) -> None:
    if installed_version(distribution) is None:
        pytest.skip(f"{distribution} is not installed beside the tests (it is in the test extra)")


def _headers(metadata: str) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for line in metadata.split("\n\n", 1)[0].splitlines():
        key, _, value = line.partition(": ")
        headers.setdefault(key, []).append(value)
    return headers


@pytest.mark.parametrize("backend", BACKEND_NAMES)
def test_metadata_is_prepared_without_building_a_wheel(
    tmp_path: Path, environments: InstalledPackagesProvider, backend: str
) -> None:
    _require(backend)
    tree = write_demo_project(tmp_path / "demo", backend)
    prepared = SourceBuild.isolated(tree, environments).metadata(tmp_path / "meta")
    assert prepared.wheel is None
    assert prepared.dist_info.name == "demo-1.2.0.dist-info"
    headers = _headers((prepared.dist_info / "METADATA").read_text())
    assert headers["Name"] == ["demo"]
    assert headers["Version"] == ["1.2.0"]
    assert headers["Requires-Dist"] == ["tiny-dep>=1"]


@pytest.mark.parametrize("backend", BACKEND_NAMES)
def test_wheel(tmp_path: Path, environments: InstalledPackagesProvider, backend: str) -> None:
    _require(backend)
    tree = write_demo_project(tmp_path / "demo", backend)
    wheel = SourceBuild.isolated(tree, environments).build_wheel(tmp_path / "out")
    assert wheel == tmp_path / "out" / "demo-1.2.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("demo/__init__.py") == b'"""The demo package."""\n\nVALUE = 1\n'


@pytest.mark.parametrize("backend", BACKEND_NAMES)
def test_editable_wheel_shows_source_edits(
    tmp_path: Path, environments: InstalledPackagesProvider, backend: str
) -> None:
    _require(backend)
    tree = write_demo_project(tmp_path / "demo", backend)
    wheel = SourceBuild.isolated(tree, environments).build_editable(tmp_path / "out")
    assert wheel.name.startswith("demo-1.2.0-")
    python = venv_with_wheel(tmp_path / "venv", environments.interpreter, wheel)
    assert python_says(python, "import demo; print(demo.VALUE)") == "1"
    (tree / "src" / "demo" / "__init__.py").write_text("VALUE = 2\n")
    assert python_says(python, "import demo; print(demo.VALUE)") == "2"


def test_setup_py_project_uses_the_legacy_backend(
    tmp_path: Path, environments: InstalledPackagesProvider
) -> None:
    _require("setuptools")
    tree = write_setup_py_project(tmp_path / "legacy")
    build = SourceBuild.isolated(tree, environments)
    assert build.build_system.is_legacy
    prepared = build.metadata(tmp_path / "meta")
    headers = _headers((prepared.dist_info / "METADATA").read_text())
    assert (headers["Name"], headers["Version"]) == (["legacy-demo"], ["0.3"])
    assert headers["Requires-Dist"] == ["tiny-dep"]
    wheel = build.build_wheel(tmp_path / "out", metadata_directory=prepared.dist_info)
    assert wheel.name == "legacy_demo-0.3-py3-none-any.whl"


def test_setuptools_requirements_that_resolve_alike_share_an_environment(
    tmp_path: Path, fresh_environments: InstalledPackagesProvider
) -> None:
    _require("setuptools")
    modern = write_demo_project(tmp_path / "demo", "setuptools")
    legacy = write_setup_py_project(tmp_path / "legacy")
    SourceBuild.isolated(modern, fresh_environments).requires_for_build_wheel()
    SourceBuild.isolated(legacy, fresh_environments).requires_for_build_wheel()
    assert fresh_environments.requests == [("setuptools>=61",), ("setuptools>=40.8.0",)]
    assert len(fresh_environments.created) == 1
