"""Faults a shared cache must survive: racing processes, kill -9, clean mid-sync, bad downloads,
Ctrl-C and a read-only cache; each run through real `python -m puffin` processes."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.index_server import PackageIndex
from tests.support.run import installed, make_venv, run_puffin, site_packages

WAIT_SECONDS = 30  # upper bound for anything the tests wait on; normally far shorter


# -- what "consistent" means -----------------------------------------------------------------------


def record_rows(dist_info: Path) -> list[list[str]]:
    with open(dist_info / "RECORD", newline="") as handle:
        return [row for row in csv.reader(handle) if row]


def missing_recorded_files(base: Path, dist_info: Path) -> list[str]:
    """RECORD rows of `dist_info` whose file is absent or has another size (paths from `base`)."""
    missing = []
    for path, _hash, size in record_rows(dist_info):
        target = base / path
        if not target.is_file() or (size and target.stat().st_size != int(size)):
            missing.append(path)
    return missing


def assert_holds_exactly(python: Path, expected: dict[str, str]) -> None:
    """The environment reports `expected`, every RECORD'ed file is there, and site-packages
    holds nothing that no RECORD owns (the leftovers of a half-done install)."""
    assert installed(python) == expected
    site = site_packages(python)
    owned = set()
    for dist_info in site.glob("*.dist-info"):
        assert missing_recorded_files(site, dist_info) == [], f"{dist_info.name} is incomplete"
        for path, _hash, _size in record_rows(dist_info):
            first = Path(os.path.normpath(path)).parts[0]
            if first != "..":
                owned.add(first)
    assert sorted(p.name for p in site.iterdir() if p.name not in owned) == []


def cache_problems(cache: Path) -> list[str]:
    """What breaks the cache's promise: a wheel link that does not name a complete archive
    entry, or a link without its record of hashes."""
    problems = []
    archive = cache / "archive-v0"
    for directory, dirs, names in os.walk(cache / "wheels-v0"):
        for name in dirs + names:
            link = Path(directory) / name
            if not link.is_symlink():
                continue
            shown = link.relative_to(cache)
            target = Path(os.path.normpath(link.parent / os.readlink(link)))
            info = link.with_name(f"{name}.json")
            try:
                hashes = json.loads(info.read_text())["hashes"]
            except (OSError, ValueError, KeyError):
                hashes = []
            if not hashes:
                problems.append(f"{shown}: no record of its hashes")
            if target.parent != archive or not target.is_dir():
                problems.append(f"{shown}: dangling ({target})")
                continue
            dist_infos = list(target.glob("*.dist-info"))
            if len(dist_infos) != 1 or missing_recorded_files(target, dist_infos[0]):
                problems.append(f"{shown}: incomplete archive {target.name}")
    return problems


def temp_leftovers(cache: Path) -> list[str]:
    """Temp files and directories a finished command should have removed."""
    found = []
    for directory, dirs, names in os.walk(cache):
        for name in dirs + names:
            path = Path(directory) / name
            shown = str(path.relative_to(cache))
            if shown == ".tmp" and path.is_dir():
                continue  # the parent of temp dirs may stay, empty
            if name.startswith(".tmp") or name.endswith((".tmp", ".part")):
                found.append(shown)
    return sorted(found)


def archive_entries(cache: Path) -> list[str]:
    archive = cache / "archive-v0"
    return sorted(p.name for p in archive.iterdir()) if archive.is_dir() else []


# -- running puffin --------------------------------------------------------------------------------


def sync_args(index: PackageIndex, python: Path, reqs: Path, cache: Path) -> list[str]:
    return [
        "pip-sync", "--python", str(python), "--index-url", index.url,
        "--cache-dir", str(cache), str(reqs),
    ]  # fmt: skip


def start_puffin(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "puffin", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test starts; any still running at the end is killed."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate()


def wait_for(condition: Callable[[], object], what: str, interval: float = 0.002) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(f"{line}\n" for line in lines))
    return path


def wheel_path(name: str, version: str) -> str:
    return f"/files/{name}-{version}-py3-none-any.whl"


def many_files(name: str, count: int) -> dict[str, str]:
    """A package of `count` small modules: installing it takes long enough to be caught."""
    files = {f"{name}/__init__.py": "VALUE = 1\n"}
    files.update({f"{name}/sub{n // 100}/m{n}.py": f"N = {n}\n" for n in range(count)})
    return files


# -- 1. many processes, one cold cache -------------------------------------------------------------

PACKAGES = {f"p{n}": "1.0" for n in range(8)}


def test_six_syncs_started_together_on_one_cold_cache_all_install_exactly(
    index: PackageIndex, tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    for name, version in PACKAGES.items():
        index.add_wheel(name, version, files=many_files(name, 40))
    # Every download takes half a second, so processes started together overlap and race to
    # publish the same entries.
    index.delay("/files/", 0.5)
    cache = tmp_path / "cache"
    names = sorted(PACKAGES)
    # Neighbouring sets share two packages: most wheels are wanted by three processes.
    sets = [[names[(n + k) % len(names)] for k in range(3)] for n in range(6)]
    pythons = [make_venv(tmp_path / f"venv{n}") for n in range(6)]
    for n, (python, wanted) in enumerate(zip(pythons, sets, strict=True)):
        reqs = write(tmp_path / f"req{n}.txt", [f"{p}=={PACKAGES[p]}" for p in wanted])
        processes.append(start_puffin(*sync_args(index, python, reqs, cache)))
    for process in processes:
        _out, err = process.communicate(timeout=WAIT_SECONDS)
        assert process.returncode == 0, err
    for python, wanted in zip(pythons, sets, strict=True):
        assert_holds_exactly(python, {p: PACKAGES[p] for p in wanted})
    assert cache_problems(cache) == []
    assert temp_leftovers(cache) == []
    assert len(list((cache / "wheels-v0").rglob("*.json"))) == len(PACKAGES)
    fetched = index.request_paths("/files/")
    assert len(fetched) > len(set(fetched)), "no two processes raced for one wheel"


# -- 2. kill -9 at several points, then a rerun ----------------------------------------------------

BIG_FILES = 2000  # unpacking, installing or removing this many files outlasts many polls


@dataclass(frozen=True)
class Moment:
    """Where a sync is killed: `arm` prepares the run and returns the flags it adds;
    `reached` is polled until the sync is there."""

    arm: Callable[[PackageIndex, Path, Path, Path], list[str]]
    reached: Callable[[PackageIndex, Path, Path], bool]


def _no_flags(index: PackageIndex, python: Path, reqs: Path, cache: Path) -> list[str]:
    return []


def _hold_alpha_download(index: PackageIndex, python: Path, reqs: Path, cache: Path) -> list[str]:
    index.delay(wheel_path("alpha", "1.0"), WAIT_SECONDS, times=1)
    return []


def _reinstall_big(index: PackageIndex, python: Path, reqs: Path, cache: Path) -> list[str]:
    first = run_puffin(*sync_args(index, python, reqs, cache))
    assert first.returncode == 0, first.stderr
    return ["--reinstall-package", "big"]


def _download_held(index: PackageIndex, python: Path, cache: Path) -> bool:
    # The request must have arrived, or the rerun's would be the one held back.
    return wheel_path("alpha", "1.0") in index.request_paths() and any(
        (cache / ".tmp").glob("*/.alpha-1.0-py3-none-any.whl.*.part")
    )


def _unpacking(index: PackageIndex, python: Path, cache: Path) -> bool:
    return any((cache / ".tmp").glob("*/unpacked/big/*/*"))


def _dist_info_made(index: PackageIndex, python: Path, cache: Path) -> bool:
    return (site_packages(python) / "big-1.0.dist-info").exists()


def _modules_linked(index: PackageIndex, python: Path, cache: Path) -> bool:
    return (site_packages(python) / "big" / "sub5").is_dir() and any(
        (site_packages(python) / "big" / "sub5").iterdir()
    )


def _first_file_removed(index: PackageIndex, python: Path, cache: Path) -> bool:
    return not (site_packages(python) / "big" / "__init__.py").exists()


MOMENTS = {
    "downloading": Moment(_hold_alpha_download, _download_held),
    "unpacking": Moment(_no_flags, _unpacking),
    "installing-dist-info-made": Moment(_no_flags, _dist_info_made),
    "installing-modules-linked": Moment(_no_flags, _modules_linked),
    "uninstalling": Moment(_reinstall_big, _first_file_removed),
}


@pytest.mark.parametrize("moment", list(MOMENTS))
def test_a_sync_killed_mid_way_is_completed_by_a_rerun(
    index: PackageIndex, tmp_path: Path, processes: list[subprocess.Popen[str]], moment: str
) -> None:
    index.add_wheel("alpha", "1.0")
    index.add_wheel("big", "1.0", files=many_files("big", BIG_FILES))
    cache = tmp_path / "cache"
    python = make_venv(tmp_path / "venv")
    reqs = write(tmp_path / "requirements.txt", ["alpha==1.0", "big==1.0"])
    flags = MOMENTS[moment].arm(index, python, reqs, cache)
    sync = start_puffin(*sync_args(index, python, reqs, cache), *flags)
    processes.append(sync)
    wait_for(
        lambda: MOMENTS[moment].reached(index, python, cache) or sync.poll() is not None, moment
    )
    sync.send_signal(signal.SIGKILL)
    assert sync.wait(timeout=WAIT_SECONDS) == -signal.SIGKILL, "the sync ended before the kill"

    rerun = run_puffin(*sync_args(index, python, reqs, cache))
    assert rerun.returncode == 0, rerun.stderr
    assert_holds_exactly(python, {"alpha": "1.0", "big": "1.0"})
    assert cache_problems(cache) == []
    assert temp_leftovers(cache) == [], "the rerun removes what the killed process left"


# -- 3. clean racing an install --------------------------------------------------------------------


def imports(python: Path, *modules: str) -> bool:
    code = "".join(f"import {module};" for module in modules)
    return subprocess.run([str(python), "-c", code], check=False).returncode == 0


def test_clean_started_during_a_sync_waits_for_it_and_the_sync_installs(
    index: PackageIndex, tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    index.add_wheel("alpha", "1.0")
    index.add_wheel("beta", "1.0")
    index.delay(wheel_path("beta", "1.0"), 0.5, times=1)  # time to catch the sync mid-download
    cache = tmp_path / "cache"
    python = make_venv(tmp_path / "venv")
    reqs = write(tmp_path / "requirements.txt", ["alpha==1.0", "beta==1.0"])
    sync = start_puffin(*sync_args(index, python, reqs, cache))
    processes.append(sync)
    wait_for(lambda: wheel_path("beta", "1.0") in index.request_paths(), "the beta download")
    # Stopped, the sync keeps its shared lock for as long as the test needs.
    assert sync.poll() is None
    sync.send_signal(signal.SIGSTOP)

    clean = start_puffin("clean", "--cache-dir", str(cache))
    processes.append(clean)
    assert clean.stderr is not None
    assert clean.stderr.readline() == "Waiting for another puffin process to release the cache\n"
    assert (cache / "simple-v1").is_dir(), "clean removed entries while a sync was running"
    sync.send_signal(signal.SIGCONT)
    _out, err = sync.communicate(timeout=WAIT_SECONDS)
    assert sync.returncode == 0, err
    assert clean.wait(timeout=WAIT_SECONDS) == 0
    assert clean.stderr.readline() == f"Clearing cache at: {cache}\n"
    assert_holds_exactly(python, {"alpha": "1.0", "beta": "1.0"})
    assert imports(python, "alpha", "beta")
    assert sorted(p.name for p in cache.iterdir()) == [".gitignore", ".lock", "CACHEDIR.TAG"]


def test_syncs_and_cleans_started_together_never_break_an_install_or_the_cache(
    index: PackageIndex, tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    for name in ("alpha", "beta", "gamma"):
        index.add_wheel(name, "1.0", files=many_files(name, 200))
    cache = tmp_path / "cache"
    reqs = write(tmp_path / "requirements.txt", ["alpha==1.0", "beta==1.0", "gamma==1.0"])
    warm = run_puffin(*sync_args(index, make_venv(tmp_path / "warm"), reqs, cache))
    assert warm.returncode == 0, warm.stderr
    pythons = [make_venv(tmp_path / f"venv{n}") for n in range(3)]
    for python in pythons:
        # Whichever takes the lock first, the other must wait for it and then succeed.
        runs = [
            start_puffin(*sync_args(index, python, reqs, cache)),
            start_puffin("clean", "--cache-dir", str(cache)),
        ]
        processes.extend(runs)
        for run in runs:
            _out, err = run.communicate(timeout=WAIT_SECONDS)
            assert run.returncode == 0, err
        assert_holds_exactly(python, {"alpha": "1.0", "beta": "1.0", "gamma": "1.0"})
        assert imports(python, "alpha", "beta", "gamma")
        assert cache_problems(cache) == []
        assert temp_leftovers(cache) == []


# -- 4. truncated and failing downloads ------------------------------------------------------------


def test_a_truncated_download_is_retried_and_only_the_whole_file_is_cached(
    index: PackageIndex, tmp_path: Path
) -> None:
    index.add_wheel("alpha", "1.0", files=many_files("alpha", 50))
    index.truncate(wheel_path("alpha", "1.0"), times=1)
    cache = tmp_path / "cache"
    python = make_venv(tmp_path / "venv")
    reqs = write(tmp_path / "requirements.txt", ["alpha==1.0"])
    result = run_puffin(*sync_args(index, python, reqs, cache))
    assert result.returncode == 0, result.stderr
    assert index.request_paths("/files/") == [wheel_path("alpha", "1.0")] * 2
    assert_holds_exactly(python, {"alpha": "1.0"})
    assert cache_problems(cache) == []
    assert temp_leftovers(cache) == []
    assert len(archive_entries(cache)) == 1


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("truncate", "the server closed the connection before the response was complete"),
        ("fail", "HTTP 503 Service Unavailable"),
    ],
    ids=["truncated", "503"],
)
def test_a_download_that_always_fails_is_one_clear_error_and_caches_nothing(
    index: PackageIndex, tmp_path: Path, fault: str, reason: str
) -> None:
    index.add_wheel("alpha", "1.0")
    index.add_wheel("beta", "1.0")
    path = wheel_path("beta", "1.0")
    if fault == "truncate":
        index.truncate(path, times=None)
    else:
        index.fail(path, 503, times=None)
    cache = tmp_path / "cache"
    python = make_venv(tmp_path / "venv")
    reqs = write(tmp_path / "requirements.txt", ["alpha==1.0", "beta==1.0"])
    result = run_puffin(*sync_args(index, python, reqs, cache))
    assert (result.returncode, result.stderr) == (
        1,
        f"error: Request to {index.base_url}{path} failed: {reason}\n",
    )
    assert len(index.request_paths(path)) > 1, "the download was not retried"
    assert installed(python) == {}
    assert not any(name.startswith("beta") for name in _cached_names(cache))
    assert cache_problems(cache) == []
    assert temp_leftovers(cache) == []


def _cached_names(cache: Path) -> list[str]:
    return [p.name for p in (cache / "wheels-v0").rglob("*")] + archive_entries(cache)


# -- 5. Ctrl-C -------------------------------------------------------------------------------------


def test_ctrl_c_during_a_slow_download_stops_cleanly(
    index: PackageIndex, tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    index.add_wheel("alpha", "1.0")
    index.add_wheel("big", "1.0", files=many_files("big", 50))
    cache = tmp_path / "cache"
    python = make_venv(tmp_path / "venv")
    reqs = write(tmp_path / "requirements.txt", ["alpha==1.0", "big==1.0"])
    index.delay(wheel_path("alpha", "1.0"), WAIT_SECONDS, times=1)
    sync = start_puffin(*sync_args(index, python, reqs, cache))
    processes.append(sync)
    wait_for(lambda: _download_held(index, python, cache), "the held download")
    sync.send_signal(signal.SIGINT)
    out, err = sync.communicate(timeout=WAIT_SECONDS)
    assert (sync.returncode, out, err) == (130, "", "error: Interrupted\n")
    assert temp_leftovers(cache) == []
    assert list((cache / ".tmp").iterdir()) == []
    assert sorted(p.name for p in site_packages(python).iterdir()) == []
    assert cache_problems(cache) == []


# -- 6. a read-only cache ---------------------------------------------------------------------

# Capabilities that let root ignore permission bits; dropping them makes root obey 0555.
_ROOT_OVERRIDES = "-dac_override,-dac_read_search,-fowner"


def _obeying_permissions(probe_dir: Path) -> list[str]:
    """A command prefix under which writing into the read-only `probe_dir` fails, or a skip."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: permission bits cannot make a failure")
        prefix = [setpriv, f"--bounding-set={_ROOT_OVERRIDES}", "--inh-caps=-all", "--"]
    probe = [*prefix, sys.executable, "-c", f"open({str(probe_dir / 'probe')!r}, 'w')"]
    if subprocess.run(probe, capture_output=True, check=False).returncode == 0:
        pytest.skip("this process can write into a 0555 directory: the test cannot fail")
    return prefix


def _run_as(prefix: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "puffin", *args],
        capture_output=True,
        text=True,
        timeout=WAIT_SECONDS,
        check=False,
    )


def _make_read_only(root: Path) -> None:
    for directory, _dirs, names in os.walk(root):
        for name in names:
            os.chmod(Path(directory) / name, 0o444)
        os.chmod(directory, 0o555)


@pytest.fixture
def restore_permissions(tmp_path: Path) -> Iterator[None]:
    yield
    for directory, _dirs, _names in os.walk(tmp_path):
        os.chmod(directory, 0o755)  # so that the temp directory can be removed


def test_an_empty_read_only_cache_is_a_clear_error_naming_it(
    index: PackageIndex, tmp_path: Path, restore_permissions: None
) -> None:
    index.add_wheel("alpha", "1.0")
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o555)
    prefix = _obeying_permissions(cache)
    python = make_venv(tmp_path / "venv")
    reqs = write(tmp_path / "requirements.txt", ["alpha==1.0"])
    result = _run_as(prefix, *sync_args(index, python, reqs, cache))
    assert (result.returncode, result.stderr) == (
        1,
        f"error: Cannot use cache directory {cache}: Permission denied\n",
    )
    assert installed(python) == {}
    assert list(cache.iterdir()) == []


def test_a_read_only_cache_serves_what_it_holds_and_names_itself_when_it_must_grow(
    index: PackageIndex, tmp_path: Path, restore_permissions: None
) -> None:
    for name in ("alpha", "beta", "gamma"):
        index.add_wheel(name, "1.0")
    cache = tmp_path / "cache"
    python = make_venv(tmp_path / "venv")
    both = write(tmp_path / "both.txt", ["alpha==1.0", "beta==1.0"])
    for reqs in (both, write(tmp_path / "alpha.txt", ["alpha==1.0"])):
        filled = run_puffin(*sync_args(index, python, reqs, cache))
        assert filled.returncode == 0, filled.stderr
    _make_read_only(cache)
    prefix = _obeying_permissions(cache)

    from_cache = _run_as(prefix, *sync_args(index, python, both, cache))
    assert from_cache.returncode == 0, from_cache.stderr
    assert_holds_exactly(python, {"alpha": "1.0", "beta": "1.0"})

    three = write(tmp_path / "three.txt", ["alpha==1.0", "beta==1.0", "gamma==1.0"])
    result = _run_as(prefix, *sync_args(index, python, three, cache))
    assert result.returncode == 1
    # Before it, a warning that gamma's index page could not be cached (client/page_cache.py).
    *warnings, last = result.stderr.splitlines()
    assert last == f"error: Cannot use cache directory {cache}: Permission denied"
    assert warnings and all(line.startswith("warning: Could not write ") for line in warnings)
    assert "Traceback" not in result.stderr
    assert_holds_exactly(python, {"alpha": "1.0", "beta": "1.0"})


def _file_size_limit(limit: int) -> Callable[[], None]:
    """A full disk, as a process sees it: writes past `limit` bytes fail (EFBIG here, ENOSPC
    on a real disk), without needing root to mount a small file system."""
    import resource

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.parametrize("where", ["download", "unpack"])
def test_a_write_that_fails_mid_file_leaves_no_partial_entry(
    index: PackageIndex, tmp_path: Path, where: str
) -> None:
    # Incompressible bytes make the download itself large; zeros make only the unpack large.
    payload = os.urandom(3_000_000) if where == "download" else bytes(3_000_000)
    index.add_wheel("alpha", "1.0")
    index.add_wheel("heavy", "1.0", files={"heavy/blob.bin": payload})
    python = make_venv(tmp_path / "venv")
    cache = tmp_path / "cache"
    reqs = write(tmp_path / "requirements.txt", ["alpha==1.0", "heavy==1.0"])
    result = subprocess.run(
        [sys.executable, "-m", "puffin", *sync_args(index, python, reqs, cache)],
        capture_output=True,
        text=True,
        preexec_fn=_file_size_limit(1_000_000),
        timeout=WAIT_SECONDS,
    )
    assert result.returncode == 1
    first = "error: Cannot write " if where == "download" else "error: Cannot unpack heavy-1.0"
    assert result.stderr.startswith(first), result.stderr
    assert result.stderr.endswith(": File too large\n")
    assert "Traceback" not in result.stderr
    assert installed(python) == {}
    assert not any("heavy" in entry for entry in archive_entries(cache))
    assert cache_problems(cache) == []
    assert temp_leftovers(cache) == []
