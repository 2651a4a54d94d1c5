"""pip-compile against the real PyPI: pins equal those `uv pip compile` wrote with the same
flags (recorded in expected/, uv 0.13.9, 2026-11-25); marker `network`, not in CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.run import run_puffin

pytestmark = pytest.mark.network

INPUTS = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "requirements"
EXPECTED = Path(__file__).parent / "expected"


@pytest.mark.parametrize("name", ["trio", "jupyter"])
def test_pins_equal_uv_for_python_312(name: str, tmp_path: Path) -> None:
    result = run_puffin(
        "pip-compile", INPUTS / f"{name}.in", "--python-version", "3.12",
        "--exclude-newer", "2026-11-01T00:00:00Z", "--index-url", "https://pypi.org/simple",
        "--cache-dir", tmp_path / "cache", "--no-header", "--no-annotate", "-o", "-",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    pins = sorted(line for line in result.stdout.splitlines() if "==" in line)
    expected = (EXPECTED / f"{name}-py312-2026-11-01.txt").read_text().split()
    assert pins == sorted(expected)
