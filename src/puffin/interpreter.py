"""Find the target Python interpreter, query it once, and cache what it said."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import packaging

from puffin.errors import CacheError, InterpreterError


@dataclass(frozen=True)
class Scheme:
    """Install locations of an environment (sysconfig's scheme, as pip maps it)."""

    purelib: Path
    platlib: Path
    scripts: Path
    data: Path
    include: Path  # headers go to `include/site/pythonX.Y/<dist>` inside a venv


@dataclass(frozen=True)
class Interpreter:
    """What a target interpreter told us about itself; everything needed to install into it."""

    executable: Path  # sys.executable as the interpreter reports it (a venv's own python)
    sys_prefix: Path
    sys_base_prefix: Path
    version: tuple[int, int, int]
    implementation_name: str  # "cpython"
    markers: dict[str, str]  # PEP 508 environment (packaging.markers.default_environment())
    tags: tuple[str, ...]  # supported wheel tags, most preferred first, "cp312-cp312-linux_x86_64"
    scheme: Scheme
    # The fields below have defaults only so that hand-built values in tests stay short;
    # query_interpreter always fills them in.
    base_executable: Path | None = None  # the real binary behind a venv: what new venvs link to
    stdlib: Path | None = None  # sysconfig "stdlib"; holds the venv/scripts activation templates
    sysconfig_platform: str = ""  # sysconfig.get_platform(), e.g. "linux-x86_64"
    pointer_size: int = 8  # struct.calcsize("P"): 4 on a 32-bit build
    gil_disabled: bool = False  # a free-threaded build (Py_GIL_DISABLED, "3.13t")

    @property
    def is_virtualenv(self) -> bool:
        return self.sys_prefix != self.sys_base_prefix

    @property
    def python_version(self) -> str:
        return f"{self.version[0]}.{self.version[1]}"


# `--python 3.12`, `--python python3.12`, `--python 3.12.1`.
_VERSION_REQUEST = re.compile(r"(?:python)?(\d+)\.(\d+)(?:\.(\d+))?")
_NO_VENV = "No virtual environment found; run `puffin venv` to create one, or pass --python"


def find_interpreter(python: str | None, *, environ: Mapping[str, str], cwd: Path) -> Path:
    """The interpreter of the environment to install into, as an absolute, unresolved path.

    `--python` may be a file, a venv directory, a name on PATH or a version (`3.12`,
    `python3.12`, `3.12.1`). Without it: `$VIRTUAL_ENV`, else `.venv` in `cwd` or a parent.
    Like uv, an interpreter outside a virtualenv is a target only when named explicitly.
    """
    cwd = Path(os.path.abspath(cwd))
    if python is not None:
        return _find_requested(python, environ, cwd)
    virtual_env = environ.get("VIRTUAL_ENV")
    if virtual_env:
        venv = cwd / virtual_env
        executable = _venv_python(venv)
        if not executable.exists():
            raise InterpreterError(f"$VIRTUAL_ENV is {venv}, but {executable} does not exist")
        return executable
    for directory in (cwd, *cwd.parents):
        venv = directory / ".venv"
        if venv.is_dir():
            executable = _venv_python(venv)
            if not executable.exists():
                raise InterpreterError(
                    f"{venv} is not a virtual environment (it has no {executable.name}); "
                    "remove it or run `puffin venv`"
                )
            return executable
    raise InterpreterError(_NO_VENV)


def find_base_interpreter(python: str | None, *, environ: Mapping[str, str], cwd: Path) -> Path:
    """The interpreter a new virtualenv is built on (`puffin venv`).

    `--python` follows find_interpreter's rules. Without it, like uv, `python3` (then `python`)
    on PATH: the user's shell default, which is also what an activated venv puts first. The
    interpreter running puffin is never the default: puffin may live in an isolated tool env.
    """
    cwd = Path(os.path.abspath(cwd))
    if python is not None:
        return _find_requested(python, environ, cwd)
    for name in ("python3", "python"):
        found = _search_path(name, environ, cwd)
        if found is not None:
            return found
    raise InterpreterError(
        "No Python interpreter found on PATH (looked for python3 and python); pass --python"
    )


def _find_requested(python: str, environ: Mapping[str, str], cwd: Path) -> Path:
    version = _VERSION_REQUEST.fullmatch(python)
    if version is not None:
        major, minor, patch = version.groups()
        return _find_version(int(major), int(minor), patch, environ, cwd)
    separators = (os.sep, os.altsep or os.sep)
    if any(separator in python for separator in separators) or python.startswith("~"):
        return _requested_path(python, cwd)
    if (cwd / python).exists():  # `--python .venv`: a name that is also a local path
        return _requested_path(python, cwd)
    found = _search_path(python, environ, cwd)
    if found is None:
        raise InterpreterError(f"--python {python}: no such file, and no {python} on PATH")
    return found


def _requested_path(python: str, cwd: Path) -> Path:
    path = cwd / os.path.expanduser(python)
    if path.is_dir():
        executable = _venv_python(path)
        if not executable.exists():
            raise InterpreterError(
                f"--python {python}: {path} is a directory without {_bin_name()}/{executable.name}"
            )
        return executable
    if not path.exists():
        raise InterpreterError(f"--python {python}: no such file")
    return path


def _find_version(
    major: int, minor: int, patch: str | None, environ: Mapping[str, str], cwd: Path
) -> Path:
    name = f"python{major}.{minor}"
    wanted = f"{major}.{minor}" if patch is None else f"{major}.{minor}.{int(patch)}"
    for candidate in _path_candidates(name, environ, cwd):
        if patch is None or _reported_version(candidate) == wanted:
            return candidate
    versions = _pyenv_root(environ) / "versions"
    for installed in _pyenv_matches(versions, wanted):
        executable = versions / installed / "bin" / name
        if executable.exists():
            return executable
    raise InterpreterError(
        f"No interpreter found for Python {wanted} on PATH or in pyenv ({versions})"
    )


def _reported_version(executable: Path) -> str | None:
    """Ask a candidate its X.Y.Z; only a request with a patch version pays for this."""
    import subprocess  # only needed for `--python X.Y.Z`

    code = "import sys; print('%d.%d.%d' % sys.version_info[:3])"
    try:
        done = subprocess.run(
            [str(executable), "-I", "-c", code], capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _search_path(name: str, environ: Mapping[str, str], cwd: Path) -> Path | None:
    return next(_path_candidates(name, environ, cwd), None)


def _path_candidates(name: str, environ: Mapping[str, str], cwd: Path) -> Iterator[Path]:
    """Executables called `name` in PATH order, with pyenv's shims resolved without pyenv.

    A shim is a bash script that runs `pyenv` (tens of milliseconds) and fails when the
    version holding `name` is not the selected one; reading pyenv's selection ourselves gives
    the same answer at the cost of a few stats.
    """
    pyenv_root = _pyenv_root(environ)
    shims = pyenv_root / "shims"
    for entry in environ.get("PATH", os.defpath).split(os.pathsep):
        if not entry:
            continue
        directory = cwd / entry
        if directory == shims:
            for version in _pyenv_selected(pyenv_root, environ, cwd):
                executable = pyenv_root / "versions" / version / "bin" / name
                if _is_executable(executable):
                    yield executable
            continue
        executable = directory / (name + ".exe" if os.name == "nt" else name)
        if _is_executable(executable):
            yield executable


def _pyenv_selected(pyenv_root: Path, environ: Mapping[str, str], cwd: Path) -> list[str]:
    """pyenv's selected version names, in its own order: $PYENV_VERSION, .python-version, global.

    "system" is dropped: for it pyenv runs the next match on PATH, which the caller's walk
    reaches anyway. A prefix such as "3.12" means the highest installed 3.12.x, as in pyenv.
    """
    selected = environ.get("PYENV_VERSION", "").replace(":", " ").split()
    if not selected:
        for directory in (cwd, *cwd.parents):
            selected = _read_version_file(directory / ".python-version")
            if selected:
                break
    if not selected:
        selected = _read_version_file(pyenv_root / "version")
    versions = pyenv_root / "versions"
    resolved: list[str] = []
    for name in selected:
        if name == "system":
            continue
        if (versions / name).is_dir():
            resolved.append(name)
        else:
            resolved.extend(_pyenv_matches(versions, name)[:1])
    return resolved


def _read_version_file(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    words: list[str] = []
    for line in text.splitlines():
        if not line.lstrip().startswith("#"):
            words.extend(line.split())
    return words


def _pyenv_matches(versions: Path, prefix: str) -> list[str]:
    """Installed `prefix.N` versions, highest N first ("3.12" -> ["3.12.3", "3.12.1"])."""
    if prefix.count(".") >= 2:
        return [prefix] if (versions / prefix).is_dir() else []
    pattern = re.compile(re.escape(prefix) + r"\.(\d+)")
    try:
        names = os.listdir(versions)
    except OSError:
        return []
    found = [(int(match.group(1)), name) for name in names if (match := pattern.fullmatch(name))]
    return [name for _, name in sorted(found, reverse=True)]


def _pyenv_root(environ: Mapping[str, str]) -> Path:
    root = environ.get("PYENV_ROOT")
    if root:
        return Path(root)
    home = environ.get("HOME")
    return (Path(home) if home else Path.home()) / ".pyenv"


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _bin_name() -> str:
    return "Scripts" if os.name == "nt" else "bin"


def _venv_python(venv: Path) -> Path:
    return venv / _bin_name() / ("python.exe" if os.name == "nt" else "python")


# ---------------------------------------------------------------------------------------------
# The cache. A no-op sync reads it every run, so a hit is stat calls plus one small JSON file.


def query_interpreter(executable: Path, *, cache_dir: Path | None) -> Interpreter:
    """What `executable` says about itself; from `<cache_dir>/<digest>.json` while still fresh.

    The entry is fresh while the interpreter file (through its symlinks) and the venv's
    pyvenv.cfg keep their identity, mtime and size. `cache_dir` None means no caching.
    """
    executable = Path(os.path.abspath(executable))
    if cache_dir is None:
        return _probe(executable)
    key = _freshness_key(executable)
    entry = cache_dir / f"{hashlib.sha256(str(executable).encode()).hexdigest()[:16]}.json"
    cached = _read_entry(entry, key)
    if cached is not None:
        return cached
    interpreter = _probe(executable)
    payload = {"key": key, "interpreter": _to_json(interpreter)}
    _write_atomic(entry, json.dumps(payload, separators=(",", ":")).encode())
    return interpreter


def _probe(executable: Path) -> Interpreter:
    from puffin.interpreter_query import probe_interpreter  # only on a miss

    return probe_interpreter(executable)


def _freshness_key(executable: Path) -> dict[str, Any]:
    try:
        target = os.stat(executable)
    except OSError as error:
        raise InterpreterError(f"Cannot use {executable}: {error.strerror}") from None
    return {
        "path": str(executable),
        "target": _stat_key(target),
        "pyvenv_cfg": _pyvenv_cfg_key(executable),
        "format": _CACHE_FORMAT,
        # Tags come from packaging.tags in this process: a new packaging may order them anew.
        "packaging": packaging.__version__,
    }


# Bumped whenever the probe or the tag computation changes what an entry would hold.
_CACHE_FORMAT = 1


def _pyvenv_cfg_key(executable: Path) -> list[int] | None:
    # venv allows pyvenv.cfg next to the executable or one level up (the usual place).
    for candidate in (executable.parent.parent, executable.parent):
        try:
            return _stat_key(os.stat(candidate / "pyvenv.cfg"))
        except OSError:
            continue
    return None


def _stat_key(stat: os.stat_result) -> list[int]:
    return [stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size]


def _read_entry(entry: Path, key: dict[str, Any]) -> Interpreter | None:
    try:
        with open(entry, "rb") as file:
            payload = json.load(file)
        if payload["key"] != key:
            return None
        return _from_json(payload["interpreter"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent, half-written by an older puffin, or hand-edited: recompute


def _to_json(interpreter: Interpreter) -> dict[str, Any]:
    scheme = interpreter.scheme
    return {
        "executable": str(interpreter.executable),
        "sys_prefix": str(interpreter.sys_prefix),
        "sys_base_prefix": str(interpreter.sys_base_prefix),
        "version": list(interpreter.version),
        "implementation_name": interpreter.implementation_name,
        "markers": interpreter.markers,
        "tags": list(interpreter.tags),
        "scheme": [
            str(scheme.purelib),
            str(scheme.platlib),
            str(scheme.scripts),
            str(scheme.data),
            str(scheme.include),
        ],
        "base_executable": _optional_str(interpreter.base_executable),
        "stdlib": _optional_str(interpreter.stdlib),
        "sysconfig_platform": interpreter.sysconfig_platform,
        "pointer_size": interpreter.pointer_size,
        "gil_disabled": interpreter.gil_disabled,
    }


def _from_json(data: dict[str, Any]) -> Interpreter:
    major, minor, micro = data["version"]
    purelib, platlib, scripts, scheme_data, include = data["scheme"]
    return Interpreter(
        executable=Path(data["executable"]),
        sys_prefix=Path(data["sys_prefix"]),
        sys_base_prefix=Path(data["sys_base_prefix"]),
        version=(int(major), int(minor), int(micro)),
        implementation_name=str(data["implementation_name"]),
        markers=dict(data["markers"]),
        tags=tuple(data["tags"]),
        scheme=Scheme(
            purelib=Path(purelib),
            platlib=Path(platlib),
            scripts=Path(scripts),
            data=Path(scheme_data),
            include=Path(include),
        ),
        base_executable=_optional_path(data["base_executable"]),
        stdlib=_optional_path(data["stdlib"]),
        sysconfig_platform=str(data["sysconfig_platform"]),
        pointer_size=int(data["pointer_size"]),
        gil_disabled=bool(data["gil_disabled"]),
    )


def _optional_str(path: Path | None) -> str | None:
    return None if path is None else str(path)


def _optional_path(value: str | None) -> Path | None:
    return None if value is None else Path(value)


def _write_atomic(path: Path, data: bytes) -> None:
    """Temp file in the same directory + os.replace: readers see the old entry or the new one."""
    import tempfile  # a cache hit never writes

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
            os.replace(temp, path)
        except BaseException:
            os.unlink(temp)
            raise
    except OSError as error:
        raise CacheError(f"Cannot write {path}: {error.strerror or error}") from None
