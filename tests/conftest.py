"""Fixtures every test may use: a live package index, wheel building, interpreters, a clean env."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.index_server import PackageIndex
from tests.support.pythons import PythonVersions, pyenv_root
from tests.support.wheels import build_wheel

# Read once at import, before any test replaces HOME, so interpreters stay findable.
_PYENV_ROOT = pyenv_root()

# Variables that would let the developer's machine leak into a test.
_ISOLATED_PREFIXES = ("PIP_", "PUFFIN_", "UV_")
_ISOLATED_NAMES = ("VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH", "PYTHONHOME", "NETRC")


@pytest.fixture(autouse=True)
def isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Every test runs with no PIP_*, PUFFIN_*, UV_*, VIRTUAL_ENV (and kin) from the caller.

    Sets HOME (and XDG_CONFIG_HOME, XDG_CACHE_HOME, XDG_DATA_HOME under it) to an empty
    per-test directory so no user config, .netrc or user site-packages is read;
    PUFFIN_CACHE_DIR to a per-test cache; PUFFIN_NO_CONFIG=1 so a puffin.toml above the
    checkout or the temp directory never applies (tests of settings files unset it);
    NO_COLOR=1; PIP_CONFIG_FILE=/dev/null so a real pip run by a test ignores the machine's
    pip.conf; PYENV_ROOT to the real one; and NO_PROXY for 127.0.0.1. Returns the fake home.
    The directories live outside `tmp_path`, which stays empty for the test itself.
    """
    for name in list(os.environ):
        if name.startswith(_ISOLATED_PREFIXES) or name in _ISOLATED_NAMES:
            monkeypatch.delenv(name)
    root = tmp_path_factory.mktemp("env")
    home = root / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("PUFFIN_CACHE_DIR", str(root / "puffin-cache"))
    monkeypatch.setenv("PUFFIN_NO_CONFIG", "1")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PYENV_ROOT", str(_PYENV_ROOT))
    for name in ("NO_PROXY", "no_proxy"):
        existing = os.environ.get(name)
        monkeypatch.setenv(
            name, f"{existing},127.0.0.1,localhost" if existing else "127.0.0.1,localhost"
        )
    return home


@pytest.fixture
def index(tmp_path: Path) -> Iterator[PackageIndex]:
    """A fresh PackageIndex serving from `tmp_path / "index"`; closed after the test.

    Fails the test if the server itself raised while answering (a bug in the support code).
    """
    with PackageIndex(tmp_path / "index") as package_index:
        yield package_index
    assert not package_index.server_errors, f"the test index failed: {package_index.server_errors}"


@pytest.fixture
def wheel_dir(tmp_path: Path) -> Path:
    """An empty `tmp_path / "wheels"` directory (a `--find-links` directory for built wheels)."""
    directory = tmp_path / "wheels"
    directory.mkdir()
    return directory


@pytest.fixture
def make_wheel(wheel_dir: Path) -> Callable[..., Path]:
    """`make_wheel(name, version, **build_wheel_kwargs)`: a wheel built into `wheel_dir`."""
    return functools.partial(build_wheel, wheel_dir)


@pytest.fixture(scope="session")
def python_versions() -> PythonVersions:
    """pyenv's CPython 3.8-3.13 interpreters; `python_versions.require("3.8")` skips if absent."""
    return PythonVersions.discover(root=_PYENV_ROOT)
