"""PEP 517 hooks through SourceBuild and an in-tree backend: metadata, wheels, editables."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from puffin.build.frontend import PreparedMetadata, SourceBuild
from puffin.build.sdist import extract_sdist
from puffin.errors import BuildError
from puffin.virtualenv import create_virtualenv
from tests.build.editable import python_says, venv_with_wheel
from tests.build.projects import read_hook_environments, write_tiny_project
from tests.build.provider import InstalledPackagesProvider
from tests.support.wheels import build_sdist


def _metadata_lines(dist_info: Path) -> list[str]:
    return (dist_info / "METADATA").read_text().splitlines()


def test_metadata_comes_from_the_prepare_hook_without_a_wheel(
    tmp_path: Path, environments: InstalledPackagesProvider
) -> None:
    tree = write_tiny_project(tmp_path / "tiny", dependencies=["attrs>=22"])
    build = SourceBuild.isolated(tree, environments)
    prepared = build.metadata(tmp_path / "meta")
    assert prepared == PreparedMetadata(tmp_path / "meta" / "tiny-1.0.dist-info", None)
    assert _metadata_lines(prepared.dist_info) == [
        "Metadata-Version: 2.1",
        "Name: tiny",
        "Version: 1.0",
        "Requires-Dist: attrs>=22",
    ]
    assert sorted(read_hook_environments(tree)) == [
        "get_requires_for_build_wheel",
        "prepare_metadata_for_build_wheel",
    ]


def test_metadata_without_prepare_hook_builds_the_wheel_once(
    tmp_path: Path, environments: InstalledPackagesProvider
) -> None:
    tree = write_tiny_project(tmp_path / "tiny", version="2.0", prepare=False)
    build = SourceBuild.isolated(tree, environments)
    assert build.prepare_metadata(tmp_path / "probe") is None
    prepared = build.metadata(tmp_path / "meta")
    assert prepared == PreparedMetadata(
        tmp_path / "meta" / "tiny-2.0.dist-info", tmp_path / "meta" / "tiny-2.0-py3-none-any.whl"
    )
    assert _metadata_lines(prepared.dist_info)[1:3] == ["Name: tiny", "Version: 2.0"]
    assert sorted(read_hook_environments(tree)) == ["build_wheel", "get_requires_for_build_wheel"]


def test_build_wheel(tmp_path: Path, environments: InstalledPackagesProvider) -> None:
    tree = write_tiny_project(tmp_path / "tiny")
    wheel = SourceBuild.isolated(tree, environments).build_wheel(tmp_path / "out")
    assert wheel == tmp_path / "out" / "tiny-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("tiny.py") == b"VALUE = 1\n"


def test_sdist_is_extracted_then_built(
    tmp_path: Path, environments: InstalledPackagesProvider
) -> None:
    project = write_tiny_project(tmp_path / "project", name="packed", version="3.1")
    files = {
        str(path.relative_to(project)): path.read_bytes()
        for path in sorted(project.rglob("*"))
        if path.is_file()
    }
    sdist = build_sdist(tmp_path / "dist", "packed", "3.1", files=files)
    tree = extract_sdist(sdist, tmp_path / "src")
    build = SourceBuild.isolated(tree, environments, label="packed-3.1.tar.gz")
    prepared = build.metadata(tmp_path / "meta")
    assert prepared.dist_info.name == "packed-3.1.dist-info"
    wheel = build.build_wheel(tmp_path / "out", metadata_directory=prepared.dist_info)
    assert wheel.name == "packed-3.1-py3-none-any.whl"


def test_build_wheel_reuses_prepared_metadata_directory(
    tmp_path: Path, environments: InstalledPackagesProvider
) -> None:
    tree = write_tiny_project(tmp_path / "tiny")
    build = SourceBuild.isolated(tree, environments)
    dist_info = build.prepare_metadata(tmp_path / "meta")
    assert dist_info is not None
    wheel = build.build_wheel(tmp_path / "out", metadata_directory=dist_info)
    assert wheel.name == "tiny-1.0-py3-none-any.whl"


def test_editable_build_shows_source_edits(
    tmp_path: Path, environments: InstalledPackagesProvider
) -> None:
    tree = write_tiny_project(tmp_path / "tiny")
    wheel = SourceBuild.isolated(tree, environments).build_editable(tmp_path / "out")
    assert wheel.name == "tiny-1.0-py3-none-any.whl"
    python = venv_with_wheel(tmp_path / "venv", environments.interpreter, wheel)
    assert python_says(python, "import tiny; print(tiny.VALUE)") == "1"
    (tree / "tiny.py").write_text("VALUE = 2\n")
    assert python_says(python, "import tiny; print(tiny.VALUE)") == "2"


def test_backend_without_build_editable_is_a_clear_error(
    tmp_path: Path, environments: InstalledPackagesProvider
) -> None:
    tree = write_tiny_project(tmp_path / "tiny", editable=False)
    with pytest.raises(BuildError) as raised:
        SourceBuild.isolated(tree, environments, label="tiny @ ./tiny").build_editable(tmp_path)
    assert str(raised.value) == (
        "Cannot install tiny @ ./tiny as editable: build backend `tiny_backend` has no "
        "`build_editable` hook (PEP 660)"
    )


def test_failing_backend_output_is_shown_whole(
    tmp_path: Path, environments: InstalledPackagesProvider
) -> None:
    tree = write_tiny_project(
        tmp_path / "tiny", fail_in="build_wheel", fail_message="compiler not found: cc"
    )
    with pytest.raises(BuildError) as raised:
        SourceBuild.isolated(tree, environments, label="tiny==1.0").build_wheel(tmp_path / "out")
    message = str(raised.value)
    head = (
        "Failed to build tiny==1.0: `build_wheel` of build backend `tiny_backend` exited with "
        "code 1\nBackend output:\ncompiling the extension...\nTraceback (most recent call last):\n"
    )
    assert message.startswith(head)
    assert message.endswith("\nRuntimeError: compiler not found: cc")
    assert 'raise RuntimeError(CONFIG["fail_message"])' in message


def test_failing_prepare_hook_names_the_source_tree_by_default(
    tmp_path: Path, environments: InstalledPackagesProvider
) -> None:
    tree = write_tiny_project(
        tmp_path / "tiny", fail_in="prepare_metadata_for_build_wheel", fail_message="bad"
    )
    with pytest.raises(BuildError) as raised:
        SourceBuild.isolated(tree, environments).metadata(tmp_path / "meta")
    assert str(raised.value).startswith(
        f"Failed to build {tree}: `prepare_metadata_for_build_wheel` of build backend "
        "`tiny_backend` exited with code 1\nBackend output:\ncompiling the extension...\n"
    )


def test_backend_that_cannot_be_imported(
    tmp_path: Path, environments: InstalledPackagesProvider
) -> None:
    tree = write_tiny_project(tmp_path / "tiny")
    (tree / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "no_such_backend"\n'
    )
    with pytest.raises(BuildError) as raised:
        SourceBuild.isolated(tree, environments, label="tiny").build_wheel(tmp_path / "out")
    message = str(raised.value)
    assert message.startswith(
        "Failed to build tiny: cannot import build backend `no_such_backend`\nBackend output:\n"
    )
    assert "ModuleNotFoundError: No module named 'no_such_backend'" in message


def test_build_requirements_that_cannot_be_installed(
    tmp_path: Path, environments: InstalledPackagesProvider
) -> None:
    tree = write_tiny_project(tmp_path / "tiny")
    (tree / "pyproject.toml").write_text(
        "[build-system]\n"
        'requires = ["no-such-backend-pkg>=1"]\n'
        'build-backend = "tiny_backend"\n'
        'backend-path = ["_backend"]\n'
    )
    with pytest.raises(BuildError) as raised:
        SourceBuild.isolated(tree, environments, label="tiny").build_wheel(tmp_path / "out")
    assert str(raised.value) == (
        "Failed to build tiny: Cannot install the build requirements (no-such-backend-pkg>=1): "
        "no-such-backend-pkg is not installed in the test environment"
    )


def test_extra_wheel_requirements_get_an_environment_of_the_union(
    tmp_path: Path, fresh_environments: InstalledPackagesProvider
) -> None:
    tree = write_tiny_project(
        tmp_path / "tiny", wheel_requires=["packaging"], imports=["packaging"]
    )
    build = SourceBuild.isolated(tree, fresh_environments)
    assert build.requires_for_build_wheel() == ("packaging",)
    build.build_wheel(tmp_path / "out")
    assert fresh_environments.requests == [(), ("packaging",)]
    hooks = read_hook_environments(tree)
    first, union = (python.parent.parent for python in fresh_environments.created.values())
    assert hooks["get_requires_for_build_wheel"]["prefix"] == str(first)
    assert hooks["build_wheel"]["prefix"] == str(union)
    assert not list(first.glob("lib/python*/site-packages/packaging"))


def test_equal_requirement_sets_share_one_environment(
    tmp_path: Path, fresh_environments: InstalledPackagesProvider
) -> None:
    for name in ("one", "two"):
        tree = write_tiny_project(tmp_path / name, name=name)
        SourceBuild.isolated(tree, fresh_environments).build_wheel(tmp_path / "out")
    assert len(fresh_environments.requests) == 2
    assert len(fresh_environments.created) == 1


def test_hooks_run_isolated_from_the_callers_environment(
    tmp_path: Path, environments: InstalledPackagesProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIP_INDEX_URL", "https://example.invalid/simple")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "leak"))
    tree = write_tiny_project(tmp_path / "tiny")
    SourceBuild.isolated(tree, environments).build_wheel(tmp_path / "out")
    seen = read_hook_environments(tree)["build_wheel"]
    prefix = Path(str(seen["prefix"]))
    assert seen["path"] == f"{prefix / 'bin'}{os.pathsep}{os.environ['PATH']}"
    assert seen["virtual_env"] == str(prefix)
    assert seen["pythonnousersite"] == "1"
    assert seen["pythonpath"] is None
    assert seen["pip"] == {"PIP_CONFIG_FILE": os.devnull}


def test_no_build_isolation_uses_the_target_python_as_it_is(
    tmp_path: Path, environments: InstalledPackagesProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = create_virtualenv(tmp_path / "target", environments.interpreter)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "kept"))
    tree = write_tiny_project(tmp_path / "tiny", wheel_requires=["no-such-package"])
    build = SourceBuild.in_environment(tree, target)
    wheel = build.build_wheel(tmp_path / "out")
    assert wheel.name == "tiny-1.0-py3-none-any.whl"
    seen = read_hook_environments(tree)
    # The wheel requirements are not asked for: nothing is installed without isolation.
    assert sorted(seen) == ["build_wheel"]
    assert seen["build_wheel"]["prefix"] == str(tmp_path / "target")
    assert seen["build_wheel"]["pythonpath"] == str(tmp_path / "kept")
    assert seen["build_wheel"]["pip"] == {"PIP_CONFIG_FILE": os.devnull}
