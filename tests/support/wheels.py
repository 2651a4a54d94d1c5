"""Build small, valid, byte-for-byte reproducible wheels and sdists (and hostile wheels) for tests.

`build_wheel` writes a wheel that pip installs: dist-info METADATA 2.1, WHEEL, entry_points.txt
and a RECORD whose sha256 and sizes are right. `wheel_members` returns the same members without
writing them, so a test can alter a member (or RECORD) and hand the list to `build_raw_wheel`,
which writes exactly what it is given: duplicate names, `..`, absolute paths, symlinks.
"""

from __future__ import annotations

import base64
import csv
import gzip
import hashlib
import io
import re
import stat
import tarfile
import warnings
import zipfile
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.tags import parse_tag
from packaging.version import InvalidVersion, Version

ZIP_TIMESTAMP = (2020, 2, 2, 0, 0, 0)
"""Every member's date: fixed so that equal inputs give equal bytes (zip has no dates < 1980)."""

SDIST_MTIME = 1580601600
"""2020-02-02T00:00:00Z, the same instant as ZIP_TIMESTAMP, for tar members and the gzip header."""

_UNIX = 3  # zip "version made by" host system; Unix makes readers honour the mode bits


@dataclass(frozen=True)
class RawMember:
    """One archive member exactly as it will be written: a path, its bytes, its Unix mode.

    With `symlink=True` the member is stored as a Unix symlink whose target is `data`.
    A name ending in `/` is stored as a directory entry.
    """

    name: str
    data: bytes = b""
    mode: int = 0o644
    symlink: bool = False


MemberLike = RawMember | tuple[str, bytes | str] | tuple[zipfile.ZipInfo, bytes | str]


def escape_name(name: str) -> str:
    """The wheel-filename form of a project name: `Foo.Bar-baz` -> `foo_bar_baz`."""
    return re.sub(r"[-_.]+", "_", name).lower()


def escape_version(version: str) -> str:
    """The wheel-filename form of a version: normalized when valid, `-` never left in it."""
    try:
        return str(Version(version))
    except InvalidVersion:
        return version.replace("-", "_")


def wheel_filename(
    name: str, version: str, tag: str = "py3-none-any", build_tag: str | None = None
) -> str:
    """`{name}-{version}(-{build})?-{tag}.whl` with the name and version escaped."""
    build = f"-{build_tag}" if build_tag is not None else ""
    return f"{escape_name(name)}-{escape_version(version)}{build}-{tag}.whl"


def dist_info_dir(name: str, version: str) -> str:
    """The `.dist-info` directory name of a wheel of this project and version."""
    return f"{escape_name(name)}-{escape_version(version)}.dist-info"


def data_dir(name: str, version: str) -> str:
    """The `.data` directory name of a wheel of this project and version."""
    return f"{escape_name(name)}-{escape_version(version)}.data"


def record_hash(data: bytes) -> str:
    """A RECORD hash field: `sha256=` and the urlsafe base64 digest without padding."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode("ascii")


def record_bytes(members: Iterable[RawMember], record_name: str) -> bytes:
    """A truthful RECORD for `members` (directories and symlinks skipped), itself listed last."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for member in members:
        if member.name == record_name or member.symlink or member.name.endswith("/"):
            continue
        writer.writerow((member.name, record_hash(member.data), len(member.data)))
    writer.writerow((record_name, "", ""))
    return out.getvalue().encode("utf-8")


def metadata_text(
    name: str,
    version: str,
    *,
    requires_dist: Sequence[str] = (),
    requires_python: str | None = None,
    provides_extra: Mapping[str, Sequence[str]] | None = None,
    metadata_extra: str = "",
) -> str:
    """Core metadata 2.1 (METADATA / PKG-INFO); extras become `Requires-Dist: ...; extra == "x"`."""
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    if requires_python is not None:
        lines.append(f"Requires-Python: {requires_python}")
    lines.extend(f"Requires-Dist: {requirement}" for requirement in requires_dist)
    for extra, requirements in (provides_extra or {}).items():
        lines.append(f"Provides-Extra: {extra}")
        lines.extend(f"Requires-Dist: {_under_extra(req, extra)}" for req in requirements)
    text = "\n".join(lines) + "\n" + metadata_extra
    return text if text.endswith("\n") else text + "\n"


def _under_extra(requirement: str, extra: str) -> str:
    condition = f'extra == "{extra}"'
    spec, has_marker, marker = requirement.partition(";")
    if has_marker:
        return f"{spec.strip()}; ({marker.strip()}) and {condition}"
    return f"{spec.strip()}; {condition}"


def _wheel_text(tag: str, build_tag: str | None, root_is_purelib: bool) -> str:
    lines = [
        "Wheel-Version: 1.0",
        "Generator: puffin-tests (1.0)",
        f"Root-Is-Purelib: {'true' if root_is_purelib else 'false'}",
    ]
    # A compressed tag set (`py2.py3-none-any`) is written as one Tag line per expanded tag.
    lines.extend(f"Tag: {expanded}" for expanded in sorted(str(t) for t in parse_tag(tag)))
    if build_tag is not None:
        lines.append(f"Build: {build_tag}")
    return "\n".join(lines) + "\n"


def _entry_points_text(entry_points: Mapping[str, Mapping[str, str]]) -> str:
    sections = []
    for group, entries in entry_points.items():
        body = "".join(f"{name} = {target}\n" for name, target in entries.items())
        sections.append(f"[{group}]\n{body}")
    return "\n".join(sections)


def _as_bytes(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def wheel_members(
    name: str,
    version: str,
    *,
    requires_dist: Sequence[str] = (),
    requires_python: str | None = None,
    tag: str = "py3-none-any",
    build_tag: str | None = None,
    files: Mapping[str, bytes | str] | None = None,
    entry_points: Mapping[str, Mapping[str, str]] | None = None,
    data: Mapping[str, bytes | str] | None = None,
    provides_extra: Mapping[str, Sequence[str]] | None = None,
    root_is_purelib: bool = True,
    metadata_extra: str = "",
    executable_files: Collection[str] = (),
) -> list[RawMember]:
    """The members `build_wheel` writes, in order, RECORD last. Arguments as for `build_wheel`."""
    import_name = escape_name(name)
    if files is None:
        files = {f"{import_name}/__init__.py": f'__version__ = "{version}"\n'}
    info = dist_info_dir(name, version)
    data_root = data_dir(name, version)
    # (name in executable_files, archive path, content); the name is "" for generated files
    named = [(path, path, _as_bytes(body)) for path, body in files.items()]
    named += [(key, f"{data_root}/{key}", _as_bytes(body)) for key, body in (data or {}).items()]
    metadata = metadata_text(
        name,
        version,
        requires_dist=requires_dist,
        requires_python=requires_python,
        provides_extra=provides_extra,
        metadata_extra=metadata_extra,
    )
    named.append(("", f"{info}/METADATA", metadata.encode("utf-8")))
    named.append(("", f"{info}/WHEEL", _wheel_text(tag, build_tag, root_is_purelib).encode()))
    if entry_points:
        named.append(("", f"{info}/entry_points.txt", _entry_points_text(entry_points).encode()))

    seen: set[str] = set()
    executable = set(executable_files)
    made_executable: set[str] = set()
    members = []
    for key, path, body in named:
        if path in seen:
            raise ValueError(f"{path!r} is written twice; use build_raw_wheel for hostile wheels")
        seen.add(path)
        hits = executable & {key, path}
        made_executable |= hits
        members.append(RawMember(path, body, 0o755 if hits else 0o644))
    if executable - made_executable:
        unmatched = sorted(executable - made_executable)
        raise ValueError(f"executable_files names no member: {unmatched}")
    record_name = f"{info}/RECORD"
    members.append(RawMember(record_name, record_bytes(members, record_name)))
    return members


def build_wheel(
    out_dir: Path,
    name: str,
    version: str,
    *,
    requires_dist: Sequence[str] = (),
    requires_python: str | None = None,
    tag: str = "py3-none-any",
    build_tag: str | None = None,
    files: Mapping[str, bytes | str] | None = None,
    entry_points: Mapping[str, Mapping[str, str]] | None = None,
    data: Mapping[str, bytes | str] | None = None,
    provides_extra: Mapping[str, Sequence[str]] | None = None,
    root_is_purelib: bool = True,
    metadata_extra: str = "",
    executable_files: Collection[str] = (),
) -> Path:
    """Write a valid, reproducible wheel into `out_dir` (created if missing); return its path.

    - `files`: archive path -> content at the wheel root (str is UTF-8 encoded). Default:
      `{"<import_name>/__init__.py": '__version__ = "<version>"\\n'}`, where the import name is
      the escaped project name (`Foo-Bar` -> `foo_bar`). Extra `.dist-info/` files (licenses)
      may be given here too.
    - `data`: paths under `<name>-<ver>.data/`, e.g. `{"scripts/tool": "#!python\\n...",
      "data/share/x.txt": ..., "headers/x.h": ..., "purelib/mod.py": ...}`. Not validated, so
      an unknown scheme key can be tested too.
    - `requires_dist`, `requires_python`, `provides_extra` (extra -> requirements, written as
      `Provides-Extra` plus `Requires-Dist: req; extra == "x"`), `metadata_extra` (raw lines
      appended to METADATA) make the METADATA file.
    - `tag` may be compressed (`py2.py3-none-any`); WHEEL gets one `Tag:` line per tag.
      `build_tag` goes into the file name and WHEEL's `Build:`.
    - `entry_points`: group -> {name: "module:attr"}, written to entry_points.txt.
    - `executable_files`: members stored with mode 0o755, named by their archive path or by
      their `data` key; a name that matches nothing is an error.

    The file name uses the escaped name and normalized version (`Foo.Bar` 1.0.0a1 ->
    `foo_bar-1.0.0a1-py3-none-any.whl`). Every member has the same fixed timestamp, so equal
    inputs give equal bytes. Raises ValueError if two members would share a path.
    """
    members = wheel_members(
        name,
        version,
        requires_dist=requires_dist,
        requires_python=requires_python,
        tag=tag,
        build_tag=build_tag,
        files=files,
        entry_points=entry_points,
        data=data,
        provides_extra=provides_extra,
        root_is_purelib=root_is_purelib,
        metadata_extra=metadata_extra,
        executable_files=executable_files,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    return build_raw_wheel(out_dir / wheel_filename(name, version, tag, build_tag), members)


def _zip_info(member: RawMember) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(member.name, date_time=ZIP_TIMESTAMP)
    info.create_system = _UNIX
    if member.symlink:
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
    elif member.name.endswith("/"):
        info.external_attr = ((stat.S_IFDIR | 0o755) << 16) | 0x10  # 0x10: MS-DOS directory bit
    else:
        info.external_attr = (stat.S_IFREG | member.mode) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
    return info


def build_raw_wheel(path: Path, members: Iterable[MemberLike]) -> Path:
    """Write `members` into the zip at `path` in order, unchecked; return `path`.

    Each member is a `RawMember`, a `(name, content)` pair (mode 0o644, fixed timestamp), or a
    `(zipfile.ZipInfo, content)` pair written as given. Duplicate names, `..`, absolute paths
    and symlinks are kept as they are; nothing (not even RECORD) is added. Use `record_bytes`
    for a truthful RECORD, or write a lying one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive, warnings.catch_warnings():
        # zipfile warns on duplicate names; hostile wheels ask for them on purpose.
        warnings.simplefilter("ignore", UserWarning)
        for member in members:
            if isinstance(member, RawMember):
                archive.writestr(_zip_info(member), member.data)
            elif isinstance(member[0], zipfile.ZipInfo):
                archive.writestr(member[0], _as_bytes(member[1]))
            else:
                archive.writestr(_zip_info(RawMember(member[0])), _as_bytes(member[1]))
    return path


def build_sdist(
    out_dir: Path,
    name: str,
    version: str,
    *,
    files: Mapping[str, bytes | str] | None = None,
    requires_dist: Sequence[str] = (),
    requires_python: str | None = None,
) -> Path:
    """Write a reproducible `<escaped name>-<version>.tar.gz` into `out_dir`; return its path.

    Members sit under `<escaped name>-<version>/`: a generated PKG-INFO (metadata 2.1) and
    `files` (relative path -> content). The default `files` is a `pyproject.toml` naming the
    project and the package `<import_name>/__init__.py`; no build backend is bundled, so a test
    that builds the sdist supplies its own `[build-system]` and backend.
    """
    root = f"{escape_name(name)}-{escape_version(version)}"
    import_name = escape_name(name)
    if files is None:
        files = {
            "pyproject.toml": f'[project]\nname = "{name}"\nversion = "{version}"\n',
            f"{import_name}/__init__.py": f'__version__ = "{version}"\n',
        }
    pkg_info = metadata_text(
        name, version, requires_dist=requires_dist, requires_python=requires_python
    )
    members = [("PKG-INFO", pkg_info.encode("utf-8"))]
    members += [(path, _as_bytes(body)) for path, body in files.items()]
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{root}.tar.gz"
    with (
        path.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=SDIST_MTIME) as zipped,
        tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for relative, body in members:
            info = tarfile.TarInfo(f"{root}/{relative}")
            info.size = len(body)
            info.mtime = SDIST_MTIME
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(body))
    return path
