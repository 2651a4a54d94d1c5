"""Validate a wheel against puffin's safety rules while unzipping it into a new directory."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import itertools
import mmap
import os
import shutil
import stat
import struct
import threading
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from puffin.errors import CacheError, InvalidWheel
from puffin.filenames import WheelFilename
from puffin.hashes import HashAlgorithm
from puffin.names import normalize_name

DEFAULT_MAX_TOTAL_BYTES = 4 * 1024**3
DEFAULT_MAX_RATIO = 200
# The ratio limit only applies to large members: small ones legitimately compress up to deflate's
# ceiling of ~1030:1 (onnx 1.23.1 ships a 2.5 MB test tensor at 1016:1). Over the 967 real wheels
# on the development machine, no member above 8 MiB compresses better than 21:1.
_RATIO_APPLIES_ABOVE = 8 * 1024 * 1024
_CHUNK = 1024 * 1024

_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_LOCAL = struct.Struct("<4s5H3L2H")
_EXTRA_HEADER = struct.Struct("<2H")
_EOCD_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_ZIP64_EOCD_SIGNATURE = b"PK\x06\x06"
_CENTRAL_SIGNATURE = b"PK\x01\x02"
_LOCAL_SIGNATURE = b"PK\x03\x04"
_ZIP64_EXTRA_ID = 0x0001
_ZIP64_MARK = 0xFFFFFFFF
_FLAG_ENCRYPTED = 0x0001
_FLAG_STRONG_ENCRYPTION = 0x0040
_FLAG_UTF8 = 0x0800
_STORED = 0
_DEFLATED = 8

_FILE_TYPES = {
    stat.S_IFLNK: "a symbolic link",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a named pipe",
    stat.S_IFSOCK: "a socket",
}
_SIGNATURE_FILES = ("RECORD.jws", "RECORD.p7s")
_DATA_SCHEMES = frozenset({"purelib", "platlib", "headers", "scripts", "data"})
_SCRIPT_SECTIONS = ("console_scripts", "gui_scripts")
_STRONG_ALGORITHMS = frozenset(algorithm.value for algorithm in HashAlgorithm)


@dataclass(frozen=True)
class UnpackedWheel:
    """What `unpack_wheel` wrote."""

    root: Path  # the directory written (the dest passed in)
    dist_info: str  # "name-1.0.dist-info"
    files: int
    total_bytes: int


class _Rejected(Exception):
    """A rule broken; `unpack_wheel` names the wheel when it turns this into InvalidWheel."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class _Member:
    """One central-directory entry, with where its data really starts."""

    name: str
    mode: int  # the Unix mode in the high half of external_attr (0 when the writer set none)
    method: int
    compressed_size: int
    file_size: int
    data_start: int


@dataclass(frozen=True, slots=True)
class _Expected:
    """What RECORD promises about one file."""

    algorithm: str
    digest: str  # as RECORD writes it: urlsafe base64 without padding (or, rarely, hex)
    size: int


@dataclass(frozen=True, slots=True)
class _Layout:
    """The validated tree a wheel will become."""

    files: dict[str, _Member]  # normalised path -> member
    directories: list[str]  # every directory to create, parents before children
    dist_info: str


def unpack_wheel(
    wheel: Path,
    dest: Path,
    *,
    filename: WheelFilename,
    max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES,
    max_ratio: int = DEFAULT_MAX_RATIO,
) -> UnpackedWheel:
    """Check every rule of DESIGN.md "Safety" and unzip `wheel` into `dest`, which must not exist.

    Raise InvalidWheel naming the offending member when the wheel breaks a rule; then, as on
    any other failure, nothing is left at `dest`.
    """
    try:
        with open(wheel, "rb") as file:
            size = os.fstat(file.fileno()).st_size
            if size < _EOCD.size:
                raise _Rejected("not a zip archive: the file is too short")
            with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
                return _unpack(data, size, dest, filename, max_total_bytes, max_ratio)
    except _Rejected as error:
        raise InvalidWheel(filename.filename, error.reason) from None
    except OSError as error:  # _unpack turns its own into CacheError: this one is reading
        raise InvalidWheel(filename.filename, f"cannot read {wheel}: {error.strerror}") from None


def _unpack(
    data: mmap.mmap,
    size: int,
    dest: Path,
    filename: WheelFilename,
    max_total_bytes: int,
    max_ratio: int,
) -> UnpackedWheel:
    layout = _layout(_read_members(data, size), filename, max_total_bytes, max_ratio)
    record_path = f"{layout.dist_info}/RECORD"
    wheel_path = f"{layout.dist_info}/WHEEL"
    record_bytes = b"".join(_inflate(data, layout.files[record_path]))
    wheel_bytes = b"".join(_inflate(data, layout.files[wheel_path]))
    expected = _parse_record(record_bytes, layout)
    wheel_expected = expected[wheel_path]
    _check_content(
        wheel_path,
        wheel_expected,
        hashlib.new(wheel_expected.algorithm, wheel_bytes).digest(),
        len(wheel_bytes),
    )
    _check_wheel_version(wheel_bytes)
    # Refused here rather than at install, so such a wheel never enters the cache.
    entry_points = layout.files.get(f"{layout.dist_info}/entry_points.txt")
    if entry_points is not None:
        _check_script_names(layout.dist_info, b"".join(_inflate(data, entry_points)))

    try:
        os.mkdir(dest)
    except OSError as error:
        raise CacheError(
            f"Cannot unpack {filename.filename} into {dest}: {_reason(error)}"
        ) from None
    root = os.fspath(dest)
    try:
        for directory in layout.directories:
            os.mkdir(f"{root}/{directory}")
        _write_file(f"{root}/{record_path}", record_bytes, layout.files[record_path].mode)
        _write_file(f"{root}/{wheel_path}", wheel_bytes, layout.files[wheel_path].mode)
        jobs = [
            (member, path, expected.get(path))
            for path, member in layout.files.items()
            if path != record_path and path != wheel_path
        ]
        _extract_all(data, root, jobs)
    except BaseException as error:
        shutil.rmtree(dest, ignore_errors=True)
        if isinstance(error, FileExistsError) and error.filename:
            # Only a case-insensitive file system makes two distinct member paths one file.
            clash = os.path.relpath(error.filename, root)
            raise InvalidWheel(
                filename.filename,
                f"member {clash!r} collides with another member on this "
                "file system (their names differ only in case?)",
            ) from None
        if isinstance(error, OSError):
            raise CacheError(
                f"Cannot unpack {filename.filename} into {dest}: {_reason(error)}"
            ) from None
        raise
    total = sum(member.file_size for member in layout.files.values())
    return UnpackedWheel(dest, layout.dist_info, len(layout.files), total)


# --- the zip structure ---------------------------------------------------------------------


def _read_members(data: mmap.mmap, size: int) -> list[_Member]:
    """Parse the central directory once, checking that the archive is exactly the file."""
    end_record = _find_end_record(data, size)
    _, disk, cd_disk, disk_entries, entries, cd_size, cd_offset, _ = _EOCD.unpack_from(
        data, end_record
    )
    cd_end = end_record
    locator = end_record - _ZIP64_LOCATOR.size
    if locator >= 0 and data[locator : locator + 4] == _ZIP64_LOCATOR_SIGNATURE:
        cd_end = locator - _ZIP64_EOCD.size
        entries, cd_size, cd_offset = _read_zip64_end(data, locator, cd_end)
    elif disk != 0 or cd_disk != 0 or disk_entries != entries:
        raise _Rejected("archives split over several disks are not supported")
    # Data prepended to an archive shifts everything by the same amount; some writers keep the
    # offsets relative to the original start, so the shift is where the central directory
    # really ends minus where the end record says it ends.
    shift = cd_end - (cd_offset + cd_size)
    if shift < 0:
        raise _Rejected("the central directory is corrupt: it overlaps its end record")
    members: list[_Member] = []
    spans: list[tuple[int, int, str]] = []
    position = cd_start = cd_offset + shift
    for _ in range(entries):
        if position + _CENTRAL.size > cd_end:
            raise _Rejected("the central directory is corrupt: it is shorter than declared")
        (
            signature,
            _made_by,
            _needed,
            flags,
            method,
            _time,
            _date,
            _crc,
            compressed_size,
            file_size,
            name_length,
            extra_length,
            comment_length,
            _disk_start,
            _internal_attr,
            external_attr,
            header_offset,
        ) = _CENTRAL.unpack_from(data, position)
        if signature != _CENTRAL_SIGNATURE:
            raise _Rejected("the central directory is corrupt: an entry has a bad signature")
        name_start = position + _CENTRAL.size
        raw_name = data[name_start : name_start + name_length]
        name = _decode_name(raw_name, flags)
        if _ZIP64_MARK in (compressed_size, file_size, header_offset):
            extra = data[name_start + name_length : name_start + name_length + extra_length]
            file_size, compressed_size, header_offset = _zip64_values(
                name, extra, file_size, compressed_size, header_offset
            )
        position = name_start + name_length + extra_length + comment_length
        header_offset += shift
        data_start = _check_local_header(data, name, raw_name, flags, header_offset, cd_start)
        members.append(
            _Member(
                name,
                external_attr >> 16,
                method,
                compressed_size,
                file_size,
                data_start,
            )
        )
        spans.append((header_offset, data_start + compressed_size, name))
    if position != cd_end:
        raise _Rejected("the central directory is corrupt: its size does not match its entries")
    _check_spans(spans, cd_start)
    return members


def _find_end_record(data: mmap.mmap, size: int) -> int:
    """Offset of the end-of-central-directory record, which with its comment must end the file."""
    window = max(0, size - _EOCD.size - 0xFFFF)
    position = data.rfind(_EOCD_SIGNATURE, window)
    trailing = -1
    while position >= 0:
        if position + _EOCD.size <= size:
            comment_length = _EOCD.unpack_from(data, position)[-1]
            record_end = position + _EOCD.size + comment_length
            if record_end == size:
                return position
            if record_end < size and trailing < 0:
                trailing = size - record_end
        position = data.rfind(_EOCD_SIGNATURE, window, position)
    if trailing > 0:
        raise _Rejected(f"{trailing} bytes of unexpected data after the end of the zip archive")
    raise _Rejected("not a zip archive: no end-of-central-directory record at the end of the file")


def _read_zip64_end(data: mmap.mmap, locator: int, record: int) -> tuple[int, int, int]:
    """(entries, central directory size, offset) from the zip64 end record before `locator`."""
    _, disk, _, disks = _ZIP64_LOCATOR.unpack_from(data, locator)
    if disk != 0 or disks > 1:
        raise _Rejected("archives split over several disks are not supported")
    if record < 0 or data[record : record + 4] != _ZIP64_EOCD_SIGNATURE:
        raise _Rejected("the zip64 end-of-central-directory record is missing or misplaced")
    (_, record_size, _, _, disk, cd_disk, disk_entries, entries, cd_size, cd_offset) = (
        _ZIP64_EOCD.unpack_from(data, record)
    )
    if record_size != _ZIP64_EOCD.size - 12:
        raise _Rejected("the zip64 end-of-central-directory record has an unsupported size")
    if disk != 0 or cd_disk != 0 or disk_entries != entries:
        raise _Rejected("archives split over several disks are not supported")
    return entries, cd_size, cd_offset


def _decode_name(raw_name: bytes, flags: int) -> str:
    if flags & _FLAG_UTF8:
        try:
            return raw_name.decode("utf-8")
        except UnicodeDecodeError:
            raise _Rejected(f"member name {raw_name!r} is not valid UTF-8") from None
    # The zip specification's default encoding; wheel writers set the UTF-8 flag otherwise.
    return raw_name.decode("cp437")


def _zip64_values(
    name: str, extra: bytes, file_size: int, compressed_size: int, header_offset: int
) -> tuple[int, int, int]:
    """Replace the 0xFFFFFFFF placeholders with the 64-bit values of the zip64 extra field."""
    position = 0
    while position + _EXTRA_HEADER.size <= len(extra):
        tag, length = _EXTRA_HEADER.unpack_from(extra, position)
        position += _EXTRA_HEADER.size
        if tag == _ZIP64_EXTRA_ID:
            values = extra[position : position + length]
            wanted = [file_size, compressed_size, header_offset]
            found = 0
            for index, value in enumerate(wanted):
                if value == _ZIP64_MARK:
                    if (found + 1) * 8 > len(values):
                        break
                    wanted[index] = int.from_bytes(values[found * 8 : found * 8 + 8], "little")
                    found += 1
            else:
                return wanted[0], wanted[1], wanted[2]
            break
        position += length
    raise _Rejected(f"member {name!r} lacks the zip64 sizes its central directory entry needs")


def _check_local_header(
    data: mmap.mmap, name: str, raw_name: bytes, central_flags: int, offset: int, cd_start: int
) -> int:
    """Where the member's data starts, once its local header agrees with the central directory."""
    if offset + _LOCAL.size > cd_start:
        raise _Rejected(f"the local header of member {name!r} lies outside the archive")
    signature, _, flags, _, _, _, _, _, _, name_length, extra_length = _LOCAL.unpack_from(
        data, offset
    )
    if signature != _LOCAL_SIGNATURE:
        raise _Rejected(f"the local header of member {name!r} is missing")
    name_start = offset + _LOCAL.size
    local_name = data[name_start : name_start + name_length]
    if local_name != raw_name:
        shown = local_name.decode("utf-8", errors="replace")
        raise _Rejected(
            f"member {name!r} is called {shown!r} in its local header: "
            "the archive's two directories disagree"
        )
    if (flags | central_flags) & (_FLAG_ENCRYPTED | _FLAG_STRONG_ENCRYPTION):
        raise _Rejected(f"member {name!r} is encrypted")
    return int(name_start + name_length + extra_length)


def _check_spans(spans: list[tuple[int, int, str]], cd_start: int) -> None:
    """Members follow each other from offset 0 without overlapping, and end before the directory."""
    spans.sort()
    first = spans[0][0] if spans else cd_start
    if first != 0:
        raise _Rejected(f"{first} bytes of unexpected data before the first zip entry")
    for (_, end, name), (next_start, _, _) in itertools.pairwise(spans):
        if end > next_start:
            raise _Rejected(f"member {name!r} overlaps the entry after it")
    if spans and spans[-1][1] > cd_start:
        raise _Rejected(f"member {spans[-1][2]!r} overlaps the central directory")


# --- names, kinds and sizes ----------------------------------------------------------------


def _layout(
    members: list[_Member], filename: WheelFilename, max_total_bytes: int, max_ratio: int
) -> _Layout:
    files: dict[str, _Member] = {}
    directories: set[str] = set()
    seen: set[str] = set()
    total = 0
    bomb: _Member | None = None
    for member in members:
        name = member.name
        if name in seen:
            raise _Rejected(f"member {name!r} appears more than once")
        seen.add(name)
        path = _normalised_path(name)
        is_directory = name.endswith("/")
        _check_kind(member, is_directory)
        if is_directory:
            _add_directory(directories, path)
            continue
        if not path:
            raise _Rejected(f"member name {name!r} names no file")
        other = files.get(path)
        if other is not None:
            raise _Rejected(f"members {other.name!r} and {name!r} are the same file")
        files[path] = member
        _check_data_scheme(path, name)
        parent = path.rpartition("/")[0]
        if parent:
            _add_directory(directories, parent)
        total += member.file_size
        if bomb is None and _too_compressed(member, max_ratio):
            bomb = member
    if total > max_total_bytes:
        raise _Rejected(
            f"it would unpack to {total} bytes, more than the limit of {max_total_bytes}"
        )
    if bomb is not None:
        raise _Rejected(
            f"member {bomb.name!r} would expand from {bomb.compressed_size} to "
            f"{bomb.file_size} bytes, more than {max_ratio} times (a zip bomb?)"
        )
    clash = sorted(files.keys() & directories)
    if clash:
        raise _Rejected(f"member {files[clash[0]].name!r} is both a file and a directory")
    dist_info = _dist_info(directories, filename)
    for required in ("WHEEL", "RECORD"):
        if f"{dist_info}/{required}" not in files:
            raise _Rejected(f"{dist_info}/{required} is missing")
    return _Layout(files, sorted(directories), dist_info)


def _normalised_path(name: str) -> str:
    """The member's path relative to the wheel root, or a rejection if it could leave it.

    A path made of plain components under a directory we just created, into which we write no
    links, cannot resolve outside it: these syntactic checks are the containment check.
    """
    if "\x00" in name:
        raise _Rejected(f"member name {name!r} contains a NUL byte")
    if name.startswith(("/", "\\")) or _has_drive(name):
        raise _Rejected(f"member name {name!r} is an absolute path")
    if "\\" in name:
        raise _Rejected(f"member name {name!r} uses a backslash as a path separator")
    if ".." in name.split("/"):
        raise _Rejected(f"member name {name!r} contains a '..' component")
    return _without_dots(name)


def _without_dots(path: str) -> str:
    """`path` without `.` and empty components (so `./a//b/` is `a/b`)."""
    if "/." not in path and "//" not in path and not path.startswith("./") and path != ".":
        return path[:-1] if path.endswith("/") else path
    return "/".join(part for part in path.split("/") if part and part != ".")


def _has_drive(name: str) -> bool:
    return len(name) > 1 and name[1] == ":" and name[0].isascii() and name[0].isalpha()


def _check_kind(member: _Member, is_directory: bool) -> None:
    name = member.name
    kind = stat.S_IFMT(member.mode)
    if kind in _FILE_TYPES:
        raise _Rejected(f"member {name!r} is {_FILE_TYPES[kind]}, not a regular file")
    if kind == stat.S_IFDIR and not is_directory:
        raise _Rejected(f"member {name!r} is a directory entry without a trailing '/'")
    if member.method not in (_STORED, _DEFLATED):
        raise _Rejected(
            f"member {name!r} uses compression method {member.method}; "
            "only stored (0) and deflate (8) are supported"
        )
    if member.method == _STORED and member.compressed_size != member.file_size:
        raise _Rejected(f"member {name!r} is stored uncompressed but its two sizes differ")


def _too_compressed(member: _Member, max_ratio: int) -> bool:
    return (
        member.file_size > _RATIO_APPLIES_ABOVE
        and member.file_size > max_ratio * member.compressed_size
    )


def _check_data_scheme(path: str, name: str) -> None:
    """A file under `<name>.data/` sits in a directory named after an install scheme key."""
    top, _, below_top = path.partition("/")
    if not top.endswith(".data") or not below_top:
        return
    key, _, below_key = below_top.partition("/")
    if key not in _DATA_SCHEMES:
        raise _Rejected(f"unknown .data scheme {key!r} in {name!r}")
    if not below_key:
        raise _Rejected(f"member {name!r} is a file where a .data scheme directory belongs")


def _add_directory(directories: set[str], path: str) -> None:
    while path and path not in directories:
        directories.add(path)
        path = path.rpartition("/")[0]


def _dist_info(directories: set[str], filename: WheelFilename) -> str:
    found = sorted(d for d in directories if "/" not in d and d.endswith(".dist-info"))
    if not found:
        raise _Rejected("it has no .dist-info directory")
    if len(found) > 1:
        raise _Rejected(f"it has more than one .dist-info directory: {', '.join(found)}")
    name, _, version = found[0][: -len(".dist-info")].rpartition("-")
    try:
        matches = normalize_name(name) == filename.name and Version(version) == filename.version
    except InvalidVersion:
        matches = False
    if not matches:
        raise _Rejected(
            f"its metadata directory {found[0]!r} does not match the file name "
            f"(expected {filename.name} {filename.version})"
        )
    return found[0]


# --- RECORD and WHEEL ----------------------------------------------------------------------


def _parse_record(content: bytes, layout: _Layout) -> dict[str, _Expected]:
    """What RECORD promises per member; all but RECORD and its signatures must be listed."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise _Rejected("RECORD is not valid UTF-8") from None
    record_path = f"{layout.dist_info}/RECORD"
    signatures = {f"{layout.dist_info}/{name}" for name in _SIGNATURE_FILES}
    expected: dict[str, _Expected] = {}
    listed: set[str] = set()
    for line, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        if not row:
            continue
        if len(row) != 3:
            raise _Rejected(f"RECORD line {line} does not have three fields")
        listed_path, hash_text, size_text = row
        path = _without_dots(listed_path)
        if path in listed:
            raise _Rejected(f"RECORD lists {listed_path!r} more than once")
        listed.add(path)
        if path not in layout.files:
            raise _Rejected(f"RECORD lists {listed_path!r}, which is not in the archive")
        if path == record_path or (path in signatures and not hash_text):
            continue
        expected[path] = _parse_record_row(listed_path, hash_text, size_text)
    for path, member in layout.files.items():
        if path not in expected and path != record_path and path not in signatures:
            raise _Rejected(f"member {member.name!r} is not listed in RECORD")
    return expected


def _parse_record_row(path: str, hash_text: str, size_text: str) -> _Expected:
    if not hash_text:
        raise _Rejected(f"RECORD has no hash for {path!r}")
    algorithm, _, digest = hash_text.partition("=")
    algorithm = algorithm.lower()
    if algorithm not in _STRONG_ALGORITHMS:
        raise _Rejected(
            f"RECORD has a {algorithm} hash for {path!r}; sha256 or stronger is required"
        )
    try:
        size = int(size_text)
    except ValueError:
        raise _Rejected(f"RECORD has no valid size for {path!r}") from None
    return _Expected(algorithm, digest.rstrip("="), size)


def _check_wheel_version(content: bytes) -> None:
    """WHEEL is a block of `Key: value` lines; only a 1.x Wheel-Version can be installed."""
    for line in content.decode("utf-8", errors="replace").splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "wheel-version":
            major = value.strip().partition(".")[0]
            if major != "1":
                raise _Rejected(
                    f"its Wheel-Version is {value.strip()}; only version 1.x is supported"
                )
            return
    raise _Rejected("WHEEL has no Wheel-Version")


def _check_script_names(dist_info: str, content: bytes) -> None:
    """Script entry points become files in the scripts directory: plain file names only."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise _Rejected(f"{dist_info}/entry_points.txt is not valid UTF-8") from None
    section = None
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
        elif section in _SCRIPT_SECTIONS:
            script = line.partition("=")[0].strip()
            if script in ("", ".", "..") or any(c in script for c in "/\\\0"):
                raise _Rejected(
                    f"entry point script name {script!r} in [{section}] is not a plain file name"
                )


def _check_content(path: str, expected: _Expected, digest: bytes, size: int) -> None:
    """The bytes written are the ones RECORD describes."""
    if size != expected.size:
        raise _Rejected(f"member {path!r} is {size} bytes but RECORD says {expected.size}")
    encoded = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    # gmsh 4.15.2 on PyPI writes hex digests; they are as strong, so they count too.
    if expected.digest != encoded and expected.digest.lower() != digest.hex():
        raise _Rejected(
            f"member {path!r} does not match RECORD: its {expected.algorithm} is {encoded}, "
            f"RECORD says {expected.digest}"
        )


# --- extraction ----------------------------------------------------------------------------

_Job = tuple[_Member, str, _Expected | None]
# Measured on 2 vCPUs shared with other work (medians of 5-7 runs, +-10%; tmpfs, and an ext4 VM
# disk where creating a file costs ~0.3 ms of kernel time). Jupyter's 97 wheels (12,091 members,
# 169 MB), one at a time:
#   this reader, single thread, mmap                     tmpfs  0.94 s   disk 10.6 s
#   the same reading the whole file into bytes first     tmpfs  0.94 s   (mmap kept: no 700 MB
#                                                                          torch copy in memory)
#   zipfile, single thread                               tmpfs  1.25 s
#   zipfile, 4 threads each with its own ZipFile         tmpfs  2.05 s   disk  9.6 s
#   this reader, threads for wheels over 8 MiB (kept)    tmpfs  0.95 s   disk  8.5 s
# scipy 1.17.1 alone (1,541 files, 114 MB): 494 -> 325 ms on tmpfs, 1.22 -> 0.79 s on disk.
# Six wheels at once, as the preparer runs them: 5.6 s single-threaded, 5.3 s as kept, 6.1 s
# when every wheel gets threads; so small wheels stay on their caller's thread.
_PARALLEL_ABOVE_BYTES = 8 * 1024 * 1024
_WORKERS = min(4, os.cpu_count() or 1)


def _extract_all(data: mmap.mmap, root: str, jobs: list[_Job]) -> None:
    """Extract on several threads when the wheel is big enough to repay them.

    zlib, hashlib and file writes release the GIL, and each thread only reads the shared map.
    """
    total = sum(member.file_size for member, _, _ in jobs)
    workers = _WORKERS if total > _PARALLEL_ABOVE_BYTES else 1
    if workers == 1:
        for member, path, expected in jobs:
            _extract(data, member, f"{root}/{path}", path, expected)
        return
    # Largest first, dealt round-robin: the threads finish close together.
    jobs = sorted(jobs, key=lambda job: job[0].file_size, reverse=True)
    stop = threading.Event()

    def run(batch: list[_Job]) -> None:
        try:
            for member, path, expected in batch:
                if stop.is_set():
                    return
                _extract(data, member, f"{root}/{path}", path, expected)
        except BaseException:
            stop.set()
            raise

    with ThreadPoolExecutor(workers - 1) as pool:
        futures = [pool.submit(run, jobs[index::workers]) for index in range(1, workers)]
        run(jobs[0::workers])
    for future in futures:
        future.result()


def _extract(
    data: mmap.mmap, member: _Member, target: str, path: str, expected: _Expected | None
) -> None:
    """Write one member, hashing the bytes on their way to disk."""
    hasher = hashlib.new(expected.algorithm) if expected is not None else None
    descriptor = os.open(target, _CREATE, 0o755 if member.mode & 0o111 else 0o644)
    try:
        for chunk in _inflate(data, member):
            if hasher is not None:
                hasher.update(chunk)
            _write_all(descriptor, chunk)
    finally:
        os.close(descriptor)
    if expected is not None and hasher is not None:
        # _inflate yields exactly the declared size or raises.
        _check_content(path, expected, hasher.digest(), member.file_size)


# O_EXCL: never write through something that was already there.
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def _write_file(target: str, content: bytes, mode: int) -> None:
    descriptor = os.open(target, _CREATE, 0o755 if mode & 0o111 else 0o644)
    try:
        _write_all(descriptor, content)
    finally:
        os.close(descriptor)


def _write_all(descriptor: int, chunk: bytes) -> None:
    written = os.write(descriptor, chunk)
    while written < len(chunk):
        written += os.write(descriptor, memoryview(chunk)[written:])


def _inflate(data: mmap.mmap, member: _Member) -> Iterator[bytes]:
    """The member's bytes in chunks, never more than its declared size, whatever the data says.

    The declared sizes were checked against the limits; stopping one byte past the declared size
    bounds the real output too, so a lying header cannot inflate further.
    """
    start = member.data_start
    end = start + member.compressed_size
    if member.method == _STORED:
        for position in range(start, end, _CHUNK):
            yield data[position : min(position + _CHUNK, end)]
        return
    decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
    remaining = member.file_size
    position = start
    pending = b""
    try:
        while not decompressor.eof:
            if not pending:
                if position == end:
                    raise _Rejected(f"member {member.name!r} is truncated")
                pending = data[position : min(position + _CHUNK, end)]
                position += len(pending)
            chunk = decompressor.decompress(pending, min(remaining, _CHUNK) + 1)
            pending = decompressor.unconsumed_tail
            if len(chunk) > remaining:
                raise _Rejected(
                    f"member {member.name!r} is larger than its declared size "
                    f"of {member.file_size} bytes"
                )
            remaining -= len(chunk)
            if chunk:
                yield chunk
    except zlib.error as error:
        raise _Rejected(f"member {member.name!r} is corrupt: {error}") from None
    if remaining:
        raise _Rejected(
            f"member {member.name!r} is smaller than its declared size of {member.file_size} bytes"
        )


def _reason(error: OSError) -> str:
    """`No space left on device`, not `[Errno 28] No space left on device: '/x/y'`."""
    return error.strerror or str(error)
