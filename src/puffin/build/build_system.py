"""Read a source tree's `[build-system]` table, with setuptools' legacy defaults when absent."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from puffin.errors import BuildError

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

LEGACY_REQUIRES = ("setuptools>=40.8.0",)
LEGACY_BACKEND = "setuptools.build_meta:__legacy__"
"""What a tree without `[build-system]` gets: PEP 517's fallback, as pip and pypa/build apply it."""


@dataclass(frozen=True)
class BuildSystem:
    """The backend to call and what its environment must hold, as one source tree declares them."""

    requires: tuple[str, ...]
    """PEP 508 requirement strings, each already checked to parse."""
    build_backend: str
    """`module` or `module:object` naming the backend."""
    backend_path: tuple[str, ...]
    """Directories, relative to the source tree, put first on the backend's `sys.path`."""

    @property
    def is_legacy(self) -> bool:
        """True when the tree declared no backend and setuptools' legacy one stands in."""
        return self.build_backend == LEGACY_BACKEND and not self.backend_path


def read_build_system(source_tree: Path) -> BuildSystem:
    """The `[build-system]` of `source_tree`'s pyproject.toml; the legacy defaults if absent.

    A table without `build-backend` keeps its own `requires` and gets the legacy backend
    (PEP 517: "projects that do not specify a backend are built with setuptools").
    """
    path = source_tree / "pyproject.toml"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return BuildSystem(LEGACY_REQUIRES, LEGACY_BACKEND, ())
    except OSError as error:
        raise BuildError(f"Cannot read {path}: {error.strerror or error}") from None
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise BuildError(f"{path} is not valid TOML: {error}") from None
    return parse_build_system(document, path)


def parse_build_system(document: Mapping[str, Any], path: Path) -> BuildSystem:
    """Validate the `build-system` table of a parsed pyproject.toml; errors name `path` and key."""
    if "build-system" not in document:
        return BuildSystem(LEGACY_REQUIRES, LEGACY_BACKEND, ())
    table = document["build-system"]
    if not isinstance(table, Mapping):
        raise _invalid(path, "build-system", "must be a table")
    if "requires" not in table:
        # PEP 518 makes `requires` mandatory once the table exists; guessing would hide a typo.
        raise _invalid(path, "build-system", "has no `requires` key")
    requires = _requirement_list(path, table["requires"])
    backend = table.get("build-backend", LEGACY_BACKEND)
    if not isinstance(backend, str) or not _is_backend_reference(backend):
        raise _invalid(
            path, "build-system.build-backend", "must be a string `module` or `module:object`"
        )
    backend_path = _string_list(path, "build-system.backend-path", table.get("backend-path", []))
    for entry in backend_path:
        if not _inside(path.parent, entry):
            # PEP 517: backend-path entries are relative to the tree and must stay inside it.
            raise _invalid(
                path, "build-system.backend-path", f"entry {entry!r} is outside the source tree"
            )
    return BuildSystem(requires, backend, backend_path)


def _requirement_list(path: Path, value: Any) -> tuple[str, ...]:
    from packaging.requirements import InvalidRequirement, Requirement

    requires = _string_list(path, "build-system.requires", value)
    for index, requirement in enumerate(requires):
        try:
            Requirement(requirement)
        except InvalidRequirement as error:
            raise _invalid(
                path,
                f"build-system.requires[{index}]",
                f"is not a valid requirement: {requirement!r} ({error})",
            ) from None
    return requires


def _string_list(path: Path, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _invalid(path, key, "must be a list of strings")
    return tuple(value)


def _inside(tree: Path, entry: str) -> bool:
    root = os.path.normcase(os.path.abspath(tree))
    resolved = os.path.normcase(os.path.abspath(os.path.join(root, entry)))
    return os.path.commonpath([root, resolved]) == root


def _is_backend_reference(value: str) -> bool:
    module, colon, attribute = value.partition(":")
    parts = [*module.split("."), *(attribute.split(".") if colon else [])]
    return all(part.strip().isidentifier() for part in parts)


def _invalid(path: Path, key: str, reason: str) -> BuildError:
    return BuildError(f"{path}: `{key}` {reason}")
