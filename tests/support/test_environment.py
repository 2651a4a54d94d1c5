"""Every test runs in a clean environment and can find pyenv's interpreters."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.pythons import PythonVersions, find_python, python_params


def test_the_callers_package_settings_are_hidden() -> None:
    leaked = [
        name
        for name in os.environ
        if name.startswith(("PIP_", "PUFFIN_", "UV_")) or name in ("VIRTUAL_ENV", "CONDA_PREFIX")
    ]
    assert sorted(leaked) == ["PIP_CONFIG_FILE", "PUFFIN_CACHE_DIR", "PUFFIN_NO_CONFIG"]
    assert os.environ["PIP_CONFIG_FILE"] == os.devnull
    assert os.environ["PUFFIN_NO_CONFIG"] == "1"
    assert os.environ["NO_COLOR"] == "1"


def test_home_and_cache_are_fresh_per_test_and_outside_tmp_path(tmp_path: Path) -> None:
    home = Path.home()
    cache = Path(os.environ["PUFFIN_CACHE_DIR"])
    assert list(home.iterdir()) == []
    assert not cache.exists()
    assert os.environ["XDG_CONFIG_HOME"] == str(home / ".config")
    assert tmp_path not in (home, *home.parents)
    assert cache.parent == home.parent
    assert list(tmp_path.iterdir()) == []


def _fake_python(root: Path, version: str, minor: str, executable: bool = True) -> Path:
    path = root / "versions" / version / "bin" / f"python{minor}"
    path.parent.mkdir(parents=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755 if executable else 0o644)
    return path


def test_find_python_takes_the_highest_final_patch(tmp_path: Path) -> None:
    _fake_python(tmp_path, "3.12.1", "3.12")
    _fake_python(tmp_path, "3.12.2", "3.12")
    best = _fake_python(tmp_path, "3.12.10", "3.12")
    _fake_python(tmp_path, "3.12.11", "3.12", executable=False)
    _fake_python(tmp_path, "3.13.0rc1", "3.13")
    _fake_python(tmp_path, "3.13.0t", "3.13")
    _fake_python(tmp_path, "3.1.5", "3.1")
    assert find_python("3.12", tmp_path) == best
    assert find_python("3.13", tmp_path) is None
    assert find_python("3.1", tmp_path) == tmp_path / "versions/3.1.5/bin/python3.1"
    assert find_python("3.9", tmp_path / "missing") is None


def test_require_skips_when_the_version_is_absent() -> None:
    versions = PythonVersions({"3.11": Path("/x/python3.11")})
    assert versions.require("3.11") == Path("/x/python3.11")
    with pytest.raises(pytest.skip.Exception):
        versions.require("3.8")


def test_found_interpreters_are_the_versions_they_claim(python_versions: PythonVersions) -> None:
    for minor, python in python_versions.found.items():
        reported = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert reported == f"{minor}\n"


def test_python_params_cover_every_supported_minor() -> None:
    params = python_params(("3.11", "2.1"))
    assert [p.id for p in params] == ["3.11", "2.1"]
    assert params[1].values == (None,)
    assert [mark.kwargs["reason"] for mark in params[1].marks] == ["no CPython 2.1"]
