"""pip-compile against the real PyPI (marker `network`, not in CI).

Pins equal those `uv pip compile` wrote with the same flags, recorded in expected/ (trio and
jupyter with uv 0.13.9 on 2026-11-25, the others with uv 0.13.10 on 2026-12-07). Where uv
finds no solution puffin fails too, saying why; every input of backtracking/ resolves within a
minute from an empty cache.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.support.run import Result, run_puffin

pytestmark = pytest.mark.network

INPUTS = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "requirements"
EXPECTED = Path(__file__).parent / "expected"


def compile_(source: Path, python: str, cache: Path, *args: str) -> Result:
    return run_puffin(
        "pip-compile", source, "--python-version", python, *args,
        "--exclude-newer", "2026-11-01T00:00:00Z", "--index-url", "https://pypi.org/simple",
        "--cache-dir", cache, "--no-header", "--no-annotate", "-o", "-",
    )  # fmt: skip


@pytest.mark.parametrize("name", ["trio", "black", "jupyter", "boto3", "slow"])
def test_pins_equal_uv_for_python_312(name: str, tmp_path: Path) -> None:
    # uv writes setuptools (slow.in needs it); pip-compile's format comments it out unless
    # --allow-unsafe. slow.in's numpy<1.24.0 leaves numpy 1.23.5, which has no cp312 wheel:
    # its dependencies come from a wheel for another Python, as uv reads them.
    result = compile_(INPUTS / f"{name}.in", "3.12", tmp_path / "cache", "--allow-unsafe")
    assert result.returncode == 0, result.stderr
    pins = sorted(line for line in result.stdout.splitlines() if "==" in line)
    expected = (EXPECTED / f"{name}-py312-2026-11-01.txt").read_text().split()
    assert pins == sorted(expected)


def test_flyte_has_no_solution_for_python_312(tmp_path: Path) -> None:
    # uv 0.13.10 finds none either; it names tensorflow==2.13.0 (wheels for cp38 to cp311
    # only). torch<=2.0.0 is as good a reason: no cp312 wheel and no sdist in any release.
    result = compile_(INPUTS / "flyte.in", "3.12", tmp_path / "cache")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "error: Because torch<=2.0.0 is unavailable (none of its wheels is compatible with the"
        " target) and you require torch<=2.0.0, no solution is possible.\n"
    )


# (input, target Python, the pins puffin must write). apache-beam-dill says "Run with Python
# 3.10"; the others are meant for 3.12. Where expected/ has `backtracking-<input>-py<XY>-...`,
# those are uv 0.13.10's pins. For 3.12 the newest allowed apache-beam has no cp312 wheel: both
# tools read its dependencies from a wheel for another Python instead of building the sdist.
# numpy-numba differs from uv on purpose: uv ignores upper bounds of Requires-Python and pins
# numba==0.53.1 and llvmlite==0.36.0 (both say <3.10, and neither installs on 3.12); puffin
# keeps pip's rule and takes the newest numba whose Requires-Python admits 3.12.
NUMBA_PINS = ["llvmlite==0.34.0", "numba==0.51.2", "numpy==2.1.3"]
BACKTRACKING = [
    ("apache-beam-dill", "3.10", None),
    ("apache-beam-dill", "3.12", None),
    ("numpy-numba", "3.12", NUMBA_PINS),
    ("numpy-sparse", "3.12", None),
    ("sentry", "3.12", None),
    ("starlette-fastapi", "3.12", None),
]


@pytest.mark.parametrize(
    ("name", "python", "pins"),
    BACKTRACKING,
    ids=[f"{name}-{python}" for name, python, _ in BACKTRACKING],
)
def test_backtracking_input_resolves_within_a_minute(
    name: str, python: str, pins: list[str] | None, tmp_path: Path
) -> None:
    started = time.monotonic()
    result = compile_(INPUTS / "backtracking" / f"{name}.in", python, tmp_path / "cache")
    elapsed = time.monotonic() - started
    assert elapsed < 60, f"{name} took {elapsed:.1f} s"
    assert result.returncode == 0, result.stderr
    if pins is None:
        recorded = EXPECTED / f"backtracking-{name}-py{python.replace('.', '')}-2026-11-01.txt"
        pins = recorded.read_text().split()
    assert sorted(line for line in result.stdout.splitlines() if "==" in line) == sorted(pins)
