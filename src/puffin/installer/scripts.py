"""Executable scripts: entry-point parsing, shebang lines and our launcher template."""

from __future__ import annotations

import os
from dataclasses import dataclass

# Linux reads at most 127 bytes of a `#!` line on older kernels (BINPRM_BUF_SIZE was 128);
# longer interpreter paths are silently truncated, so they go through /bin/sh instead.
_MAX_SHEBANG = 127

_SCRIPT_SECTIONS = {"console_scripts": False, "gui_scripts": True}


@dataclass(frozen=True)
class ScriptEntryPoint:
    """A `[console_scripts]` or `[gui_scripts]` entry: `name = module:attr.path [extras]`."""

    name: str
    module: str
    attribute: str  # dotted path inside the module: "main" or "cli.main"
    gui: bool


def parse_script_entry_points(text: str) -> list[ScriptEntryPoint]:
    """Script entry points of an `entry_points.txt`; ValueError names the offending entry.

    A later entry of the same name replaces an earlier one, so each script is written once.
    """
    found: dict[str, ScriptEntryPoint] = {}
    section: str | None = None
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            continue
        if section not in _SCRIPT_SECTIONS:
            continue
        name, equals, value = line.partition("=")
        name = name.strip()
        if not equals:
            raise ValueError(f"entry point line {line!r} in [{section}] has no '='")
        check_script_name(name)
        module, attribute = _parse_target(name, value)
        found[name] = ScriptEntryPoint(name, module, attribute, _SCRIPT_SECTIONS[section])
    return list(found.values())


def check_script_name(name: str) -> None:
    """A script name must be a plain file name inside the scripts directory."""
    if not name or name in (".", "..") or any(c in name for c in "/\\\0"):
        raise ValueError(f"entry point script name {name!r} is not a plain file name")


def _parse_target(name: str, value: str) -> tuple[str, str]:
    target = value.partition("[")[0].strip()  # extras only gate dependencies
    module, colon, attribute = (part.strip() for part in target.partition(":"))
    if not colon or not _is_dotted_identifier(module) or not _is_dotted_identifier(attribute):
        raise ValueError(
            f"entry point {name!r} has target {value.strip()!r}; expected 'module:function'"
        )
    return module, attribute


def _is_dotted_identifier(text: str) -> bool:
    return bool(text) and all(part.isidentifier() for part in text.split("."))


def shebang(python: str) -> bytes:
    """The first line(s) that make a file run with `python`.

    A path with whitespace, or too long for the kernel, cannot sit on a `#!` line; then the
    script starts as a /bin/sh program that re-executes itself with Python, written so that
    Python reads the same lines as one string expression and ignores them.
    """
    encoded = os.fsencode(python)
    line = b"#!" + encoded + b"\n"
    if len(line) <= _MAX_SHEBANG and not any(c in encoded for c in b" \t\n\r"):
        return line
    quoted = encoded
    for special in (b"\\", b'"', b"$", b"`"):
        quoted = quoted.replace(special, b"\\" + special)
    return b"#!/bin/sh\n'''exec' \"" + quoted + b'" "$0" "$@"\n' + b"' '''\n"


def launcher(entry: ScriptEntryPoint, python: str) -> bytes:
    """The script file for an entry point: our own template, identical for console and gui."""
    head = entry.attribute.partition(".")[0]
    body = (
        "import sys\n"
        f"from {entry.module} import {head}\n"
        "\n"
        'if __name__ == "__main__":\n'
        f"    sys.exit({entry.attribute}())\n"
    )
    return shebang(python) + body.encode("utf-8")


def rewrite_python_shebang(content: bytes, python: str) -> bytes | None:
    """For a `#!python` script of a wheel, the content with the real interpreter; else None."""
    if not content.startswith(b"#!python"):
        return None
    newline = content.find(b"\n")
    rest = b"" if newline == -1 else content[newline + 1 :]
    return shebang(python) + rest
