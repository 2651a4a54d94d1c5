"""The `puffin` command line."""

from __future__ import annotations


def main() -> None:
    raise SystemExit("puffin: not wired yet")
