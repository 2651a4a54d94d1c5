"""`puffin clean`, `puffin cache prune|dir` on caches that real syncs and compiles filled."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from puffin.cli.clean import format_bytes
from tests.support.index_server import PackageIndex
from tests.support.run import Result, installed, make_venv, run_puffin


def files(root: Path) -> dict[str, int]:
    """Every file and symlink under `root` (relative path -> apparent size)."""
    found = {}
    for directory, _dirs, names in os.walk(root):
        for name in names + [d for d in _dirs if os.path.islink(os.path.join(directory, d))]:
            path = os.path.join(directory, name)
            found[os.path.relpath(path, root)] = os.lstat(path).st_size
    return found


def summary(removed: dict[str, int], suffix: str = "") -> str:
    return f"Removed {len(removed)} files{suffix} ({format_bytes(sum(removed.values()))})"


def archive_of(cache: Path, link_dir: Path) -> str:
    """The archive-v0 entry the one wheel link in `link_dir` points to."""
    (link,) = [p for p in link_dir.iterdir() if p.is_symlink()]
    return f"archive-v0/{os.path.basename(os.readlink(link))}"


@pytest.fixture
def filled(index: PackageIndex, tmp_path: Path) -> Path:
    """A cache holding alpha, beta and gamma: installed by pip-sync, resolved by pip-compile."""
    index.add_wheel("alpha", "1.0", files={"alpha/__init__.py": "A = 1\n" * 50})
    index.add_wheel("beta", "0.5", requires_dist=["gamma"])
    index.add_wheel("gamma", "2.0")
    cache = tmp_path / "cache"
    (tmp_path / "requirements.txt").write_text("alpha==1.0\nbeta==0.5\ngamma==2.0\n")
    (tmp_path / "requirements.in").write_text("alpha\nbeta\n")
    synced = run_puffin(
        "pip-sync",
        "--python",
        make_venv(tmp_path / "venv"),
        "--index-url",
        index.url,
        "--cache-dir",
        cache,
        tmp_path / "requirements.txt",
    )
    assert synced.returncode == 0, synced.stderr
    compiled = run_puffin(
        "pip-compile", "--index-url", index.url, "--cache-dir", cache, tmp_path / "requirements.in"
    )
    assert compiled.returncode == 0, compiled.stderr
    return cache


def puffin(*args: str | Path) -> Result:
    return run_puffin(*args)


def test_clean_pkg_removes_exactly_that_package_s_entries(filled: Path) -> None:
    before = files(filled)
    (index_dir,) = (filled / "wheels-v0" / "index").iterdir()
    source = f"index/{index_dir.name}"
    archive = archive_of(filled, index_dir / "beta")
    result = puffin("clean", "--cache-dir", filled, "Beta")
    after = files(filled)
    removed = {path: size for path, size in before.items() if path not in after}
    assert set(after) - {".lock"} <= set(before)  # the lock file appears with the first lock
    assert set(removed) == {
        f"simple-v1/{source}/beta.page",
        f"wheel-metadata-v0/{source}/beta/beta-0.5-py3-none-any.json",
        f"wheels-v0/{source}/beta/beta-0.5-py3-none-any",
        f"wheels-v0/{source}/beta/beta-0.5-py3-none-any.json",
        *(path for path in before if path.startswith(archive + "/")),
    }
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == summary(removed, " for beta") + "\n"


def test_clean_pkg_reports_each_package_and_one_it_does_not_know(filled: Path) -> None:
    before = files(filled)
    result = puffin("clean", "--cache-dir", filled, "gamma", "delta", "gamma")
    after = files(filled)
    removed = {path: size for path, size in before.items() if path not in after}
    assert result.stderr == (
        f"{summary(removed, ' for gamma')}\nNo cache entries found for delta\n"
    )
    again = puffin("clean", "--cache-dir", filled, "gamma")
    assert again.stderr == "No cache entries found for gamma\n"


def test_clean_empties_the_cache_but_keeps_its_tag(filled: Path) -> None:
    before = files(filled)
    kept = {"CACHEDIR.TAG", ".gitignore", ".lock"}
    result = puffin("clean", "--cache-dir", filled)
    assert result.returncode == 0
    assert sorted(os.listdir(filled)) == sorted(kept)
    removed = {path: size for path, size in before.items() if path not in kept}
    assert result.stderr == f"Clearing cache at: {filled}\n{summary(removed)}\n"
    again = puffin("clean", "--cache-dir", filled)
    assert again.stderr == f"Clearing cache at: {filled}\nNo cache entries found\n"


def test_clean_leaves_files_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "archive-v0" / "x").mkdir(parents=True)
    result = puffin("clean", "--cache-dir", tmp_path)
    assert result.stderr == f"Clearing cache at: {tmp_path}\nRemoved 2 directories\n"
    assert sorted(os.listdir(tmp_path)) == [".lock", "notes.txt"]


def test_prune_removes_an_archive_once_its_link_is_gone_and_keeps_linked_ones(
    filled: Path,
) -> None:
    (index_dir,) = (filled / "wheels-v0" / "index").iterdir()
    alpha = archive_of(filled, index_dir / "alpha")
    untouched = puffin("cache", "prune", "--cache-dir", filled)
    assert untouched.stderr == f"Pruning cache at: {filled}\nNo unused entries found\n"

    (index_dir / "alpha" / "alpha-1.0-py3-none-any").unlink()
    before = files(filled)
    result = puffin("cache", "prune", "--cache-dir", filled)
    after = files(filled)
    removed = {path: size for path, size in before.items() if path not in after}
    assert set(removed) == {
        f"wheels-v0/index/{index_dir.name}/alpha/alpha-1.0-py3-none-any.json",
        *(path for path in before if path.startswith(alpha + "/")),
    }
    assert result.stderr == f"Pruning cache at: {filled}\n{summary(removed)}\n"
    for name in ("beta", "gamma"):
        assert (filled / archive_of(filled, index_dir / name)).is_dir()


def test_a_missing_cache_is_left_missing(tmp_path: Path) -> None:
    root = tmp_path / "nothing"
    for command in (("clean",), ("clean", "alpha"), ("cache", "prune"), ("cache", "clean")):
        result = puffin(*command, "--cache-dir", root)
        assert (result.returncode, result.stderr) == (0, f"No cache found at: {root}\n")
    assert not root.exists()


def test_no_cache_gives_clean_nothing_to_do(tmp_path: Path) -> None:
    result = puffin("clean", "--no-cache")
    assert result.returncode == 0
    assert result.stderr.endswith("\nNo cache entries found\n")


def test_quiet_prints_nothing(filled: Path) -> None:
    result = puffin("clean", "-q", "--cache-dir", filled)
    assert (result.returncode, result.stderr) == (0, "")
    assert sorted(os.listdir(filled)) == [".gitignore", ".lock", "CACHEDIR.TAG"]


def test_cache_dir_prints_the_absolute_root(tmp_path: Path) -> None:
    result = run_puffin("cache", "dir", "--cache-dir", "relative/cache", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        f"{tmp_path / 'relative' / 'cache'}\n",
        "",
    )
    from_env = run_puffin("cache", "dir", env={"PUFFIN_CACHE_DIR": str(tmp_path / "c")})
    assert from_env.stdout == f"{tmp_path / 'c'}\n"


_SHARED_HOLDER = """
import sys
from pathlib import Path
from puffin.cache import Cache

with Cache(Path(sys.argv[1])).shared_lock():
    print("held", flush=True)
    sys.stdin.read()
"""


@pytest.fixture
def shared_holder(filled: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the cache's shared lock, as a running sync will."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _SHARED_HOLDER, str(filled)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    yield holder
    if holder.poll() is None:
        holder.kill()
        holder.wait()


def test_clean_waits_for_a_running_command_and_says_so(
    filled: Path, shared_holder: subprocess.Popen[str]
) -> None:
    clean = subprocess.Popen(
        [sys.executable, "-m", "puffin", "clean", "--cache-dir", str(filled)],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert clean.stderr is not None
    assert clean.stderr.readline() == "Waiting for another puffin process to release the cache\n"
    assert (filled / "wheels-v0").is_dir(), "clean removed entries while the cache was in use"
    assert shared_holder.stdin is not None
    shared_holder.stdin.close()
    assert shared_holder.wait(timeout=30) == 0
    rest = clean.stderr.read()
    assert clean.wait(timeout=60) == 0
    assert rest.startswith(f"Clearing cache at: {filled}\nRemoved ")
    assert not (filled / "wheels-v0").exists()


_EXCLUSIVE_HOLDER = """
import sys
from pathlib import Path
from puffin.cache import Cache

with Cache(Path(sys.argv[1])).exclusive_lock():
    print("held", flush=True)
    sys.stdin.read()
"""


def test_a_sync_waits_while_the_cache_is_being_cleaned(index: PackageIndex, tmp_path: Path) -> None:
    """Every command takes the shared lock: a sync started during a clean waits for it."""
    index.add_wheel("alpha", "1.0")
    cache = tmp_path / "cache"
    cache.mkdir()
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("alpha==1.0\n")
    venv = make_venv(tmp_path / "venv")
    holder = subprocess.Popen(
        [sys.executable, "-c", _EXCLUSIVE_HOLDER, str(cache)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        sync = subprocess.Popen(
            [sys.executable, "-m", "puffin", "pip-sync", "--python", str(venv),
             "--index-url", index.url, "--cache-dir", str(cache), str(reqs)],
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        assert sync.stderr is not None
        assert sync.stderr.readline() == (
            "Waiting for another puffin process to release the cache\n"
        )
        assert installed(venv) == {}, "the sync went on while the cache was locked"
        assert holder.stdin is not None
        holder.stdin.close()
        assert holder.wait(timeout=30) == 0
        assert sync.wait(timeout=60) == 0
        assert installed(venv) == {"alpha": "1.0"}
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
