"""Reading `[build-system]`: declared values, the legacy defaults, and errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.requirements import InvalidRequirement, Requirement

from puffin.build.build_system import BuildSystem, read_build_system
from puffin.errors import BuildError

LEGACY = BuildSystem(("setuptools>=40.8.0",), "setuptools.build_meta:__legacy__", ())


def _tree(tmp_path: Path, pyproject: str | None) -> Path:
    if pyproject is not None:
        (tmp_path / "pyproject.toml").write_text(pyproject)
    return tmp_path


def test_declared_table_is_read(tmp_path: Path) -> None:
    tree = _tree(
        tmp_path,
        "[build-system]\n"
        'requires = ["hatchling>=1.25", "hatch-vcs; python_version >= \'3.8\'"]\n'
        'build-backend = "hatchling.build"\n'
        'backend-path = ["_build"]\n',
    )
    assert read_build_system(tree) == BuildSystem(
        ("hatchling>=1.25", "hatch-vcs; python_version >= '3.8'"),
        "hatchling.build",
        ("_build",),
    )
    assert not read_build_system(tree).is_legacy


def test_no_pyproject_gets_setuptools_legacy_backend(tmp_path: Path) -> None:
    build_system = read_build_system(_tree(tmp_path, None))
    assert build_system == LEGACY
    assert build_system.is_legacy


def test_pyproject_without_table_gets_legacy_backend(tmp_path: Path) -> None:
    tree = _tree(tmp_path, '[project]\nname = "x"\n[tool.black]\nline-length = 88\n')
    assert read_build_system(tree) == LEGACY


def test_table_without_backend_keeps_its_requires(tmp_path: Path) -> None:
    tree = _tree(tmp_path, '[build-system]\nrequires = ["setuptools>=64", "wheel"]\n')
    assert read_build_system(tree) == BuildSystem(
        ("setuptools>=64", "wheel"), "setuptools.build_meta:__legacy__", ()
    )


def test_backend_with_object_reference(tmp_path: Path) -> None:
    tree = _tree(
        tmp_path, '[build-system]\nrequires = []\nbuild-backend = "backend.api:Builder.hooks"\n'
    )
    assert read_build_system(tree).build_backend == "backend.api:Builder.hooks"


@pytest.mark.parametrize(
    ("pyproject", "problem"),
    [
        ("build-system = 3\n", "`build-system` must be a table"),
        (
            '[build-system]\nbuild-backend = "flit_core.buildapi"\n',
            "`build-system` has no `requires` key",
        ),
        (
            '[build-system]\nrequires = "setuptools"\n',
            "`build-system.requires` must be a list of strings",
        ),
        ("[build-system]\nrequires = [1]\n", "`build-system.requires` must be a list of strings"),
        (
            "[build-system]\nrequires = []\nbuild-backend = 7\n",
            "`build-system.build-backend` must be a string `module` or `module:object`",
        ),
        (
            '[build-system]\nrequires = []\nbuild-backend = "not a module"\n',
            "`build-system.build-backend` must be a string `module` or `module:object`",
        ),
        (
            '[build-system]\nrequires = []\nbuild-backend = "pkg.mod:"\n',
            "`build-system.build-backend` must be a string `module` or `module:object`",
        ),
        (
            '[build-system]\nrequires = []\nbuild-backend = "b"\nbackend-path = "."\n',
            "`build-system.backend-path` must be a list of strings",
        ),
        (
            '[build-system]\nrequires = []\nbuild-backend = "b"\nbackend-path = ["..", "."]\n',
            "`build-system.backend-path` entry '..' is outside the source tree",
        ),
        (
            '[build-system]\nrequires = []\nbuild-backend = "b"\nbackend-path = ["/usr/lib"]\n',
            "`build-system.backend-path` entry '/usr/lib' is outside the source tree",
        ),
    ],
)
def test_invalid_values_name_file_and_key(tmp_path: Path, pyproject: str, problem: str) -> None:
    tree = _tree(tmp_path, pyproject)
    with pytest.raises(BuildError) as raised:
        read_build_system(tree)
    assert str(raised.value) == f"{tmp_path / 'pyproject.toml'}: {problem}"


def test_invalid_requirement_names_its_index_and_the_parser_reason(tmp_path: Path) -> None:
    tree = _tree(tmp_path, '[build-system]\nrequires = ["setuptools", "wheel >= = 1"]\n')
    with pytest.raises(InvalidRequirement) as parsed:
        Requirement("wheel >= = 1")
    with pytest.raises(BuildError) as raised:
        read_build_system(tree)
    assert str(raised.value) == (
        f"{tmp_path / 'pyproject.toml'}: `build-system.requires[1]` is not a valid "
        f"requirement: 'wheel >= = 1' ({parsed.value})"
    )


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    tree = _tree(tmp_path, "[build-system\nrequires = []\n")
    with pytest.raises(BuildError) as raised:
        read_build_system(tree)
    assert str(raised.value).startswith(f"{tmp_path / 'pyproject.toml'} is not valid TOML: ")
