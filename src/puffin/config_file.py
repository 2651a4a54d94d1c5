"""Settings files: find puffin.toml, [tool.puffin] or the user file, then read, check, merge."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from enum import Enum
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from puffin.errors import UsageError

# The records below are NamedTuples, not frozen dataclasses: this module is imported on every
# run, and making a dataclass costs ~0.5 ms against ~0.1 ms (plus importing `dataclasses`).

PROJECT_FILE = "puffin.toml"
PYPROJECT_FILE = "pyproject.toml"
USER_FILE = "puffin.toml"


class ValueKind(Enum):
    """The TOML value a setting takes; the value is how an error message names it."""

    BOOLEAN = "true or false"
    INTEGER = "a whole number"
    NUMBER = "a number"
    STRING = "a string"
    STRING_LIST = "a list of strings"


class PathRule(Enum):
    """Whether a setting holds paths, which a file gives relative to its own directory."""

    NOT_A_PATH = "not a path"
    # Unless it is a URL, absolute, `~/...` or `-` (stdout).
    PATH = "a path"
    # `python = "3.12"` is a version and `python3.12` a name on PATH; `./.venv/bin/python` a path.
    PATH_WITH_SEPARATOR = "a path when it holds a separator"


class SettingSpec(NamedTuple):
    """What one command's option accepts in a file."""

    kind: ValueKind
    path_rule: PathRule = PathRule.NOT_A_PATH


class CommandSchema(NamedTuple):
    """The settings a command takes, and the commands under it when it is a group."""

    settings: Mapping[str, SettingSpec]
    commands: Mapping[str, CommandSchema] = MappingProxyType({})

    def specs_below(self, key: str) -> list[SettingSpec]:
        """The specs of `key` for this command and every command under it."""
        found = [self.settings[key]] if key in self.settings else []
        for command in self.commands.values():
            found += command.specs_below(key)
        return found


class ConfigFile(NamedTuple):
    """One settings file: where it is, how messages name it, and its puffin table."""

    path: Path
    label: str
    table: Mapping[str, Any]
    # `tool.puffin.` in a pyproject.toml, so a message names the key as the file spells it.
    key_prefix: str = ""

    def key(self, *parts: str) -> str:
        return self.key_prefix + ".".join(parts)


class Discovery(NamedTuple):
    """The files found for a run, highest precedence first (project, then user)."""

    files: tuple[ConfigFile, ...]
    warnings: tuple[str, ...] = ()


class FileValue(NamedTuple):
    """A setting taken from a file: its value (paths anchored), the file, and the full key."""

    value: Any
    file: ConfigFile
    key: str


def user_config_dir() -> Path:
    """platformdirs' user config directory for puffin (`~/.config/puffin` on Linux)."""
    if sys.platform.startswith("linux"):
        # platformdirs' own rule, here because importing platformdirs costs ~6 ms on every run.
        base = os.environ.get("XDG_CONFIG_HOME", "").strip() or os.path.expanduser("~/.config")
        return Path(base) / "puffin"
    from platformdirs import user_config_dir as platform_config_dir

    return Path(platform_config_dir("puffin", appauthor=False, roaming=True))


def discover(cwd: Path, user_dir: Path) -> Discovery:
    """The project file nearest `cwd` (itself or a parent), then `user_dir`'s puffin.toml.

    In each directory `puffin.toml` wins over `pyproject.toml`; a pyproject.toml without a
    `[tool.puffin]` table does not count and the search goes on upwards, as uv's does. One that
    is not valid TOML is skipped with a warning: pip-compile reports it if it is an input.
    """
    warnings: list[str] = []
    project = _find_project_file(cwd, warnings)
    user_path = user_dir / USER_FILE
    user = None
    if project is None or project.path != user_path:
        data = _read_if_present(user_path, str(user_path))
        if data is not None:
            user = ConfigFile(user_path, str(user_path), _parse(data, str(user_path)))
    return Discovery(tuple(f for f in (project, user) if f is not None), tuple(warnings))


def read_config_file(path: Path, label: str) -> ConfigFile:
    """The file named by `--config-file`: a puffin.toml, or a pyproject.toml's [tool.puffin]."""
    data = _read_if_present(path, label)
    if data is None:
        raise UsageError(f"{label}: No such file or directory")
    document = _parse(data, label)
    if path.name != PYPROJECT_FILE:
        return ConfigFile(path, label, document)
    table = _pyproject_table(document, label)
    if table is None:
        raise UsageError(f"{label}: no [tool.puffin] table")
    return ConfigFile(path, label, table, "tool.puffin.")


def check_file(file: ConfigFile, schema: CommandSchema) -> None:
    """Every key is a setting some command takes, with a value of a type it can take."""
    _check_table(file, file.table, schema, ())


def command_values(
    files: Sequence[ConfigFile], schema: CommandSchema, command: Sequence[str], cwd: Path
) -> dict[str, FileValue]:
    """The settings `files` give the command at `command` (sub-command names below the root).

    Within a file a command's own table wins over its group's, which wins over the top level;
    across files the earlier file wins, key by key. Paths are anchored at their file's
    directory; a file in `cwd` keeps them as written.
    """
    node = schema
    for name in command:
        node = node.commands[name]
    result: dict[str, FileValue] = {}
    for file in reversed(files):
        result.update(_file_values(file, schema, command, node.settings, cwd))
    return result


def _find_project_file(cwd: Path, warnings: list[str]) -> ConfigFile | None:
    for directory in (cwd, *cwd.parents):
        candidate = directory / PROJECT_FILE
        label = _label(candidate, cwd)
        data = _read_if_present(candidate, label)
        if data is not None:
            return ConfigFile(candidate, label, _parse(data, label))
        pyproject = directory / PYPROJECT_FILE
        label = _label(pyproject, cwd)
        data = _read_if_present(pyproject, label)
        # Most pyproject.toml files have no [tool.puffin]; a table of that name needs the word,
        # and skipping the parse of the others keeps discovery to a few system calls.
        if data is None or b"puffin" not in data:
            continue
        try:
            table = _pyproject_table(_parse(data, label), label)
        except UsageError as error:
            warnings.append(f"{error} (ignored while looking for [tool.puffin])")
            continue
        if table is not None:
            return ConfigFile(pyproject, label, table, "tool.puffin.")
    return None


def _label(path: Path, cwd: Path) -> str:
    return path.name if path.parent == cwd else str(path)


def _read_if_present(path: Path, label: str) -> bytes | None:
    try:
        with open(path, "rb") as stream:
            return stream.read()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except OSError as error:
        raise UsageError(f"{label}: {error.strerror}") from None


def _parse(data: bytes, label: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]
    try:
        document: dict[str, Any] = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise UsageError(f"{label}: invalid TOML: the file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{label}: invalid TOML: {error}") from None
    return document


def _pyproject_table(document: Mapping[str, Any], label: str) -> Mapping[str, Any] | None:
    tool = document.get("tool")
    if not isinstance(tool, dict) or "puffin" not in tool:
        return None
    table = tool["puffin"]
    if not isinstance(table, dict):
        raise UsageError(f"{label}: `tool.puffin` must be a table, not {_describe(table)}")
    return table


def _check_table(
    file: ConfigFile, table: Mapping[str, Any], schema: CommandSchema, at: tuple[str, ...]
) -> None:
    for key, value in table.items():
        path = (*at, key)
        command = schema.commands.get(key)
        if command is not None and isinstance(value, dict):
            _check_table(file, value, command, path)
            continue
        specs = schema.specs_below(key)
        if not specs:
            if command is not None:
                reason = f"must be a table of `{' '.join(path)}` settings, not {_describe(value)}"
                raise UsageError(f"{file.label}: `{file.key(*path)}` {reason}")
            raise UsageError(f"{file.label}: unknown setting `{file.key(*path)}`")
        if not any(_fits(value, spec.kind) for spec in specs):
            raise _wrong_type(file, path, specs[0].kind, value)


def _file_values(
    file: ConfigFile,
    schema: CommandSchema,
    command: Sequence[str],
    settings: Mapping[str, SettingSpec],
    cwd: Path,
) -> dict[str, FileValue]:
    values: dict[str, FileValue] = {}
    table: Mapping[str, Any] = file.table
    at: tuple[str, ...] = ()
    for depth in range(len(command) + 1):
        for key, value in table.items():
            if key not in settings or (key in schema.commands and isinstance(value, dict)):
                continue
            spec = settings[key]
            if not _fits(value, spec.kind):
                raise _wrong_type(file, (*at, key), spec.kind, value)
            anchored = _anchor(value, spec.path_rule, file.path.parent, cwd)
            values[key] = FileValue(anchored, file, file.key(*at, key))
        if depth == len(command):
            break
        name = command[depth]
        deeper = table.get(name)
        if not isinstance(deeper, dict):
            break
        table, at, schema = deeper, (*at, name), schema.commands[name]
    return values


def _fits(value: Any, kind: ValueKind) -> bool:
    if kind is ValueKind.BOOLEAN:
        return isinstance(value, bool)
    if kind is ValueKind.INTEGER:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is ValueKind.NUMBER:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is ValueKind.STRING:
        return isinstance(value, str)
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _wrong_type(file: ConfigFile, path: tuple[str, ...], kind: ValueKind, value: Any) -> UsageError:
    return UsageError(
        f"{file.label}: `{file.key(*path)}` must be {kind.value}, not {_describe(value)}"
    )


def _describe(value: Any) -> str:
    """A TOML value as a message shows it: `"yes"`, `true`, `3`, `a table`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        odd = next((item for item in value if not isinstance(item, str)), None)
        return "a list" if odd is None else f"a list holding {_describe(odd)}"
    return "a date or time"


def _anchor(value: Any, rule: PathRule, directory: Path, cwd: Path) -> Any:
    if rule is PathRule.NOT_A_PATH or directory == cwd:
        return value
    if isinstance(value, list):
        return [_anchor_one(item, rule, directory) for item in value]
    if isinstance(value, str):
        return _anchor_one(value, rule, directory)
    return value


def _anchor_one(text: str, rule: PathRule, directory: Path) -> str:
    if "://" in text or text == "-" or text.startswith("~") or os.path.isabs(text):
        return text
    separators = [sep for sep in (os.sep, os.altsep) if sep]
    if rule is PathRule.PATH_WITH_SEPARATOR and not any(sep in text for sep in separators):
        return text
    return os.path.normpath(os.path.join(directory, text))
