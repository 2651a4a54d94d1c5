"""Where each file of an unpacked wheel goes and what RECORD will say, decided before writing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from puffin.errors import InstallError
from puffin.installer.record import RecordRow, hash_file, read_record, record_hash
from puffin.installer.scripts import (
    ScriptEntryPoint,
    launcher,
    parse_script_entry_points,
    rewrite_python_shebang,
)
from puffin.installer.site_packages import read_metadata_headers
from puffin.interpreter import Scheme
from puffin.names import PackageName, normalize_name

# dist-info files the installer writes itself; the wheel's own copies (if any) are not used.
_INSTALLER_OWNED = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})
_DATA_KEYS = frozenset({"purelib", "platlib", "headers", "scripts", "data"})


@dataclass(frozen=True)
class LinkedFile:
    """An archive file that is linked unchanged."""

    source: str
    target: str
    record: RecordRow


@dataclass(frozen=True)
class GeneratedFile:
    """A file whose bytes we produce: launchers, fixed shebangs, INSTALLER and friends."""

    target: str
    data: bytes
    mode: int
    record: RecordRow


@dataclass(frozen=True)
class WheelLayout:
    """Everything an install will write, decided before the first write."""

    dist_info_name: str  # "name-1.0.dist-info", as the wheel spells it
    lib_dir: str  # purelib or platlib (Root-Is-Purelib): where the dist-info goes
    links: list[LinkedFile]
    generated: list[GeneratedFile]

    @property
    def dist_info(self) -> str:
        return os.path.join(self.lib_dir, self.dist_info_name)

    def record_rows(self) -> list[RecordRow]:
        """Every file written, plus RECORD itself with no hash."""
        rows = [link.record for link in self.links]
        rows.extend(generated.record for generated in self.generated)
        rows.append(RecordRow(f"{self.dist_info_name}/RECORD", "", None))
        return rows

    def python_sources(self) -> tuple[str, ...]:
        targets = [link.target for link in self.links]
        targets.extend(generated.target for generated in self.generated)
        return tuple(target for target in targets if target.endswith(".py"))

    def directories(self) -> list[str]:
        """Parent directories of every target, parents before children."""
        targets = [link.target for link in self.links]
        targets.extend(generated.target for generated in self.generated)
        return sorted({os.path.dirname(target) for target in targets})


def plan_wheel_layout(
    archive: str,
    *,
    name: PackageName,
    scheme: Scheme,
    python: str,
    extra_dist_info: dict[str, bytes],
) -> WheelLayout:
    """Map the unpacked wheel at `archive` onto `scheme`, reading only the archive.

    InstallError for a wheel this installer refuses (unknown `.data` key, bad entry point,
    a path that would leave its directory); OSError when the archive cannot be read.
    `extra_dist_info` are the installer's own dist-info files (INSTALLER, REQUESTED...).
    """
    dist_info_name = _find_dist_info(archive, name)
    lib_dir = os.path.normpath(_lib_dir(archive, dist_info_name, scheme, name))
    wheel_record = _wheel_record(archive, dist_info_name)
    entry_points = _script_entry_points(archive, dist_info_name, name)
    launcher_names = {entry.name for entry in entry_points}
    links: list[LinkedFile] = []
    generated: list[GeneratedFile] = []

    def record_path(target: str) -> str:
        return os.path.relpath(target, lib_dir).replace(os.sep, "/")

    def link(source: str, archive_path: str, target: str, recorded_as: str) -> None:
        row = wheel_record.get(archive_path)
        if row is not None and row.hash.startswith("sha256=") and row.size is not None:
            # Trusted: the unpacker verified every file of the archive against this RECORD.
            digest, size = row.hash, row.size
        else:
            digest, size = hash_file(source)
        links.append(LinkedFile(source, target, RecordRow(recorded_as, digest, size)))

    def generate(target: str, data: bytes, mode: int) -> None:
        row = RecordRow(record_path(target), record_hash(data), len(data))
        generated.append(GeneratedFile(target, data, mode, row))

    # Per scheme key: its directory and that directory as RECORD spells it (relpath is slow
    # enough to matter once per file of a large wheel).
    data_bases: dict[str, tuple[str, str]] = {}
    with os.scandir(archive) as top_entries:
        top_level = sorted((entry.name, entry.path) for entry in top_entries)
    for top_name, top_path in top_level:
        if top_name.endswith(".data") and os.path.isdir(top_path):
            for archive_path, source, key, relative in _walk_data(top_path, top_name, name):
                if key not in data_bases:
                    base = _data_target(key, scheme, archive, dist_info_name, name)
                    data_bases[key] = (base, record_path(base))
                base, recorded_base = data_bases[key]
                target = _inside(base, relative, name)
                if key == "scripts":
                    if relative in launcher_names:
                        continue  # regenerated from the entry point below, as pip does
                    fixed = _fixed_script(source, python)
                    if fixed is not None:
                        generate(target, fixed, 0o755)
                        continue
                recorded_as = relative if recorded_base == "." else f"{recorded_base}/{relative}"
                link(source, archive_path, target, recorded_as)
            continue
        for archive_path, source in _walk(top_path, top_name, name):
            owned = archive_path[len(top_name) + 1 :] in _INSTALLER_OWNED
            if top_name == dist_info_name and owned:
                continue
            # Names listed from the validated archive tree hold no `..` and are never absolute,
            # so the _inside check (8,000 calls for jupyter) is skipped here.
            link(source, archive_path, os.path.join(lib_dir, archive_path), archive_path)

    scripts_dir = os.path.normpath(scheme.scripts)
    for entry in entry_points:
        generate(_inside(scripts_dir, entry.name, name), launcher(entry, python), 0o755)
    dist_info_target = os.path.join(lib_dir, dist_info_name)
    for file_name, data in extra_dist_info.items():
        generate(os.path.join(dist_info_target, file_name), data, 0o644)
    return WheelLayout(dist_info_name, lib_dir, links, generated)


def _walk(path: str, archive_path: str, name: PackageName) -> Iterator[tuple[str, str]]:
    """(`/`-joined archive path, absolute path) of every regular file at or under `path`."""
    if not os.path.isdir(path):
        yield archive_path, path
        return
    with os.scandir(path) as scanned:
        entries = sorted(scanned, key=lambda entry: entry.name)
    for entry in entries:  # the cached d_type of each entry spares a stat per file
        entry_archive_path = f"{archive_path}/{entry.name}"
        if entry.is_symlink():
            raise invalid_wheel(name, f"'{entry_archive_path}' is a symlink")
        if entry.is_dir():
            yield from _walk(entry.path, entry_archive_path, name)
        else:
            yield entry_archive_path, entry.path


def _walk_data(
    data_path: str, data_dir_name: str, name: PackageName
) -> Iterator[tuple[str, str, str, str]]:
    """(archive path, absolute path, scheme key, path below the key) of each `.data` file."""
    with os.scandir(data_path) as entries:
        keys = sorted((entry.name, entry.path) for entry in entries)
    for key, key_path in keys:
        for archive_path, source in _walk(key_path, f"{data_dir_name}/{key}", name):
            if key not in _DATA_KEYS:
                raise invalid_wheel(name, f"unknown .data scheme '{key}' in '{archive_path}'")
            relative = archive_path[len(data_dir_name) + len(key) + 2 :]
            if not relative:
                raise invalid_wheel(name, f"'{archive_path}' is a file, not a directory")
            yield archive_path, source, key, relative


def _inside(base: str, relative: str, name: PackageName) -> str:
    """`base/relative`, refused when it would land outside `base` (defence in depth: the
    unpacker already rejects such members, but script and project names come from metadata).

    Without symlinks in the archive, only an absolute path or a `..` part can leave `base`.
    """
    if os.path.isabs(relative) or ".." in relative.replace(os.sep, "/").split("/"):
        raise invalid_wheel(name, f"'{relative}' would be installed outside {base}")
    return os.path.join(base, relative)


def _data_target(
    key: str, scheme: Scheme, archive: str, dist_info_name: str, name: PackageName
) -> str:
    if key == "headers":
        # Headers go below the project's name as its METADATA spells it (what pip uses).
        headers = read_metadata_headers(os.path.join(archive, dist_info_name, "METADATA"))
        project = (headers or {}).get("name") or dist_info_name.partition("-")[0]
        return _inside(os.path.normpath(scheme.include), project, name)
    if key == "purelib":
        return os.path.normpath(scheme.purelib)
    if key == "platlib":
        return os.path.normpath(scheme.platlib)
    if key == "scripts":
        return os.path.normpath(scheme.scripts)
    return os.path.normpath(scheme.data)


def _fixed_script(source: str, python: str) -> bytes | None:
    with open(source, "rb") as file:
        if file.read(8) != b"#!python":
            return None
        file.seek(0)
        return rewrite_python_shebang(file.read(), python)


def _wheel_record(archive: str, dist_info_name: str) -> dict[str, RecordRow]:
    try:
        rows = read_record(os.path.join(archive, dist_info_name, "RECORD"))
    except FileNotFoundError:
        return {}
    return {row.path: row for row in rows}


def _script_entry_points(
    archive: str, dist_info_name: str, name: PackageName
) -> list[ScriptEntryPoint]:
    path = os.path.join(archive, dist_info_name, "entry_points.txt")
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except FileNotFoundError:
        return []
    except UnicodeDecodeError:
        raise invalid_wheel(name, f"{dist_info_name}/entry_points.txt is not valid UTF-8") from None
    try:
        return parse_script_entry_points(text)
    except ValueError as error:
        raise invalid_wheel(name, f"{dist_info_name}/entry_points.txt: {error}") from None


def invalid_wheel(name: PackageName, reason: str) -> InstallError:
    """The wording of every refusal of a wheel's content."""
    return InstallError(f"Invalid wheel {name}: {reason}")


def _find_dist_info(archive: str, name: PackageName) -> str:
    with os.scandir(archive) as entries:
        candidates = sorted(
            entry.name
            for entry in entries
            if entry.name.endswith(".dist-info")
            and entry.is_dir(follow_symlinks=False)
            and normalize_name(entry.name.partition("-")[0]) == name
        )
    if len(candidates) != 1:
        found = ", ".join(candidates) or "none"
        raise invalid_wheel(
            name, f"expected one {name}-*.dist-info directory in {archive}, found {found}"
        )
    return candidates[0]


def _lib_dir(archive: str, dist_info_name: str, scheme: Scheme, name: PackageName) -> Path:
    headers = read_metadata_headers(os.path.join(archive, dist_info_name, "WHEEL"))
    if headers is None:
        raise invalid_wheel(name, f"{dist_info_name}/WHEEL is missing")
    purelib = headers.get("root-is-purelib", "").lower() == "true"
    return scheme.purelib if purelib else scheme.platlib
