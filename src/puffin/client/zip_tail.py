"""Finding and inflating one zip member from byte windows of an archive, every size bounded."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

# The end-of-central-directory record (22 bytes) may be followed by a comment of up to
# 65,535 bytes, and preceded by the zip64 locator (20) and zip64 record (56): one suffix
# request of this size finds all of them in any well-formed archive.
TAIL_SIZE = 64 * 1024 + 22 + 20 + 56
# A wheel's central directory is ~100 bytes a file: 32 MiB is several hundred thousand files.
MAX_CENTRAL_DIRECTORY = 32 * 1024 * 1024
# METADATA is text (a long README at most); anything larger is not worth reading by range.
MAX_MEMBER_SIZE = 16 * 1024 * 1024

_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_CENTRAL_HEADER = struct.Struct("<4s6H3L5H2L")
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_MAX_16 = 0xFFFF
_MAX_32 = 0xFFFFFFFF
_STORED = 0
_DEFLATED = 8
_ENCRYPTED = 0x1
_UTF8_NAMES = 0x800


class UnusableZipTail(Exception):
    """The archive is unusual (or broken) in a way a range read does not handle; the caller
    downloads the whole file instead, where the zip reader gives the real verdict."""


@dataclass(frozen=True)
class CentralDirectory:
    """Where the central directory lies in the archive, and how many entries it holds."""

    offset: int
    size: int
    entries: int


@dataclass(frozen=True)
class ZipMember:
    """One central-directory entry: enough to fetch and check that member alone."""

    name: str
    method: int
    flags: int
    crc32: int
    compressed_size: int
    uncompressed_size: int
    header_offset: int


def locate_central_directory(tail: bytes, tail_start: int, total: int) -> CentralDirectory:
    """Read the end-of-central-directory record (zip64 too) from the archive's last bytes.

    `tail` is bytes `tail_start..total-1` of the archive.
    """
    position = _find_end_record(tail)
    _, disk, cd_disk, disk_entries, entries, size, offset, _ = _EOCD.unpack_from(tail, position)
    end_of_directory = tail_start + position
    locator = position - _ZIP64_LOCATOR.size
    # A zip64 locator makes the zip64 record authoritative, even when the classic record's
    # fields are not saturated (writers may fill both).
    if locator >= 0 and tail[locator : locator + 4] == b"PK\x06\x07":
        entries, size, offset, end_of_directory = _zip64_directory(tail, tail_start, locator)
    elif _MAX_16 in (disk_entries, entries) or _MAX_32 in (size, offset):
        raise UnusableZipTail("saturated end record fields without a zip64 locator")
    elif disk != 0 or cd_disk != 0 or disk_entries != entries:
        raise UnusableZipTail("a multi-disk archive")
    # Data before the first member (a self-extracting stub) shifts every offset; the zip
    # reader copes with it, a range read does not need to.
    if offset + size != end_of_directory:
        raise UnusableZipTail("the central directory is not right before its end record")
    if size > MAX_CENTRAL_DIRECTORY:
        raise UnusableZipTail(f"a central directory of {size} bytes")
    if entries * _CENTRAL_HEADER.size > size or end_of_directory > total:
        raise UnusableZipTail("an end record that contradicts itself")
    return CentralDirectory(offset, size, entries)


def _find_end_record(tail: bytes) -> int:
    # Searched from the end: the comment may itself contain the signature, but the true
    # record is the one whose comment length reaches exactly the end of the file.
    position = len(tail) - _EOCD.size
    while position >= 0:
        position = tail.rfind(b"PK\x05\x06", 0, position + 4)
        if position < 0:
            break
        comment_length = _EOCD.unpack_from(tail, position)[-1]
        if position + _EOCD.size + comment_length == len(tail):
            return position
        position -= 1
    raise UnusableZipTail("no end-of-central-directory record in the last bytes")


def _zip64_directory(tail: bytes, tail_start: int, locator: int) -> tuple[int, int, int, int]:
    signature, disk, record_offset, disks = _ZIP64_LOCATOR.unpack_from(tail, locator)
    if signature != b"PK\x06\x07" or disk != 0 or disks != 1:
        raise UnusableZipTail("no usable zip64 locator")
    record = record_offset - tail_start
    if record < 0 or record + _ZIP64_EOCD.size > locator:
        raise UnusableZipTail("a zip64 end record outside the bytes read")
    fields = _ZIP64_EOCD.unpack_from(tail, record)
    signature, disk, cd_disk, disk_entries, entries, size, offset = (fields[0], *fields[4:])
    if signature != b"PK\x06\x06" or disk != 0 or cd_disk != 0 or disk_entries != entries:
        raise UnusableZipTail("an unusable zip64 end record")
    return entries, size, offset, record_offset


def find_central_member(data: bytes, suffix: bytes) -> ZipMember | None:
    """The one central-directory entry whose name ends with `suffix` (e.g. a dist-info's
    `/METADATA`), found by searching the bytes instead of parsing every entry: botocore's
    wheels list ~800 members, and parsing them all cost 4 ms a wheel, 12 s of a cold
    boto3.in resolve that reads 2,900 of them. None when the name is not there exactly once
    or the entry is unusual; the caller then parses the whole directory."""
    end = data.find(suffix)
    if end < 0 or data.find(suffix, end + 1) >= 0:
        return None
    end += len(suffix)
    header = data.rfind(b"PK\x01\x02", 0, end)
    if header < 0 or header + _CENTRAL_HEADER.size > len(data):
        return None
    fields = _CENTRAL_HEADER.unpack_from(data, header)
    flags, method, _, _, crc, compressed, uncompressed = fields[3:10]
    name_length, offset = fields[10], fields[16]
    name_start = header + _CENTRAL_HEADER.size
    if name_start + name_length != end or _MAX_32 in (compressed, uncompressed, offset):
        return None
    name = data[name_start:end].decode("utf-8" if flags & _UTF8_NAMES else "cp437", "replace")
    return ZipMember(name, method, flags, crc, compressed, uncompressed, offset)


def parse_central_directory(data: bytes, entries: int) -> list[ZipMember]:
    """The `entries` members described by the central directory bytes `data`."""
    members = []
    position = 0
    for _ in range(entries):
        if position + _CENTRAL_HEADER.size > len(data):
            raise UnusableZipTail("a central directory shorter than its entry count")
        fields = _CENTRAL_HEADER.unpack_from(data, position)
        if fields[0] != b"PK\x01\x02":
            raise UnusableZipTail("a bad central directory entry signature")
        flags, method, _, _, crc, compressed, uncompressed = fields[3:10]
        name_length, extra_length, comment_length = fields[10:13]
        offset = fields[16]
        name_start = position + _CENTRAL_HEADER.size
        extra_start = name_start + name_length
        position = extra_start + extra_length + comment_length
        if position > len(data):
            raise UnusableZipTail("a central directory entry past the directory's end")
        raw_name = data[name_start:extra_start]
        name = raw_name.decode("utf-8" if flags & _UTF8_NAMES else "cp437", "replace")
        if _MAX_32 in (compressed, uncompressed, offset):
            extra = data[extra_start : extra_start + extra_length]
            uncompressed, compressed, offset = _zip64_sizes(extra, uncompressed, compressed, offset)
        members.append(ZipMember(name, method, flags, crc, compressed, uncompressed, offset))
    return members


def _zip64_sizes(extra: bytes, *values: int) -> tuple[int, int, int]:
    """APPNOTE 4.5.3: the zip64 extra field holds, in this order, each of uncompressed size,
    compressed size and header offset whose 32-bit field is saturated."""
    position = 0
    while position + 4 <= len(extra):
        kind, length = struct.unpack_from("<2H", extra, position)
        body = extra[position + 4 : position + 4 + length]
        position += 4 + length
        if kind != 0x0001:
            continue
        result = list(values)
        cursor = 0
        for index, value in enumerate(values):
            if value == _MAX_32:
                if cursor + 8 > len(body):
                    raise UnusableZipTail("a short zip64 extra field")
                result[index] = struct.unpack_from("<Q", body, cursor)[0]
                cursor += 8
        return result[0], result[1], result[2]
    raise UnusableZipTail("saturated sizes without a zip64 extra field")


def find_member(members: list[ZipMember], wanted: Callable[[str], bool]) -> ZipMember | None:
    """The first member whose name `wanted` accepts."""
    return next((member for member in members if wanted(member.name)), None)


def member_span(member: ZipMember, members: list[ZipMember], directory_offset: int) -> range:
    """The archive bytes holding `member`'s local header and data: up to the next member's
    header (or the central directory), and never more than its sizes allow."""
    if member.compressed_size > MAX_MEMBER_SIZE or member.uncompressed_size > MAX_MEMBER_SIZE:
        raise UnusableZipTail(f"{member.name} is larger than {MAX_MEMBER_SIZE} bytes")
    start = member.header_offset
    following = [m.header_offset for m in members if m.header_offset > start]
    end = min([directory_offset, *following])
    # The local header repeats the name and has its own extra field: each at most 64 KiB.
    end = min(end, start + _LOCAL_HEADER.size + 2 * _MAX_16 + member.compressed_size)
    if end - start < _LOCAL_HEADER.size + member.compressed_size:
        raise UnusableZipTail(f"no room for {member.name} before the next member")
    return range(start, end)


def extract_member(span: bytes, member: ZipMember) -> bytes:
    """Inflate `member` from `span` (the bytes of `member_span`), checking size and CRC."""
    if member.flags & _ENCRYPTED or member.method not in (_STORED, _DEFLATED):
        raise UnusableZipTail(f"{member.name} is encrypted or uses compression {member.method}")
    if len(span) < _LOCAL_HEADER.size:
        raise UnusableZipTail(f"a short local header for {member.name}")
    fields = _LOCAL_HEADER.unpack_from(span, 0)
    if fields[0] != b"PK\x03\x04":
        raise UnusableZipTail(f"a bad local header signature for {member.name}")
    data_start = _LOCAL_HEADER.size + fields[9] + fields[10]
    data = span[data_start : data_start + member.compressed_size]
    if len(data) != member.compressed_size:
        raise UnusableZipTail(f"{member.name}'s data runs past the bytes read")
    if member.method == _STORED:
        content = data
    else:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        try:
            # max_length bounds the output: a lying size cannot make us inflate a bomb.
            content = inflater.decompress(data, member.uncompressed_size + 1)
        except zlib.error as error:
            raise UnusableZipTail(f"{member.name} does not inflate: {error}") from None
    if len(content) != member.uncompressed_size or zlib.crc32(content) != member.crc32:
        raise UnusableZipTail(f"{member.name} fails its size or CRC check")
    return content
