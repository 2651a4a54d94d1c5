"""`LinkMode`: how files get from the shared archive into an environment (a value, no I/O)."""

from __future__ import annotations

import enum


class LinkMode(enum.Enum):
    """How a file of the shared archive becomes a file of the environment."""

    CLONE = "clone"  # copy-on-write reflink: an independent file that shares the data blocks
    HARDLINK = "hardlink"  # the archive's own inode: must never be written in place
    COPY = "copy"
    SYMLINK = "symlink"  # points into the cache: cleaning the cache breaks the environment

    @classmethod
    def default(cls) -> LinkMode:
        """Clone where the filesystems allow it, else hardlink, else copy (decided per run)."""
        return cls.CLONE
