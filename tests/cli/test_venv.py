"""`puffin venv`: a working virtualenv, optionally seeded with pip from the index."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.index_server import PackageIndex
from tests.support.pythons import find_python
from tests.support.run import installed, run_puffin


def test_creates_a_venv_without_pip_by_default(tmp_path: Path) -> None:
    result = run_puffin("venv", "env", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    python = tmp_path / "env" / "bin" / "python"
    prefix = subprocess.run(
        [str(python), "-c", "import sys; print(sys.prefix)"], capture_output=True, text=True
    ).stdout.strip()
    assert prefix == str(tmp_path / "env")
    assert installed(python) == {}
    assert "Creating virtual environment at: env" in result.stderr


def test_seed_installs_pip_from_the_index(index: PackageIndex, tmp_path: Path) -> None:
    index.add_wheel(
        "pip",
        "99.0",
        files={"pip/__init__.py": "", "pip/__main__.py": "print('seeded pip')\n"},
        entry_points={"console_scripts": {"pip": "pip.__main__:main"}},
    )
    index.add_wheel("setuptools", "99.0")
    index.add_wheel("wheel", "99.0")
    python312 = find_python("3.12")
    if python312 is None:
        pytest.skip("needs CPython 3.12 from pyenv")
    result = run_puffin(
        "venv", "env", "--python", python312, "--seed", "--index-url", index.url, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert " + pip==99.0" in result.stderr
    assert installed(tmp_path / "env" / "bin" / "python") == {"pip": "99.0"}


@pytest.mark.parametrize("minor", ["3.8", "3.13"])
def test_python_version_request_finds_pyenv_interpreters(minor: str, tmp_path: Path) -> None:
    if find_python(minor) is None:
        pytest.skip(f"needs CPython {minor} from pyenv")
    result = run_puffin("venv", "env", "--python", minor, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    version = subprocess.run(
        [str(tmp_path / "env" / "bin" / "python"), "-c", "import sys; print(sys.version[:4])"],
        capture_output=True,
        text=True,
    ).stdout
    assert version.startswith(minor)


def test_version_and_module_entry_point() -> None:
    result = run_puffin("--version")
    assert (result.returncode, result.stdout) == (0, "puffin, version 0.1.0\n")
