"""Build a source tree into metadata and wheels once, kept in `built-wheels-v0` by source.

An entry is `built-wheels-v0/<key>/` (the key names the source: `pypi/<name>/<sdist>`,
`url/<digest>`, `git/<digest>/<commit>`, `path/<digest>`) holding `metadata.json` (the stamp
of the source it was built from, its METADATA, and the file names of what was built) and one
`<revision>/` directory per build holding the wheels. A new build writes a new revision and
then replaces `metadata.json` atomically: nothing is deleted in place, so a reader never sees
half of an entry, and a process killed mid-build leaves only an unreferenced revision.

A local directory's stamp is the modification time of its `pyproject.toml`, `setup.py` and
`setup.cfg` (uv's rule, so a user can `touch` one to force a rebuild); immutable sources
(registry sdists, git commits, URLs) have no stamp. One lock per entry, so parallel processes
build a source once.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock

from puffin.cache import Cache, CacheBucket
from puffin.fs import atomic_write_json, read_json

if TYPE_CHECKING:
    from puffin.traits import BuildEnvironmentProvider

_STAMP_FILES = ("pyproject.toml", "setup.py", "setup.cfg")


@dataclass(frozen=True)
class BuiltSource:
    """What a source tree gave: its METADATA, and the wheel when one was asked for."""

    metadata: bytes
    wheel: Path | None


def local_stamp(source_tree: Path) -> str:
    """The freshness stamp of a local project: its build files' modification times."""
    parts = []
    for name in _STAMP_FILES:
        try:
            parts.append(f"{name}:{(source_tree / name).stat().st_mtime_ns}")
        except FileNotFoundError:
            continue
    return ";".join(parts)


class SourceBuilder:
    """Builds through PEP 517 (isolated with `environments`, else with `python` itself) and
    keeps the results; safe to call from several worker threads at once."""

    def __init__(
        self,
        cache: Cache,
        *,
        environments: BuildEnvironmentProvider | None,
        python: Path | None = None,
    ) -> None:
        self.cache = cache
        self.environments = environments
        self.python = python
        self.builds = 0  # hooks actually run, for callers that report it

    def metadata(
        self, source_tree: Path, *, key: str, label: str, stamp: str | None, force: bool = False
    ) -> bytes:
        """The project's METADATA: from the cache, else from the backend's prepare hook (or a
        wheel built for it, which is then kept too). `force` builds anew (--refresh)."""
        built = self._get(
            source_tree, key, label, stamp, want_wheel=False, editable=False, force=force
        )
        return built.metadata

    def wheel(
        self,
        source_tree: Path,
        *,
        key: str,
        label: str,
        stamp: str | None,
        editable: bool = False,
        force: bool = False,
    ) -> BuiltSource:
        """A wheel of the project (a PEP 660 editable wheel with `editable`), built at most
        once per source and stamp; `force` builds anew (--refresh)."""
        return self._get(
            source_tree, key, label, stamp, want_wheel=True, editable=editable, force=force
        )

    def _get(
        self,
        source_tree: Path,
        key: str,
        label: str,
        stamp: str | None,
        *,
        want_wheel: bool,
        editable: bool,
        force: bool,
    ) -> BuiltSource:
        found = None if force else self.cached(key, stamp, want_wheel=want_wheel, editable=editable)
        if found is not None:
            return found
        entry = self.cache.bucket(CacheBucket.BUILT_WHEELS) / key
        entry.mkdir(parents=True, exist_ok=True)
        with FileLock(str(entry / ".lock")):
            # Another process may have built it while this one waited for the lock.
            if not force:
                found = self._cached(entry, stamp, want_wheel=want_wheel, editable=editable)
                if found is not None:
                    return found
            return self._build(source_tree, entry, label, stamp, want_wheel, editable, force)

    def cached(
        self, key: str, stamp: str | None, *, want_wheel: bool, editable: bool = False
    ) -> BuiltSource | None:
        """What an earlier build of this source at this stamp left, without building (and
        without needing the source at hand: a URL need not be downloaded to know)."""
        return self._cached(
            self.cache.bucket(CacheBucket.BUILT_WHEELS) / key,
            stamp,
            want_wheel=want_wheel,
            editable=editable,
        )

    def _cached(
        self, entry: Path, stamp: str | None, *, want_wheel: bool, editable: bool
    ) -> BuiltSource | None:
        record = _read_record(entry)
        if record is None or record.get("stamp") != stamp:
            return None
        metadata = str(record["metadata"]).encode("utf-8", errors="surrogateescape")
        if not want_wheel:
            return BuiltSource(metadata, None)
        name = record.get("editable" if editable else "wheel")
        if not isinstance(name, str):
            return None
        wheel = entry / str(record["revision"]) / name
        return BuiltSource(metadata, wheel) if wheel.is_file() else None

    def _build(
        self,
        source_tree: Path,
        entry: Path,
        label: str,
        stamp: str | None,
        want_wheel: bool,
        editable: bool,
        force: bool = False,
    ) -> BuiltSource:
        from puffin.build.frontend import SourceBuild

        previous = None if force else _read_record(entry)
        if previous is not None and previous.get("stamp") != stamp:
            previous = None  # built from an older state of the source: start afresh
        # A new revision per build: readers of the old metadata.json keep valid paths.
        record: dict[str, Any] = {"revision": uuid.uuid4().hex[:12], "stamp": stamp}
        build = (
            SourceBuild.isolated(source_tree, self.environments, label=label)
            if self.environments is not None
            else SourceBuild.in_environment(source_tree, self._python(), label=label)
        )
        self.builds += 1
        built: dict[str, Path] = {}
        with self.cache.temp_dir() as work:
            metadata_dir: Path | None = None
            if previous is None:
                prepared = build.metadata(work / "metadata")
                metadata_dir = prepared.dist_info
                record["metadata"] = (
                    (metadata_dir / "METADATA")
                    .read_bytes()
                    .decode("utf-8", errors="surrogateescape")
                )
                if prepared.wheel is not None:  # no prepare hook: a wheel was built to read it
                    built["wheel"] = prepared.wheel
            else:
                record["metadata"] = previous["metadata"]
            kind = _kind(editable)
            if want_wheel and kind not in built:
                hook = build.build_editable if editable else build.build_wheel
                built[kind] = hook(work / kind, metadata_directory=metadata_dir)
            revision_dir = entry / str(record["revision"])
            revision_dir.mkdir(parents=True, exist_ok=True)
            for name, path in built.items():
                shutil.move(str(path), revision_dir / path.name)
                record[name] = path.name
            if previous is not None:
                # Keep what the previous revision built for the other kind (wheel/editable).
                for name in ("wheel", "editable"):
                    if name not in record and isinstance(previous.get(name), str):
                        old = entry / str(previous["revision"]) / str(previous[name])
                        if old.is_file():
                            shutil.copy2(old, revision_dir / old.name)
                            record[name] = old.name
        atomic_write_json(entry / "metadata.json", record)
        metadata = str(record["metadata"]).encode("utf-8", errors="surrogateescape")
        wheel = revision_dir / str(record[_kind(editable)]) if want_wheel else None
        return BuiltSource(metadata, wheel)

    def _python(self) -> Path:
        if self.python is None:
            raise ValueError("a SourceBuilder without environments needs the target python")
        return self.python


def _kind(editable: bool) -> str:
    return "editable" if editable else "wheel"


def _read_record(entry: Path) -> dict[str, Any] | None:
    record = read_json(entry / "metadata.json")
    if not isinstance(record, dict) or not isinstance(record.get("metadata"), str):
        return None
    return record
