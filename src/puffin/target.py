"""The marker environment and wheel tags to resolve for: the interpreter's, or a requested one."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from puffin.errors import UsageError
from puffin.interpreter import Interpreter


class OperatingSystem(enum.Enum):
    MANYLINUX = "manylinux"  # glibc Linux (PEP 600)
    MUSLLINUX = "musllinux"  # musl Linux (PEP 656)
    MACOS = "macos"
    WINDOWS = "windows"


@dataclass(frozen=True)
class TargetPlatform:
    """A platform named by `--python-platform`, with uv's meaning of each name."""

    name: str
    system: OperatingSystem
    arch: str  # "x86_64", "aarch64" or "i686", as in the Rust-style target names
    # The glibc version (manylinux), musl version (musllinux) or macOS version the target
    # guarantees; wheels needing anything newer are not for it.
    version: tuple[int, int] | None = None

    def markers(self) -> dict[str, str]:
        """The PEP 508 platform markers a Python on this platform reports."""
        if self.system is OperatingSystem.WINDOWS:
            machine = _WINDOWS_MACHINES[self.arch]  # platform.machine() on Windows
            names = ("win32", "Windows", "nt")
        elif self.system is OperatingSystem.MACOS:
            machine = "arm64" if self.arch == "aarch64" else self.arch
            names = ("darwin", "Darwin", "posix")
        else:
            machine = self.arch
            names = ("linux", "Linux", "posix")
        sys_platform, platform_system, os_name = names
        return {
            "sys_platform": sys_platform,
            "platform_system": platform_system,
            "os_name": os_name,
            "platform_machine": machine,
            # The kernel of a machine we are not running on is unknown.
            "platform_release": "",
            "platform_version": "",
        }

    def platform_tags(self) -> tuple[str, ...]:
        """Wheel platform tags this platform runs, most specific first."""
        return tuple(self._platform_tags())

    def _platform_tags(self) -> Iterator[str]:
        if self.system is OperatingSystem.WINDOWS:
            yield _WINDOWS_TAGS[self.arch]
        elif self.system is OperatingSystem.MACOS:
            from packaging.tags import mac_platforms

            assert self.version is not None
            yield from mac_platforms(self.version, "arm64" if self.arch == "aarch64" else self.arch)
        elif self.system is OperatingSystem.MANYLINUX:
            assert self.version is not None
            yield from _manylinux_tags(self.version, self.arch)
        else:
            assert self.version is not None
            major, minor = self.version
            yield from (f"musllinux_{major}_{m}_{self.arch}" for m in range(minor, -1, -1))
        # No `linux_<arch>` tag: such a wheel runs only where it was built, and pins computed
        # for another machine must be portable.


@dataclass(frozen=True)
class ResolveTarget:
    """What a resolution is computed for: marker values and supported tags, best first."""

    python_version: tuple[int, int, int]
    markers: dict[str, str]
    tags: tuple[str, ...]

    @property
    def python_minor_version(self) -> str:
        return "{}.{}".format(*self.python_version[:2])


_WINDOWS_MACHINES = {"x86_64": "AMD64", "i686": "x86", "aarch64": "ARM64"}
_WINDOWS_TAGS = {"x86_64": "win_amd64", "i686": "win32", "aarch64": "win_arm64"}
# manylinux_2_28 is what uv means by a plain `linux` and `*-unknown-linux-gnu`. For both Mac
# targets we choose macOS 12.0 (the oldest release uv itself is known to run on); wheels built
# for older releases stay usable, since the macOS tags descend to 10.4.
_DEFAULT_GLIBC = (2, 28)
_DEFAULT_MUSL = (1, 2)
_DEFAULT_MACOS = (12, 0)
_ALIASES = {
    "linux": "x86_64-unknown-linux-gnu",
    "macos": "aarch64-apple-darwin",
    "windows": "x86_64-pc-windows-msvc",
}
_NAMED = {
    platform.name: platform
    for platform in (
        TargetPlatform(
            "x86_64-unknown-linux-gnu", OperatingSystem.MANYLINUX, "x86_64", _DEFAULT_GLIBC
        ),
        TargetPlatform(
            "aarch64-unknown-linux-gnu", OperatingSystem.MANYLINUX, "aarch64", _DEFAULT_GLIBC
        ),
        TargetPlatform(
            "x86_64-unknown-linux-musl", OperatingSystem.MUSLLINUX, "x86_64", _DEFAULT_MUSL
        ),
        TargetPlatform(
            "aarch64-unknown-linux-musl", OperatingSystem.MUSLLINUX, "aarch64", _DEFAULT_MUSL
        ),
        TargetPlatform("x86_64-apple-darwin", OperatingSystem.MACOS, "x86_64", _DEFAULT_MACOS),
        TargetPlatform("aarch64-apple-darwin", OperatingSystem.MACOS, "aarch64", _DEFAULT_MACOS),
        TargetPlatform("x86_64-pc-windows-msvc", OperatingSystem.WINDOWS, "x86_64"),
        TargetPlatform("i686-pc-windows-msvc", OperatingSystem.WINDOWS, "i686"),
        TargetPlatform("aarch64-pc-windows-msvc", OperatingSystem.WINDOWS, "aarch64"),
    )
}
_MANYLINUX_NAME = re.compile(r"(x86_64|aarch64)-manylinux_2_(\d+)")
# manylinux_2_17 is manylinux2014, the first standard for aarch64; 2_40 is uv's newest.
_MANYLINUX_MINORS = range(17, 41)
# Wheels tagged with the pre-PEP 600 names are the same as their manylinux_2_NN twins.
_LEGACY_MANYLINUX = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
_PYTHON_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")


def accepted_platform_names() -> tuple[str, ...]:
    """Every `--python-platform` value, the manylinux families written as ranges."""
    first, last = _MANYLINUX_MINORS[0], _MANYLINUX_MINORS[-1]
    return (
        *_ALIASES,
        *_NAMED,
        *(
            f"{arch}-manylinux_2_{first} .. {arch}-manylinux_2_{last}"
            for arch in ("x86_64", "aarch64")
        ),
    )


def parse_python_platform(name: str) -> TargetPlatform:
    """The platform called `name`; UsageError listing the accepted names if there is none."""
    canonical = _ALIASES.get(name, name)
    if canonical in _NAMED:
        return _NAMED[canonical]
    match = _MANYLINUX_NAME.fullmatch(name)
    if match is not None and int(match.group(2)) in _MANYLINUX_MINORS:
        return TargetPlatform(
            name, OperatingSystem.MANYLINUX, match.group(1), (2, int(match.group(2)))
        )
    raise UsageError(
        f"--python-platform {name}: unknown platform; use one of "
        + ", ".join(accepted_platform_names())
    )


def parse_python_version(text: str) -> tuple[int, int, int]:
    """`3.12` -> (3, 12, 0), as uv reads it; `3.12.4` -> (3, 12, 4)."""
    match = _PYTHON_VERSION.fullmatch(text)
    if match is None or match.group(1) != "3":
        raise UsageError(
            f"--python-version {text}: expected a Python 3 version such as 3.12 or 3.12.4"
        )
    return (3, int(match.group(2)), int(match.group(3) or 0))


def resolve_target(
    interpreter: Interpreter,
    *,
    python_version: str | None = None,
    python_platform: str | None = None,
) -> ResolveTarget:
    """The interpreter's own markers and tags, with the requested version and platform put in.

    A requested version means CPython of that version (uv's meaning), whatever implementation
    the interpreter is; a requested platform alone keeps the interpreter's own ABIs.
    """
    markers = dict(interpreter.markers)
    version = interpreter.version
    if python_version is not None:
        version = parse_python_version(python_version)
        full = "{}.{}.{}".format(*version)
        markers.update(
            python_version="{}.{}".format(*version[:2]),
            python_full_version=full,
            implementation_name="cpython",
            implementation_version=full,
            platform_python_implementation="CPython",
        )
    platform = None if python_platform is None else parse_python_platform(python_platform)
    if platform is not None:
        markers.update(platform.markers())
    if python_version is None and platform is None:
        return ResolveTarget(version, markers, interpreter.tags)
    platforms = _own_platforms(interpreter.tags) if platform is None else platform.platform_tags()
    if python_version is None:
        tags = tuple(_retarget(interpreter.tags, platforms))
    else:
        tags = _cpython_tags((version[0], version[1]), platforms)
    return ResolveTarget(version, markers, tags)


def _cpython_tags(version: tuple[int, int], platforms: Iterable[str]) -> tuple[str, ...]:
    from packaging.tags import compatible_tags, cpython_tags

    platforms = list(platforms)
    abi = "cp{}{}".format(*version)
    found = [*cpython_tags(version, [abi], platforms), *compatible_tags(version, abi, platforms)]
    return tuple(str(tag) for tag in found)


def _manylinux_tags(glibc: tuple[int, int], arch: str) -> Iterator[str]:
    major, newest = glibc
    # x86 wheels go back to manylinux1 (glibc 2.5); other architectures start at 2.17.
    oldest = 5 if arch in ("x86_64", "i686") else 17
    for minor in range(newest, oldest - 1, -1):
        yield f"manylinux_{major}_{minor}_{arch}"
        if minor in _LEGACY_MANYLINUX:
            yield f"{_LEGACY_MANYLINUX[minor]}_{arch}"


def _split(tag: str) -> tuple[str, str, str]:
    interpreter, abi, platform = tag.split("-")
    return interpreter, abi, platform


def _own_platforms(tags: Iterable[str]) -> tuple[str, ...]:
    """The platform tags of an interpreter's tag list, in their order of preference."""
    found = (_split(tag)[2] for tag in tags)
    return tuple(dict.fromkeys(platform for platform in found if platform != "any"))


def _retarget(tags: Iterable[str], platforms: tuple[str, ...]) -> Iterator[str]:
    """The same interpreter/ABI pairs in the same order, for other platform tags.

    A tag list is a run of (interpreter, ABI) pairs, each over every platform in turn, then
    the platform-independent `any` tags; keeping that shape keeps the preference order.
    """
    tags = list(tags)
    pairs = dict.fromkeys(tag.rsplit("-", 1)[0] for tag in tags if _split(tag)[2] != "any")
    for pair in pairs:
        yield from (f"{pair}-{platform}" for platform in platforms)
    yield from (tag for tag in tags if _split(tag)[2] == "any")
