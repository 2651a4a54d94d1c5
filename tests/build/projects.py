"""Source trees for the build tests: an in-tree backend, and one project for each real backend."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

TINY_BACKEND = '''\
"""A PEP 517 backend small enough to read: a pure wheel of one module, configured by project.json.

It records what each hook saw in hook-env.json, so tests can check the environment it ran in.
"""
import base64
import hashlib
import json
import os
import sys
import zipfile

with open("project.json") as handle:
    CONFIG = json.load(handle)
NAME = CONFIG["name"]
VERSION = CONFIG["version"]
DIST_INFO = NAME + "-" + VERSION + ".dist-info"


def _record(hook):
    seen = {}
    if os.path.exists("hook-env.json"):
        with open("hook-env.json") as handle:
            seen = json.load(handle)
    seen[hook] = {
        "prefix": sys.prefix,
        "path": os.environ.get("PATH", ""),
        "pythonnousersite": os.environ.get("PYTHONNOUSERSITE"),
        "pythonpath": os.environ.get("PYTHONPATH"),
        "virtual_env": os.environ.get("VIRTUAL_ENV"),
        "pip": {k: v for k, v in os.environ.items() if k.startswith("PIP_")},
    }
    with open("hook-env.json", "w") as handle:
        json.dump(seen, handle)
    if CONFIG.get("fail_in") == hook:
        print("compiling the extension...")
        raise RuntimeError(CONFIG["fail_message"])


def _metadata():
    lines = ["Metadata-Version: 2.1", "Name: " + NAME, "Version: " + VERSION]
    lines += ["Requires-Dist: " + dependency for dependency in CONFIG.get("dependencies", [])]
    return "\\n".join(lines) + "\\n"


def _write_wheel(wheel_directory, files):
    files = dict(files)
    files[DIST_INFO + "/METADATA"] = _metadata().encode()
    wheel = "Wheel-Version: 1.0\\nGenerator: tiny\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
    files[DIST_INFO + "/WHEEL"] = wheel.encode()
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(name + ",sha256=" + digest + "," + str(len(data)))
    record.append(DIST_INFO + "/RECORD,,")
    files[DIST_INFO + "/RECORD"] = ("\\n".join(record) + "\\n").encode()
    filename = NAME + "-" + VERSION + "-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return filename


def get_requires_for_build_wheel(config_settings=None):
    _record("get_requires_for_build_wheel")
    return CONFIG.get("wheel_requires", [])


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _record("build_wheel")
    for module in CONFIG.get("imports", []):
        __import__(module)
    with open(NAME + ".py", "rb") as handle:
        return _write_wheel(wheel_directory, {NAME + ".py": handle.read()})


if CONFIG.get("prepare", True):

    def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
        _record("prepare_metadata_for_build_wheel")
        os.makedirs(os.path.join(metadata_directory, DIST_INFO))
        with open(os.path.join(metadata_directory, DIST_INFO, "METADATA"), "w") as handle:
            handle.write(_metadata())
        return DIST_INFO


if CONFIG.get("editable", True):

    def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
        _record("build_editable")
        pth = (os.getcwd() + "\\n").encode()
        return _write_wheel(wheel_directory, {"_" + NAME + "_editable.pth": pth})
'''


def write_tiny_project(
    root: Path,
    name: str = "tiny",
    version: str = "1.0",
    *,
    dependencies: Sequence[str] = (),
    prepare: bool = True,
    editable: bool = True,
    wheel_requires: Sequence[str] = (),
    imports: Sequence[str] = (),
    fail_in: str | None = None,
    fail_message: str = "",
) -> Path:
    """A project built by TINY_BACKEND from `_backend/` (`backend-path`); returns `root`."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "_backend").mkdir()
    (root / "_backend" / "tiny_backend.py").write_text(TINY_BACKEND)
    (root / "pyproject.toml").write_text(
        "[build-system]\n"
        "requires = []\n"
        'build-backend = "tiny_backend"\n'
        'backend-path = ["_backend"]\n'
    )
    config = {
        "name": name,
        "version": version,
        "dependencies": list(dependencies),
        "prepare": prepare,
        "editable": editable,
        "wheel_requires": list(wheel_requires),
        "imports": list(imports),
        "fail_in": fail_in,
        "fail_message": fail_message,
    }
    (root / "project.json").write_text(json.dumps(config))
    (root / f"{name}.py").write_text("VALUE = 1\n")
    return root


def read_hook_environments(root: Path) -> dict[str, dict[str, object]]:
    """What TINY_BACKEND recorded per hook it ran."""
    result: dict[str, dict[str, object]] = json.loads((root / "hook-env.json").read_text())
    return result


BACKENDS = {
    "setuptools": ("setuptools>=61", "setuptools.build_meta"),
    "hatchling": ("hatchling>=1.0", "hatchling.build"),
    "flit-core": ("flit_core>=3.4", "flit_core.buildapi"),
}
"""Real backends: the requirement a project declares and the backend it names."""


def write_demo_project(root: Path, backend: str) -> Path:
    """A src-layout project `demo` 1.2.0 with one dependency, built by a real `backend`."""
    requirement, backend_name = BACKENDS[backend]
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        "[build-system]\n"
        f'requires = ["{requirement}"]\n'
        f'build-backend = "{backend_name}"\n'
        "\n"
        "[project]\n"
        'name = "demo"\n'
        'version = "1.2.0"\n'
        'description = "A demo project"\n'
        'requires-python = ">=3.8"\n'
        'dependencies = ["tiny-dep>=1"]\n'
    )
    package = root / "src" / "demo"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('"""The demo package."""\n\nVALUE = 1\n')
    return root


def write_setup_py_project(root: Path) -> Path:
    """A project with only a setup.py: built with setuptools' legacy backend."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "setup.py").write_text(
        "from setuptools import setup\n\n"
        "setup(name='legacy-demo', version='0.3', py_modules=['legacy_demo'],"
        " install_requires=['tiny-dep'])\n"
    )
    (root / "legacy_demo.py").write_text("VALUE = 1\n")
    return root
