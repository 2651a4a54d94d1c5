"""pip-compile against the real PyPI (marker `network`, not in CI).

Pins equal those `uv pip compile` wrote with the same flags, recorded in expected/ (trio and
jupyter with uv 0.13.9 on 2026-11-25, black and boto3 with uv 0.13.10 on 2026-12-07). Where uv
finds no solution puffin fails too, saying why; every input of backtracking/ finishes within a
minute from an empty cache.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.support.pythons import find_python
from tests.support.run import Result, run_puffin

pytestmark = pytest.mark.network

INPUTS = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "requirements"
EXPECTED = Path(__file__).parent / "expected"


def compile_(source: Path, python: str, cache: Path) -> Result:
    return run_puffin(
        "pip-compile", source, "--python-version", python,
        "--exclude-newer", "2026-11-01T00:00:00Z", "--index-url", "https://pypi.org/simple",
        "--cache-dir", cache, "--no-header", "--no-annotate", "-o", "-",
    )  # fmt: skip


@pytest.mark.parametrize("name", ["trio", "black", "jupyter", "boto3"])
def test_pins_equal_uv_for_python_312(name: str, tmp_path: Path) -> None:
    result = compile_(INPUTS / f"{name}.in", "3.12", tmp_path / "cache")
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


SETUPTOOLS_HOOK_FAILED = (
    ": `get_requires_for_build_wheel` of build backend `setuptools.build_meta:__legacy__`"
    " exited with code 1\nBackend output:\n"
)

# (input, target Python, None if it resolves, else (first line of the error, backend's reason)).
# apache-beam-dill says "Run with Python 3.10"; the others are meant for 3.12. For 3.12 the
# newest allowed apache-beam and numba have no cp312 wheel, so puffin builds their sdists for
# metadata (as pip does) and the build refuses. uv 0.13.10 pins them instead: it reads an
# incompatible wheel's METADATA and ignores Requires-Python upper bounds (numba==0.53.1 says
# <3.10), and its pins then fail to build on 3.12 the same way.
BACKTRACKING = [
    ("apache-beam-dill", "3.10", None),
    (
        "apache-beam-dill",
        "3.12",
        (
            "error: Failed to build apache-beam==2.49.0 (apache-beam-2.49.0.zip)",
            "ModuleNotFoundError: No module named 'pkg_resources'\n",
        ),
    ),
    (
        "numpy-numba",
        "3.12",
        (
            "error: Failed to build numba==0.58.1 (numba-0.58.1.tar.gz)",
            "only versions >=3.8,<3.12 are supported.\n",
        ),
    ),
    ("numpy-sparse", "3.12", None),
    ("sentry", "3.12", None),
    ("starlette-fastapi", "3.12", None),
]


@pytest.mark.parametrize(
    ("name", "python", "failure"),
    BACKTRACKING,
    ids=[f"{name}-{python}" for name, python, _ in BACKTRACKING],
)
def test_backtracking_input_finishes_within_a_minute(
    name: str, python: str, failure: tuple[str, str] | None, tmp_path: Path
) -> None:
    if failure is not None and find_python(python) is None:
        pytest.skip(f"building sdists for {python} needs CPython {python}")
    started = time.monotonic()
    result = compile_(INPUTS / "backtracking" / f"{name}.in", python, tmp_path / "cache")
    elapsed = time.monotonic() - started
    assert elapsed < 60, f"{name} took {elapsed:.1f} s"
    if failure is None:
        assert result.returncode == 0, result.stderr
        assert "==" in result.stdout
        assert "Traceback" not in result.stderr
    else:
        first_line, reason = failure
        assert result.returncode == 1
        assert result.stdout == ""
        assert result.stderr.startswith(first_line + SETUPTOOLS_HOOK_FAILED)
        assert reason in result.stderr
        # The traceback shown is the build backend's, under "Backend output:", not puffin's.
        assert "Traceback" not in result.stderr.split("Backend output:")[0]
