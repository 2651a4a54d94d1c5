"""What puffin derives from one run of an interpreter equals what packaging says inside it."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from puffin.interpreter import query_interpreter
from puffin.virtualenv import create_virtualenv
from tests.support.pythons import SUPPORTED_MINORS, python_params

# packaging itself, for the target to import: the tests' own copy (packaging >= 26.3).
PACKAGING_PATH = sysconfig.get_paths()["purelib"]
# The Pythons that copy runs on (26.3 took 3.9, 26.4 takes 3.10 and newer): an older target
# cannot give its own answer through it.
PACKAGING_PYTHONS = SpecifierSet(importlib.metadata.metadata("packaging")["Requires-Python"])

# Run inside the target: its own view of tags, markers and install paths.
REFERENCE = """
import json, sys, sysconfig
import packaging.markers, packaging.tags
print(json.dumps({
    "tags": [str(tag) for tag in packaging.tags.sys_tags()],
    "markers": packaging.markers.default_environment(),
    "paths": sysconfig.get_paths(),
    "prefix": sys.prefix,
}))
"""


def reference(executable: Path) -> dict[str, object]:
    done = subprocess.run(
        [str(executable), "-c", REFERENCE],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": PACKAGING_PATH},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize(
    "python",
    python_params(tuple(minor for minor in SUPPORTED_MINORS if f"{minor}.0" in PACKAGING_PYTHONS)),
)
def test_tags_and_markers_equal_packagings_inside_the_target(python: Path) -> None:
    interpreter = query_interpreter(python, cache_dir=None)
    expected = reference(python)
    assert list(interpreter.tags) == expected["tags"]
    assert interpreter.markers == expected["markers"]


@pytest.mark.parametrize("python", python_params())
def test_base_interpreter_scheme_is_its_sysconfig_scheme(python: Path) -> None:
    interpreter = query_interpreter(python, cache_dir=None)
    paths = json.loads(
        subprocess.run(
            [str(python), "-c", "import json, sysconfig; print(json.dumps(sysconfig.get_paths()))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    scheme = interpreter.scheme
    assert not interpreter.is_virtualenv
    assert (scheme.purelib, scheme.platlib, scheme.scripts, scheme.data, scheme.include) == (
        Path(paths["purelib"]),
        Path(paths["platlib"]),
        Path(paths["scripts"]),
        Path(paths["data"]),
        Path(paths["include"]),
    )
    assert interpreter.stdlib == Path(paths["stdlib"])
    assert interpreter.base_executable == python.resolve()


def test_a_distributions_manylinux_module_is_obeyed(tmp_path: Path) -> None:
    """PEP 600: a `_manylinux` module may refuse glibc versions; packaging asks it, so do we."""
    base = query_interpreter(Path(sys.executable), cache_dir=None)
    venv_python = create_virtualenv(tmp_path / "venv", base)
    site_packages = query_interpreter(venv_python, cache_dir=None).scheme.purelib
    (site_packages / "_manylinux.py").write_text(
        "def manylinux_compatible(major, minor, arch):\n"
        "    return None if minor == 12 else minor <= 17\n"
    )
    interpreter = query_interpreter(venv_python, cache_dir=None)
    assert list(interpreter.tags) == reference(venv_python)["tags"]
    glibc_versions = {
        tuple(map(int, tag.split("-")[2].split("_")[1:3]))
        for tag in interpreter.tags
        if tag.split("-")[2].startswith("manylinux_")
    }
    assert max(glibc_versions) == (2, 17)
    assert (2, 12) in glibc_versions  # the module answered None: no objection


def test_a_venv_reports_its_own_prefix_and_the_real_base(tmp_path: Path) -> None:
    base = query_interpreter(Path(sys.executable), cache_dir=None)
    venv_python = create_virtualenv(tmp_path / "venv", base)
    interpreter = query_interpreter(venv_python, cache_dir=None)
    assert interpreter.executable == venv_python
    assert interpreter.sys_prefix == tmp_path / "venv"
    assert interpreter.version == base.version
    assert interpreter.base_executable == base.base_executable
    assert interpreter.stdlib == base.stdlib


def test_a_copied_venv_still_names_the_real_base(tmp_path: Path) -> None:
    base = query_interpreter(Path(sys.executable), cache_dir=None)
    real = base.base_executable
    assert real is not None
    venv = tmp_path / "copies"
    subprocess.run([str(real), "-m", "venv", "--copies", "--without-pip", str(venv)], check=True)
    interpreter = query_interpreter(venv / "bin" / "python", cache_dir=None)
    assert not (venv / "bin" / "python").is_symlink()
    assert interpreter.base_executable == real
