"""Turn parsed requirement lines into the exact set pip-sync must install (no network)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from puffin.errors import HashesRequired, UnsupportedSource, UsageError
from puffin.filenames import WheelFilename
from puffin.hashes import HashDigest
from puffin.names import PackageName
from puffin.requirements_txt import RequirementLine

if TYPE_CHECKING:
    from puffin.dist_types.source import DirectSource


@dataclass(frozen=True)
class Wanted:
    """One distribution the environment must hold after the sync."""

    name: PackageName
    specifier: SpecifierSet  # for registry requirements; empty for direct references
    url: str | None  # a direct reference's URL (https://, file://, git+...), None: registry
    wheel: WheelFilename | None  # parsed from the URL when it names a wheel
    hashes: tuple[HashDigest, ...]
    origin: str  # "-r requirements.txt (line 3)", for messages
    source: DirectSource | None = None  # a source to build (not a wheel), git commit resolved
    built_version: Version | None = None  # the version its metadata says, once known
    editable: bool = False
    given: str | None = None  # the source as the user wrote it (`./pkg`), for messages

    @property
    def pinned_version(self) -> Version | None:
        """The version this line demands exactly, if it does (`==1.0`, a wheel URL, or the
        metadata of a source built before)."""
        if self.wheel is not None:
            return self.wheel.version
        if self.source is not None:
            return self.built_version
        specs = list(self.specifier)
        if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
            try:
                return Version(specs[0].version)
            except ValueError:
                return None
        return None


def wanted_set(
    requirements: Sequence[RequirementLine],
    constraints: Sequence[RequirementLine],
    environment: Mapping[str, str],
    *,
    require_hashes: bool,
    sources: Mapping[RequirementLine, Wanted] | None = None,
) -> list[Wanted]:
    """Apply markers and constraints and merge duplicate lines; raise on what cannot be synced.

    `sources` holds the lines naming a source to build, already made Wanted (named and, when
    known, versioned) by `direct.py`; every other line is converted here.
    """
    sources = sources or {}
    applicable = [line for line in requirements if line.applies_to(environment)]
    constraint_specs: dict[PackageName, SpecifierSet] = {}
    for line in constraints:
        if line.name is not None and line.applies_to(environment):
            constraint_specs[line.name] = (
                constraint_specs.get(line.name, SpecifierSet()) & line.specifier
            )
    merged: dict[PackageName, Wanted] = {}
    for line in applicable:
        wanted = sources[line] if line in sources else _wanted_from_line(line)
        if wanted.name in constraint_specs and wanted.url is None:
            wanted = _replace_specifier(wanted, wanted.specifier & constraint_specs[wanted.name])
        previous = merged.get(wanted.name)
        if previous is None:
            merged[wanted.name] = wanted
            continue
        if previous.url != wanted.url:
            raise UsageError(
                f"Conflicting requirements for {wanted.name}: {previous.origin} and {wanted.origin}"
                " name different sources"
            )
        merged[wanted.name] = replace(
            wanted,
            specifier=previous.specifier & wanted.specifier,
            hashes=previous.hashes + tuple(h for h in wanted.hashes if h not in previous.hashes),
            origin=previous.origin,
        )
    result = sorted(merged.values(), key=lambda w: w.name)
    if require_hashes:
        _check_hash_mode(result)
    return result


def needs_build(line: RequirementLine) -> bool:
    """Whether a line names something other than the registry or a wheel file."""
    if line.url is None:
        return False
    if line.editable or line.url.startswith(("git+", "hg+", "svn+", "bzr+")):
        return True
    return not line.url.partition("#")[0].partition("?")[0].endswith(".whl")


def _replace_specifier(wanted: Wanted, specifier: SpecifierSet) -> Wanted:
    return replace(wanted, specifier=specifier)


def _wanted_from_line(line: RequirementLine) -> Wanted:
    origin = str(line.origin)
    shown = line.given or line.url or str(line.name)
    if line.url is None:
        if line.name is None:  # pragma: no cover - the parser names every registry requirement
            raise UsageError(f"Requirement without a name ({origin})")
        return Wanted(line.name, line.specifier, None, None, line.hashes, origin)
    filename = unquote(PurePosixPath(urlsplit(line.url).path).name)
    if (
        line.editable
        or line.url.startswith(("git+", "hg+", "svn+", "bzr+"))
        or not (filename.endswith(".whl"))
    ):
        # pragma: no cover - pip_sync hands every line naming a source to build in `sources`
        raise UnsupportedSource(f"Cannot install {shown} ({origin}): it needs a build")
    try:
        wheel = WheelFilename.parse(filename)
    except ValueError as error:
        raise UsageError(f"Invalid wheel file name in {shown} ({origin}): {error}") from None
    if line.name is not None and line.name != wheel.name:
        raise UsageError(
            f"{shown} ({origin}) is a wheel of {wheel.name}, but the line names {line.name}"
        )
    return Wanted(wheel.name, SpecifierSet(), line.url, wheel, line.hashes, origin)


def _check_hash_mode(wanted: Sequence[Wanted]) -> None:
    """pip's hash-checking mode: every line pinned (or a URL) and carrying a hash."""
    problems: list[str] = []
    for item in wanted:
        if item.url is None and item.pinned_version is None:
            problems.append(f"    {item.name}{item.specifier} ({item.origin}): not pinned with ==")
        elif not item.hashes:
            problems.append(f"    {item.name} ({item.origin}): no --hash")
    if problems:
        raise HashesRequired(
            "In --require-hashes mode every requirement must be pinned with == and carry"
            " a --hash:\n" + "\n".join(problems)
        )
