"""Read the buckets' shapes: source sub-directories, wheel links, built-wheel entries and names.

The shapes are those DESIGN.md draws ("Cache layout"); the writers are client/page_cache.py,
client/wheel_metadata.py, distribution/prepare.py and commands/source_build.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from puffin.fs import read_json
from puffin.names import PackageName, normalize_name

# Sub-buckets named by a digest level below their kind; `pypi` stands alone.
_DIGESTED_KINDS = ("index", "url", "path")


def subdirectories(path: Path) -> list[Path]:
    """The real directories (not symlinks) directly in `path`; none if it is missing."""
    try:
        with os.scandir(path) as entries:
            return [Path(e.path) for e in entries if e.is_dir(follow_symlinks=False)]
    except (FileNotFoundError, NotADirectoryError):
        return []


def source_dirs(bucket: Path) -> list[Path]:
    """`pypi`, `index/<d>`, `url/<d>`, `path/<d>`: where a bucket keeps per-source entries."""
    found = [bucket / "pypi"] if (bucket / "pypi").is_dir() else []
    for kind in _DIGESTED_KINDS:
        found += subdirectories(bucket / kind)
    return found


def wheel_links(directory: Path) -> Iterator[Path]:
    """Every symlink below `directory` (wheels-v0's entries), without following any."""
    try:
        with os.scandir(directory) as entries:
            listed = list(entries)
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in listed:
        if entry.is_symlink():
            yield Path(entry.path)
        elif entry.is_dir(follow_symlinks=False):
            yield from wheel_links(Path(entry.path))


def archive_id(link: Path, archive_bucket: Path) -> str | None:
    """The `archive-v0` entry a wheel link points to, or None if it points elsewhere."""
    try:
        target = os.readlink(link)
    except OSError:
        return None
    # Lexical, not resolve(): the link is relative and the root may sit behind a symlink.
    resolved = os.path.normpath(os.path.join(link.parent, target))
    parent, name = os.path.split(resolved)
    return name if parent == os.path.normpath(archive_bucket) else None


def built_entries(bucket: Path) -> Iterator[Path]:
    """Every entry of built-wheels-v0 (source_build.py's keys)."""
    yield from registry_built_entries(bucket)
    yield from direct_built_entries(bucket)


def registry_built_entries(bucket: Path) -> Iterator[Path]:
    """Registry sdists' entries: `pypi/<name>/<sdist>` and `index/<d>/<name>/<sdist>`."""
    name_dirs = subdirectories(bucket / "pypi")
    for index_dir in subdirectories(bucket / "index"):
        name_dirs += subdirectories(index_dir)
    for name_dir in name_dirs:
        yield from subdirectories(name_dir)


def direct_built_entries(bucket: Path) -> Iterator[Path]:
    """Direct sources' entries, named by digests only: `url/<d>`, `path/<d>`,
    `git/<d>/<commit>`."""
    yield from subdirectories(bucket / "url")
    yield from subdirectories(bucket / "path")
    for repository in subdirectories(bucket / "git"):
        yield from subdirectories(repository)


def built_entry_name(entry: Path) -> PackageName | None:
    """The project a built-wheels entry holds, from the METADATA its metadata.json keeps
    (URL, git and path keys carry no name); None while it has no readable record."""
    record = read_json(entry / "metadata.json")
    if not isinstance(record, dict) or not isinstance(record.get("metadata"), str):
        return None
    return metadata_name(record["metadata"])


def metadata_name(metadata: str) -> PackageName | None:
    """The normalized `Name:` of a METADATA text's header block."""
    for line in metadata.splitlines():
        if not line.strip():
            break  # the body (the long description) starts after the first blank line
        key, colon, value = line.partition(":")
        if colon and key.strip().lower() == "name" and value.strip():
            return normalize_name(value.strip())
    return None
