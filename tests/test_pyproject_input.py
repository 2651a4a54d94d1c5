"""pyproject.toml as pip-compile input: dependencies, extras, self-references and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from puffin.errors import RequirementsFileError
from puffin.hashes import HashAlgorithm, HashDigest
from puffin.pyproject_input import ProjectOrigin, PyprojectRequirements, read_pyproject
from puffin.requirements_txt import OriginKind, RequirementLine

DEMO = """\
[project]
name = "Demo_App"
version = "1.0"
dependencies = ["six>=1.16", 'tomli; python_version < "3.11"']

[project.optional-dependencies]
Socks = ["pysocks"]
dev = ["idna==3.7", "pytest[testing]>=8"]
"""


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def read(
    text: str, *, extras: tuple[str, ...] = (), all_extras: bool = False
) -> PyprojectRequirements:
    Path("pyproject.toml").write_text(text)
    return read_pyproject("pyproject.toml", extras=extras, all_extras=all_extras)


def error_of(text: str, *, extras: tuple[str, ...] = (), all_extras: bool = False) -> str:
    with pytest.raises(RequirementsFileError) as caught:
        read(text, extras=extras, all_extras=all_extras)
    return str(caught.value)


def shown(lines: tuple[RequirementLine, ...]) -> list[str]:
    """Each line as name[extras]specifier; marker, to compare whole results at a glance."""
    result = []
    for line in lines:
        text = f"{line.name}{'[' + ','.join(sorted(line.extras)) + ']' if line.extras else ''}"
        text += str(line.specifier)
        if line.url:
            text += f" @ {line.url}"
        if line.marker:
            text += f"; {line.marker}"
        result.append(text)
    return result


def test_dependencies_only_without_extras() -> None:
    result = read(DEMO)
    assert shown(result.requirements) == ["six>=1.16", 'tomli; python_version < "3.11"']
    assert result.project_name == "Demo_App"
    assert result.extras == ("socks", "dev")
    assert result.warnings == ()


def test_extras_are_normalized_and_added_after_dependencies_in_the_order_asked() -> None:
    result = read(DEMO, extras=("DEV", "socks"))
    assert shown(result.requirements) == [
        "six>=1.16",
        'tomli; python_version < "3.11"',
        "idna==3.7",
        "pytest[testing]>=8",
        "pysocks",
    ]


def test_all_extras_takes_every_group_in_file_order() -> None:
    result = read(DEMO, all_extras=True)
    assert shown(result.requirements)[2:] == ["pysocks", "idna==3.7", "pytest[testing]>=8"]


def test_via_names_the_project_as_written_and_the_file_as_given() -> None:
    Path("sub").mkdir()
    Path("sub/pyproject.toml").write_text(DEMO)
    result = read_pyproject("sub/pyproject.toml")
    assert result.via == "Demo_App (sub/pyproject.toml)"
    origin = result.requirements[0].origin
    assert origin == ProjectOrigin("sub/pyproject.toml", 0, OriginKind.REQUIREMENT, "Demo_App")
    assert str(origin) == "Demo_App (sub/pyproject.toml)"
    assert result.requirements[0].name == "six"


def test_requirement_lines_carry_pip_compile_fields() -> None:
    result = read(
        '[project]\nname = "demo"\n'
        "dependencies = ['Foo.Bar[Extra_One] @ https://example.com/foo-1.0.tar.gz"
        "#sha256=" + "a" * 64 + "']\n"
    )
    (line,) = result.requirements
    assert line.name == "foo-bar"
    assert line.extras == frozenset({"extra-one"})
    assert line.url == "https://example.com/foo-1.0.tar.gz#sha256=" + "a" * 64
    assert line.given == line.url
    assert line.hashes == (HashDigest(HashAlgorithm.SHA256, "a" * 64),)
    assert not line.editable


def test_relative_file_url_is_taken_from_the_pyproject_directory(tmp_path: Path) -> None:
    Path("sub/vendor").mkdir(parents=True)
    Path("sub/pyproject.toml").write_text(
        '[project]\nname = "demo"\ndependencies = ["lib @ file:vendor/lib-1.0.tar.gz"]\n'
    )
    (line,) = read_pyproject("sub/pyproject.toml").requirements
    assert line.url == (tmp_path / "sub/vendor/lib-1.0.tar.gz").as_uri()


def test_self_reference_expands_to_the_named_groups_with_markers_combined() -> None:
    result = read(
        """\
[project]
name = "demo"
dependencies = ["six"]

[project.optional-dependencies]
socks = ["pysocks"]
gpu = ["cuda-lib; sys_platform == 'linux'"]
all = ["Demo[socks]", "demo[gpu] ; python_version >= '3.11'"]
""",
        extras=("all",),
    )
    assert shown(result.requirements) == [
        "six",
        "pysocks",
        'cuda-lib; python_version >= "3.11" and sys_platform == "linux"',
    ]


def test_self_references_in_a_cycle_end_and_repeated_lines_appear_once() -> None:
    result = read(
        """\
[project]
name = "demo"
dependencies = ["six"]

[project.optional-dependencies]
a = ["idna", "demo[b]"]
b = ["six", "demo[a]"]
""",
        extras=("a", "b"),
    )
    assert shown(result.requirements) == ["six", "idna"]


def test_self_reference_without_extras_adds_nothing() -> None:
    result = read('[project]\nname = "demo"\ndependencies = ["demo>=1", "six"]\n')
    assert shown(result.requirements) == ["six"]


def test_dynamic_optional_dependencies_are_fine_when_no_extra_is_asked() -> None:
    text = '[project]\nname = "demo"\ndynamic = ["optional-dependencies", "version"]\n'
    assert read(text).requirements == ()


def test_no_project_table() -> None:
    assert error_of('[build-system]\nrequires = ["setuptools"]\n') == (
        "pyproject.toml: no [project] table; puffin reads dependencies only from [project] so far"
    )


def test_invalid_toml_reports_line_and_column() -> None:
    assert error_of('[project]\nname = "demo"\ndependencies = [\n  "six",\n  oops\n]\n') == (
        "pyproject.toml: not valid TOML: Invalid value (at line 5, column 3)"
    )


def test_not_utf8() -> None:
    Path("pyproject.toml").write_bytes(b'[project]\nname = "d\xffemo"\n')
    with pytest.raises(RequirementsFileError) as caught:
        read_pyproject("pyproject.toml")
    assert str(caught.value) == (
        "pyproject.toml: not valid TOML: it is not UTF-8 (invalid start byte at byte 19)"
    )


def test_missing_file() -> None:
    with pytest.raises(RequirementsFileError) as caught:
        read_pyproject("nothere/pyproject.toml")
    assert str(caught.value) == (
        "nothere/pyproject.toml: could not open file: [Errno 2] No such file or directory"
    )


def test_dynamic_dependencies() -> None:
    assert error_of('[project]\nname = "demo"\ndynamic = ["dependencies"]\n') == (
        "pyproject.toml: dependencies are dynamic (project.dynamic); "
        "building the project to read them is not supported yet"
    )


def test_dynamic_optional_dependencies_with_an_extra() -> None:
    text = '[project]\nname = "demo"\ndynamic = ["optional-dependencies"]\n'
    assert error_of(text, all_extras=True) == (
        "pyproject.toml: optional-dependencies are dynamic (project.dynamic); "
        "building the project to read them is not supported yet"
    )


def test_unknown_extra_lists_the_defined_groups() -> None:
    assert error_of(DEMO, extras=("Nope_x",)) == (
        "pyproject.toml: no optional-dependencies group named 'nope-x' (defined: dev, socks)"
    )


def test_unknown_extra_when_no_group_is_defined() -> None:
    assert error_of('[project]\nname = "demo"\n', extras=("x",)) == (
        "pyproject.toml: no optional-dependencies group named 'x' (defined: none)"
    )


def test_self_reference_to_an_undefined_group() -> None:
    text = '[project]\nname = "demo"\n[project.optional-dependencies]\na = ["demo[zz]"]\n'
    assert error_of(text, extras=("a",)) == (
        "pyproject.toml: no optional-dependencies group named 'zz' (defined: a)"
    )


def test_invalid_requirement_names_it_and_the_reason() -> None:
    assert error_of('[project]\nname = "demo"\ndependencies = ["six >>= 1"]\n') == (
        "pyproject.toml: invalid requirement 'six >>= 1' in project.dependencies: "
        "Expected semicolon (after name with no version specifier) or end"
    )


def test_a_path_is_not_a_pep_508_requirement() -> None:
    text = '[project]\nname = "demo"\n[project.optional-dependencies]\nDev = ["./lib"]\n'
    assert error_of(text, extras=("dev",)) == (
        "pyproject.toml: invalid requirement './lib' in project.optional-dependencies.Dev: "
        "Expected package name at the start of dependency specifier"
    )


def test_invalid_url_fragment_hash() -> None:
    text = '[project]\nname = "demo"\ndependencies = ["x @ https://h/x-1.tar.gz#sha256=zz"]\n'
    assert error_of(text) == (
        "pyproject.toml: invalid requirement 'x @ https://h/x-1.tar.gz#sha256=zz' in "
        "project.dependencies: Invalid #sha256= fragment in 'https://h/x-1.tar.gz#sha256=zz': "
        "'sha256:zz' is not a valid sha256 digest"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[project]\nversion = "1"\n', "pyproject.toml: [project] has no name"),
        ('[project]\nname = "a b"\n', "pyproject.toml: project.name 'a b' is not a valid name"),
        ("project = 3\n", "pyproject.toml: project must be a table"),
        (
            '[project]\nname = "d"\ndependencies = "six"\n',
            "pyproject.toml: project.dependencies must be an array of strings",
        ),
        (
            '[project]\nname = "d"\ndynamic = [1]\n',
            "pyproject.toml: project.dynamic must be an array of strings",
        ),
        (
            '[project]\nname = "d"\noptional-dependencies = ["x"]\n',
            "pyproject.toml: project.optional-dependencies must be a table",
        ),
        (
            '[project]\nname = "d"\n[project.optional-dependencies]\ndev = [1]\n',
            "pyproject.toml: project.optional-dependencies.dev must be an array of strings",
        ),
        (
            '[project]\nname = "d"\n[project.optional-dependencies]\nDev = []\n"dev" = []\n',
            "pyproject.toml: optional-dependencies groups 'Dev' and 'dev' are the same extra "
            "('dev')",
        ),
    ],
)
def test_malformed_project_table(text: str, message: str) -> None:
    assert error_of(text) == message


def test_weak_url_hash_is_a_warning() -> None:
    result = read('[project]\nname = "demo"\ndependencies = ["x @ https://h/x-1.tar.gz#md5=abc"]\n')
    assert result.warnings == (
        "pyproject.toml: the #md5= fragment of https://h/x-1.tar.gz#md5=abc is ignored: "
        "md5 is too weak to check",
    )
