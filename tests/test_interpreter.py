"""Finding the target interpreter, and the cache of what each interpreter said about itself."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path

import pytest

from puffin.errors import InterpreterError
from puffin.interpreter import find_base_interpreter, find_interpreter, query_interpreter

# The interpreter running the tests: real, and present wherever the tests run.
REAL_PYTHON = Path(os.path.realpath(sys.executable))
VERSION = f"{sys.version_info[0]}.{sys.version_info[1]}"
FULL_VERSION = "{}.{}.{}".format(*sys.version_info[:3])


def make_fake_venv(root: Path) -> Path:
    """A directory shaped like a venv whose bin/python links to the real interpreter."""
    (root / "bin").mkdir(parents=True)
    (root / "pyvenv.cfg").write_text(f"home = {REAL_PYTHON.parent}\n")
    (root / "bin" / "python").symlink_to(REAL_PYTHON)
    return root / "bin" / "python"


def make_pyenv(root: Path, versions: list[str]) -> Path:
    """A PYENV_ROOT whose versions/X.Y.Z/bin/pythonX.Y are symlinks to the real interpreter."""
    for version in versions:
        major_minor = ".".join(version.split(".")[:2])
        bin_dir = root / "versions" / version / "bin"
        bin_dir.mkdir(parents=True)
        (bin_dir / f"python{major_minor}").symlink_to(REAL_PYTHON)
    return root


def env(path: list[Path] | None = None, **extra: str) -> dict[str, str]:
    """An environment that only sees what a test puts in it (never the machine's pyenv)."""
    values = {"PATH": os.pathsep.join(map(str, path or [])), "HOME": "/nonexistent-home"}
    values.update(extra)
    return values


# --- find_interpreter without --python ----------------------------------------------------


def test_virtual_env_variable_wins_over_a_dot_venv(tmp_path: Path) -> None:
    active = make_fake_venv(tmp_path / "active")
    make_fake_venv(tmp_path / "project" / ".venv")
    found = find_interpreter(
        None, environ=env(VIRTUAL_ENV=str(tmp_path / "active")), cwd=tmp_path / "project"
    )
    assert found == active


def test_dot_venv_is_found_in_a_parent_directory(tmp_path: Path) -> None:
    python = make_fake_venv(tmp_path / "project" / ".venv")
    nested = tmp_path / "project" / "src" / "pkg"
    nested.mkdir(parents=True)
    assert find_interpreter(None, environ=env(), cwd=nested) == python


def test_the_venv_python_is_returned_unresolved(tmp_path: Path) -> None:
    python = make_fake_venv(tmp_path / ".venv")
    found = find_interpreter(None, environ=env(), cwd=tmp_path)
    assert found.is_symlink()
    assert found == python


def test_no_virtualenv_is_an_error_pointing_at_puffin_venv(tmp_path: Path) -> None:
    with pytest.raises(InterpreterError) as raised:
        find_interpreter(None, environ=env(), cwd=tmp_path)
    assert str(raised.value) == (
        "No virtual environment found; run `puffin venv` to create one, or pass --python"
    )


def test_virtual_env_without_python_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InterpreterError) as raised:
        find_interpreter(None, environ=env(VIRTUAL_ENV=str(tmp_path / "gone")), cwd=tmp_path)
    assert str(raised.value) == (
        f"$VIRTUAL_ENV is {tmp_path / 'gone'}, but {tmp_path / 'gone/bin/python'} does not exist"
    )


def test_a_dot_venv_that_is_not_a_venv_is_an_error(tmp_path: Path) -> None:
    (tmp_path / ".venv").mkdir()
    with pytest.raises(InterpreterError) as raised:
        find_interpreter(None, environ=env(), cwd=tmp_path)
    assert str(raised.value) == (
        f"{tmp_path / '.venv'} is not a virtual environment (it has no python); "
        "remove it or run `puffin venv`"
    )


# --- find_interpreter with --python -------------------------------------------------------


def test_python_as_a_file_path_relative_to_cwd(tmp_path: Path) -> None:
    python = make_fake_venv(tmp_path / "env")
    assert find_interpreter("env/bin/python", environ=env(), cwd=tmp_path) == python


def test_python_as_a_venv_directory_means_its_bin_python(tmp_path: Path) -> None:
    python = make_fake_venv(tmp_path / "env")
    assert find_interpreter(str(tmp_path / "env"), environ=env(), cwd=tmp_path) == python
    make_fake_venv(tmp_path / ".venv")
    assert find_interpreter(".venv", environ=env(), cwd=tmp_path) == tmp_path / ".venv/bin/python"


def test_python_path_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(InterpreterError) as raised:
        find_interpreter("/x", environ=env(), cwd=tmp_path)
    assert str(raised.value) == "--python /x: no such file"


def test_python_directory_without_an_interpreter(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(InterpreterError) as raised:
        find_interpreter("./empty", environ=env(), cwd=tmp_path)
    assert str(raised.value) == (
        f"--python ./empty: {tmp_path / 'empty'} is a directory without bin/python"
    )


@pytest.mark.parametrize("request_", [VERSION, f"python{VERSION}"])
def test_version_request_looks_on_path(tmp_path: Path, request_: str) -> None:
    path_dir = tmp_path / "path"
    path_dir.mkdir()
    (path_dir / f"python{VERSION}").symlink_to(REAL_PYTHON)
    pyenv = make_pyenv(tmp_path / "pyenv", [f"{VERSION}.0"])
    found = find_interpreter(
        request_, environ=env([tmp_path / "empty", path_dir], PYENV_ROOT=str(pyenv)), cwd=tmp_path
    )
    assert found == path_dir / f"python{VERSION}"


def test_version_request_falls_back_to_pyenvs_highest_patch(tmp_path: Path) -> None:
    pyenv = make_pyenv(tmp_path / "pyenv", ["3.12.1", "3.12.10", "3.12.9", "3.11.7", "3.12-dev"])
    found = find_interpreter("3.12", environ=env(PYENV_ROOT=str(pyenv)), cwd=tmp_path)
    assert found == pyenv / "versions/3.12.10/bin/python3.12"


def test_pyenv_root_defaults_to_home_dot_pyenv(tmp_path: Path) -> None:
    make_pyenv(tmp_path / "home" / ".pyenv", ["3.12.1"])
    found = find_interpreter("python3.12", environ=env(HOME=str(tmp_path / "home")), cwd=tmp_path)
    assert found == tmp_path / "home/.pyenv/versions/3.12.1/bin/python3.12"


def test_version_with_patch_picks_that_exact_pyenv_version(tmp_path: Path) -> None:
    pyenv = make_pyenv(tmp_path / "pyenv", ["3.12.1", "3.12.9"])
    found = find_interpreter("3.12.1", environ=env(PYENV_ROOT=str(pyenv)), cwd=tmp_path)
    assert found == pyenv / "versions/3.12.1/bin/python3.12"


def test_version_with_patch_skips_path_interpreters_of_another_patch(tmp_path: Path) -> None:
    path_dir = tmp_path / "path"
    path_dir.mkdir()
    (path_dir / f"python{VERSION}").symlink_to(REAL_PYTHON)
    other_patch = f"{VERSION}.{sys.version_info[2] + 1}"
    pyenv = make_pyenv(tmp_path / "pyenv", [other_patch])
    environ = env([path_dir], PYENV_ROOT=str(pyenv))
    assert find_interpreter(FULL_VERSION, environ=environ, cwd=tmp_path) == (
        path_dir / f"python{VERSION}"
    )
    assert find_interpreter(other_patch, environ=environ, cwd=tmp_path) == (
        pyenv / "versions" / other_patch / "bin" / f"python{VERSION}"
    )


def test_version_not_found_names_where_it_looked(tmp_path: Path) -> None:
    pyenv = make_pyenv(tmp_path / "pyenv", ["3.12.1"])
    with pytest.raises(InterpreterError) as raised:
        find_interpreter("3.7", environ=env(PYENV_ROOT=str(pyenv)), cwd=tmp_path)
    assert str(raised.value) == (
        f"No interpreter found for Python 3.7 on PATH or in pyenv ({pyenv}/versions)"
    )


def test_version_not_found_with_the_default_pyenv_root(tmp_path: Path) -> None:
    with pytest.raises(InterpreterError) as raised:
        find_interpreter("3.7.2", environ=env(HOME=str(tmp_path)), cwd=tmp_path)
    assert str(raised.value) == (
        f"No interpreter found for Python 3.7.2 on PATH or in pyenv ({tmp_path}/.pyenv/versions)"
    )


def test_pyenv_shims_are_resolved_without_running_pyenv(tmp_path: Path) -> None:
    pyenv = make_pyenv(tmp_path / "pyenv", ["3.11.7", "3.12.1", "3.12.4"])
    shims = pyenv / "shims"
    shims.mkdir()
    shim = shims / "python3.12"
    shim.write_text("#!/bin/sh\necho 'pyenv: shims must not run' >&2\nexit 1\n")
    shim.chmod(0o755)
    (pyenv / "version").write_text("3.12.1\n")
    environ = env([shims], PYENV_ROOT=str(pyenv))
    found = find_interpreter("3.12", environ=environ, cwd=tmp_path)
    assert found == pyenv / "versions/3.12.1/bin/python3.12"
    # A .python-version in a parent directory overrides the global version; a prefix means
    # the highest installed patch, as in pyenv.
    (tmp_path / ".python-version").write_text("# pinned\n3.11.7 3.12\n")
    (tmp_path / "sub").mkdir()
    found = find_interpreter("3.12", environ=environ, cwd=tmp_path / "sub")
    assert found == pyenv / "versions/3.12.4/bin/python3.12"
    # $PYENV_VERSION overrides both.
    environ["PYENV_VERSION"] = "3.12.1"
    assert find_interpreter("3.12", environ=environ, cwd=tmp_path / "sub") == (
        pyenv / "versions/3.12.1/bin/python3.12"
    )


def test_pyenv_system_version_continues_along_path(tmp_path: Path) -> None:
    pyenv = make_pyenv(tmp_path / "pyenv", ["3.12.1"])
    shims = pyenv / "shims"
    shims.mkdir()
    shim = shims / "python3"
    shim.write_text("#!/bin/sh\nexit 1\n")
    shim.chmod(0o755)
    (pyenv / "version").write_text("system\n")
    later = tmp_path / "later"
    later.mkdir()
    (later / "python3").symlink_to(REAL_PYTHON)
    environ = env([shims, later], PYENV_ROOT=str(pyenv))
    assert find_base_interpreter(None, environ=environ, cwd=tmp_path) == later / "python3"


def test_unknown_name_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InterpreterError) as raised:
        find_interpreter("pypy9", environ=env([tmp_path]), cwd=tmp_path)
    assert str(raised.value) == "--python pypy9: no such file, and no pypy9 on PATH"


# --- find_base_interpreter ----------------------------------------------------------------


def test_base_interpreter_defaults_to_python3_on_path(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "python").symlink_to(REAL_PYTHON)
    (second / "python3").symlink_to(REAL_PYTHON)
    environ = env([first, second])
    assert find_base_interpreter(None, environ=environ, cwd=tmp_path) == second / "python3"
    (second / "python3").unlink()
    assert find_base_interpreter(None, environ=environ, cwd=tmp_path) == first / "python"


def test_base_interpreter_ignores_the_active_venv_variable(tmp_path: Path) -> None:
    make_fake_venv(tmp_path / "active")
    with pytest.raises(InterpreterError) as raised:
        find_base_interpreter(None, environ=env(VIRTUAL_ENV=str(tmp_path / "active")), cwd=tmp_path)
    assert str(raised.value) == (
        "No Python interpreter found on PATH (looked for python3 and python); pass --python"
    )


def test_base_interpreter_accepts_a_version(tmp_path: Path) -> None:
    pyenv = make_pyenv(tmp_path / "pyenv", ["3.12.1"])
    found = find_base_interpreter("3.12", environ=env(PYENV_ROOT=str(pyenv)), cwd=tmp_path)
    assert found == pyenv / "versions/3.12.1/bin/python3.12"


# --- query_interpreter and its cache ------------------------------------------------------


def counting_python(directory: Path) -> tuple[Path, Path]:
    """A real interpreter behind a wrapper that logs each start: counts the subprocesses."""
    log = directory / "starts.log"
    wrapper = directory / "bin" / "python"
    wrapper.parent.mkdir(parents=True, exist_ok=True)
    wrapper.write_text(f'#!/bin/sh\necho start >> "{log}"\nexec "{REAL_PYTHON}" "$@"\n')
    wrapper.chmod(0o755)
    return wrapper, log


def starts(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_query_reports_the_interpreter(tmp_path: Path) -> None:
    interpreter = query_interpreter(REAL_PYTHON, cache_dir=None)
    assert interpreter.version == tuple(sys.version_info[:3])
    assert interpreter.implementation_name == "cpython"
    assert interpreter.sys_base_prefix == Path(sys.base_prefix)
    assert interpreter.markers["python_full_version"] == FULL_VERSION
    assert interpreter.base_executable == REAL_PYTHON
    assert interpreter.tags[-1] == "py30-none-any"


def test_second_query_is_answered_from_the_cache(tmp_path: Path) -> None:
    python, log = counting_python(tmp_path / "tool")
    cache = tmp_path / "interpreter-v0"
    first = query_interpreter(python, cache_dir=cache)
    assert starts(log) == 1
    second = query_interpreter(python, cache_dir=cache)
    assert starts(log) == 1
    assert second == first
    digest = hashlib.sha256(str(python).encode()).hexdigest()[:16]
    assert sorted(p.name for p in cache.iterdir()) == [f"{digest}.json"]


def test_cache_hit_is_fast(tmp_path: Path) -> None:
    cache = tmp_path / "interpreter-v0"
    query_interpreter(REAL_PYTHON, cache_dir=cache)
    timings = []
    for _ in range(20):
        started = time.perf_counter()
        query_interpreter(REAL_PYTHON, cache_dir=cache)
        timings.append(time.perf_counter() - started)
    assert min(timings) < 0.001


def test_cache_entry_is_stale_when_the_interpreter_changes(tmp_path: Path) -> None:
    python, log = counting_python(tmp_path / "tool")
    cache = tmp_path / "interpreter-v0"
    query_interpreter(python, cache_dir=cache)
    stat = python.stat()
    os.utime(python, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    query_interpreter(python, cache_dir=cache)
    assert starts(log) == 2
    query_interpreter(python, cache_dir=cache)
    assert starts(log) == 2


def test_cache_entry_is_stale_when_pyvenv_cfg_changes(tmp_path: Path) -> None:
    python, log = counting_python(tmp_path / "venv")
    cfg = tmp_path / "venv" / "pyvenv.cfg"
    cfg.write_text("include-system-site-packages = false\n")
    cache = tmp_path / "interpreter-v0"
    query_interpreter(python, cache_dir=cache)
    cfg.write_text("include-system-site-packages = true\n")
    query_interpreter(python, cache_dir=cache)
    assert starts(log) == 2


def test_corrupt_cache_entry_is_recomputed(tmp_path: Path) -> None:
    python, log = counting_python(tmp_path / "tool")
    cache = tmp_path / "interpreter-v0"
    first = query_interpreter(python, cache_dir=cache)
    (entry,) = cache.iterdir()
    entry.write_text('{"key": ')
    assert query_interpreter(python, cache_dir=cache) == first
    assert starts(log) == 2
    assert json.loads(entry.read_text())["interpreter"]["executable"] == str(first.executable)


def test_no_cache_dir_means_a_query_every_time(tmp_path: Path) -> None:
    python, log = counting_python(tmp_path / "tool")
    query_interpreter(python, cache_dir=None)
    query_interpreter(python, cache_dir=None)
    assert starts(log) == 2
    assert sorted(p.name for p in (tmp_path / "tool").iterdir()) == ["bin", "starts.log"]


def test_failing_interpreter_error_names_it_and_its_last_stderr_line(tmp_path: Path) -> None:
    broken = tmp_path / "python"
    broken.write_text(
        "#!/bin/sh\necho 'Traceback (most recent call last):' >&2\n"
        "echo 'ImportError: no encodings' >&2\nexit 1\n"
    )
    broken.chmod(0o755)
    with pytest.raises(InterpreterError) as raised:
        query_interpreter(broken, cache_dir=tmp_path / "cache")
    assert str(raised.value) == f"Querying {broken} failed: ImportError: no encodings"
    assert not (tmp_path / "cache").exists()


def test_a_program_that_is_not_python(tmp_path: Path) -> None:
    impostor = tmp_path / "python"
    impostor.write_text("#!/bin/sh\necho hello\n")
    impostor.chmod(0o755)
    with pytest.raises(InterpreterError) as raised:
        query_interpreter(impostor, cache_dir=None)
    assert str(raised.value) == f"{impostor} did not answer like a Python interpreter"


def test_a_file_that_cannot_run(tmp_path: Path) -> None:
    not_executable = tmp_path / "python"
    not_executable.write_text("")
    not_executable.chmod(0o644)
    with pytest.raises(InterpreterError) as raised:
        query_interpreter(not_executable, cache_dir=None)
    assert str(raised.value) == f"Cannot run {not_executable}: Permission denied"


def test_a_missing_interpreter(tmp_path: Path) -> None:
    with pytest.raises(InterpreterError) as raised:
        query_interpreter(tmp_path / "gone", cache_dir=tmp_path)
    assert str(raised.value) == f"Cannot use {tmp_path / 'gone'}: No such file or directory"


PYTHON2 = Path("/root/.pyenv/versions/2.7.18/bin/python2.7")


@pytest.mark.skipif(not PYTHON2.exists(), reason="pyenv has no Python 2.7")
def test_python_2_is_recognised_and_refused() -> None:
    with pytest.raises(InterpreterError) as raised:
        query_interpreter(PYTHON2, cache_dir=None)
    assert str(raised.value) == f"{PYTHON2} is not Python 3: it rejects the -I option"
