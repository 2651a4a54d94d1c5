"""pip-install's inputs as requirement lines: arguments, `-e`, `-r`, `-c` and `--override` files."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from puffin.errors import UsageError
from puffin.requirements_txt import (
    Origin,
    OriginKind,
    RequirementLine,
    RequirementsTxt,
    merge,
    parse_requirements_file,
)
from puffin.requirements_txt_requirement import (
    ParsedRequirement,
    RequirementError,
    parse_editable,
    parse_requirement,
)

# The "file" of requirements given as arguments: messages name a line as `-r <command line>
# (line 2)`, the second argument, and relative paths count from the working directory.
COMMAND_LINE = "<command line>"


@dataclass(frozen=True)
class InstallInputs:
    """Everything pip-install was asked for, markers not yet evaluated."""

    requirements: RequirementsTxt  # arguments, -e and -r lines; -c lines as constraints
    overrides: tuple[RequirementLine, ...]


def read_inputs(
    packages: Sequence[str],
    editables: Sequence[str],
    requirement_files: Sequence[str],
    constraint_files: Sequence[str],
    override_files: Sequence[str],
    *,
    environ: Mapping[str, str],
    cwd: Path,
) -> InstallInputs:
    """Parse every input; a bad argument is a usage error naming it, as a bad file line is."""
    warnings: list[str] = []
    lines = [
        _argument(text, number, cwd, warnings.append) for number, text in enumerate(packages, 1)
    ]
    lines += [_editable(text, number, cwd) for number, text in enumerate(editables, len(lines) + 1)]
    files = [_arguments_file(lines, warnings)] if lines else []
    files += [parse_requirements_file(path, environ=environ) for path in requirement_files]
    files += [
        parse_requirements_file(path, environ=environ, constraint=True) for path in constraint_files
    ]
    overrides = tuple(
        line
        for path in override_files
        for line in parse_requirements_file(path, environ=environ, constraint=True).constraints
    )
    return InstallInputs(merge(files) if files else _arguments_file([], []), overrides)


def _argument(text: str, number: int, cwd: Path, warn: Callable[[str], None]) -> RequirementLine:
    try:
        parsed = parse_requirement(text, base_dir=cwd, as_written=text, warn=warn)
    except RequirementError as error:
        raise UsageError(error.reason) from None
    return _line(parsed, number, editable=False)


def _editable(text: str, number: int, cwd: Path) -> RequirementLine:
    try:
        parsed = parse_editable(text, base_dir=cwd, as_written=text)
    except RequirementError as error:
        raise UsageError(error.reason) from None
    return _line(parsed, number, editable=True)


def _line(parsed: ParsedRequirement, number: int, *, editable: bool) -> RequirementLine:
    return RequirementLine(
        origin=Origin(COMMAND_LINE, number, OriginKind.REQUIREMENT),
        name=parsed.name,
        extras=parsed.extras,
        specifier=parsed.specifier,
        marker=parsed.marker,
        url=parsed.url,
        given=parsed.given,
        editable=editable,
        hashes=parsed.hashes,
        config_settings=(),
    )


def _arguments_file(lines: Sequence[RequirementLine], warnings: Sequence[str]) -> RequirementsTxt:
    return RequirementsTxt.of_requirements(lines, warnings)
