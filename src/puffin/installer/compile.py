"""Byte-compile installed modules with the target interpreter, in one subprocess."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from puffin.errors import InstallError
from puffin.installer.record import read_record
from puffin.installer.site_packages import InstalledDistribution

# Runs inside the target interpreter (CPython 3.8+). Paths arrive NUL-separated so any file
# name survives. compile_file with invalidation_mode=None uses the interpreter's default
# (timestamps, or checked hashes under SOURCE_DATE_EPOCH) and honours PYTHONPYCACHEPREFIX;
# quiet=2 and the except clause ignore a file that does not compile, as pip does.
_COMPILER = """\
import compileall, os, sys
for raw in sys.stdin.buffer.read().split(b"\\0"):
    if raw:
        try:
            compileall.compile_file(os.fsdecode(raw), force=True, quiet=2)
        except Exception:
            pass
"""


def compile_bytecode(python: Path, files: Sequence[Path]) -> None:
    """Write `__pycache__` pycs for `files` using `python`, the environment's interpreter.

    A file that fails to compile is skipped; an interpreter that cannot run is an InstallError.
    """
    if not files:
        return
    payload = b"\0".join(os.fsencode(file) for file in files)
    try:
        completed = subprocess.run(
            [os.fspath(python), "-c", _COMPILER],
            input=payload,
            capture_output=True,
            check=False,
        )
    except OSError as error:
        raise InstallError(f"Cannot byte-compile with {python}: {error.strerror}") from error
    if completed.returncode != 0:
        detail = completed.stderr.decode(errors="replace").strip().splitlines()
        last_line = detail[-1] if detail else "no error output"
        raise InstallError(
            f"Byte-compiling with {python} failed (exit code {completed.returncode}): {last_line}"
        )


def installed_python_files(dist: InstalledDistribution) -> list[Path]:
    """The `.py` files a distribution's RECORD lists, as absolute paths (for compile_bytecode)."""
    site_packages = dist.dist_info.parent
    try:
        rows = read_record(dist.dist_info / "RECORD")
    except FileNotFoundError:
        return []
    return [
        Path(os.path.normpath(site_packages / row.path)) for row in rows if row.path.endswith(".py")
    ]
