"""Settings files found, read, checked and merged, without the command line."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from puffin.config_file import (
    CommandSchema,
    ConfigFile,
    PathRule,
    SettingSpec,
    ValueKind,
    check_file,
    command_values,
    discover,
    read_config_file,
    user_config_dir,
)
from puffin.errors import UsageError

TEXT = SettingSpec(ValueKind.STRING)
FLAG = SettingSpec(ValueKind.BOOLEAN)
TEXTS = SettingSpec(ValueKind.STRING_LIST)
PATH = SettingSpec(ValueKind.STRING, PathRule.PATH)
PATHS = SettingSpec(ValueKind.STRING_LIST, PathRule.PATH)
PYTHON = SettingSpec(ValueKind.STRING, PathRule.PATH_WITH_SEPARATOR)

# puffin [--color] with `compile` (index-url, hashes, find-links, python, cache-dir, format)
# and the group `cache` holding `dir` (cache-dir); `list` has a `format` of its own.
SCHEMA = CommandSchema(
    {"color": TEXT},
    {
        "compile": CommandSchema(
            {
                "index-url": TEXT,
                "extra-index-url": TEXTS,
                "hashes": FLAG,
                "find-links": PATHS,
                "python": PYTHON,
                "cache-dir": PATH,
                "format": TEXT,
                "verbose": SettingSpec(ValueKind.INTEGER),
            }
        ),
        "list": CommandSchema({"format": TEXT, "editable": FLAG}),
        "cache": CommandSchema({}, {"dir": CommandSchema({"cache-dir": PATH})}),
        "install": CommandSchema({"editable": PATHS}),
    },
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def config(tmp_path: Path, text: str, name: str = "puffin.toml") -> ConfigFile:
    return read_config_file(write(tmp_path / name, text), name)


def values(files: list[ConfigFile], command: list[str], cwd: Path) -> dict[str, object]:
    found = command_values(files, SCHEMA, command, cwd)
    return {key: value.value for key, value in found.items()}


def check_error(tmp_path: Path, text: str, name: str = "puffin.toml") -> str:
    with pytest.raises(UsageError) as caught:
        check_file(config(tmp_path, text, name), SCHEMA)
    return str(caught.value)


def test_the_nearest_directory_with_a_file_wins_and_puffin_toml_beats_pyproject(
    tmp_path: Path,
) -> None:
    write(tmp_path / "puffin.toml", 'color = "never"\n')
    write(tmp_path / "a" / "pyproject.toml", '[tool.puffin]\ncolor = "always"\n')
    write(tmp_path / "a" / "puffin.toml", 'color = "auto"\n')
    write(tmp_path / "a" / "b" / "pyproject.toml", '[project]\nname = "puffin-demo"\n')
    cwd = tmp_path / "a" / "b" / "c"
    cwd.mkdir()

    found = discover(cwd, tmp_path / "no-user-dir")

    assert [(f.path, f.label, dict(f.table)) for f in found.files] == [
        (tmp_path / "a" / "puffin.toml", str(tmp_path / "a" / "puffin.toml"), {"color": "auto"})
    ]
    assert found.warnings == ()


def test_pyproject_tool_puffin_counts_and_its_keys_are_named_in_full(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n[tool.puffin]\nindx-url = "u"\n')

    found = discover(tmp_path, tmp_path / "no-user-dir")

    assert [(f.label, dict(f.table)) for f in found.files] == [
        ("pyproject.toml", {"indx-url": "u"})
    ]
    with pytest.raises(
        UsageError, match=r"^pyproject.toml: unknown setting `tool.puffin.indx-url`$"
    ):
        check_file(found.files[0], SCHEMA)


def test_a_broken_pyproject_is_skipped_with_a_warning_and_the_search_goes_on(
    tmp_path: Path,
) -> None:
    write(tmp_path / "puffin.toml", 'color = "never"\n')
    write(tmp_path / "app" / "pyproject.toml", "[tool.puffin\n")
    write(tmp_path / "app" / "lib" / "pyproject.toml", "not toml, but no mention of us\n")
    cwd = tmp_path / "app" / "lib"

    found = discover(cwd, tmp_path / "no-user-dir")

    assert [f.path for f in found.files] == [tmp_path / "puffin.toml"]
    broken = tmp_path / "app" / "pyproject.toml"
    assert found.warnings == (
        f"{broken}: invalid TOML: Expected ']' at the end of a table declaration"
        " (at line 1, column 13) (ignored while looking for [tool.puffin])",
    )


def test_the_user_file_comes_after_the_project_file(tmp_path: Path) -> None:
    project = write(tmp_path / "project" / "puffin.toml", 'color = "never"\n')
    user = write(tmp_path / "config" / "puffin.toml", 'color = "always"\n')

    found = discover(project.parent, user.parent)
    alone = discover(tmp_path, user.parent)

    assert [(f.path, f.label) for f in found.files] == [
        (project, "puffin.toml"),
        (user, str(user)),
    ]
    assert [f.path for f in alone.files] == [user]


def test_the_user_file_is_read_once_when_it_is_also_the_nearest(tmp_path: Path) -> None:
    user = write(tmp_path / "puffin.toml", 'color = "always"\n')

    assert [f.path for f in discover(tmp_path, tmp_path).files] == [user]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the XDG rule is Linux's")
def test_the_user_directory_honours_xdg_config_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert user_config_dir() == tmp_path / "xdg" / "puffin"
    monkeypatch.setenv("XDG_CONFIG_HOME", " ")
    assert user_config_dir() == Path(os.path.expanduser("~/.config/puffin"))


def test_an_explicit_file_must_exist_and_a_pyproject_must_have_the_table(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "puffin-demo"\n')
    with pytest.raises(UsageError, match=r"^missing.toml: No such file or directory$"):
        read_config_file(tmp_path / "missing.toml", "missing.toml")
    with pytest.raises(UsageError, match=r"^pyproject.toml: no \[tool.puffin\] table$"):
        read_config_file(tmp_path / "pyproject.toml", "pyproject.toml")


def test_broken_toml_names_the_file_and_tomllib_reason(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        config(tmp_path, 'color = "never\n')
    assert str(caught.value) == (
        "puffin.toml: invalid TOML: Illegal character '\\n' (at line 1, column 15)"
    )
    (tmp_path / "latin.toml").write_bytes(b'color = "\xe9"\n')
    with pytest.raises(UsageError, match=r"^latin.toml: invalid TOML: the file is not UTF-8 text$"):
        read_config_file(tmp_path / "latin.toml", "latin.toml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('indx-url = "u"', "unknown setting `indx-url`"),
        ('[compile]\ncolor = "never"', "unknown setting `compile.color`"),
        ('[cache.dir]\nindex-url = "u"', "unknown setting `cache.dir.index-url`"),
        ('src-files = ["a.in"]', "unknown setting `src-files`"),
        ('compile = "x"', '`compile` must be a table of `compile` settings, not "x"'),
        ('hashes = "yes"', '`hashes` must be true or false, not "yes"'),
        ('[compile]\nindex-url = ["u"]', "`compile.index-url` must be a string, not a list"),
        (
            "extra-index-url = [1]",
            "`extra-index-url` must be a list of strings, not a list holding 1",
        ),
        ("verbose = true", "`verbose` must be a whole number, not true"),
        ("color = 1979-05-27", "`color` must be a string, not a date or time"),
        ("color = {}", "`color` must be a string, not a table"),
    ],
)
def test_unknown_keys_and_wrong_types_name_the_file_and_the_key(
    tmp_path: Path, text: str, message: str
) -> None:
    assert check_error(tmp_path, text + "\n") == f"puffin.toml: {message}"


def test_a_top_level_key_may_fit_any_command_that_has_it(tmp_path: Path) -> None:
    # `editable` is a flag of `list` and a list of paths for `install`: either fits the top level.
    check_file(config(tmp_path, "editable = true\n"), SCHEMA)
    check_file(config(tmp_path, 'editable = ["."]\n'), SCHEMA)
    file = config(tmp_path, "editable = true\n")
    assert values([file], ["list"], tmp_path) == {"editable": True}
    with pytest.raises(
        UsageError, match=r"^puffin.toml: `editable` must be a list of strings, not true$"
    ):
        command_values([file], SCHEMA, ["install"], tmp_path)


def test_a_command_table_beats_the_top_level_and_applies_to_that_command_only(
    tmp_path: Path,
) -> None:
    file = config(
        tmp_path,
        'index-url = "top"\nformat = "json"\n'
        '[compile]\nindex-url = "compile"\nformat = "pylock.toml"\n',
    )

    assert values([file], ["compile"], tmp_path) == {
        "index-url": "compile",
        "format": "pylock.toml",
    }
    assert values([file], ["list"], tmp_path) == {"format": "json"}
    assert values([file], [], tmp_path) == {}


def test_a_group_table_reaches_the_commands_under_it(tmp_path: Path) -> None:
    top = config(tmp_path, 'cache-dir = "top"\n', "top.toml")
    group = config(tmp_path, 'cache-dir = "top"\n[cache.dir]\ncache-dir = "dir"\n', "group.toml")

    assert values([top], ["cache", "dir"], tmp_path) == {"cache-dir": "top"}
    assert values([group], ["cache", "dir"], tmp_path) == {"cache-dir": "dir"}


def test_the_project_file_beats_the_user_file_key_by_key(tmp_path: Path) -> None:
    project = config(tmp_path, '[compile]\nindex-url = "project"\n', "project.toml")
    user = config(
        tmp_path,
        'index-url = "user"\nextra-index-url = ["user-extra"]\n[compile]\nhashes = true\n',
        "user.toml",
    )

    assert values([project, user], ["compile"], tmp_path) == {
        "index-url": "project",
        "extra-index-url": ["user-extra"],
        "hashes": True,
    }


def test_paths_are_relative_to_the_file_unless_it_is_in_the_current_directory(
    tmp_path: Path,
) -> None:
    text = (
        'cache-dir = "cache"\n'
        'find-links = ["wheels", "../shared", "https://example.com/links", "/abs", "~/w"]\n'
        'python = "3.12"\n'
        'index-url = "simple"\n'
        "[compile]\n"
        'python = ".venv/bin/python"\n'
    )
    file = config(tmp_path, text)
    below = tmp_path / "src" / "pkg"

    assert values([file], ["compile"], below) == {
        "cache-dir": str(tmp_path / "cache"),
        "find-links": [
            str(tmp_path / "wheels"),
            str(tmp_path.parent / "shared"),
            "https://example.com/links",
            "/abs",
            "~/w",
        ],
        "python": str(tmp_path / ".venv" / "bin" / "python"),
        "index-url": "simple",
    }
    assert values([file], ["compile"], tmp_path)["cache-dir"] == "cache"
    version = config(tmp_path, 'python = "python3.12"\n', "version.toml")
    assert values([version], ["compile"], below) == {"python": "python3.12"}
