"""Find one package's entries in every bucket, for `puffin clean PKG`.

A package owns: its index pages (`simple-v1/<source>/<name>.page`), its METADATA files
(`wheel-metadata-v0/<source>/<name>/`), its wheel links and their records
(`wheels-v0/<source>/<name>/`), the `archive-v0` trees only those links point to, and its
built-wheels entries: registry sdists by path (`pypi/<name>/`, `index/<d>/<name>/`), URL,
git and path sources by the `Name:` of the METADATA their `metadata.json` keeps.

Left alone, because they are not one package's: `git-v0` (a repository may hold several
projects, and an editable git install runs from its checkout), `build-environments-v0` (keyed
by a set of build requirements) and `interpreter-v0`. `puffin clean` removes them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from puffin.cache.cache import Cache, CacheBucket
from puffin.cache.layout import (
    archive_id,
    built_entry_name,
    direct_built_entries,
    source_dirs,
    subdirectories,
    wheel_links,
)
from puffin.names import PackageName


@dataclass(frozen=True)
class PackageEntries:
    """The paths holding one package's entries; `archives` are the trees only they use."""

    name: PackageName
    paths: tuple[Path, ...]
    archives: tuple[Path, ...]


def package_entries(cache: Cache, name: PackageName) -> PackageEntries:
    """Every existing path of `name`'s entries (see the module docstring); reads only."""
    simple = cache.bucket(CacheBucket.SIMPLE)
    pages = [d / f"{name}.page" for d in source_dirs(simple)]
    metadata = cache.bucket(CacheBucket.WHEEL_METADATA)
    metadata_dirs = [d / name for d in source_dirs(metadata)]
    wheels = cache.bucket(CacheBucket.WHEELS)
    wheel_dirs = [d / name for d in source_dirs(wheels)]
    built = cache.bucket(CacheBucket.BUILT_WHEELS)
    built_by_path = [built / "pypi" / name] + [d / name for d in subdirectories(built / "index")]
    built_by_name = [e for e in direct_built_entries(built) if built_entry_name(e) == name]
    paths = [
        path
        for path in (*pages, *metadata_dirs, *wheel_dirs, *built_by_path, *built_by_name)
        if path.exists() or path.is_symlink()
    ]
    return PackageEntries(name, tuple(paths), _archives_only_used_by(cache, wheel_dirs))


def _archives_only_used_by(cache: Cache, wheel_dirs: list[Path]) -> tuple[Path, ...]:
    archive = cache.bucket(CacheBucket.ARCHIVE)
    wheels = cache.bucket(CacheBucket.WHEELS)
    owned = set(map(str, wheel_dirs))
    used_here: set[str] = set()
    used_elsewhere: set[str] = set()
    for link in wheel_links(wheels):
        target = archive_id(link, archive)
        if target is not None:
            mine = str(link.parent) in owned
            (used_here if mine else used_elsewhere).add(target)
    return tuple(archive / target for target in sorted(used_here - used_elsewhere))
