"""Run one PEP 517 hook subprocess with a controlled environment, capturing all it prints."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

# Variables through which the caller's environment would reach into an isolated build.
_ISOLATION_LEAKS = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE")


class HookFailed(Exception):
    """The hook subprocess exited non-zero; `output` is its stdout and stderr interleaved."""

    def __init__(self, returncode: int, output: str) -> None:
        super().__init__(f"hook exited with code {returncode}")
        self.returncode = returncode
        self.output = output


def hook_environment(base: Mapping[str, str], python: Path, *, isolated: bool) -> dict[str, str]:
    """The variables a hook runs with: `base` without pip's settings, isolated when asked.

    Isolated: the build environment's scripts first on PATH (backends run tools such as
    `cmake` or `cython` installed there), VIRTUAL_ENV naming it, no user site-packages and
    no PYTHONPATH (either would let the caller's packages satisfy an import the build
    requirements should have). pip's configuration never applies: puffin does not read it,
    so a backend that shells out to pip must not get different indexes than puffin used.
    """
    environment = {name: value for name, value in base.items() if not name.startswith("PIP_")}
    environment["PIP_CONFIG_FILE"] = os.devnull
    # Unbuffered, so a backend's prints and its traceback keep their order in the one pipe.
    environment["PYTHONUNBUFFERED"] = "1"
    if isolated:
        for name in _ISOLATION_LEAKS:
            environment.pop(name, None)
        scripts = python.parent
        existing = environment.get("PATH")
        environment["PATH"] = f"{scripts}{os.pathsep}{existing}" if existing else str(scripts)
        environment["PYTHONNOUSERSITE"] = "1"
        if (scripts.parent / "pyvenv.cfg").is_file():
            environment["VIRTUAL_ENV"] = str(scripts.parent)
    return environment


class CapturingRunner:
    """A pyproject-hooks subprocess runner that captures output and raises HookFailed.

    Output goes to one pipe (stderr joined to stdout) so it reads as the user would have
    seen it on a terminal; it is only surfaced when the hook fails.
    """

    def __init__(self, environment: Mapping[str, str]) -> None:
        self._environment = dict(environment)

    def __call__(
        self,
        cmd: Sequence[str],
        cwd: str | None = None,
        extra_environ: Mapping[str, str] | None = None,
    ) -> None:
        environment = {**self._environment, **(extra_environ or {})}
        completed = subprocess.run(
            list(cmd),
            cwd=cwd,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            check=False,
        )
        if completed.returncode != 0:
            raise HookFailed(completed.returncode, completed.stdout.decode("utf-8", "replace"))
