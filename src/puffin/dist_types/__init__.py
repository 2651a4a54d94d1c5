"""Strict internal values for distributions: what the rest of puffin reasons about.

Direct references (`UrlSource`, `GitSource`, `PathSource`, ...) are imported from
`puffin.dist_types.source`, not from here: a resolve from an index needs none of them.
"""

from puffin.dist_types.file import File, IndexLocation

__all__ = ["File", "IndexLocation"]
