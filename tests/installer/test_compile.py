"""Byte-compiling installed modules with the environment's own interpreter."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from puffin.errors import InstallError
from puffin.installer.compile import compile_bytecode, installed_python_files
from tests.installer.conftest import Venv, install


def cache_tag(python: Path) -> str:
    return subprocess.run(
        [str(python), "-c", "import sys; print(sys.implementation.cache_tag)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_pycs_are_written_for_the_target_interpreter(
    venv: Venv, archive: Callable[..., Path]
) -> None:
    files = {
        "demo/__init__.py": "",
        "demo/good.py": "VALUE = 1\n",
        "demo/broken.py": "def oops(:\n",
    }
    result = install(venv, archive("demo", "1.0", files=files), "demo", "1.0")
    record_before = (result.dist_info / "RECORD").read_text()

    compile_bytecode(venv.python, result.python_files)

    tag = cache_tag(venv.python)
    pycache = venv.site_packages / "demo" / "__pycache__"
    # The module that does not compile is skipped, as pip does; the others are compiled.
    assert sorted(p.name for p in pycache.iterdir()) == [f"__init__.{tag}.pyc", f"good.{tag}.pyc"]
    assert (result.dist_info / "RECORD").read_text() == record_before


def test_the_record_lists_the_same_modules_as_the_install(
    venv: Venv, archive: Callable[..., Path]
) -> None:
    files = {"demo/__init__.py": "", "demo/a.py": "", "demo/data.txt": ""}
    result = install(venv, archive("demo", "1.0", files=files), "demo", "1.0")

    assert sorted(installed_python_files(result)) == sorted(result.python_files)


def test_an_interpreter_that_cannot_run_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-python"

    with pytest.raises(InstallError) as caught:
        compile_bytecode(missing, [tmp_path / "x.py"])
    assert str(caught.value) == f"Cannot byte-compile with {missing}: No such file or directory"
