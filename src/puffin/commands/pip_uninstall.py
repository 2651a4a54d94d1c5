"""`puffin pip-uninstall`: remove named distributions from the target environment."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from puffin.cache import Cache
from puffin.commands.inspect import find_environment
from puffin.commands.pip_sync import Change
from puffin.errors import UsageError
from puffin.interpreter import Interpreter
from puffin.names import PackageName
from puffin.requirements_txt import RequirementLine, parse_requirements_file
from puffin.requirements_txt_requirement import RequirementError, parse_requirement


@dataclass(frozen=True)
class UninstallOptions:
    packages: tuple[str, ...] = ()  # names, or requirements whose name is taken (`foo>=1`)
    requirement_files: tuple[str, ...] = ()
    python: str | None = None
    dry_run: bool = False


@dataclass(frozen=True)
class UninstallResult:
    interpreter: Interpreter
    uninstalled: tuple[Change, ...]
    not_installed: tuple[PackageName, ...]  # named, but not in the environment
    dry_run: bool
    elapsed_seconds: float
    warnings: tuple[str, ...] = ()  # from the requirement files


def pip_uninstall(
    options: UninstallOptions,
    cache: Cache,
    *,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> UninstallResult:
    """Uninstall every named distribution that is installed, under the environment's lock."""
    started = time.perf_counter()
    environ = os.environ if environ is None else environ
    cwd = Path.cwd() if cwd is None else cwd
    names, warnings = _names(options, environ, cwd)
    environment = find_environment(options.python, cache, environ=environ, cwd=cwd)
    found = [environment.installed[name] for name in names if name in environment.installed]
    missing = tuple(name for name in names if name not in environment.installed)
    if found and not options.dry_run:
        from puffin.commands.sync_install import apply_changes

        apply_changes(
            environment.interpreter, found, [], link_mode=None, compile_bytecode_after=False
        )
    return UninstallResult(
        environment.interpreter,
        tuple(Change(dist.name, dist.version) for dist in found),
        missing,
        options.dry_run,
        time.perf_counter() - started,
        warnings,
    )


def _names(
    options: UninstallOptions, environ: Mapping[str, str], cwd: Path
) -> tuple[list[PackageName], tuple[str, ...]]:
    """The distinct names asked for, sorted, and the warnings of the files that named them."""
    names: list[PackageName] = []
    warnings: list[str] = []
    for text in options.packages:
        try:
            parsed = parse_requirement(text, base_dir=cwd, as_written=text, warn=warnings.append)
        except RequirementError as error:
            raise UsageError(error.reason) from None
        if parsed.name is None:
            raise UsageError(f"Cannot uninstall {text}: name the package to uninstall")
        names.append(parsed.name)
    for path in options.requirement_files:
        parsed_file = parse_requirements_file(path, environ=environ)
        warnings.extend(parsed_file.warnings)
        names.extend(_line_name(line) for line in parsed_file.requirements)
    return sorted(set(names)), tuple(warnings)


def _line_name(line: RequirementLine) -> PackageName:
    if line.name is None:
        shown = line.given or line.url
        raise UsageError(
            f"Cannot uninstall {shown} ({line.origin}): it names no package;"
            " write `name @ <location>`"
        )
    return line.name
