"""Find what `puffin cache prune` removes: entries nothing uses and leftovers of killed runs.

Called under the exclusive root lock, so no command is adding entries meanwhile; temp
directories must still be an hour old, in case a puffin from before the root lock runs.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from puffin.cache.cache import Cache, CacheBucket
from puffin.cache.layout import (
    archive_id,
    built_entries,
    source_dirs,
    subdirectories,
    wheel_links,
)
from puffin.cache.removal import TRASH_PREFIX
from puffin.fs import read_json

TEMP_AGE_SECONDS = 3600
# Must equal commands/build_env.py's COMPLETE_MARKER (a test holds them together): cache/ is
# below commands/ and cannot import it.
BUILD_ENVIRONMENT_COMPLETE = ".complete"
_BUCKET_NAME = re.compile(r"[a-z][a-z0-9-]*-v[0-9]+")


def unused_entries(cache: Cache, *, now: float) -> list[Path]:
    """Paths prune may delete, in a safe order (wheel links before the archives they named).

    - buckets of other format versions (`simple-v0` when puffin reads `simple-v1`, or the
      reverse after a downgrade: the running puffin cannot read them either way);
    - trees a crashed clean renamed aside, and temp directories over an hour old;
    - wheel links whose archive is gone or whose local wheel file is gone, and wheel records
      without a link;
    - `archive-v0` trees that no wheel link points to;
    - built-wheels revisions that their entry's `metadata.json` does not name (a newer build
      replaced them, or the build that wrote them was killed);
    - build environments without their completion marker (creation was interrupted).
    """
    revisions = _stale_revisions(cache)
    # A wheel link to a wheel built in a doomed revision goes too, in this same run.
    broken = _broken_wheel_entries(cache, doomed=revisions)
    found = _stale_buckets(cache) + _leftover_temps(cache, now) + broken
    found += _unlinked_archives(cache, set(broken))
    return found + revisions + _incomplete_environments(cache)


def _stale_buckets(cache: Cache) -> list[Path]:
    current = {bucket.value for bucket in CacheBucket}
    return [
        path
        for path in subdirectories(cache.root)
        if _BUCKET_NAME.fullmatch(path.name) and path.name not in current
    ]


def _leftover_temps(cache: Cache, now: float) -> list[Path]:
    trash = [p for p in _children(cache.root) if p.name.startswith(TRASH_PREFIX)]
    old = [p for p in _children(cache.root / ".tmp") if _age(p, now) > TEMP_AGE_SECONDS]
    return trash + old


def _broken_wheel_entries(cache: Cache, *, doomed: list[Path]) -> list[Path]:
    archive = cache.bucket(CacheBucket.ARCHIVE)
    # Only `path` entries are checked against their file: they are used only while it is
    # unchanged, whereas a registry wheel from a local find-links directory stays usable.
    local = cache.bucket(CacheBucket.WHEELS) / "path"
    found = []
    for link in wheel_links(cache.bucket(CacheBucket.WHEELS)):
        record = link.with_name(f"{link.name}.json")
        if (
            archive_id(link, archive) is None
            or not link.exists()
            or (link.is_relative_to(local) and _local_file_gone(record, doomed))
        ):
            found += [link, record]
    for source in source_dirs(cache.bucket(CacheBucket.WHEELS)):
        for directory in subdirectories(source):
            for path in _children(directory):
                stem = path.name.removesuffix(".json")
                if path.name.endswith(".json") and not (directory / stem).is_symlink():
                    found.append(path)
    return found


def _local_file_gone(record: Path, doomed: list[Path]) -> bool:
    """Whether a local wheel's record names a file that no longer exists, or will not once
    `doomed` is gone: the entry can never be used again (a rebuilt local project's wheel
    lives in a new revision, at a new path)."""
    info = read_json(record)
    url = info.get("url") if isinstance(info, dict) else None
    if not isinstance(url, str) or not url.startswith("file:"):
        return False
    path = unquote(urlsplit(url).path)
    return not os.path.exists(path) or any(Path(path).is_relative_to(d) for d in doomed)


def _unlinked_archives(cache: Cache, removed: set[Path]) -> list[Path]:
    archive = cache.bucket(CacheBucket.ARCHIVE)
    linked = {
        archive_id(link, archive)
        for link in wheel_links(cache.bucket(CacheBucket.WHEELS))
        if link not in removed
    }
    return [path for path in _children(archive) if path.name not in linked]


def _stale_revisions(cache: Cache) -> list[Path]:
    found = []
    for entry in built_entries(cache.bucket(CacheBucket.BUILT_WHEELS)):
        record = read_json(entry / "metadata.json")
        current = record.get("revision") if isinstance(record, dict) else None
        found += [path for path in subdirectories(entry) if path.name != current]
    return found


def _incomplete_environments(cache: Cache) -> list[Path]:
    return [
        path
        for path in subdirectories(cache.bucket(CacheBucket.BUILD_ENVIRONMENTS))
        if not (path / BUILD_ENVIRONMENT_COMPLETE).is_file()
    ]


def _children(directory: Path) -> list[Path]:
    try:
        return [directory / name for name in os.listdir(directory)]
    except (FileNotFoundError, NotADirectoryError):
        return []


def _age(path: Path, now: float) -> float:
    try:
        return now - os.lstat(path).st_mtime
    except FileNotFoundError:
        return 0.0
