"""Plain, fast terminal output for summaries and errors; colour only where it is welcome."""

from __future__ import annotations

import os
import sys
from typing import TextIO

# `--color auto|always|never` (or PUFFIN_COLOR), set once by the `puffin` group.
_color_choice = "auto"


def set_color_choice(choice: str) -> None:
    global _color_choice
    _color_choice = choice


def color_choice() -> str:
    return _color_choice


def _use_color(stream: TextIO) -> bool:
    if _color_choice != "auto":
        return _color_choice == "always"
    # https://no-color.org: any non-empty NO_COLOR disables colour.
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty()


class Printer:
    """Writes to stderr like uv does, so stdout stays clean for data (`-o -`, `cache dir`)."""

    def __init__(self, quiet: int, stream: TextIO | None = None) -> None:
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.color = _use_color(self.stream)

    def _paint(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text

    def info(self, text: str) -> None:
        if self.quiet < 1:
            print(text, file=self.stream)

    def dim(self, text: str) -> str:
        return self._paint(text, "2")

    def added(self, text: str) -> str:
        return self._paint(text, "32")

    def removed(self, text: str) -> str:
        return self._paint(text, "31")

    def warning(self, text: str) -> None:
        if self.quiet < 2:
            print(f"{self._paint('warning', '1;33')}: {text}", file=self.stream)

    def error(self, text: str) -> None:
        print(f"{self._paint('error', '1;31')}: {text}", file=self.stream)


def format_duration(seconds: float) -> str:
    """`310ms` below a second, `2.41s` above: the form uv prints."""
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    return f"{seconds:.2f}s"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
