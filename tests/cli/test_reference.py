"""docs/cli-reference.md is what the commands' help says today."""

from __future__ import annotations

from pathlib import Path

from puffin.cli.reference import render

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "cli-reference.md"


def test_the_checked_in_reference_matches_the_commands() -> None:
    assert REFERENCE.read_text() == render(), (
        "docs/cli-reference.md is stale: run `python -m puffin.cli.reference >"
        " docs/cli-reference.md`"
    )


def test_every_command_has_a_section() -> None:
    text = render()
    for command in ("pip-compile", "pip-sync", "venv", "clean", "cache prune", "pip-tree"):
        assert f"`puffin {command}`" in text
