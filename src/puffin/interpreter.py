"""Find the target Python interpreter, query it once, and cache what it said."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Scheme:
    """Install locations of an environment (sysconfig's scheme, as pip maps it)."""

    purelib: Path
    platlib: Path
    scripts: Path
    data: Path
    include: Path  # headers go to `include/site/pythonX.Y/<dist>` inside a venv


@dataclass(frozen=True)
class Interpreter:
    """What a target interpreter told us about itself; everything needed to install into it."""

    executable: Path  # sys.executable as the interpreter reports it (a venv's own python)
    sys_prefix: Path
    sys_base_prefix: Path
    version: tuple[int, int, int]
    implementation_name: str  # "cpython"
    markers: dict[str, str]  # PEP 508 environment (packaging.markers.default_environment())
    tags: tuple[str, ...]  # supported wheel tags, most preferred first, "cp312-cp312-linux_x86_64"
    scheme: Scheme

    @property
    def is_virtualenv(self) -> bool:
        return self.sys_prefix != self.sys_base_prefix

    @property
    def python_version(self) -> str:
        return f"{self.version[0]}.{self.version[1]}"
