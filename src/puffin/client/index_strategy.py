"""`IndexStrategy`: how a project offered by several indexes is read (`--index-strategy`)."""

from __future__ import annotations

import enum


class IndexStrategy(enum.Enum):
    """uv's three strategies; the indexes' priority is `--index-url`, then each
    `--extra-index-url` in the order given."""

    # Only the first index that has the project: a later index can never shadow it with a
    # same-named package (the "dependency confusion" attack pip is open to).
    FIRST_INDEX = "first-index"
    # Every index; the versions of an earlier index are tried before any of a later one's.
    UNSAFE_FIRST_MATCH = "unsafe-first-match"
    # Every index; the best version wins wherever it is.
    UNSAFE_BEST_MATCH = "unsafe-best-match"
