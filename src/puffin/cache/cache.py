"""`Cache`: the root directory, its versioned buckets, temp space and the root lock."""

from __future__ import annotations

import contextlib
import enum
import hashlib
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from puffin.errors import CacheError
from puffin.fs import temp_dir_in


class CacheBucket(enum.Enum):
    """Every bucket name carries a version so a format change never reads old data."""

    ARCHIVE = "archive-v0"
    WHEELS = "wheels-v0"
    BUILT_WHEELS = "built-wheels-v0"
    WHEEL_METADATA = "wheel-metadata-v0"
    SIMPLE = "simple-v1"
    GIT = "git-v0"
    BUILD_ENVIRONMENTS = "build-environments-v0"  # isolated PEP 517 build envs, by resolved set
    INTERPRETER = "interpreter-v0"


def digest(text: str) -> str:
    """A short stable digest used to name cache entries derived from URLs and paths."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


PYPI_URL = "https://pypi.org/simple"


def index_key(index_url: str) -> str:
    """The bucket sub-path for an index: `pypi` for PyPI, `index/<digest>` otherwise."""
    if index_url.rstrip("/") == PYPI_URL:
        return "pypi"
    return f"index/{digest(index_url.rstrip('/'))}"


@dataclass
class Cache:
    """The cache root. Directories are created lazily, on first write."""

    root: Path
    temporary: bool = False

    @classmethod
    def from_settings(cls, cache_dir: str | None, *, no_cache: bool) -> Cache:
        """Resolve `--cache-dir` / `PUFFIN_CACHE_DIR` / platformdirs; `--no-cache` is a temp dir."""
        if no_cache:
            import tempfile  # a run with a cache never needs it

            return cls(Path(tempfile.mkdtemp(prefix="puffin-cache-")), temporary=True)
        if cache_dir:
            # Made absolute at once, so a later chdir (a build backend's) cannot move it.
            return cls(Path(os.path.abspath(os.path.expanduser(cache_dir))))
        from platformdirs import user_cache_dir

        return cls(Path(user_cache_dir("puffin", appauthor=False)))

    def bucket(self, bucket: CacheBucket) -> Path:
        return self.root / bucket.value

    def init(self) -> None:
        """Create the root with CACHEDIR.TAG and a `.gitignore`; raise CacheError if we can't."""
        tag = self.root / "CACHEDIR.TAG"
        if tag.exists():
            return
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            (self.root / ".gitignore").write_text("*\n")
            tag.write_text(
                "Signature: 8a477f597d28d172789f06886806bc55\n"
                "# This file is a cache directory tag created by puffin.\n"
            )
        except OSError as error:
            raise CacheError(f"Cannot use cache directory {self.root}: {error.strerror}") from None

    @contextlib.contextmanager
    def temp_dir(self) -> Iterator[Path]:
        """A scratch directory on the cache's file system, so finished work can be renamed in.

        Raises CacheError naming the root when it cannot be made (a read-only cache).
        """
        with contextlib.ExitStack() as stack:
            try:
                # The pid in the name lets a later run tell a killed process's leftovers
                # from a running one's work (remove_orphaned_temp).
                path = stack.enter_context(
                    temp_dir_in(self.root / ".tmp", prefix=f".tmp-{os.getpid()}-")
                )
            except OSError as error:
                raise CacheError(
                    f"Cannot use cache directory {self.root}: {error.strerror}"
                ) from None
            yield path

    def shared_lock(
        self, on_wait: Callable[[], None] | None = None
    ) -> contextlib.AbstractContextManager[None]:
        """Hold the root lock shared: every command that reads or adds entries takes it, so
        `clean` and `prune` never delete under a running command (POSIX `flock`, see lock.py).

        `on_wait` is called once when an exclusive holder keeps this waiting ~0.2 s.
        """
        from puffin.cache.lock import LockMode, hold_root_lock

        return hold_root_lock(self.root, LockMode.SHARED, on_wait)

    def exclusive_lock(
        self, on_wait: Callable[[], None] | None = None
    ) -> contextlib.AbstractContextManager[None]:
        """Hold the root lock alone (for `clean` and `prune`), after every shared holder left.

        `on_wait` is called once when another process keeps this waiting ~0.2 s.
        """
        from puffin.cache.lock import LockMode, hold_root_lock

        return hold_root_lock(self.root, LockMode.EXCLUSIVE, on_wait)

    def remove_orphaned_temp(self) -> None:
        """Remove the scratch directories of processes that died (`kill -9`) mid-work.

        Call with the shared lock held. A directory whose pid is alive is left alone, even if
        that pid was reused by another process: it goes at the next `cache prune` instead.
        """
        try:
            entries = os.listdir(self.root / ".tmp")
        except OSError:
            return
        for entry in entries:
            pid = entry.removeprefix(".tmp-").partition("-")[0]
            if not pid.isdigit() or _alive(int(pid)):
                continue
            shutil.rmtree(self.root / ".tmp" / entry, ignore_errors=True)

    def cleanup(self) -> None:
        """Remove a `--no-cache` temporary cache."""
        if self.temporary:
            shutil.rmtree(self.root, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True
