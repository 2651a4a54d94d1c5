"""The built-wheel cache: a source is built once per stamp, and a rebuild never breaks readers."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from puffin.cache import Cache
from puffin.commands.source_build import SourceBuilder, local_stamp
from puffin.errors import BuildError
from tests.build.projects import read_hook_environments, write_tiny_project
from tests.build.provider import InstalledPackagesProvider


@pytest.fixture(scope="module")
def environments(tmp_path_factory: pytest.TempPathFactory) -> InstalledPackagesProvider:
    return InstalledPackagesProvider(tmp_path_factory.mktemp("build-envs"))


def builder(tmp_path: Path, environments: InstalledPackagesProvider) -> SourceBuilder:
    """A builder over the test's cache; a new one stands for a new puffin process."""
    return SourceBuilder(Cache(tmp_path / "cache"), environments=environments)


def hooks_run(tree: Path) -> list[str]:
    path = tree / "hook-env.json"
    hooks = sorted(read_hook_environments(tree)) if path.exists() else []
    path.unlink(missing_ok=True)
    return hooks


def test_metadata_then_wheel_then_nothing_again(
    tmp_path: Path, environments: InstalledPackagesProvider
) -> None:
    tree = write_tiny_project(tmp_path / "tiny", dependencies=["attrs"])
    stamp = local_stamp(tree)
    first = builder(tmp_path, environments)
    metadata = first.metadata(tree, key="path/abc", label="tiny", stamp=stamp)
    assert b"Requires-Dist: attrs" in metadata
    assert hooks_run(tree) == ["get_requires_for_build_wheel", "prepare_metadata_for_build_wheel"]
    built = first.wheel(tree, key="path/abc", label="tiny", stamp=stamp)
    assert built.wheel is not None and built.wheel.name == "tiny-1.0-py3-none-any.whl"
    assert hooks_run(tree) == ["build_wheel", "get_requires_for_build_wheel"]
    again = builder(tmp_path, environments).wheel(tree, key="path/abc", label="tiny", stamp=stamp)
    assert again == built
    assert hooks_run(tree) == []
    assert zipfile.ZipFile(built.wheel).read("tiny-1.0.dist-info/METADATA") == metadata


def test_a_new_stamp_rebuilds_into_a_new_revision(
    tmp_path: Path, environments: InstalledPackagesProvider
) -> None:
    tree = write_tiny_project(tmp_path / "tiny")
    old = builder(tmp_path, environments).wheel(
        tree, key="path/abc", label="tiny", stamp=local_stamp(tree)
    )
    (tree / "project.json").write_text(
        (tree / "project.json").read_text().replace('"1.0"', '"1.1"')
    )
    stat = (tree / "pyproject.toml").stat()
    os.utime(tree / "pyproject.toml", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    new = builder(tmp_path, environments).wheel(
        tree, key="path/abc", label="tiny", stamp=local_stamp(tree)
    )
    assert old.wheel is not None and new.wheel is not None
    assert new.wheel.name == "tiny-1.1-py3-none-any.whl"
    assert b"Version: 1.1" in new.metadata
    assert old.wheel.is_file(), "a reader of the old entry keeps a valid path"


def test_editable_and_regular_wheels_are_both_kept(
    tmp_path: Path, environments: InstalledPackagesProvider
) -> None:
    tree = write_tiny_project(tmp_path / "tiny")
    stamp = local_stamp(tree)
    regular = builder(tmp_path, environments).wheel(tree, key="path/x", label="t", stamp=stamp)
    editable = builder(tmp_path, environments).wheel(
        tree, key="path/x", label="t", stamp=stamp, editable=True
    )
    hooks_run(tree)
    again = builder(tmp_path, environments).wheel(tree, key="path/x", label="t", stamp=stamp)
    assert regular.wheel is not None and editable.wheel is not None
    assert again.wheel is not None and again.wheel.read_bytes() == regular.wheel.read_bytes()
    assert editable.wheel.is_file()
    assert hooks_run(tree) == []


def test_without_a_prepare_hook_the_wheel_built_for_metadata_is_kept(
    tmp_path: Path, environments: InstalledPackagesProvider
) -> None:
    tree = write_tiny_project(tmp_path / "tiny", prepare=False)
    first = builder(tmp_path, environments)
    first.metadata(tree, key="pypi/tiny/tiny-1.0.tar.gz", label="tiny", stamp=None)
    assert hooks_run(tree) == ["build_wheel", "get_requires_for_build_wheel"]
    built = first.wheel(tree, key="pypi/tiny/tiny-1.0.tar.gz", label="tiny", stamp=None)
    assert built.wheel is not None and built.wheel.is_file()
    assert hooks_run(tree) == []


def test_a_failed_build_leaves_no_entry(
    tmp_path: Path, environments: InstalledPackagesProvider
) -> None:
    tree = write_tiny_project(
        tmp_path / "tiny", fail_in="prepare_metadata_for_build_wheel", fail_message="boom"
    )
    with pytest.raises(BuildError) as caught:
        builder(tmp_path, environments).metadata(tree, key="path/f", label="tiny", stamp="s")
    assert "boom" in str(caught.value)
    entry = tmp_path / "cache" / "built-wheels-v0" / "path" / "f"
    assert not (entry / "metadata.json").exists()
