"""`puffin clean [PKG...]` and `puffin cache prune`: remove cache entries under the exclusive lock.

Every removal renames the entry aside first (cache/removal.py), so a crash part-way leaves a
`.tmp-*` tree for the next clean or prune, never a half-deleted entry that a reader might use.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from puffin.cache import Cache
from puffin.cache.removal import Removal, discard
from puffin.names import PackageName

# What `clean` removes from the root: every bucket, of any format version, and temp trees.
# Other files stay: CACHEDIR.TAG, .gitignore, the lock, and anything puffin did not put there
# (a mistaken --cache-dir pointing at a home directory must not empty it).
_CLEANED_NAME = re.compile(r"[a-z][a-z0-9-]*-v[0-9]+|\.tmp.*")


@dataclass(frozen=True)
class PackageRemoval:
    name: PackageName
    removal: Removal


def clean_all(cache: Cache, *, on_wait: Callable[[], None] | None = None) -> Removal | None:
    """Remove every bucket and temp directory, keeping the root and its CACHEDIR.TAG.

    None when there is no cache at the root (nothing is created then).
    """
    if not cache.root.is_dir():
        return None
    with cache.exclusive_lock(on_wait):
        removed = Removal()
        for path in sorted(cache.root.iterdir()):
            if _CLEANED_NAME.fullmatch(path.name) and not path.is_symlink():
                removed += discard(path, cache.root)
        return removed


def clean_packages(
    cache: Cache,
    names: Sequence[PackageName],
    *,
    on_wait: Callable[[], None] | None = None,
) -> list[PackageRemoval] | None:
    """Remove each named package's entries in every bucket (cache/package_entries.py), with
    the archive trees only they pointed to. None when there is no cache at the root."""
    from puffin.cache.package_entries import package_entries

    if not cache.root.is_dir():
        return None
    results = []
    with cache.exclusive_lock(on_wait):
        for name in dict.fromkeys(names):
            entries = package_entries(cache, name)
            removed = Removal()
            # Links first: an archive is never left pointed at while it is being deleted.
            for path in (*entries.paths, *entries.archives):
                removed += discard(path, cache.root)
            results.append(PackageRemoval(name, removed))
    return results


def prune(cache: Cache, *, on_wait: Callable[[], None] | None = None) -> Removal | None:
    """Remove what nothing uses (cache/prune.py). None when there is no cache at the root."""
    from puffin.cache.prune import unused_entries

    if not cache.root.is_dir():
        return None
    with cache.exclusive_lock(on_wait):
        removed = Removal()
        for path in unused_entries(cache, now=time.time()):
            removed += discard(path, cache.root)
        return removed
