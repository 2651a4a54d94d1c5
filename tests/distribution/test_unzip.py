"""unpack_wheel: a good wheel lands exactly; a hostile or broken one is refused, leaving nothing."""

from __future__ import annotations

import base64
import hashlib
import os
import random
import stat
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from puffin.distribution.unzip import UnpackedWheel, unpack_wheel
from puffin.errors import CacheError, InvalidWheel
from puffin.filenames import WheelFilename
from tests.support.wheels import (
    RawMember,
    build_raw_wheel,
    build_wheel,
    record_bytes,
    wheel_members,
)

WHEEL = "demo-1.0-py3-none-any.whl"
PREFIX = f"Invalid wheel {WHEEL}: "
RECORD = "demo-1.0.dist-info/RECORD"
INIT = "demo/__init__.py"


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """Modes are asserted, and the process umask shapes them (as for any file a user makes)."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def demo_members(files: dict[str, bytes | str] | None = None) -> list[RawMember]:
    """The members of a valid demo 1.0 wheel, RECORD last and truthful."""
    return wheel_members("demo", "1.0", files=files)


def with_record(members: list[RawMember], record: str = RECORD) -> list[RawMember]:
    """`members` with the RECORD at `record` rewritten to tell the truth about them."""
    kept = [member for member in members if member.name != record]
    return [*kept, RawMember(record, record_bytes(kept, record))]


def replaced(members: list[RawMember], name: str, data: bytes) -> list[RawMember]:
    """`members` with the content of `name` changed (RECORD left as it was)."""
    return [RawMember(m.name, data, m.mode) if m.name == name else m for m in members]


def write(tmp_path: Path, members: list[RawMember]) -> Path:
    return build_raw_wheel(tmp_path / WHEEL, members)


def unpack(wheel: Path, dest: Path, **limits: int) -> UnpackedWheel:
    return unpack_wheel(wheel, dest, filename=WheelFilename.parse(wheel.name), **limits)


def rejection(wheel: Path, **limits: int) -> str:
    """The reason `wheel` is refused, after checking that nothing was left at the destination."""
    dest = wheel.parent / "unpacked"
    with pytest.raises(InvalidWheel) as caught:
        unpack(wheel, dest, **limits)
    assert not dest.exists()
    message = str(caught.value)
    assert message.startswith(PREFIX)
    return message.removeprefix(PREFIX)


def hostile(tmp_path: Path, *extra: RawMember | tuple[zipfile.ZipInfo, bytes]) -> str:
    """Why a valid demo wheel with `extra` members appended is refused."""
    return rejection(build_raw_wheel(tmp_path / WHEEL, [*demo_members(), *extra]))


def with_init_row(hash_field: str, size_field: str) -> list[RawMember]:
    """The demo wheel's members with RECORD's row for demo/__init__.py replaced."""
    members = demo_members()
    rows = members[-1].data.decode().splitlines(keepends=True)
    assert rows[0].startswith(f"{INIT},")
    record = f"{INIT},{hash_field},{size_field}\n" + "".join(rows[1:])
    return [*members[:-1], RawMember(RECORD, record.encode())]


def record_digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


# --- editing the bytes of a written archive --------------------------------------------------


def local_header(wheel: Path, name: str) -> int:
    with zipfile.ZipFile(wheel) as archive:
        return archive.getinfo(name).header_offset


def central_entry(wheel: Path, name: str) -> int:
    data = wheel.read_bytes()
    (position,) = struct.unpack_from("<L", data, len(data) - 6)  # the end record's cd offset
    while True:
        name_length, extra_length, comment_length = struct.unpack_from("<3H", data, position + 28)
        if data[position + 46 : position + 46 + name_length] == name.encode():
            return position
        position += 46 + name_length + extra_length + comment_length


def patch(wheel: Path, offset: int, new: bytes) -> None:
    data = bytearray(wheel.read_bytes())
    data[offset : offset + len(new)] = new
    wheel.write_bytes(bytes(data))


# Field -> (offset in the local header, offset in the central directory entry, width).
FIELDS = {"flags": (6, 8, 2), "compressed_size": (18, 20, 4), "file_size": (22, 24, 4)}


def patch_field(wheel: Path, name: str, field: str, value: int, *, local: bool = True) -> None:
    """Overwrite a field of `name`'s central directory entry and (unless told) local header."""
    local_offset, central_offset, width = FIELDS[field]
    new = value.to_bytes(width, "little")
    if local:
        patch(wheel, local_header(wheel, name) + local_offset, new)
    patch(wheel, central_entry(wheel, name) + central_offset, new)


# --- a good wheel ------------------------------------------------------------------------------


def test_good_wheel_unpacks_exactly(tmp_path: Path) -> None:
    files: dict[str, bytes | str] = {
        INIT: "VALUE = 1\n",
        "demo/data/table.bin": bytes(range(256)) * 4000,
        "demo/empty.txt": b"",
    }
    members = wheel_members(
        "demo",
        "1.0",
        files=files,
        data={"scripts/demo-tool": "#!python\nprint('hi')\n"},
        executable_files=["scripts/demo-tool"],
    )
    members.insert(0, RawMember("demo/data/"))  # directory entries are fine
    wheel = write(tmp_path, members)
    dest = tmp_path / "unpacked"

    unpacked = unpack(wheel, dest)

    written = {
        path.relative_to(dest).as_posix(): path for path in dest.rglob("*") if path.is_file()
    }
    expected = {member.name: member for member in members if not member.name.endswith("/")}
    assert sorted(written) == sorted(expected)
    for name, path in written.items():
        assert path.read_bytes() == expected[name].data
        assert stat.S_IMODE(path.stat().st_mode) == expected[name].mode
    assert stat.S_IMODE((dest / "demo-1.0.data/scripts/demo-tool").stat().st_mode) == 0o755
    assert unpacked == UnpackedWheel(
        root=dest,
        dist_info="demo-1.0.dist-info",
        files=len(expected),
        total_bytes=sum(len(member.data) for member in expected.values()),
    )


def test_wheel_built_by_the_test_support_unpacks(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path, "Foo.Bar", "2.0.0", entry_points={"console_scripts": {"x": "y"}})
    dest = tmp_path / "unpacked"

    unpacked = unpack(wheel, dest)

    assert unpacked.dist_info == "foo_bar-2.0.0.dist-info"
    assert (dest / "foo_bar/__init__.py").read_text() == '__version__ = "2.0.0"\n'


def test_zip64_archive_unpacks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Real zip64 needs 4 GiB or 65536 entries; lowering zipfile's limits makes it write the
    # same structures (zip64 extra fields and end records) for a small archive.
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 0)
    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 0)
    wheel = write(tmp_path, demo_members())
    monkeypatch.undo()
    assert b"PK\x06\x06" in wheel.read_bytes()
    dest = tmp_path / "unpacked"

    unpack(wheel, dest)

    assert (dest / INIT).read_text() == '__version__ = "1.0"\n'


def test_record_with_hex_digests_is_checked_and_accepted(tmp_path: Path) -> None:
    # gmsh 4.15.2 on PyPI writes hex digests instead of base64; they are as strong.
    members = demo_members()
    record = "".join(
        f"{m.name},sha256={hashlib.sha256(m.data).hexdigest()},{len(m.data)}\n"
        for m in members[:-1]
    )
    wheel = write(tmp_path, [*members[:-1], RawMember(RECORD, record.encode())])

    unpack(wheel, tmp_path / "unpacked")

    assert (tmp_path / "unpacked" / INIT).exists()


def test_signature_files_need_no_record_row(tmp_path: Path) -> None:
    members = demo_members()
    signature = RawMember("demo-1.0.dist-info/RECORD.jws", b"{}")
    wheel = write(tmp_path, [*members[:-1], signature, members[-1]])

    unpack(wheel, tmp_path / "unpacked")

    assert (tmp_path / "unpacked/demo-1.0.dist-info/RECORD.jws").read_bytes() == b"{}"


def test_existing_destination_is_left_alone(tmp_path: Path) -> None:
    wheel = write(tmp_path, demo_members())
    dest = tmp_path / "taken"
    dest.mkdir()
    (dest / "keep").write_text("mine")

    with pytest.raises(CacheError) as caught:
        unpack(wheel, dest)

    assert str(caught.value) == (f"Cannot unpack {WHEEL} into {dest}: File exists")
    assert (dest / "keep").read_text() == "mine"


# --- member names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("/etc/evil", "member name '/etc/evil' is an absolute path"),
        ("C:\\evil.py", "member name 'C:\\\\evil.py' is an absolute path"),
        ("C:/evil.py", "member name 'C:/evil.py' is an absolute path"),
        (
            "\\\\server\\share\\evil",
            "member name '\\\\\\\\server\\\\share\\\\evil' is an absolute path",
        ),
        ("../evil.py", "member name '../evil.py' contains a '..' component"),
        ("demo/../../evil.py", "member name 'demo/../../evil.py' contains a '..' component"),
        ("demo/..", "member name 'demo/..' contains a '..' component"),
        (
            "demo\\..\\..\\evil.py",
            "member name 'demo\\\\..\\\\..\\\\evil.py' uses a backslash as a path separator",
        ),
    ],
)
def test_names_that_could_leave_the_destination_are_refused(
    tmp_path: Path, name: str, reason: str
) -> None:
    assert hostile(tmp_path, RawMember(name, b"x")) == reason


def test_dot_components_are_harmless(tmp_path: Path) -> None:
    members = [RawMember("./"), RawMember("demo/./sub/"), *demo_members()]
    members = with_record([*members, RawMember("./demo//extra.txt", b"extra")])

    unpack(write(tmp_path, members), tmp_path / "unpacked")

    assert (tmp_path / "unpacked/demo/extra.txt").read_bytes() == b"extra"
    assert (tmp_path / "unpacked/demo/sub").is_dir()


def test_nul_byte_in_a_name_is_refused(tmp_path: Path) -> None:
    info = zipfile.ZipInfo("placeholder")
    info.filename = "demo/evil.py\x00.txt"  # ZipInfo() itself would cut the name at the NUL

    assert hostile(tmp_path, (info, b"x")) == (
        "member name 'demo/evil.py\\x00.txt' contains a NUL byte"
    )


def test_exact_duplicate_names_are_refused(tmp_path: Path) -> None:
    assert hostile(tmp_path, RawMember(INIT, b"other")) == (
        "member 'demo/__init__.py' appears more than once"
    )


def test_names_equal_after_removing_dot_components_are_refused(tmp_path: Path) -> None:
    assert hostile(tmp_path, RawMember("./demo//__init__.py", b"other")) == (
        "members 'demo/__init__.py' and './demo//__init__.py' are the same file"
    )


def test_names_differing_only_in_case_are_allowed(tmp_path: Path) -> None:
    # pip installs these on Linux too (the tests run on a case-sensitive file system).
    members = demo_members({INIT: "", "demo/Readme": "a"})
    wheel = write(tmp_path, with_record([*members, RawMember("demo/README", b"b")]))
    dest = tmp_path / "unpacked"

    unpack(wheel, dest)

    assert (dest / "demo/Readme").read_text() == "a"
    assert (dest / "demo/README").read_text() == "b"


def test_a_file_that_is_also_a_directory_is_refused(tmp_path: Path) -> None:
    assert hostile(tmp_path, RawMember("demo/__init__.py/inner.py", b"x")) == (
        "member 'demo/__init__.py' is both a file and a directory"
    )


def test_member_without_a_file_name_is_refused(tmp_path: Path) -> None:
    assert hostile(tmp_path, RawMember("./.", b"x")) == "member name './.' names no file"


# --- member kinds ------------------------------------------------------------------------------


def test_symlink_member_is_refused(tmp_path: Path) -> None:
    assert hostile(tmp_path, RawMember("demo/passwd", b"/etc/passwd", symlink=True)) == (
        "member 'demo/passwd' is a symbolic link, not a regular file"
    )


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        (stat.S_IFIFO, "a named pipe"),
        (stat.S_IFCHR, "a character device"),
        (stat.S_IFBLK, "a block device"),
        (stat.S_IFSOCK, "a socket"),
    ],
)
def test_special_file_members_are_refused(tmp_path: Path, kind: int, words: str) -> None:
    info = zipfile.ZipInfo("demo/special", date_time=(2020, 2, 2, 0, 0, 0))
    info.create_system = 3
    info.external_attr = (kind | 0o644) << 16

    assert hostile(tmp_path, (info, b"")) == (
        f"member 'demo/special' is {words}, not a regular file"
    )


def test_directory_mode_on_a_file_name_is_refused(tmp_path: Path) -> None:
    info = zipfile.ZipInfo("demo/sub", date_time=(2020, 2, 2, 0, 0, 0))
    info.create_system = 3
    info.external_attr = (stat.S_IFDIR | 0o755) << 16

    assert hostile(tmp_path, (info, b"")) == (
        "member 'demo/sub' is a directory entry without a trailing '/'"
    )


def test_unsupported_compression_is_refused(tmp_path: Path) -> None:
    info = zipfile.ZipInfo("demo/packed.txt", date_time=(2020, 2, 2, 0, 0, 0))
    info.compress_type = zipfile.ZIP_BZIP2

    assert hostile(tmp_path, (info, b"text")) == (
        "member 'demo/packed.txt' uses compression method 12; "
        "only stored (0) and deflate (8) are supported"
    )


def test_encrypted_member_is_refused(tmp_path: Path) -> None:
    wheel = write(tmp_path, demo_members())
    patch_field(wheel, INIT, "flags", 0x0001)

    assert rejection(wheel) == "member 'demo/__init__.py' is encrypted"


# --- the archive's structure -------------------------------------------------------------------


def test_local_header_name_that_disagrees_is_refused(tmp_path: Path) -> None:
    wheel = write(tmp_path, demo_members())
    patch(wheel, local_header(wheel, INIT) + 30, b"demo/__evil__.py")

    assert rejection(wheel) == (
        "member 'demo/__init__.py' is called 'demo/__evil__.py' in its local header: "
        "the archive's two directories disagree"
    )


def test_data_prepended_to_the_archive_is_refused(tmp_path: Path) -> None:
    wheel = write(tmp_path, demo_members())
    wheel.write_bytes(b"#!/bin/sh\n" + wheel.read_bytes())

    assert rejection(wheel) == "10 bytes of unexpected data before the first zip entry"


def test_data_prepended_with_offsets_adjusted_is_refused(tmp_path: Path) -> None:
    # Appending a zip to another file (as self-extracting archives do) makes its offsets
    # count from the start of the whole file.
    wheel = tmp_path / WHEEL
    wheel.write_bytes(b"MZ stub\n")
    with zipfile.ZipFile(wheel, "a") as archive:
        for member in demo_members():
            archive.writestr(member.name, member.data)
    assert local_header(wheel, INIT) == 8

    assert rejection(wheel) == "8 bytes of unexpected data before the first zip entry"


def test_data_appended_to_the_archive_is_refused(tmp_path: Path) -> None:
    wheel = write(tmp_path, demo_members())
    wheel.write_bytes(wheel.read_bytes() + b"appended")

    assert rejection(wheel) == "8 bytes of unexpected data after the end of the zip archive"


def test_member_whose_data_runs_into_the_next_is_refused(tmp_path: Path) -> None:
    wheel = write(tmp_path, demo_members())
    with zipfile.ZipFile(wheel) as archive:
        following = archive.infolist()[1]
    patch_field(wheel, INIT, "compressed_size", following.header_offset, local=False)

    assert rejection(wheel) == "member 'demo/__init__.py' overlaps the entry after it"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "not a zip archive: the file is too short"),
        (
            b"just some text, not a zip archive\n",
            "not a zip archive: no end-of-central-directory record at the end of the file",
        ),
    ],
)
def test_file_that_is_not_a_zip_is_refused(tmp_path: Path, content: bytes, reason: str) -> None:
    wheel = tmp_path / WHEEL
    wheel.write_bytes(content)

    assert rejection(wheel) == reason


def test_truncated_compressed_data_is_refused(tmp_path: Path) -> None:
    payload = random.Random(0).randbytes(4096)
    wheel = write(tmp_path, demo_members({INIT: payload}))
    with zipfile.ZipFile(wheel) as archive:
        info = archive.getinfo(INIT)
    # Declare the member shorter than its compressed stream, so the stream ends early.
    patch_field(wheel, INIT, "compressed_size", info.compress_size // 2)

    assert rejection(wheel) == "member 'demo/__init__.py' is truncated"


# --- sizes and compression bombs ---------------------------------------------------------------


def test_total_size_above_the_limit_is_refused(tmp_path: Path) -> None:
    members = demo_members({INIT: "", "demo/zeros.bin": bytes(50 * 1024 * 1024)})
    total = sum(len(member.data) for member in members)

    assert rejection(write(tmp_path, members), max_total_bytes=10_000_000) == (
        f"it would unpack to {total} bytes, more than the limit of 10000000"
    )


def test_member_with_an_absurd_compression_ratio_is_refused(tmp_path: Path) -> None:
    wheel = write(tmp_path, demo_members({INIT: "", "demo/zeros.bin": bytes(50 * 1024 * 1024)}))
    with zipfile.ZipFile(wheel) as archive:
        compressed = archive.getinfo("demo/zeros.bin").compress_size

    assert rejection(wheel) == (
        f"member 'demo/zeros.bin' would expand from {compressed} to 52428800 bytes, "
        "more than 200 times (a zip bomb?)"
    )


def test_member_larger_than_declared_is_stopped_while_inflating(tmp_path: Path) -> None:
    wheel = write(tmp_path, demo_members({INIT: "", "demo/zeros.bin": bytes(1024 * 1024)}))
    patch_field(wheel, "demo/zeros.bin", "file_size", 1000)

    assert rejection(wheel) == (
        "member 'demo/zeros.bin' is larger than its declared size of 1000 bytes"
    )


def test_member_smaller_than_declared_is_refused(tmp_path: Path) -> None:
    wheel = write(tmp_path, demo_members({INIT: "", "demo/zeros.bin": bytes(1000)}))
    patch_field(wheel, "demo/zeros.bin", "file_size", 2000)

    assert rejection(wheel) == (
        "member 'demo/zeros.bin' is smaller than its declared size of 2000 bytes"
    )


# --- dist-info, WHEEL and RECORD ---------------------------------------------------------------


def test_missing_dist_info_is_refused(tmp_path: Path) -> None:
    wheel = write(tmp_path, [RawMember(INIT, b"")])

    assert rejection(wheel) == "it has no .dist-info directory"


def test_two_dist_info_directories_are_refused(tmp_path: Path) -> None:
    assert hostile(tmp_path, RawMember("other-1.0.dist-info/METADATA", b"")) == (
        "it has more than one .dist-info directory: demo-1.0.dist-info, other-1.0.dist-info"
    )


@pytest.mark.parametrize("dist_info", ["other-1.0.dist-info", "demo-2.0.dist-info"])
def test_dist_info_of_another_project_or_version_is_refused(tmp_path: Path, dist_info: str) -> None:
    members = [
        RawMember(member.name.replace("demo-1.0.dist-info", dist_info), member.data)
        for member in demo_members()
    ]

    assert rejection(write(tmp_path, members)) == (
        f"its metadata directory '{dist_info}' does not match the file name (expected demo 1.0)"
    )


def test_dist_info_spelled_differently_but_equal_is_accepted(tmp_path: Path) -> None:
    members = [
        RawMember(member.name.replace("demo-1.0.dist-info", "Demo-1.0.0.dist-info"), member.data)
        for member in demo_members()
    ]
    members = with_record(members, "Demo-1.0.0.dist-info/RECORD")

    unpacked = unpack(write(tmp_path, members), tmp_path / "unpacked")

    assert unpacked.dist_info == "Demo-1.0.0.dist-info"


@pytest.mark.parametrize("missing", ["WHEEL", "RECORD"])
def test_missing_wheel_or_record_is_refused(tmp_path: Path, missing: str) -> None:
    members = [m for m in demo_members() if m.name != f"demo-1.0.dist-info/{missing}"]

    assert rejection(write(tmp_path, members)) == f"demo-1.0.dist-info/{missing} is missing"


@pytest.mark.parametrize(
    ("wheel_text", "reason"),
    [
        ("Wheel-Version: 2.0\n", "its Wheel-Version is 2.0; only version 1.x is supported"),
        ("Generator: x\n", "WHEEL has no Wheel-Version"),
    ],
)
def test_unsupported_wheel_version_is_refused(tmp_path: Path, wheel_text: str, reason: str) -> None:
    members = [
        RawMember(m.name, wheel_text.encode()) if m.name.endswith("/WHEEL") else m
        for m in demo_members()
    ]

    assert rejection(write(tmp_path, with_record(members))) == reason


def test_record_with_a_wrong_hash_is_refused(tmp_path: Path) -> None:
    original = b'__version__ = "1.0"\n'
    tampered = b'__version__ = "6.6"\n'  # same size: only the hash can tell
    members = replaced(demo_members(), INIT, tampered)

    assert rejection(write(tmp_path, members)) == (
        f"member 'demo/__init__.py' does not match RECORD: its sha256 is "
        f"{record_digest(tampered)}, RECORD says {record_digest(original)}"
    )


def test_wheel_file_is_checked_against_record_too(tmp_path: Path) -> None:
    members = demo_members()
    wheel_text = next(m.data for m in members if m.name.endswith("/WHEEL"))
    members = replaced(members, "demo-1.0.dist-info/WHEEL", wheel_text + b"Extra: 1\n")

    assert rejection(write(tmp_path, members)) == (
        f"member 'demo-1.0.dist-info/WHEEL' is {len(wheel_text) + 9} bytes "
        f"but RECORD says {len(wheel_text)}"
    )


def test_record_with_a_wrong_size_is_refused(tmp_path: Path) -> None:
    init = b'__version__ = "1.0"\n'
    wheel = write(tmp_path, with_init_row(f"sha256={record_digest(init)}", "999"))

    assert rejection(wheel) == "member 'demo/__init__.py' is 20 bytes but RECORD says 999"


def test_record_row_for_a_file_not_in_the_archive_is_refused(tmp_path: Path) -> None:
    members = demo_members()
    record = members[-1].data + b"demo/gone.py,sha256=abc,3\n"
    wheel = write(tmp_path, [*members[:-1], RawMember(RECORD, record)])

    assert rejection(wheel) == "RECORD lists 'demo/gone.py', which is not in the archive"


def test_member_missing_from_record_is_refused(tmp_path: Path) -> None:
    members = demo_members()
    wheel = write(tmp_path, [*members[:-1], RawMember("demo/extra.py", b"x"), members[-1]])

    assert rejection(wheel) == "member 'demo/extra.py' is not listed in RECORD"


@pytest.mark.parametrize(
    ("hash_field", "reason"),
    [
        ("", "RECORD has no hash for 'demo/__init__.py'"),
        (
            "md5=abc",
            "RECORD has a md5 hash for 'demo/__init__.py'; sha256 or stronger is required",
        ),
    ],
)
def test_record_row_without_a_strong_hash_is_refused(
    tmp_path: Path, hash_field: str, reason: str
) -> None:
    wheel = write(tmp_path, with_init_row(hash_field, "20"))

    assert rejection(wheel) == reason


def test_record_listing_a_file_twice_is_refused(tmp_path: Path) -> None:
    members = demo_members()
    first_row = members[-1].data.split(b"\n")[0] + b"\n"
    wheel = write(tmp_path, [*members[:-1], RawMember(RECORD, first_row + members[-1].data)])

    assert rejection(wheel) == "RECORD lists 'demo/__init__.py' more than once"


def test_malformed_record_line_is_refused(tmp_path: Path) -> None:
    members = demo_members()
    wheel = write(tmp_path, [*members[:-1], RawMember(RECORD, members[-1].data + b"a,b\n")])

    assert rejection(wheel) == "RECORD line 5 does not have three fields"


def test_corrupt_compressed_data_is_refused(tmp_path: Path) -> None:
    wheel = write(tmp_path, demo_members())
    with zipfile.ZipFile(wheel) as archive:
        info = archive.getinfo(INIT)
    # 0xFF starts a deflate block of the reserved type 3.
    patch(wheel, info.header_offset + 30 + len(INIT), b"\xff")

    assert rejection(wheel) == (
        "member 'demo/__init__.py' is corrupt: "
        "Error -3 while decompressing data: invalid block type"
    )


def test_failure_after_writing_began_removes_everything(tmp_path: Path) -> None:
    files: dict[str, bytes | str] = {f"demo/m{index:03}.py": f"# {index}\n" for index in range(200)}
    tampered, original = b"# 666\n", b"# 199\n"
    members = replaced(demo_members({**files, INIT: ""}), "demo/m199.py", tampered)

    assert rejection(write(tmp_path, members)) == (
        f"member 'demo/m199.py' does not match RECORD: its sha256 is "
        f"{record_digest(tampered)}, RECORD says {record_digest(original)}"
    )


def test_unreadable_wheel_is_reported(tmp_path: Path) -> None:
    wheel = tmp_path / WHEEL

    assert rejection(wheel) == f"cannot read {wheel}: No such file or directory"


def big_members() -> list[RawMember]:
    """A wheel big enough to be unpacked on several threads: twelve 1 MiB members."""
    files: dict[str, bytes | str] = {
        f"demo/block{index:02}.bin": bytes([index]) * 1024 * 1024 for index in range(12)
    }
    return demo_members({INIT: "", **files})


def test_big_wheel_unpacks_exactly(tmp_path: Path) -> None:
    members = big_members()
    dest = tmp_path / "unpacked"

    unpacked = unpack(write(tmp_path, members), dest)

    for member in members:
        assert (dest / member.name).read_bytes() == member.data
    assert unpacked.files == len(members)


def test_big_wheel_failing_part_way_leaves_nothing(tmp_path: Path) -> None:
    original = bytes([7]) * 1024 * 1024
    tampered = original[:-1] + b"\x00"
    members = replaced(big_members(), "demo/block07.bin", tampered)

    assert rejection(write(tmp_path, members)) == (
        f"member 'demo/block07.bin' does not match RECORD: its sha256 is "
        f"{record_digest(tampered)}, RECORD says {record_digest(original)}"
    )
