"""Call one source tree's PEP 517 hooks in its build environment: requirements, metadata, wheels."""

from __future__ import annotations

import os
import warnings
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, TypeVar

from pyproject_hooks import (
    BackendUnavailable,
    BuildBackendHookCaller,
    BuildBackendWarning,
    HookMissing,
)

from puffin.build.build_system import BuildSystem, read_build_system
from puffin.build.hook_runner import CapturingRunner, HookFailed, hook_environment
from puffin.errors import BuildError, PuffinError

if TYPE_CHECKING:
    from puffin.traits import BuildEnvironmentProvider

# pyproject-hooks re-raises the backend's warnings in this process; the library never prints,
# and a deprecation notice from setuptools is not something a sync should show.
warnings.filterwarnings("ignore", category=BuildBackendWarning)

_T = TypeVar("_T")


@dataclass(frozen=True)
class PreparedMetadata:
    """A `.dist-info` directory holding METADATA, and the wheel built for it, if one was."""

    dist_info: Path
    wheel: Path | None
    """Set when the backend has no prepare hook and a whole wheel was built to read it."""


class SourceBuild:
    """The PEP 517 hooks of one source tree, each run as a subprocess of the build python.

    Isolated builds (the default) ask `environments` for a python holding
    `[build-system].requires`; when `get_requires_for_build_wheel` (or `_editable`) adds
    requirements, the wheel is built in a second environment holding the union. The first one
    is never installed into: environments are shared by every build with the same resolved
    set, possibly at the same time, so one must not change under another build. Without
    isolation the target environment's python runs the hooks and nothing is installed.

    Not thread-safe: use one SourceBuild per worker; they may run in parallel.
    """

    def __init__(
        self,
        source_tree: Path,
        *,
        label: str | None,
        environments: BuildEnvironmentProvider | None,
        python: Path | None,
    ) -> None:
        self.source_tree = Path(os.path.abspath(source_tree))
        self.label = label or str(self.source_tree)
        self.build_system: BuildSystem = read_build_system(self.source_tree)
        self._environments = environments
        self._target_python = python
        self._pythons: dict[tuple[str, ...], Path] = {}
        self._extra_requires: dict[str, tuple[str, ...]] = {}

    @classmethod
    def isolated(
        cls,
        source_tree: Path,
        environments: BuildEnvironmentProvider,
        *,
        label: str | None = None,
    ) -> SourceBuild:
        """Build in environments holding only the declared build requirements."""
        return cls(source_tree, label=label, environments=environments, python=None)

    @classmethod
    def in_environment(
        cls, source_tree: Path, python: Path, *, label: str | None = None
    ) -> SourceBuild:
        """Build with `python` as it is (`--no-build-isolation`): nothing gets installed."""
        return cls(source_tree, label=label, environments=None, python=python)

    @property
    def isolated_build(self) -> bool:
        return self._environments is not None

    # -- requirements -------------------------------------------------------------------------

    def requires_for_build_wheel(self) -> tuple[str, ...]:
        """`get_requires_for_build_wheel`: what the backend needs beyond `[build-system]`."""
        return self._requires_for(
            "get_requires_for_build_wheel", BuildBackendHookCaller.get_requires_for_build_wheel
        )

    def requires_for_build_editable(self) -> tuple[str, ...]:
        """`get_requires_for_build_editable` (an empty list when the backend lacks the hook)."""
        return self._requires_for(
            "get_requires_for_build_editable",
            BuildBackendHookCaller.get_requires_for_build_editable,
        )

    def _requires_for(
        self, hook: str, method: Callable[[BuildBackendHookCaller], object]
    ) -> tuple[str, ...]:
        if hook not in self._extra_requires:
            caller = self._caller(self._python_for(self.build_system.requires))
            requires = self._call(hook, lambda: method(caller))
            if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
                raise BuildError(
                    f"Failed to build {self.label}: `{hook}` of build backend "
                    f"`{self.build_system.build_backend}` returned {requires!r}, "
                    "not a list of requirement strings"
                )
            self._extra_requires[hook] = tuple(requires)
        return self._extra_requires[hook]

    # -- metadata ------------------------------------------------------------------------------

    def prepare_metadata(self, dest: Path) -> Path | None:
        """`prepare_metadata_for_build_wheel` into `dest`: the `.dist-info` directory it wrote.

        None when the backend has no such hook (PEP 517 makes it optional).
        """
        caller = self._caller(self._wheel_python())
        dest.mkdir(parents=True, exist_ok=True)
        try:
            name = self._call(
                "prepare_metadata_for_build_wheel",
                lambda: caller.prepare_metadata_for_build_wheel(str(dest), _allow_fallback=False),
            )
        except _MissingHook:
            return None
        dist_info = self._returned_path(dest, name, "prepare_metadata_for_build_wheel")
        if not (dist_info / "METADATA").is_file():
            raise BuildError(
                f"Failed to build {self.label}: `prepare_metadata_for_build_wheel` wrote "
                f"{dist_info.name} without a METADATA file"
            )
        return dist_info

    def metadata(self, dest: Path) -> PreparedMetadata:
        """The project's core metadata, from the prepare hook or else from a wheel built for it.

        The resolver needs only metadata, so a wheel is built only when the backend cannot
        say its metadata alone; that wheel is returned too so it is not built twice.
        """
        dist_info = self.prepare_metadata(dest)
        if dist_info is not None:
            return PreparedMetadata(dist_info, None)
        wheel = self.build_wheel(dest)
        return PreparedMetadata(_extract_dist_info(wheel, dest, self.label), wheel)

    # -- wheels --------------------------------------------------------------------------------

    def build_wheel(self, dest: Path, *, metadata_directory: Path | None = None) -> Path:
        """`build_wheel` into `dest`; the wheel's path.

        `metadata_directory` is the `.dist-info` from `prepare_metadata`, which PEP 517 lets
        the backend reuse so the wheel's metadata matches what the resolver saw.
        """
        caller = self._caller(self._wheel_python())
        dest.mkdir(parents=True, exist_ok=True)
        directory = str(metadata_directory) if metadata_directory is not None else None
        name = self._call(
            "build_wheel",
            lambda: caller.build_wheel(str(dest), metadata_directory=directory),
        )
        return self._returned_path(dest, name, "build_wheel")

    def build_editable(self, dest: Path, *, metadata_directory: Path | None = None) -> Path:
        """`build_editable` (PEP 660) into `dest`; the editable wheel's path."""
        caller = self._caller(self._editable_python())
        dest.mkdir(parents=True, exist_ok=True)
        directory = str(metadata_directory) if metadata_directory is not None else None
        try:
            name = self._call(
                "build_editable",
                lambda: caller.build_editable(str(dest), metadata_directory=directory),
            )
        except _MissingHook:
            raise BuildError(
                f"Cannot install {self.label} as editable: build backend "
                f"`{self.build_system.build_backend}` has no `build_editable` hook (PEP 660)"
            ) from None
        return self._returned_path(dest, name, "build_editable")

    # -- environments --------------------------------------------------------------------------

    def _wheel_python(self) -> Path:
        if not self.isolated_build:
            return self._python_for(())
        extra = self.requires_for_build_wheel()
        return self._python_for(_union(self.build_system.requires, extra))

    def _editable_python(self) -> Path:
        if not self.isolated_build:
            return self._python_for(())
        extra = self.requires_for_build_editable()
        return self._python_for(_union(self.build_system.requires, extra))

    def _python_for(self, requirements: tuple[str, ...]) -> Path:
        if self._environments is None:
            assert self._target_python is not None
            return self._target_python
        if requirements not in self._pythons:
            try:
                python = self._environments.environment_for(requirements)
            except BuildError:
                raise  # a build requirement's own build failed; that error names its package
            except PuffinError as error:
                # The provider's message names the build requirements and why they failed.
                raise BuildError(f"Failed to build {self.label}: {error}") from error
            self._pythons[requirements] = python
        return self._pythons[requirements]

    # -- hook calls ----------------------------------------------------------------------------

    def _caller(self, python: Path) -> BuildBackendHookCaller:
        environment = hook_environment(os.environ, python, isolated=self.isolated_build)
        return BuildBackendHookCaller(
            str(self.source_tree),
            self.build_system.build_backend,
            backend_path=list(self.build_system.backend_path) or None,
            runner=CapturingRunner(environment),
            python_executable=str(python),
        )

    def _call(self, hook: str, call: Callable[[], _T]) -> _T:
        backend = self.build_system.build_backend
        try:
            return call()
        except HookFailed as failure:
            raise BuildError(
                f"Failed to build {self.label}: `{hook}` of build backend `{backend}` "
                f"exited with code {failure.returncode}\n"
                f"{_output_section(failure.output)}"
            ) from None
        except BackendUnavailable as error:
            raise BuildError(
                f"Failed to build {self.label}: cannot import build backend `{backend}`\n"
                f"{_output_section(error.traceback)}"
            ) from None
        except HookMissing:
            raise _MissingHook(hook) from None
        except OSError as error:
            # The build python itself could not start (deleted environment, no such file).
            raise BuildError(
                f"Failed to build {self.label}: cannot run `{hook}`: {error.strerror or error}"
            ) from None

    def _returned_path(self, dest: Path, name: object, hook: str) -> Path:
        if not isinstance(name, str) or not name or PurePosixPath(name).name != name:
            raise BuildError(
                f"Failed to build {self.label}: `{hook}` returned {name!r}, not a file name"
            )
        path = dest / name
        if not path.exists():
            raise BuildError(
                f"Failed to build {self.label}: `{hook}` returned {name!r}, which is not in {dest}"
            )
        return path


class _MissingHook(Exception):
    """The backend does not define an optional hook."""


def _union(first: Sequence[str], second: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*first, *second]))


def _output_section(output: str) -> str:
    text = output.rstrip()
    return f"Backend output:\n{text}" if text else "The backend printed nothing."


def _extract_dist_info(wheel: Path, dest: Path, label: str) -> Path:
    """Copy the wheel's top-level `.dist-info` directory into `dest`; its path there."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            members = [
                name
                for name in archive.namelist()
                if (top := name.split("/", 1)[0]).endswith(".dist-info")
                and ".." not in name.split("/")
                and top != name
            ]
            tops = {name.split("/", 1)[0] for name in members}
            if len(tops) != 1 or f"{next(iter(tops))}/METADATA" not in members:
                raise BuildError(
                    f"Failed to build {label}: the wheel {wheel.name} built for its metadata "
                    "has no single .dist-info directory with a METADATA file"
                )
            top = tops.pop()
            for name in members:
                if not name.endswith("/"):
                    target = dest.joinpath(*name.split("/"))
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(archive.read(name))
    except (zipfile.BadZipFile, OSError) as error:
        raise BuildError(
            f"Failed to build {label}: cannot read the wheel {wheel.name}: {error}"
        ) from None
    return dest / top
