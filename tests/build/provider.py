"""A test-only BuildEnvironmentProvider: venvs filled from the test runner's installed packages.

The real provider resolves and downloads with puffin; tests must not reach the internet, so
this one "installs" a requirement by copying the files its RECORD lists from the environment
running pytest (setuptools, hatchling and flit-core come from the `test` extra), following
`Requires-Dist` the way a resolver would, and checking every version against its specifier.
Environments are keyed by the resolved set, as the real provider's are, so builds share them.
"""

from __future__ import annotations

import importlib.metadata
import shutil
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

from puffin.errors import NoMatchingDistribution
from puffin.interpreter import Interpreter, query_interpreter
from puffin.names import normalize_name
from puffin.virtualenv import create_virtualenv

ResolvedSet = tuple[tuple[str, str], ...]
"""Sorted (normalized name, version) pairs: the key under which an environment is reused."""


class InstalledPackagesProvider:
    """Environments holding copies of distributions installed alongside the test runner."""

    def __init__(self, root: Path, interpreter: Interpreter | None = None) -> None:
        self.root = root
        self.interpreter = interpreter or query_interpreter(Path(sys.executable), cache_dir=None)
        self.requests: list[tuple[str, ...]] = []
        """Every `environment_for` call's requirements, in order."""
        self.created: dict[ResolvedSet, Path] = {}
        """The environments made so far, by resolved set."""
        self._lock = threading.Lock()

    def environment_for(self, requirements: Sequence[str]) -> Path:
        with self._lock:
            self.requests.append(tuple(requirements))
            resolved = resolve_installed(requirements)
            key = tuple(sorted((name, dist.version) for name, dist in resolved.items()))
            if key not in self.created:
                self.created[key] = self._create(len(self.created), resolved)
            return self.created[key]

    def _create(self, number: int, resolved: dict[str, importlib.metadata.Distribution]) -> Path:
        venv = self.root / f"env-{number}"
        python = create_virtualenv(venv, self.interpreter)
        (site_packages,) = venv.glob("lib/python*/site-packages")
        for distribution in resolved.values():
            copy_distribution(distribution, site_packages)
        return python


def resolve_installed(requirements: Sequence[str]) -> dict[str, importlib.metadata.Distribution]:
    """The installed distributions that satisfy `requirements` and their dependencies.

    Raises NoMatchingDistribution (a PuffinError, as the real provider would) when one is not
    installed or its version is outside the specifier.
    """
    environment = {key: str(value) for key, value in default_environment().items()}
    found: dict[str, importlib.metadata.Distribution] = {}
    pending = [(Requirement(text), "") for text in requirements]
    while pending:
        requirement, extra = pending.pop()
        if requirement.marker is not None and not requirement.marker.evaluate(
            {**environment, "extra": extra}
        ):
            continue
        name = normalize_name(requirement.name)
        try:
            distribution = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            raise NoMatchingDistribution(
                f"Cannot install the build requirements ({', '.join(requirements)}): "
                f"{requirement.name} is not installed in the test environment"
            ) from None
        if not requirement.specifier.contains(distribution.version, prereleases=True):
            raise NoMatchingDistribution(
                f"{requirement} is not satisfied by the installed {distribution.version}"
            )
        if name in found:
            continue
        found[name] = distribution
        for dependency in distribution.requires or ():
            for wanted in ("", *requirement.extras):
                pending.append((Requirement(dependency), wanted))
    return found


def copy_distribution(distribution: importlib.metadata.Distribution, site_packages: Path) -> None:
    """Copy the files `distribution`'s RECORD lists under its site-packages into another one."""
    for file in distribution.files or ():
        if ".." in file.parts:  # console scripts live in bin/; build backends need none of them
            continue
        source = Path(str(distribution.locate_file(file)))
        if not source.is_file():
            continue
        target = site_packages.joinpath(*file.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)  # keeps mtimes, so the copied .pyc files stay valid


def installed_version(name: str) -> str | None:
    """The version of `name` installed alongside the test runner, or None."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None
