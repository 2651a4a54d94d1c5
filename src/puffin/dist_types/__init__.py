"""Strict internal values for distributions: what the rest of puffin reasons about."""

from puffin.dist_types.file import File, IndexLocation

__all__ = ["File", "IndexLocation"]
