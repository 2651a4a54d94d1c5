"""`puffin --color auto|always|never` (and PUFFIN_COLOR): colour only where it is asked for."""

from __future__ import annotations

from pathlib import Path

from tests.support.run import run_puffin

ERROR = "No input file given, and no requirements.in in this directory"


def test_never_and_always_override_the_terminal_check(tmp_path: Path) -> None:
    plain = run_puffin("--color", "never", "pip-compile", cwd=tmp_path)
    painted = run_puffin("--color", "always", "pip-compile", cwd=tmp_path)
    assert (plain.returncode, plain.stderr) == (2, f"error: {ERROR}\n")
    assert (painted.returncode, painted.stderr) == (2, f"\x1b[1;31merror\x1b[0m: {ERROR}\n")


def test_auto_is_plain_off_a_terminal_and_the_environment_can_choose(tmp_path: Path) -> None:
    auto = run_puffin("pip-compile", cwd=tmp_path)
    by_env = run_puffin("pip-compile", cwd=tmp_path, env={"PUFFIN_COLOR": "always"})
    no_color = run_puffin("pip-compile", cwd=tmp_path, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert auto.stderr == f"error: {ERROR}\n"
    assert by_env.stderr == f"\x1b[1;31merror\x1b[0m: {ERROR}\n"
    assert no_color.stderr == f"error: {ERROR}\n"


def test_an_unknown_choice_is_a_usage_error(tmp_path: Path) -> None:
    result = run_puffin("--color", "sometimes", "pip-compile", cwd=tmp_path)
    assert result.returncode == 2
    assert "Invalid value for '--color'" in result.stderr
