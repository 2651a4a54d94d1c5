"""pip-install's arguments, `-e` values and files read into one set of requirement lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from puffin.commands.install_inputs import read_inputs
from puffin.errors import RequirementsFileError, UsageError
from tests.build.projects import write_tiny_project


def read(tmp_path: Path, *packages: str, **files: tuple[str, ...]):
    return read_inputs(
        packages,
        files.get("editables", ()),
        files.get("requirement_files", ()),
        files.get("constraint_files", ()),
        files.get("override_files", ()),
        environ={},
        cwd=tmp_path,
    )


def test_arguments_then_editables_are_lines_of_the_command_line(tmp_path: Path) -> None:
    project = write_tiny_project(tmp_path / "tiny")
    inputs = read(tmp_path, "Alpha>=1", "beta[fast]; python_version > '3'", editables=("tiny",))
    lines = inputs.requirements.requirements
    assert [str(line.origin) for line in lines] == [
        "-r <command line> (line 1)",
        "-r <command line> (line 2)",
        "-r <command line> (line 3)",
    ]
    assert [(line.name, str(line.specifier), sorted(line.extras)) for line in lines[:2]] == [
        ("alpha", ">=1", []),
        ("beta", "", ["fast"]),
    ]
    assert str(lines[1].marker) == 'python_version > "3"'
    assert (lines[2].name, lines[2].url, lines[2].editable) == (None, project.as_uri(), True)


def test_files_add_their_lines_constraints_and_index_options(tmp_path: Path) -> None:
    (tmp_path / "reqs.txt").write_text("--index-url https://example.org/simple\ngamma\n")
    (tmp_path / "cons.txt").write_text("gamma<2\n")
    (tmp_path / "over.txt").write_text("delta>=3\n")
    inputs = read(
        tmp_path,
        "alpha",
        requirement_files=(str(tmp_path / "reqs.txt"),),
        constraint_files=(str(tmp_path / "cons.txt"),),
        override_files=(str(tmp_path / "over.txt"),),
    )
    requirements = inputs.requirements
    assert [line.name for line in requirements.requirements] == ["alpha", "gamma"]
    assert [(line.name, str(line.specifier)) for line in requirements.constraints] == [
        ("gamma", "<2")
    ]
    assert requirements.index_url == "https://example.org/simple"
    assert [(line.name, str(line.specifier)) for line in inputs.overrides] == [("delta", ">=3")]


def test_a_bad_argument_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        read(tmp_path, "alpha", "beta=1.0")
    assert str(caught.value) == (
        "Invalid requirement 'beta=1.0': = is not a valid operator. Did you mean == ?"
    )
    with pytest.raises(UsageError) as caught:
        read(tmp_path, editables=("nowhere",))
    assert str(caught.value).startswith(
        f"Invalid editable requirement 'nowhere': {tmp_path / 'nowhere'} is not a directory"
    )
    with pytest.raises(RequirementsFileError):
        read(tmp_path, requirement_files=(str(tmp_path / "missing.txt"),))


def test_a_wheel_path_that_does_not_exist_is_a_warning(tmp_path: Path) -> None:
    inputs = read(tmp_path, "./dist/alpha-1.0-py3-none-any.whl")
    assert inputs.requirements.warnings == (
        "requirement './dist/alpha-1.0-py3-none-any.whl' looks like a file name,"
        f" but {tmp_path / 'dist/alpha-1.0-py3-none-any.whl'} does not exist",
    )
