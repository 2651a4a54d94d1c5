"""Strict internal values for distributions: what the rest of puffin reasons about."""

from puffin.dist_types.file import File, IndexLocation
from puffin.dist_types.source import (
    ArchiveKind,
    DirectSource,
    GitSource,
    PathSource,
    UrlSource,
    parse_source,
)

__all__ = [
    "ArchiveKind",
    "DirectSource",
    "File",
    "GitSource",
    "IndexLocation",
    "PathSource",
    "UrlSource",
    "parse_source",
]
