"""Run the real `puffin` command line in a subprocess, as a user's shell would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str


def run_puffin(
    *args: str | os.PathLike[str],
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
) -> Result:
    """`python -m puffin ARGS` with the test's environment plus `env`."""
    environment = dict(os.environ)
    environment.update(env or {})
    completed = subprocess.run(
        [sys.executable, "-m", "puffin", *map(str, args)],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)


def make_venv(path: Path, python: str | Path | None = None) -> Path:
    """A real virtualenv made by the stdlib, without pip; returns its python."""
    subprocess.run(
        [str(python or sys.executable), "-m", "venv", "--without-pip", str(path)], check=True
    )
    return path / "bin" / "python"


def installed(python: Path) -> dict[str, str]:
    """What the interpreter itself reports as installed: normalized name -> version."""
    code = (
        "import importlib.metadata as m, json, re;"
        "print(json.dumps({re.sub(r'[-_.]+', '-', d.metadata['Name']).lower(): d.version"
        " for d in m.distributions()}))"
    )
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    import json

    result: dict[str, str] = json.loads(out.stdout)
    return result


def site_packages(python: Path) -> Path:
    """The site-packages directory of a venv's python (POSIX layout)."""
    return next((python.parent.parent / "lib").glob("python*/site-packages"))


def git(cwd: Path, *args: str) -> str:
    """Run git in `cwd` with a fixed identity (tests make their own repositories)."""
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()
