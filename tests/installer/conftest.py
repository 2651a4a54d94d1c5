"""Real virtualenvs and wheels unzipped into archive directories, for the installer tests."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from puffin.installer.install_wheel import InstalledWheel, install_wheel
from puffin.installer.link import LinkMode
from puffin.interpreter import Scheme
from puffin.names import normalize_name
from tests.support.pythons import PythonVersions
from tests.support.run import make_venv
from tests.support.wheels import build_wheel


@dataclass(frozen=True)
class Venv:
    """A virtualenv made by the stdlib and the install scheme puffin would compute for it."""

    prefix: Path
    python: Path
    scheme: Scheme

    @property
    def site_packages(self) -> Path:
        return self.scheme.purelib


def create_venv(path: Path, base_python: Path) -> Venv:
    python = make_venv(path, base_python)
    minor = base_python.name.removeprefix("python")  # "python3.12" -> "3.12"
    site_packages = path / "lib" / f"python{minor}" / "site-packages"
    scheme = Scheme(
        purelib=site_packages,
        platlib=site_packages,
        scripts=path / "bin",
        data=path,
        include=path / "include" / "site" / f"python{minor}",
    )
    return Venv(path, python, scheme)


@pytest.fixture
def base_python(python_versions: PythonVersions) -> Path:
    """CPython 3.12, else 3.11, from pyenv."""
    return python_versions.get("3.12") or python_versions.require("3.11")


@pytest.fixture
def venv(tmp_path: Path, base_python: Path) -> Venv:
    return create_venv(tmp_path / "venv", base_python)


def unzip(wheel: Path, destination: Path) -> Path:
    """What the unpacker leaves in `archive-v0/<id>`: the members, 0o755 where executable."""
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            target = destination / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(info))
            target.chmod(0o755 if (info.external_attr >> 16) & 0o111 else 0o644)
    return destination


@pytest.fixture
def archive(tmp_path: Path) -> Callable[..., Path]:
    """`archive(name, version, **build_wheel_kwargs)`: a wheel built and unzipped; its dir."""
    counter = iter(range(1_000_000))

    def make(name: str, version: str, **kwargs: object) -> Path:
        wheel = build_wheel(tmp_path / "wheels", name, version, **kwargs)  # type: ignore[arg-type]
        return unzip(wheel, tmp_path / "archive-v0" / f"id{next(counter)}")

    return make


def install(
    venv: Venv,
    archive_dir: Path,
    name: str,
    version: str,
    *,
    link_mode: LinkMode = LinkMode.HARDLINK,
    direct_url: str | None = None,
    requested: bool = True,
) -> InstalledWheel:
    return install_wheel(
        archive_dir,
        name=normalize_name(name),
        version=version,
        scheme=venv.scheme,
        python_executable=venv.python,
        link_mode=link_mode,
        direct_url=direct_url,
        requested=requested,
    )


def tree(root: Path) -> dict[str, tuple[int, bytes | str]]:
    """Files and symlinks under `root`: relative path -> (mode bits, content or link target)."""
    found: dict[str, tuple[int, bytes | str]] = {}
    for directory, dirs, files in os.walk(root):
        for name in [*files, *(d for d in dirs if os.path.islink(os.path.join(directory, d)))]:
            path = Path(directory, name)
            relative = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[relative] = (0, os.readlink(path))
            else:
                found[relative] = (path.stat().st_mode & 0o777, path.read_bytes())
    return found
