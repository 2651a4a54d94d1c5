"""pip-sync and pip-compile build with real backends (setuptools, hatchling, flit-core) that the
test index serves, in isolated environments puffin makes: no backend comes from the test venv."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.build.projects import BACKENDS, write_demo_project
from tests.support.index_server import PackageIndex
from tests.support.installed_wheels import wheel_from_installed, with_dependencies
from tests.support.run import installed, make_venv, run_puffin
from tests.support.wheels import build_sdist

NEEDED = {"setuptools": "setuptools", "hatchling": "hatchling", "flit-core": "flit-core"}


def _available(name: str) -> bool:
    try:
        importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


@pytest.fixture(scope="module")
def backends_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PackageIndex]:
    """An index serving every backend (and its dependencies) rebuilt from this environment."""
    missing = [name for name in (*NEEDED.values(), "editables") if not _available(name)]
    if missing:
        pytest.skip(f"backends not installed beside the tests: {', '.join(missing)}")
    out = tmp_path_factory.mktemp("backend-wheels")
    with PackageIndex() as index:
        for name in with_dependencies([*NEEDED.values(), "editables"]):
            index.add(wheel_from_installed(name, out))
        index.add_wheel("tiny-dep", "1.0")
        yield index


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_an_sdist_on_the_index_is_built_with_its_backend_and_installed(
    backends_index: PackageIndex, tmp_path: Path, backend: str
) -> None:
    tree = write_demo_project(tmp_path / "demo-1.2.0", backend)
    files = {
        str(path.relative_to(tree)): path.read_bytes() for path in tree.rglob("*") if path.is_file()
    }
    sdist = build_sdist(tmp_path / "dist", "demo", "1.2.0", files=files)
    # One index per test: the sdist's name is the same for every backend.
    with PackageIndex() as index:
        for path in backends_index.files_dir.iterdir():
            index.add(path)
        index.add(sdist)
        reqs = tmp_path / "requirements.txt"
        reqs.write_text("demo==1.2.0\ntiny-dep==1.0\n")
        venv = make_venv(tmp_path / "venv")
        result = run_puffin(
            "pip-sync", "--python", venv, "--index-url", index.url,
            "--cache-dir", tmp_path / "cache", reqs,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert installed(venv) == {"demo": "1.2.0", "tiny-dep": "1.0"}
        shown = subprocess.run(
            [venv, "-c", "import demo; print(demo.VALUE)"], capture_output=True, text=True
        )
        assert shown.stdout == "1\n"


def test_pip_compile_reads_a_hatchling_project_and_an_editable_flit_project(
    backends_index: PackageIndex, tmp_path: Path
) -> None:
    write_demo_project(tmp_path / "proj" / "hatch-demo", "hatchling")
    flit = write_demo_project(tmp_path / "proj" / "flit-demo", "flit-core")
    text = (flit / "pyproject.toml").read_text().replace('name = "demo"', 'name = "flitdemo"')
    (flit / "pyproject.toml").write_text(text)
    (flit / "src" / "demo").rename(flit / "src" / "flitdemo")
    (tmp_path / "proj" / "requirements.in").write_text("./hatch-demo\n-e ./flit-demo\n")
    result = run_puffin(
        "pip-compile", "--index-url", backends_index.url, "--cache-dir", tmp_path / "cache",
        "--no-header", "-o", "-", "requirements.in", cwd=tmp_path / "proj",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    hatch_uri = (tmp_path / "proj" / "hatch-demo").as_uri()
    assert re.sub(r"--index-url \S+\n\n", "", result.stdout) == (
        "-e ./flit-demo\n"
        "    # via -r requirements.in\n"
        f"demo @ {hatch_uri}\n"
        "    # via -r requirements.in\n"
        "tiny-dep==1.0\n"
        "    # via\n"
        "    #   demo\n"
        "    #   flitdemo\n"
    )
