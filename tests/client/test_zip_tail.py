"""Reading one member from the tail of a zip: plain, zip64, long comments, and refusals."""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from puffin.client.zip_tail import (
    TAIL_SIZE,
    UnusableZipTail,
    extract_member,
    find_member,
    locate_central_directory,
    member_span,
    parse_central_directory,
)

METADATA = b"Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n" + b"Summary: x\n" * 50


def make_zip(
    members: list[tuple[str, bytes]],
    *,
    comment: bytes = b"",
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, content in members:
            archive.writestr(name, content)
        archive.comment = comment
    return buffer.getvalue()


def read_member(archive: bytes, name: str) -> bytes:
    """What a range reader does, with slices of `archive` standing in for the requests."""
    tail_start = max(len(archive) - TAIL_SIZE, 0)
    directory = locate_central_directory(archive[tail_start:], tail_start, len(archive))
    members = parse_central_directory(
        archive[directory.offset : directory.offset + directory.size], directory.entries
    )
    member = find_member(members, lambda candidate: candidate == name)
    assert member is not None
    span = member_span(member, members, directory.offset)
    return extract_member(archive[span.start : span.stop], member)


def test_a_member_is_read_from_a_small_archive() -> None:
    archive = make_zip([("foo-1.0.dist-info/METADATA", METADATA), ("foo/__init__.py", b"")])
    assert read_member(archive, "foo-1.0.dist-info/METADATA") == METADATA


def test_a_member_before_a_large_one_is_read_with_bounded_spans() -> None:
    big = os.urandom(300_000)
    archive = make_zip([("foo-1.0.dist-info/METADATA", METADATA), ("foo/big.bin", big)])
    tail_start = len(archive) - TAIL_SIZE
    directory = locate_central_directory(archive[tail_start:], tail_start, len(archive))
    members = parse_central_directory(
        archive[directory.offset : directory.offset + directory.size], directory.entries
    )
    span = member_span(members[0], members, directory.offset)
    assert span.start == 0 and span.stop == members[1].header_offset
    assert read_member(archive, "foo/big.bin") == big


def test_stored_members_and_a_maximal_comment_holding_a_fake_end_record() -> None:
    comment = (b"PK\x05\x06" + b"\x00" * 30) * (65535 // 34)
    archive = make_zip(
        [("foo-1.0.dist-info/METADATA", METADATA)],
        comment=comment,
        compression=zipfile.ZIP_STORED,
    )
    assert read_member(archive, "foo-1.0.dist-info/METADATA") == METADATA


def test_zip64_records_and_extra_fields_are_followed(monkeypatch: pytest.MonkeyPatch) -> None:
    # zipfile writes zip64 structures past these limits; lowering them makes a real zip64
    # archive (end record, locator, and 64-bit sizes and offsets) without gigabytes.
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 16)
    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 1)
    archive = make_zip([("foo/__init__.py", b"x" * 100), ("foo-1.0.dist-info/METADATA", METADATA)])
    monkeypatch.undo()
    assert b"PK\x06\x06" in archive[-200:]
    with zipfile.ZipFile(io.BytesIO(archive)) as reference:
        assert reference.read("foo-1.0.dist-info/METADATA") == METADATA
    assert read_member(archive, "foo-1.0.dist-info/METADATA") == METADATA


def test_data_before_the_archive_is_refused() -> None:
    archive = b"#!/bin/sh\n" + make_zip([("foo-1.0.dist-info/METADATA", METADATA)])
    with pytest.raises(UnusableZipTail, match="not right before its end record"):
        read_member(archive, "foo-1.0.dist-info/METADATA")


def test_bytes_without_an_end_record_are_refused() -> None:
    with pytest.raises(UnusableZipTail, match="no end-of-central-directory record"):
        locate_central_directory(b"<html>not a zip</html>", 0, 22)


def test_a_corrupted_member_fails_its_crc_check() -> None:
    archive = bytearray(make_zip([("m", METADATA)], compression=zipfile.ZIP_STORED))
    archive[40] ^= 0xFF  # inside the stored data (local header 30 bytes + name 1)
    with pytest.raises(UnusableZipTail, match="fails its size or CRC check"):
        read_member(bytes(archive), "m")


def test_a_lying_uncompressed_size_never_inflates_more_than_it_claims() -> None:
    bomb = b"\x00" * 1_000_000
    archive = make_zip([("m", bomb)])
    directory = locate_central_directory(archive, 0, len(archive))
    [member] = parse_central_directory(
        archive[directory.offset : directory.offset + directory.size], directory.entries
    )
    liar = type(member)(**{**member.__dict__, "uncompressed_size": 10})
    span = member_span(liar, [liar], directory.offset)
    with pytest.raises(UnusableZipTail, match="fails its size or CRC check"):
        extract_member(archive[span.start : span.stop], liar)


def test_a_member_larger_than_the_bound_is_not_read_by_range() -> None:
    archive = make_zip([("m", b"\x00" * (17 * 1024 * 1024))])
    directory = locate_central_directory(archive, 0, len(archive))
    members = parse_central_directory(
        archive[directory.offset : directory.offset + directory.size], directory.entries
    )
    with pytest.raises(UnusableZipTail, match="m is larger than 16777216 bytes"):
        member_span(members[0], members, directory.offset)


def test_an_entry_count_beyond_the_directory_is_refused() -> None:
    archive = make_zip([("m", METADATA)])
    directory = locate_central_directory(archive, 0, len(archive))
    data = archive[directory.offset : directory.offset + directory.size]
    with pytest.raises(UnusableZipTail, match="shorter than its entry count"):
        parse_central_directory(data, 2)
