"""Read a pyproject.toml's static `[project]` dependencies as pip-compile input lines."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from puffin.errors import RequirementsFileError
from puffin.names import ExtraName, normalize_extra, normalize_name
from puffin.requirements_txt_requirement import RequirementError, parse_requirement
from puffin.requirements_txt_types import Origin, OriginKind, RequirementLine

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

if TYPE_CHECKING:
    from packaging.markers import Marker

__all__ = ["ProjectOrigin", "PyprojectRequirements", "read_pyproject", "read_pyproject_text"]

# PEP 508's name rule, which PEP 621 applies to `project.name`.
_PROJECT_NAME = re.compile(r"[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9]", re.IGNORECASE)


@dataclass(frozen=True)
class ProjectOrigin(Origin):
    """A requirement from a project's metadata: `str()` is pip-compile's `demo (pyproject.toml)`.

    A TOML array element has no line of its own to point at, so `line` is 0 and never shown.
    """

    project: str  # `project.name` as written: pip-compile annotates with it unnormalized

    def __str__(self) -> str:
        return self.via

    @property
    def via(self) -> str:
        """The `# via` source pip-compile writes for every requirement of this project."""
        return f"{self.project} ({self.path})"


@dataclass(frozen=True)
class PyprojectRequirements:
    """The requirements one pyproject.toml contributes with the chosen extras."""

    path: str  # as the user named it: it appears in `# via` and in messages
    project_name: str  # as written in the file
    requirements: tuple[RequirementLine, ...]  # each with a ProjectOrigin
    extras: tuple[ExtraName, ...]  # every optional-dependencies group the project defines
    warnings: tuple[str, ...]

    @property
    def via(self) -> str:
        return f"{self.project_name} ({self.path})"


def read_pyproject(
    path: str | Path, *, extras: Iterable[str] = (), all_extras: bool = False
) -> PyprojectRequirements:
    """Read `[project] dependencies` plus the optional-dependencies groups asked for.

    `extras` are `--extra` values (any spelling, PEP 685 normalized here); `all_extras` is
    `--all-extras`. Raises RequirementsFileError naming the file and the reason.
    """
    display = os.fspath(path)
    try:
        data = Path(display).read_bytes()
    except OSError as error:
        raise RequirementsFileError(
            display, None, f"could not open file: [Errno {error.errno}] {error.strerror}"
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RequirementsFileError(
            display, None, f"not valid TOML: it is not UTF-8 ({error.reason} at byte {error.start})"
        ) from None
    base_dir = Path(os.path.dirname(os.path.abspath(display)))
    return read_pyproject_text(
        text, path=display, base_dir=base_dir, extras=extras, all_extras=all_extras
    )


def read_pyproject_text(
    text: str,
    *,
    path: str,
    base_dir: Path,
    extras: Iterable[str] = (),
    all_extras: bool = False,
) -> PyprojectRequirements:
    """Like `read_pyproject`, for text already read; relative `file:` URLs start at `base_dir`."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RequirementsFileError(path, None, f"not valid TOML: {error}") from None
    project = document.get("project")
    if project is None:
        raise RequirementsFileError(
            path, None, "no [project] table; puffin reads dependencies only from [project] so far"
        )
    if not isinstance(project, dict):
        raise RequirementsFileError(path, None, "project must be a table")
    name = _project_name(path, project)
    wanted = [normalize_extra(extra) for extra in extras]
    dynamic = _strings(path, project.get("dynamic", []), "project.dynamic")
    needs_groups = bool(wanted) or all_extras
    for field in ("dependencies", "optional-dependencies"):
        # Optional groups nobody asked for are never read, so only then may they be dynamic.
        if field in dynamic and (field == "dependencies" or needs_groups):
            raise RequirementsFileError(
                path,
                None,
                f"{field} are dynamic (project.dynamic); "
                "building the project to read them is not supported yet",
            )
    reader = _Reader(path, base_dir, name, _groups(path, project))
    dependencies = _strings(path, project.get("dependencies", []), "project.dependencies")
    lines = reader.expand(dependencies, "project.dependencies", None, ())
    chosen = list(reader.groups) if all_extras else []
    chosen += [extra for extra in wanted if extra not in chosen]
    for extra in chosen:
        lines += reader.group(extra, None, ())
    return PyprojectRequirements(
        path=path,
        project_name=name,
        requirements=tuple(dict.fromkeys(lines)),
        extras=tuple(reader.groups),
        warnings=tuple(reader.warnings),
    )


class _Reader:
    """Turns requirement strings into lines, expanding the project's references to itself."""

    def __init__(
        self,
        path: str,
        base_dir: Path,
        name: str,
        groups: Mapping[ExtraName, tuple[str, list[str]]],
    ) -> None:
        self.path = path
        self.base_dir = base_dir
        self.groups = groups
        self.warnings: list[str] = []
        self._self_name = normalize_name(name)
        self._origin = ProjectOrigin(path, 0, OriginKind.REQUIREMENT, name)

    def group(
        self, extra: ExtraName, marker: Marker | None, stack: tuple[ExtraName, ...]
    ) -> list[RequirementLine]:
        found = self.groups.get(extra)
        if found is None:
            defined = ", ".join(sorted(self.groups)) or "none"
            raise RequirementsFileError(
                self.path,
                None,
                f"no optional-dependencies group named '{extra}' (defined: {defined})",
            )
        written, requirements = found
        if extra in stack:
            return []  # a group that includes itself through others adds nothing new
        where = f"project.optional-dependencies.{written}"
        return self.expand(requirements, where, marker, (*stack, extra))

    def expand(
        self,
        requirements: Sequence[str],
        where: str,
        marker: Marker | None,
        stack: tuple[ExtraName, ...],
    ) -> list[RequirementLine]:
        lines: list[RequirementLine] = []
        for text in requirements:
            line = self._line(text, where, marker)
            if line.name != self._self_name:
                lines.append(line)
                continue
            # `demo[socks]` inside demo's own metadata means "demo's socks group too": pip
            # would look demo up on an index, but its groups are right here.
            for extra in sorted(line.extras):
                lines += self.group(extra, line.marker, stack)
        return lines

    def _line(self, text: str, where: str, outer: Marker | None) -> RequirementLine:
        from packaging.requirements import InvalidRequirement, Requirement

        try:
            # pyproject.toml takes PEP 508 strings only: no bare paths or URLs, no options.
            Requirement(text)
        except InvalidRequirement as error:
            reason = str(error).splitlines()[0]
            raise RequirementsFileError(
                self.path, None, f"invalid requirement {text!r} in {where}: {reason}"
            ) from None
        try:
            parsed = parse_requirement(
                text, base_dir=self.base_dir, as_written=text, warn=self._warn
            )
        except RequirementError as error:
            raise RequirementsFileError(
                self.path, None, f"invalid requirement {text!r} in {where}: {error.reason}"
            ) from None
        return RequirementLine(
            origin=self._origin,
            name=parsed.name,
            extras=parsed.extras,
            specifier=parsed.specifier,
            marker=_both(outer, parsed.marker),
            url=parsed.url,
            given=parsed.given,
            editable=False,
            hashes=parsed.hashes,
            config_settings=(),
        )

    def _warn(self, message: str) -> None:
        self.warnings.append(f"{self.path}: {message}")


def _project_name(path: str, project: Mapping[str, Any]) -> str:
    name = project.get("name")
    if name is None:
        raise RequirementsFileError(path, None, "[project] has no name")
    if not isinstance(name, str) or not _PROJECT_NAME.fullmatch(name):
        raise RequirementsFileError(path, None, f"project.name {name!r} is not a valid name")
    return name


def _groups(path: str, project: Mapping[str, Any]) -> dict[ExtraName, tuple[str, list[str]]]:
    """Each optional-dependencies group by its normalized name, with the name as written."""
    table = project.get("optional-dependencies", {})
    if not isinstance(table, dict):
        raise RequirementsFileError(path, None, "project.optional-dependencies must be a table")
    groups: dict[ExtraName, tuple[str, list[str]]] = {}
    for written, requirements in table.items():
        where = f"project.optional-dependencies.{written}"
        extra = normalize_extra(written)
        if extra in groups:
            # PEP 685: two spellings of one extra would be one extra with two meanings.
            raise RequirementsFileError(
                path,
                None,
                f"optional-dependencies groups '{groups[extra][0]}' and '{written}' "
                f"are the same extra ('{extra}')",
            )
        groups[extra] = (written, _strings(path, requirements, where))
    return groups


def _strings(path: str, value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RequirementsFileError(path, None, f"{where} must be an array of strings")
    return value


def _both(outer: Marker | None, inner: Marker | None) -> Marker | None:
    """A requirement reached through `demo[x]; <outer>` applies only where both markers hold."""
    if outer is None or inner is None:
        return inner if outer is None else outer
    from packaging.markers import Marker

    return Marker(f"({outer}) and ({inner})")
