"""Remove an installed distribution by its RECORD, never touching anything outside the prefix."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from puffin.errors import InstallError
from puffin.installer.record import read_record
from puffin.installer.site_packages import InstalledDistribution

logger = logging.getLogger(__name__)

# Directories an environment is built on: emptying them never makes them ours to remove.
_SITE_DIRECTORY_NAMES = frozenset({"site-packages", "dist-packages"})


def uninstall(dist: InstalledDistribution, *, prefix: Path) -> int:
    """Remove the files `dist`'s RECORD lists, their `__pycache__` pycs and the dist-info, then
    the directories left empty; return the number of files removed.

    Every path is resolved (symlinks included) and skipped with a warning on the
    `puffin.installer.uninstall` logger when it is not inside `prefix`.
    """
    _refuse_legacy(dist)
    site_packages = os.fspath(dist.dist_info.parent)
    try:
        rows = read_record(dist.dist_info / "RECORD")
    except FileNotFoundError:
        if dist.complete:
            raise InstallError(
                f"Cannot uninstall {dist.name} {dist.version}: no RECORD file in"
                f" {dist.dist_info} (installed by {_installer_of(dist)})"
            ) from None
        # install_wheel writes RECORD before any other file: an install stopped before it
        # left only the dist-info directory.
        rows = []
    except OSError as error:
        raise InstallError(f"Cannot uninstall {dist.name} {dist.version}: {error}") from error

    root = os.path.realpath(prefix)
    resolver = _Resolver(root)
    files: list[str] = []
    for row in rows:
        target = resolver.inside(os.path.join(site_packages, row.path))
        if target is None:
            logger.warning(
                "Not removing %s listed in %s: it is outside %s",
                row.path,
                dist.dist_info / "RECORD",
                prefix,
            )
            continue
        files.append(target)
    real_dist_info = os.path.realpath(dist.dist_info)
    dist_info = resolver.inside(real_dist_info)

    remover = _Remover(resolver)
    try:
        if dist_info is not None:
            # METADATA goes first, so a kill from here on leaves a dist-info that the next
            # scan reports incomplete (reinstalled or removed again), never one that looks whole.
            remover.remove_file(os.path.join(dist_info, "METADATA"))
        for target in files:
            remover.remove_file(target)
        for target in files:
            if target.endswith(".py"):
                remover.remove_pycs(target)
        if dist_info is not None:
            # Files RECORD forgot would keep the dist-info, and so the distribution, "installed".
            remover.remove_tree(dist_info)
    except OSError as error:
        raise InstallError(
            f"Failed to uninstall {dist.name} {dist.version}: {error}"
            f" ({remover.removed} files were already removed)"
        ) from error
    _prune(remover.emptied, root, site_packages)
    return remover.removed


def _refuse_legacy(dist: InstalledDistribution) -> None:
    if dist.dist_info.suffix == ".egg-info":
        raise InstallError(
            f"Cannot uninstall {dist.name} {dist.version}: it was installed by setuptools as"
            f" {dist.dist_info}, which lists no files puffin can trust; remove it with pip"
        )
    if dist.dist_info.suffix == ".egg-link":
        raise InstallError(
            f"Cannot uninstall {dist.name} {dist.version}: it is a `setup.py develop` install"
            f" ({dist.dist_info}), which puffin cannot remove; remove it with pip"
        )


def _installer_of(dist: InstalledDistribution) -> str:
    try:
        installer = (dist.dist_info / "INSTALLER").read_text(encoding="utf-8").strip()
    except OSError:
        return "an unknown tool"
    return installer or "an unknown tool"


class _Resolver:
    """Resolves paths through symlinks, remembering each directory it resolved."""

    def __init__(self, root: str) -> None:
        self._root = root.rstrip(os.sep) + os.sep
        self._directories: dict[str, str] = {}

    def inside(self, path: str) -> str | None:
        """The real path of `path` (its last component kept as is), or None outside root."""
        head, tail = os.path.split(path)
        if tail in ("", ".", ".."):
            return None
        real_head = self._directories.get(head)
        if real_head is None:
            real_head = self._directories[head] = os.path.realpath(head)
        target = os.path.join(real_head, tail)
        return target if target.startswith(self._root) else None


class _Remover:
    """Unlinks files, counting them and remembering which directories may now be empty."""

    def __init__(self, resolver: _Resolver) -> None:
        self._resolver = resolver
        self.removed = 0
        self.emptied: set[str] = set()
        self._pycache_listings: dict[str, list[str]] = {}

    def remove_file(self, path: str) -> None:
        try:
            os.unlink(path)
        except FileNotFoundError:
            return
        except IsADirectoryError:
            self.emptied.add(path)  # some old RECORDs list directories: prune if empty
            return
        self.removed += 1
        self.emptied.add(os.path.dirname(path))

    def remove_pycs(self, source: str) -> None:
        """`__pycache__/<stem>.<tag>[.opt-N].pyc` of a removed `.py`, for any interpreter."""
        directory, file_name = os.path.split(source)
        pycache = os.path.join(directory, "__pycache__")
        listing = self._pycache_listings.get(pycache)
        if listing is None:
            try:
                listing = self._pycache_listings[pycache] = os.listdir(pycache)
            except (FileNotFoundError, NotADirectoryError):
                listing = self._pycache_listings[pycache] = []
        stem = file_name[: -len(".py")] + "."
        for candidate in listing:
            if candidate.startswith(stem) and _is_pyc_suffix(candidate[len(stem) :]):
                pyc = self._resolver.inside(os.path.join(pycache, candidate))
                if pyc is not None:
                    self.remove_file(pyc)

    def remove_tree(self, directory: str) -> None:
        try:
            entries = list(os.scandir(directory))
        except (FileNotFoundError, NotADirectoryError):
            return
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                self.remove_tree(entry.path)
            else:
                self.remove_file(entry.path)
        self.emptied.add(directory)


def _is_pyc_suffix(rest: str) -> bool:
    # "cpython-312.pyc" or "cpython-312.opt-1.pyc"; anything longer belongs to another module
    # (the pyc of `app.extra.py` also starts with "app.").
    if not rest.endswith(".pyc"):
        return False
    parts = rest[: -len(".pyc")].split(".")
    return len(parts) == 1 or (len(parts) == 2 and parts[1].startswith("opt-"))


def _prune(directories: set[str], root: str, site_packages: str) -> None:
    """Remove directories left empty, walking up, but never the environment's own skeleton:
    the prefix, its direct children (bin, lib, include, share...) and site-packages."""
    root = root.rstrip(os.sep)
    protected = {os.path.realpath(site_packages)}
    for directory in sorted(directories, key=len, reverse=True):
        current = directory
        while (
            current.startswith(root + os.sep)
            and os.path.dirname(current) != root
            and current not in protected
            and os.path.basename(current) not in _SITE_DIRECTORY_NAMES
        ):
            try:
                os.rmdir(current)
            except FileNotFoundError:
                pass
            except OSError:
                break  # not empty: neither are its parents
            current = os.path.dirname(current)
