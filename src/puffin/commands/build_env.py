"""Isolated PEP 517 build environments, resolved and installed by puffin, shared by resolved set.

An environment lives in `build-environments-v0/<digest>/`, the digest taken over the base
interpreter (path and version) and the sorted `name==version` pins, so every build whose
requirements resolve to the same set shares it, within a run and across runs. It is a venv
made in place (its scripts embed their own path, so it cannot be built elsewhere and renamed)
and counts as made only once `.complete`, written last, holds the pins: a creation that fails
or is killed part-way leaves no marker, and the next caller removes the leftover and starts
over. A file lock per digest makes parallel processes create it once; in one process, callers
asking for the same set at the same time share one resolution and one creation.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import os
import threading
from collections.abc import Callable, Coroutine, Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from filelock import FileLock
from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import Version

from puffin.cache import Cache, CacheBucket
from puffin.cache.cache import digest
from puffin.cache.prune import BUILD_ENVIRONMENT_COMPLETE
from puffin.client.registry import RegistryClient
from puffin.commands.sync_install import apply_changes
from puffin.dist_types import File
from puffin.distribution.prepare import Preparer, WheelSource
from puffin.errors import ConflictingRequirements, NoMatchingDistribution, UnsupportedSource
from puffin.fs import atomic_write_bytes, remove_tree
from puffin.installer.link_mode import LinkMode
from puffin.installer.plan import Desired
from puffin.interpreter import Interpreter, query_interpreter
from puffin.names import PackageName, normalize_extra, normalize_name
from puffin.resolver.candidate_selector import SelectorSettings
from puffin.resolver.pubgrub import NoSolution
from puffin.resolver.python_provider import (
    Package,
    PythonPackage,
    PythonProvider,
    RootRequirement,
)
from puffin.traits import ProgressReporter, SilentReporter
from puffin.virtualenv import create_virtualenv

T = TypeVar("T")

COMPLETE_MARKER = BUILD_ENVIRONMENT_COMPLETE  # written last: the environment is whole
"""Written last into an environment, holding its pins: without it the directory is a leftover."""


@dataclass(frozen=True)
class Pin:
    """One package of a resolved build-requirement set, and the wheel chosen for it."""

    name: PackageName
    version: Version
    file: File


@dataclass(frozen=True)
class ResolvedSet:
    """The pins that a list of build requirements resolved to, sorted by name."""

    pins: tuple[Pin, ...]

    @property
    def text(self) -> str:
        """`name==version` lines: what `.complete` holds and what the digest covers."""
        return "".join(f"{pin.name}=={pin.version}\n" for pin in self.pins)


# -- resolving: shared with pip-compile's way of running the solver ------------------------------


def root_requirements(
    requirements: Sequence[str], markers: Mapping[str, str]
) -> list[RootRequirement]:
    """PEP 508 strings as the solver's root requirements; those whose marker is false for
    `markers` are left out. Raises ValueError naming a string that does not parse, and
    UnsupportedSource for a direct reference (`name @ URL`), which no index can serve."""
    environment = {**markers, "extra": ""}
    roots = []
    for text in requirements:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            raise ValueError(f"{text!r} is not a valid PEP 508 requirement") from None
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            continue
        if requirement.url is not None:
            raise UnsupportedSource(f"{text}: direct references are not supported here yet")
        roots.append(
            RootRequirement(
                normalize_name(requirement.name),
                frozenset(normalize_extra(extra) for extra in requirement.extras),
                requirement.specifier,
            )
        )
    return roots


def pinned_versions(solution: Mapping[Package, Version]) -> dict[PackageName, Version]:
    """The chosen version of every project in a solution (extras and the root left out)."""
    return {
        package.name: version
        for package, version in solution.items()
        if isinstance(package, PythonPackage) and package.extra is None
    }


# -- the environments ---------------------------------------------------------------------------


class BuildEnvironments:
    """The `BuildEnvironmentProvider` of a run: resolves with `client` on `loop`, installs
    with puffin's installer, and keeps the environments in the cache.

    `settings` carries the run's index policy (binary rules, pre-releases, exclude-newer);
    its tags and Python version are replaced by `base`'s, since the environment runs on
    `base` whatever the resolution's target is.
    """

    def __init__(
        self,
        cache: Cache,
        base: Interpreter,
        client: RegistryClient,
        loop: asyncio.AbstractEventLoop,
        settings: SelectorSettings,
        *,
        reporter: ProgressReporter | None = None,
        link_mode: LinkMode | None = None,
    ) -> None:
        self._cache = cache
        self._base = base
        self._client = client
        self._loop = loop
        # The environment runs on `base`: its wheels must suit `base`, not the run's target
        # (pip-compile may resolve for another Python or platform).
        self._settings = dataclasses.replace(
            settings,
            tag_priority={tag: rank for rank, tag in enumerate(base.tags)},
            python_version=Version(base.markers["python_full_version"]),
        )
        self._reporter = reporter or SilentReporter()
        self._link_mode = link_mode
        # Absolute: the path is handed to hook subprocesses, which run in the source tree.
        self._root = Path(os.path.abspath(cache.bucket(CacheBucket.BUILD_ENVIRONMENTS)))
        self._lock = threading.Lock()
        self._resolutions: dict[Hashable, concurrent.futures.Future[ResolvedSet]] = {}
        self._environments: dict[Hashable, concurrent.futures.Future[Path]] = {}

    def environment_for(self, requirements: Sequence[str]) -> Path:
        """`<cache>/build-environments-v0/<digest>/bin/python`, its environment holding what
        `requirements` resolve to for `base` (see traits.BuildEnvironmentProvider)."""
        self._refuse_loop_thread()
        resolved = self._shared(
            self._resolutions,
            tuple(sorted(requirements)),
            lambda: self.resolve(requirements),
            keep_failure=True,  # the same set fails the same way again within a run
        )
        key = self.key(resolved)
        return self._shared(
            self._environments,
            key,
            lambda: self._provide(key, resolved),
            keep_failure=False,  # a later caller starts the creation over
        )

    def resolve(self, requirements: Sequence[str]) -> ResolvedSet:
        """The pins `requirements` resolve to, from wheels only.

        Wheels only, so that making a build environment never needs a build itself (no
        recursion): PythonProvider does not build sdists today, and must not here if it
        learns to. An unresolvable set, or a requirement no index can serve, raises a
        PuffinError "Cannot install the build requirements (...): why"; network and index
        failures pass through as they are, naming their URL.
        """
        listed = ", ".join(requirements)
        try:
            roots = root_requirements(requirements, self._base.markers)
        except (ValueError, UnsupportedSource) as error:
            raise UnsupportedSource(
                f"Cannot install the build requirements ({listed}): {error}"
            ) from None
        try:
            provider = PythonProvider(
                self._client,
                self._settings,
                self._base.markers,
                roots,
                # No recursion: a build requirement that needs a build itself is an error.
                sdist_refusal="build requirements are installed from wheels only",
            )
            versions = pinned_versions(self._run(provider.solve()))
        except (NoSolution, ConflictingRequirements) as error:
            raise NoMatchingDistribution(
                f"Cannot install the build requirements ({listed}): {error}"
            ) from None
        pins = (
            Pin(name, version, provider.files[(name, version)])
            for name, version in versions.items()
        )
        return ResolvedSet(tuple(sorted(pins, key=lambda pin: pin.name)))

    def key(self, resolved: ResolvedSet) -> str:
        """The digest naming the environment of `resolved` on `base`.

        A venv's real interpreter stands for it: the environment links to that binary, so
        builds for every venv of one Python share their environments.
        """
        base = self._base
        executable = base.base_executable or base.executable
        version = ".".join(map(str, base.version))
        return digest(f"{executable}\n{version}\n{resolved.text}")

    # -- creation -------------------------------------------------------------------------------

    def _provide(self, key: str, resolved: ResolvedSet) -> Path:
        directory = self._root / key
        python = directory / "bin" / "python"
        # A complete environment is never changed or removed by a run, so it is read unlocked.
        if _is_complete(directory, resolved):
            return python
        self._root.mkdir(parents=True, exist_ok=True)
        # The lock file sits beside the directory, which is removed and remade under it.
        with FileLock(str(self._root / f"{key}.lock")):
            if _is_complete(directory, resolved):  # another process made it while we waited
                return python
            remove_tree(directory)
            python = create_virtualenv(directory, self._base)
            self._install(python, resolved)
            atomic_write_bytes(directory / COMPLETE_MARKER, resolved.text.encode())
        return python

    def _install(self, python: Path, resolved: ResolvedSet) -> None:
        if not resolved.pins:
            return
        preparer = Preparer(self._cache, self._client, self._reporter)
        sources = [WheelSource(pin.file, "registry") for pin in resolved.pins]
        prepared = self._run(preparer.prepare_all(sources))
        # Not cached: a build environment is queried once, when it is made.
        environment = query_interpreter(python, cache_dir=None)
        installs = [
            (Desired(pin.name, str(pin.version), None), wheel, None)
            for pin, wheel in zip(resolved.pins, prepared, strict=True)
        ]
        # No bytecode compiling: a build imports a few modules of its backend, and Python
        # writes their .pyc on first import anyway.
        apply_changes(
            environment, [], installs, link_mode=self._link_mode, compile_bytecode_after=False
        )

    # -- plumbing -------------------------------------------------------------------------------

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def _refuse_loop_thread(self) -> None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            return
        if running is self._loop:
            # Waiting here for work scheduled on this very loop would never return.
            raise RuntimeError("environment_for blocks: call it from a worker thread")

    def _shared(
        self,
        table: dict[Hashable, concurrent.futures.Future[T]],
        key: Hashable,
        work: Callable[[], T],
        *,
        keep_failure: bool,
    ) -> T:
        """`work()` once per key; callers arriving meanwhile wait for its outcome."""
        with self._lock:
            future = table.get(key)
            owner = future is None
            if future is None:
                future = table[key] = concurrent.futures.Future()
        if not owner:
            return future.result()
        try:
            result = work()
        except BaseException as error:
            if not keep_failure:
                with self._lock:
                    del table[key]
            future.set_exception(error)
            raise
        future.set_result(result)
        return result


def _is_complete(directory: Path, resolved: ResolvedSet) -> bool:
    try:
        return (directory / COMPLETE_MARKER).read_text(encoding="utf-8") == resolved.text
    except (OSError, UnicodeDecodeError):
        return False
