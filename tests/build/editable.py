"""Put a built (editable) wheel into a fresh venv and ask that venv's python a question."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

from puffin.interpreter import Interpreter
from puffin.virtualenv import create_virtualenv


def venv_with_wheel(path: Path, interpreter: Interpreter, wheel: Path) -> Path:
    """A new venv at `path` whose site-packages holds `wheel`'s files (a pure wheel: purelib)."""
    python = create_virtualenv(path, interpreter)
    (site_packages,) = path.glob("lib/python*/site-packages")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site_packages)
    return python


def python_says(python: Path, code: str) -> str:
    completed = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return completed.stdout.strip()
