"""Run a target interpreter once, read what it reports, and derive its supported wheel tags."""

from __future__ import annotations

import json
import re
import struct
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging import tags

from puffin.errors import InterpreterError
from puffin.interpreter import Interpreter, Scheme

# Runs inside the target (`-I`: no PYTHON* variables, no user site, no cwd on sys.path) with
# CPython 3.8+ and only the stdlib: no f-string `=`, no str.removeprefix, no match.
_PROBE = r"""
import json, os, platform, struct, sys, sysconfig
from importlib.machinery import EXTENSION_SUFFIXES


def full_version(info):
    text = "%d.%d.%d" % (info.major, info.minor, info.micro)
    if info.releaselevel != "final":
        text += info.releaselevel[0] + str(info.serial)
    return text


in_venv = sys.prefix != sys.base_prefix
if in_venv and "venv" in sysconfig.get_scheme_names():
    paths = sysconfig.get_paths(scheme="venv")
elif in_venv:
    paths = sysconfig.get_paths(scheme="nt" if os.name == "nt" else "posix_prefix")
else:
    paths = sysconfig.get_paths()
if in_venv:
    include = os.path.join(sys.prefix, "include", "site", "python%d.%d" % sys.version_info[:2])
else:
    include = paths["include"]


def real_base_executable():
    # A symlinked venv's python resolves to the real binary. A copied one resolves into the
    # venv; then try what the runtime names as its base, then the base prefix's pythonX.Y.
    candidates = [sys.executable]
    if in_venv:
        candidates.append(getattr(sys, "_base_executable", None))
        candidates.append(
            os.path.join(sys.base_prefix, "bin", "python%d.%d" % sys.version_info[:2])
        )
    venv_root = os.path.join(os.path.realpath(sys.prefix), "")
    for candidate in candidates:
        if candidate:
            real = os.path.realpath(candidate)
            if os.path.isfile(real) and not (in_venv and real.startswith(venv_root)):
                return real
    return os.path.realpath(sys.executable)


try:
    glibc = os.confstr("CS_GNU_LIBC_VERSION").split()[1]
except (AttributeError, OSError, ValueError, IndexError):
    glibc = None
mac = None
if sys.platform == "darwin":
    release, _, machine = platform.mac_ver()
    if release.split(".")[:2] == ["10", "16"]:
        import subprocess
        release = subprocess.run(
            [sys.executable, "-sS", "-c", "import platform; print(platform.mac_ver()[0])"],
            check=True, env={"SYSTEM_VERSION_COMPAT": "0"}, stdout=subprocess.PIPE,
            universal_newlines=True,
        ).stdout.strip()
    mac = [release, machine]
try:
    import _manylinux
    has_manylinux_module = True
except ImportError:
    has_manylinux_module = False

names = ("Py_DEBUG", "Py_GIL_DISABLED", "WITH_PYMALLOC", "EXT_SUFFIX", "SOABI",
         "py_version_nodot")
print(json.dumps({
    "executable": sys.executable,
    "base_executable": real_base_executable(),
    "prefix": sys.prefix,
    "base_prefix": sys.base_prefix,
    "version": list(sys.version_info[:3]),
    "implementation": sys.implementation.name,
    "markers": {
        "implementation_name": sys.implementation.name,
        "implementation_version": full_version(sys.implementation.version),
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    },
    "scheme": [paths["purelib"], paths["platlib"], paths["scripts"], paths["data"], include],
    "stdlib": sysconfig.get_path("stdlib"),
    "platform": sysconfig.get_platform(),
    "pointer_size": struct.calcsize("P"),
    "config": dict((name, sysconfig.get_config_var(name)) for name in names),
    "has_gettotalrefcount": hasattr(sys, "gettotalrefcount"),
    "debug_extensions": "_d.pyd" in EXTENSION_SUFFIXES,
    "glibc": glibc,
    "mac": mac,
    "has_manylinux_module": has_manylinux_module,
}))
"""

# Asks a distribution's `_manylinux` module (PEP 600) about each (major, minor, arch) on stdin.
_MANYLINUX_PROBE = r"""
import json, sys
import _manylinux

def compatible(major, minor, arch):
    if hasattr(_manylinux, "manylinux_compatible"):
        answer = _manylinux.manylinux_compatible(major, minor, arch)
        return True if answer is None else bool(answer)
    legacy = {(2, 5): "manylinux1_compatible", (2, 12): "manylinux2010_compatible",
              (2, 17): "manylinux2014_compatible"}.get((major, minor))
    if legacy and hasattr(_manylinux, legacy):
        return bool(getattr(_manylinux, legacy))
    return True

print(json.dumps([compatible(*query) for query in json.load(sys.stdin)]))
"""


def probe_interpreter(executable: Path) -> Interpreter:
    """Run `executable` once and build its Interpreter; InterpreterError if it cannot answer."""
    report = _run_json(executable, _PROBE, None)
    if not isinstance(report, dict):
        raise InterpreterError(f"{executable} did not answer like a Python interpreter")
    try:
        return _interpreter_from_report(executable, report)
    except (KeyError, TypeError, ValueError) as error:
        raise InterpreterError(
            f"{executable} did not answer like a Python interpreter ({error!r})"
        ) from None


def _run_json(executable: Path, code: str, stdin: str | None) -> Any:
    try:
        done = subprocess.run(
            [str(executable), "-I", "-c", code],
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as error:
        raise InterpreterError(f"Cannot run {executable}: {error.strerror or error}") from None
    if done.returncode != 0:
        if "Unknown option: -I" in done.stderr:
            raise InterpreterError(f"{executable} is not Python 3: it rejects the -I option")
        lines = done.stderr.strip().splitlines()
        reason = lines[-1] if lines else f"exit status {done.returncode}"
        raise InterpreterError(f"Querying {executable} failed: {reason}")
    # The last line: a sitecustomize may print before our script runs.
    lines = done.stdout.strip().splitlines()
    try:
        return json.loads(lines[-1]) if lines else None
    except ValueError:
        return None


def _interpreter_from_report(executable: Path, report: dict[str, Any]) -> Interpreter:
    major, minor, micro = (int(part) for part in report["version"])
    purelib, platlib, scripts, data, include = (Path(str(p)) for p in report["scheme"])
    config: dict[str, Any] = report["config"]
    markers = {str(key): str(value) for key, value in report["markers"].items()}
    return Interpreter(
        executable=Path(report["executable"]),
        sys_prefix=Path(report["prefix"]),
        sys_base_prefix=Path(report["base_prefix"]),
        version=(major, minor, micro),
        implementation_name=str(report["implementation"]),
        markers=markers,
        tags=tuple(str(tag) for tag in _supported_tags(executable, report)),
        scheme=Scheme(purelib, platlib, scripts, data, include),
        base_executable=Path(report["base_executable"]),
        stdlib=Path(report["stdlib"]),
        sysconfig_platform=str(report["platform"]),
        pointer_size=int(report["pointer_size"]),
        gil_disabled=bool(config["Py_GIL_DISABLED"]) and (major, minor) >= (3, 13),
    )


# ---------------------------------------------------------------------------------------------
# Tags: the same sequence `packaging.tags.sys_tags()` yields when run inside the target, built
# here from the probe's raw values so that the target never needs packaging installed.


def _supported_tags(executable: Path, report: dict[str, Any]) -> Iterator[tags.Tag]:
    version = tuple(int(part) for part in report["version"][:2])
    config: dict[str, Any] = report["config"]
    platforms = list(_platforms(executable, report))
    name = tags.INTERPRETER_SHORT_NAMES.get(report["implementation"]) or report["implementation"]
    nodot = str(config["py_version_nodot"] or "".join(map(str, version)))
    if name == "cp":
        abis = _cpython_abis(version, report)
        yield from tags.cpython_tags(version, abis, platforms)
        yield from tags.compatible_tags(version, f"cp{nodot}", platforms)
    else:
        yield from tags.generic_tags(f"{name}{nodot}", _generic_abis(config), platforms)
        yield from tags.compatible_tags(version, "pp3" if name == "pp" else None, platforms)


def _cpython_abis(version: tuple[int, ...], report: dict[str, Any]) -> list[str]:
    """ABI tags of a CPython build: "cp312", "cp313t", "cp38d" + "cp38", "cp37m"."""
    config: dict[str, Any] = report["config"]
    nodot = "".join(map(str, version))
    debug_flag = config["Py_DEBUG"]
    # Windows does not set Py_DEBUG; a debug build shows in its refcount hook or `_d.pyd`.
    implied_debug = report["has_gettotalrefcount"] or report["debug_extensions"]
    debug = "d" if debug_flag or (debug_flag is None and implied_debug) else ""
    threading = "t" if version >= (3, 13) and config["Py_GIL_DISABLED"] else ""
    pymalloc = ""
    abis: list[str] = []
    if version < (3, 8):
        if config["WITH_PYMALLOC"] or config["WITH_PYMALLOC"] is None:
            pymalloc = "m"
    elif debug:
        abis.append(f"cp{nodot}{threading}")  # a debug build also loads release extensions
    return [f"cp{nodot}{threading}{debug}{pymalloc}", *abis]


def _generic_abis(config: dict[str, Any]) -> list[str]:
    """The ABI named by EXT_SUFFIX (".pypy310-pp73-x86_64-linux-gnu.so" -> "pypy310_pp73")."""
    suffix = config["EXT_SUFFIX"]
    if not isinstance(suffix, str) or not suffix.startswith("."):
        raise ValueError(f"invalid EXT_SUFFIX {suffix!r}")
    parts = suffix.split(".")
    soabi = parts[1] if len(parts) >= 3 else ""
    if soabi.startswith("cpython"):
        abi = "cp" + soabi.split("-")[1]
    elif soabi.startswith("cp"):
        abi = soabi.split("-")[0]
    elif soabi.startswith("pypy"):
        abi = "-".join(soabi.split("-")[:2])
    elif soabi.startswith("graalpy"):
        abi = "-".join(soabi.split("-")[:3])
    elif soabi:
        abi = soabi
    else:
        return []
    return [_normalize(abi)]


def _normalize(text: str) -> str:
    return text.replace(".", "_").replace("-", "_").replace(" ", "_")


def _platforms(executable: Path, report: dict[str, Any]) -> Iterator[str]:
    system = report["markers"]["platform_system"]
    is_32bit = report["pointer_size"] == 4
    if system == "Darwin" and report["mac"]:
        release, machine = report["mac"]
        major, minor = (int(part) for part in release.split(".")[:2])
        yield from tags.mac_platforms((major, minor), _mac_arch(machine, is_32bit))
    elif system == "Linux":
        yield from _linux_platforms(executable, report, is_32bit)
    else:
        yield _normalize(report["platform"])


def _mac_arch(machine: str, is_32bit: bool) -> str:
    if not is_32bit:
        return machine
    return "ppc" if machine.startswith("ppc") else "i386"


def _linux_platforms(executable: Path, report: dict[str, Any], is_32bit: bool) -> Iterator[str]:
    linux = _normalize(report["platform"])
    if not linux.startswith("linux_"):
        yield linux
        return
    if is_32bit:  # a 32-bit userland on a 64-bit kernel
        linux = {"linux_x86_64": "linux_i686", "linux_aarch64": "linux_armv8l"}.get(linux, linux)
    arch = linux.split("_", 1)[1]
    archs = ["armv8l", "armv7l"] if arch == "armv8l" else [arch]
    yield from (f"linux_{arch}" for arch in archs)
    elf = _read_elf(executable)
    glibc = _parse_glibc(report["glibc"])
    if glibc is not None and _manylinux_abi_matches(elf, archs):
        yield from _manylinux_platforms(executable, report, glibc, archs)
    musl = _musl_version(elf)
    if musl is not None:
        for arch in archs:
            yield from (f"musllinux_{musl[0]}_{minor}_{arch}" for minor in range(musl[1], -1, -1))


# manylinux architectures that need no check of the binary itself (PEP 599, PEP 600).
_MANYLINUX_ARCHS = {"x86_64", "aarch64", "ppc64", "ppc64le", "s390x", "loongarch64", "riscv64"}
# The pre-PEP 600 aliases of three glibc versions.
_LEGACY_MANYLINUX = {(2, 17): "manylinux2014", (2, 12): "manylinux2010", (2, 5): "manylinux1"}
# Guess at glibc 2's last minor, should glibc 3 ever appear (as packaging guesses).
_LAST_GLIBC_MINOR = 50


def _parse_glibc(text: str | None) -> tuple[int, int] | None:
    match = re.match(r"(\d+)\.(\d+)", text or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def _manylinux_platforms(
    executable: Path, report: dict[str, Any], glibc: tuple[int, int], archs: Sequence[str]
) -> Iterator[str]:
    # The oldest glibc a manylinux tag names: 2.5 on x86 (manylinux1), else 2.17.
    oldest = (2, 5) if set(archs) & {"x86_64", "i686"} else (2, 17)
    ceilings = [glibc] + [(major, _LAST_GLIBC_MINOR) for major in range(glibc[0] - 1, 1, -1)]
    candidates = [
        (major, minor, arch)
        for arch in archs
        for major, top in ceilings
        for minor in range(top, (oldest[1] - 1) if major == oldest[0] else -1, -1)
    ]
    allowed = [True] * len(candidates)
    if report["has_manylinux_module"]:
        allowed = _run_json(executable, _MANYLINUX_PROBE, json.dumps(candidates))
    for (major, minor, arch), ok in zip(candidates, allowed, strict=True):
        if ok:
            yield f"manylinux_{major}_{minor}_{arch}"
            legacy = _LEGACY_MANYLINUX.get((major, minor))
            if legacy is not None:
                yield f"{legacy}_{arch}"


def _manylinux_abi_matches(elf: _Elf | None, archs: Sequence[str]) -> bool:
    if "armv7l" in archs:  # only the hard-float EABI5 flavour of 32-bit ARM
        return (
            elf is not None
            and elf.is_32bit_lsb
            and elf.machine == _EM_ARM
            and elf.flags & _EF_ARM_ABIMASK == _EF_ARM_ABI_VER5
            and elf.flags & _EF_ARM_ABI_FLOAT_HARD == _EF_ARM_ABI_FLOAT_HARD
        )
    if "i686" in archs:
        return elf is not None and elf.is_32bit_lsb and elf.machine == _EM_386
    return any(arch in _MANYLINUX_ARCHS for arch in archs)


def _musl_version(elf: _Elf | None) -> tuple[int, int] | None:
    """musl's version, from its dynamic loader's banner; None for a glibc or static build."""
    if elf is None or elf.interpreter is None or "musl" not in elf.interpreter:
        return None
    try:
        done = subprocess.run([elf.interpreter], capture_output=True, text=True, check=False)
    except OSError:
        return None
    lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
    if len(lines) < 2 or not lines[0].startswith("musl"):
        return None
    match = re.match(r"Version (\d+)\.(\d+)", lines[1])
    return (int(match.group(1)), int(match.group(2))) if match else None


# ---------------------------------------------------------------------------------------------
# Just enough ELF to read the machine, flags and program interpreter of an executable.

_EM_386 = 3
_EM_ARM = 40
_EF_ARM_ABIMASK = 0xFF000000
_EF_ARM_ABI_VER5 = 0x05000000
_EF_ARM_ABI_FLOAT_HARD = 0x00000400
_PT_INTERP = 3


@dataclass(frozen=True)
class _Elf:
    is_32bit_lsb: bool
    machine: int
    flags: int
    interpreter: str | None


def _read_elf(path: Path) -> _Elf | None:
    try:
        with open(path, "rb") as file:
            header = file.read(64)
            if len(header) < 52 or header[:4] != b"\x7fELF" or header[4] not in (1, 2):
                return None
            is_32bit = header[4] == 1
            order = "<" if header[5] == 1 else ">"
            if is_32bit:
                layout, entry_layout = "HHIIIIIHHH", "IIIII"
            else:
                layout, entry_layout = "HHIQQQIHHH", "IIQQQQ"
            fields = struct.unpack_from(order + layout, header, 16)
            machine, phoff, flags, phentsize, phnum = (
                fields[1],
                fields[4],
                fields[6],
                fields[8],
                fields[9],
            )
            interpreter = None
            for index in range(phnum):
                file.seek(phoff + index * phentsize)
                entry = struct.unpack(
                    order + entry_layout, file.read(struct.calcsize(entry_layout))
                )
                if entry[0] != _PT_INTERP:
                    continue
                offset, size = (entry[1], entry[4]) if is_32bit else (entry[2], entry[5])
                file.seek(offset)
                interpreter = file.read(size).rstrip(b"\0").decode("utf-8", "replace")
                break
    except (OSError, struct.error):
        return None
    return _Elf(is_32bit and order == "<", machine, flags, interpreter)
