"""pip-sync against the real PyPI, as a new user would run it (marker `network`; not in CI)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.pythons import find_python
from tests.support.run import installed, run_puffin

pytestmark = pytest.mark.network

COMPILED = (
    Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "requirements" / "compiled"
)


def pins(path: Path) -> dict[str, str]:
    """name -> version of every `name==version` line (markers dropped), normalized as pip does."""
    import re

    result: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].split(";", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            name = re.sub(r"[-_.]+", "-", name.split("[", 1)[0].strip()).lower()
            result[name] = version.strip()
    return result


@pytest.fixture
def shared_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("PUFFIN_CACHE_DIR", str(cache))
    return cache


def test_jupyter_then_black_in_one_venv(tmp_path: Path, shared_cache: Path) -> None:
    if not COMPILED.is_dir() or find_python("3.12") is None:
        pytest.skip("needs ../shared/benchmarks and CPython 3.12")
    assert run_puffin("venv", ".venv", "--python", "3.12", cwd=tmp_path).returncode == 0
    python = tmp_path / ".venv" / "bin" / "python"

    first = run_puffin("pip-sync", COMPILED / "jupyter.txt", cwd=tmp_path, timeout=600)
    assert first.returncode == 0, first.stderr
    assert installed(python) == pins(COMPILED / "jupyter.txt")
    subprocess.run([str(python), "-c", "import jupyter_server"], check=True)
    version = subprocess.run(
        [str(tmp_path / ".venv" / "bin" / "jupyter"), "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "jupyter_server" in version.stdout

    again = run_puffin("pip-sync", COMPILED / "jupyter.txt", cwd=tmp_path)
    assert again.stderr.startswith("Audited 93 packages in ")

    black = run_puffin("pip-sync", COMPILED / "black.txt", cwd=tmp_path)
    assert black.returncode == 0, black.stderr
    assert installed(python) == pins(COMPILED / "black.txt")


def test_python_38_and_313_sync_from_one_cache(tmp_path: Path, shared_cache: Path) -> None:
    for minor in ("3.8", "3.13"):
        if not COMPILED.is_dir() or find_python(minor) is None:
            pytest.skip(f"needs ../shared/benchmarks and CPython {minor}")
        env = tmp_path / f"env{minor}"
        assert run_puffin("venv", env, "--python", minor).returncode == 0
        python = env / "bin" / "python"
        result = run_puffin("pip-sync", "--python", python, COMPILED / "black.txt", timeout=300)
        assert result.returncode == 0, result.stderr
        assert installed(python) == pins(COMPILED / "black.txt")
        out = subprocess.run(
            [str(env / "bin" / "black"), "--version"], capture_output=True, text=True
        )
        assert out.returncode == 0
        assert f"Python (CPython) {minor}" in out.stdout
    assert len(list((shared_cache / "wheels-v0" / "pypi" / "click").iterdir())) == 2
