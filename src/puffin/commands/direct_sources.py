"""Sources that need a build (local projects, git, archive URLs, registry sdists): fetched,
unpacked and built once, their metadata and wheels kept in `built-wheels-v0`.

Every method is synchronous and meant for a worker thread: downloads go to the event loop
that owns the registry client, so a build in one thread never stalls the downloads of others.
A source whose build is cached is never fetched: a warm re-sync of a URL or git pin does not
download or clone anything (a git *branch* is still asked for its current commit).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from packaging.version import InvalidVersion, Version

from puffin.cache import Cache
from puffin.cache.cache import index_key
from puffin.commands.source_build import BuiltSource, SourceBuilder, local_stamp
from puffin.dist_types import File
from puffin.dist_types.source import ArchiveKind, GitSource, PathSource, UrlSource
from puffin.errors import BuildError, BuildForbidden
from puffin.names import PackageName, normalize_name
from puffin.resolver.core_metadata import header_fields

if TYPE_CHECKING:
    from puffin.client.registry import RegistryClient
    from puffin.dist_types.source import DirectSource
    from puffin.interpreter import Interpreter
    from puffin.resolver.candidate_selector import SelectorSettings

T = TypeVar("T")


@dataclass(frozen=True)
class SourceDist:
    """A built source: its name and version (from its METADATA), what it was built from (git
    sources with their resolved commit) and, when asked for, the wheel."""

    name: PackageName
    version: Version
    metadata: bytes
    source: DirectSource | File
    wheel: Path | None


class SourcePreparer:
    def __init__(
        self,
        cache: Cache,
        builder: SourceBuilder,
        client: RegistryClient | None,
        loop: asyncio.AbstractEventLoop | None,
        *,
        offline: bool = False,
        refresh: bool | AbstractSet[PackageName] = False,
    ) -> None:
        self.cache = cache
        self.builder = builder
        self.client = client
        self.loop = loop
        self.offline = offline
        # --refresh (True) or --refresh-package (names): local projects are built anew once
        # in this run, and git references fetched again.
        self.refresh = refresh
        self._rebuilt: set[str] = set()
        self._lock = threading.Lock()

    # -- direct sources ------------------------------------------------------------------

    def refreshes(self, name: PackageName | None) -> bool:
        if isinstance(self.refresh, bool):
            return self.refresh
        return name is not None and name in self.refresh

    def resolve(self, source: DirectSource, name: PackageName | None = None) -> DirectSource:
        """A git source with its commit found (fetching when the reference can move)."""
        if isinstance(source, GitSource) and source.commit is None:
            from puffin.git import fetch_git

            checkout = fetch_git(
                source.repository,
                source.reference,
                self.cache,
                offline=self.offline,
                refresh=self.refreshes(name),
            )
            return source.with_commit(checkout.commit)
        return source

    def metadata(
        self, source: DirectSource, label: str, name: PackageName | None = None
    ) -> SourceDist:
        return self._get(source, label, name, want_wheel=False)

    def wheel(
        self, source: DirectSource, label: str, name: PackageName | None = None
    ) -> SourceDist:
        return self._get(source, label, name, want_wheel=True)

    def cached_metadata(
        self, source: DirectSource, label: str, name: PackageName | None = None
    ) -> SourceDist | None:
        """The metadata of a source built before, if nothing about it changed; no build, no
        network (a local project's stamp is read from its files)."""
        key, stamp = self._key(source)
        if key is None or self._must_rebuild(source, key, name):
            return None
        found = self.builder.cached(key, stamp, want_wheel=False)
        return None if found is None else _dist(found, source, label)

    def _key(self, source: DirectSource) -> tuple[str | None, str | None]:
        if isinstance(source, GitSource):
            return (source.cache_key() if source.commit is not None else None), None
        if isinstance(source, PathSource) and not source.is_archive:
            return source.cache_key(), local_stamp(_tree(source.path, source.subdirectory))
        return source.cache_key(), None

    def _must_rebuild(self, source: DirectSource, key: str, name: PackageName | None) -> bool:
        """A local project under --refresh that this run has not built yet."""
        if not (isinstance(source, PathSource) and not source.is_archive):
            return False
        with self._lock:
            return self.refreshes(name) and key not in self._rebuilt

    def _get(
        self, source: DirectSource, label: str, name: PackageName | None, *, want_wheel: bool
    ) -> SourceDist:
        source = self.resolve(source, name)
        key, stamp = self._key(source)
        assert key is not None
        editable = source.editable
        force = self._must_rebuild(source, key, name)
        found = (
            None
            if force
            else self.builder.cached(key, stamp, want_wheel=want_wheel, editable=editable)
        )
        if found is not None:
            return _dist(found, source, label)
        if isinstance(source, PathSource) and not source.is_archive:
            tree = _tree(source.path, source.subdirectory)
            built = self._build(tree, key, label, stamp, want_wheel, editable, force=force)
            with self._lock:
                self._rebuilt.add(key)
            return _dist(built, source, label)
        if isinstance(source, GitSource):
            from puffin.git import fetch_git

            checkout = fetch_git(source.repository, source.commit, self.cache, offline=self.offline)
            tree = _tree(checkout.path, source.subdirectory)
            built = self._build(tree, key, label, stamp, want_wheel, editable)
            return _dist(built, source, label)
        with self.cache.temp_dir() as work:
            archive = self._fetch_archive(source, work)
            tree = _tree(self._unpack(archive, work, label), source.subdirectory)
            built = self._build(tree, key, label, stamp, want_wheel, editable=False)
        return _dist(built, source, label)

    def _fetch_archive(self, source: UrlSource | PathSource, work: Path) -> Path:
        if isinstance(source, PathSource):
            return source.path
        if source.kind is ArchiveKind.WHEEL:
            raise ValueError(f"{source.url} is a wheel: it needs no build")
        dest = work / "download" / source.filename
        dest.parent.mkdir()
        self._run(self._client().download_archive(source.url, source.filename, dest))
        return dest

    # -- registry sdists -----------------------------------------------------------------

    def sdist(self, file: File, *, want_wheel: bool) -> SourceDist:
        """A registry sdist's metadata (and wheel): built once, kept under its index, name
        and file name."""
        key = f"{index_key(file.index.url)}/{file.dist.name}/{file.filename}"
        label = f"{file.dist.name}=={file.dist.version} ({file.filename})"
        found = self.builder.cached(key, None, want_wheel=want_wheel)
        if found is not None:
            return _dist(found, file, label)
        with self.cache.temp_dir() as work:
            dest = work / "download" / file.filename
            dest.parent.mkdir()
            self._run(self._client().download(file, dest))
            tree = self._unpack(dest, work, label)
            built = self._build(tree, key, label, None, want_wheel, editable=False)
        return _dist(built, file, label)

    # -- plumbing ------------------------------------------------------------------------

    def _build(
        self,
        tree: Path,
        key: str,
        label: str,
        stamp: str | None,
        want_wheel: bool,
        editable: bool,
        *,
        force: bool = False,
    ) -> BuiltSource:
        if want_wheel:
            return self.builder.wheel(
                tree, key=key, label=label, stamp=stamp, editable=editable, force=force
            )
        metadata = self.builder.metadata(tree, key=key, label=label, stamp=stamp, force=force)
        return BuiltSource(metadata, None)

    @staticmethod
    def _unpack(archive: Path, work: Path, label: str) -> Path:
        from puffin.build.sdist import extract_sdist

        if archive.name.endswith(".whl"):
            raise BuildError(f"Cannot build {label}: {archive.name} is already a wheel")
        return extract_sdist(archive, work / "source")

    def _client(self) -> RegistryClient:
        if self.client is None or self.loop is None:
            raise BuildError("Cannot download a source distribution without network access")
        return self.client

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()


def _tree(root: Path, subdirectory: str | None) -> Path:
    return root / subdirectory if subdirectory else root


def _dist(built: BuiltSource, source: DirectSource | File, label: str) -> SourceDist:
    fields = header_fields(built.metadata, frozenset({"name", "version"}))
    names, versions = fields.get("name", []), fields.get("version", [])
    if not names or not versions:
        raise BuildError(f"The metadata built from {label} has no Name or Version")
    try:
        version = Version(versions[0])
    except InvalidVersion:
        raise BuildError(
            f"The metadata built from {label} has an invalid Version {versions[0]!r}"
        ) from None
    return SourceDist(normalize_name(names[0]), version, built.metadata, source, built.wheel)


def make_preparer(
    cache: Cache,
    client: RegistryClient,
    interpreter: Interpreter,
    settings: SelectorSettings,
    *,
    no_build: bool,
    no_build_isolation: bool,
    offline: bool,
    refresh: bool | AbstractSet[PackageName],
) -> SourcePreparer:
    """The builds of one run (call on the event loop): in isolated environments made by
    puffin for `interpreter`, or with --no-build-isolation in `interpreter` itself."""
    if no_build:
        raise BuildForbidden("building from source is forbidden by --no-build")
    loop = asyncio.get_running_loop()
    if no_build_isolation:
        builder = SourceBuilder(cache, environments=None, python=interpreter.executable)
    else:
        from puffin.commands.build_env import BuildEnvironments

        environments = BuildEnvironments(cache, interpreter, client, loop, settings)
        builder = SourceBuilder(cache, environments=environments)
    return SourcePreparer(cache, builder, client, loop, offline=offline, refresh=refresh)
