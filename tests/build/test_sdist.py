"""Sdist extraction: the source tree comes out whole, and a hostile member leaves nothing behind."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from puffin.build.sdist import extract_sdist
from puffin.errors import InvalidSdist
from tests.support.wheels import build_sdist


def _tar(path: Path, members: list[tarfile.TarInfo], mode: str = "w:gz") -> Path:
    with tarfile.open(path, mode) as tar:
        for member in members:
            data = b"x" * member.size
            tar.addfile(member, io.BytesIO(data) if member.isreg() else None)
    return path


def _file(name: str, size: int = 1) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    return info


def _link(name: str, target: str, kind: bytes) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


def _leaves_nothing(parent: Path, dest: Path) -> bool:
    """No `dest`, and no temporary directory left beside it."""
    return not dest.exists() and [p.name for p in parent.iterdir()] == ["hostile.tar.gz"]


def test_good_sdist_gives_its_top_directory(tmp_path: Path) -> None:
    archive = build_sdist(
        tmp_path / "dist", "Demo.Pkg", "1.0", files={"pyproject.toml": "x", "demo/a.py": "A"}
    )
    tree = extract_sdist(archive, tmp_path / "src")
    assert tree == tmp_path / "src" / "demo_pkg-1.0"
    assert sorted(str(p.relative_to(tree)) for p in tree.rglob("*")) == [
        "PKG-INFO",
        "demo",
        "demo/a.py",
        "pyproject.toml",
    ]
    assert (tree / "demo" / "a.py").read_text() == "A"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "src"]


def test_links_inside_the_tree_are_kept(tmp_path: Path) -> None:
    archive = _tar(
        tmp_path / "links-1.0.tar.bz2",
        [
            _file("links-1.0/data.txt", 4),
            _link("links-1.0/alias.txt", "data.txt", tarfile.SYMTYPE),
            _link("links-1.0/copy.txt", "links-1.0/data.txt", tarfile.LNKTYPE),
        ],
        mode="w:bz2",
    )
    tree = extract_sdist(archive, tmp_path / "src")
    assert (tree / "alias.txt").is_symlink()
    assert (tree / "alias.txt").read_text() == "xxxx"
    assert (tree / "copy.txt").read_text() == "xxxx"


def test_archive_without_single_top_directory_gives_the_root(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "flat.tgz", [_file("setup.py"), _file("pkg/__init__.py")])
    tree = extract_sdist(archive, tmp_path / "src")
    assert tree == tmp_path / "src"
    assert sorted(p.name for p in tree.iterdir()) == ["pkg", "setup.py"]


def test_kind_is_read_from_the_bytes_not_the_name(tmp_path: Path) -> None:
    archive = tmp_path / "master.zip"
    _tar(archive, [_file("project-master/setup.py")])
    assert extract_sdist(archive, tmp_path / "src") == tmp_path / "src" / "project-master"


def _device() -> tarfile.TarInfo:
    info = tarfile.TarInfo("hostile-1.0/null")
    info.type = tarfile.CHRTYPE
    info.devmajor, info.devminor = 1, 3
    return info


@pytest.mark.parametrize(
    ("member", "reason"),
    [
        (_file("../x"), "member '../x' would be written outside the source tree"),
        (
            _file("hostile-1.0/../../x"),
            "member 'hostile-1.0/../../x' would be written outside the source tree",
        ),
        (_file("/tmp/evil"), "member '/tmp/evil' has an absolute path"),
        (
            _link("hostile-1.0/up", "../../outside", tarfile.SYMTYPE),
            "member 'hostile-1.0/up' is a link pointing outside the source tree",
        ),
        (
            _link("hostile-1.0/etc", "/etc/passwd", tarfile.SYMTYPE),
            "member 'hostile-1.0/etc' is a link to an absolute path",
        ),
        (
            _link("hostile-1.0/hard", "../outside", tarfile.LNKTYPE),
            "member 'hostile-1.0/hard' is a link pointing outside the source tree",
        ),
        (_device(), "member 'hostile-1.0/null' is a device, FIFO or other special file"),
    ],
)
def test_hostile_tar_member_is_an_error_naming_it(
    tmp_path: Path, member: tarfile.TarInfo, reason: str
) -> None:
    archive = _tar(tmp_path / "hostile.tar.gz", [_file("hostile-1.0/ok.py"), member])
    with pytest.raises(InvalidSdist) as raised:
        extract_sdist(archive, tmp_path / "src")
    assert str(raised.value) == f"Invalid sdist hostile.tar.gz: {reason}"
    assert _leaves_nothing(tmp_path, tmp_path / "src")
    assert not (tmp_path / "x").exists() and not (tmp_path.parent / "x").exists()


def _zip(path: Path, members: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for info, data in members:
            archive.writestr(info, data)
    return path


def test_good_zip_sdist_keeps_executable_bits(tmp_path: Path) -> None:
    script = zipfile.ZipInfo("zipped-2.0/run.sh")
    script.external_attr = (stat.S_IFREG | 0o755) << 16
    archive = _zip(
        tmp_path / "zipped-2.0.zip",
        [("zipped-2.0/", b""), ("zipped-2.0/setup.py", b"S"), (script, b"#!/bin/sh\n")],
    )
    tree = extract_sdist(archive, tmp_path / "src")
    assert tree == tmp_path / "src" / "zipped-2.0"
    assert (tree / "setup.py").read_bytes() == b"S"
    assert (tree / "run.sh").stat().st_mode & 0o111
    assert not (tree / "setup.py").stat().st_mode & 0o111


def _zip_symlink(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


@pytest.mark.parametrize(
    ("member", "reason"),
    [
        (("../evil.py", b"E"), "member '../evil.py' would be written outside the source tree"),
        (
            ("z-1.0/../../evil.py", b"E"),
            "member 'z-1.0/../../evil.py' would be written outside the source tree",
        ),
        (("/etc/evil", b"E"), "member '/etc/evil' has an absolute path"),
        (("C:/evil", b"E"), "member 'C:/evil' has an absolute path"),
        (_zip_symlink("z-1.0/link", "/etc/passwd"), "member 'z-1.0/link' is a symlink"),
    ],
)
def test_hostile_zip_member_is_an_error_naming_it(
    tmp_path: Path, member: tuple[zipfile.ZipInfo | str, bytes], reason: str
) -> None:
    archive = _zip(tmp_path / "hostile.tar.gz", [("z-1.0/ok.py", b"ok"), member])
    with pytest.raises(InvalidSdist) as raised:
        extract_sdist(archive, tmp_path / "src")
    assert str(raised.value) == f"Invalid sdist hostile.tar.gz: {reason}"
    assert _leaves_nothing(tmp_path, tmp_path / "src")


def test_not_an_archive(tmp_path: Path) -> None:
    archive = tmp_path / "hostile.tar.gz"
    archive.write_bytes(b"<html>404 Not Found</html>")
    with pytest.raises(InvalidSdist) as raised:
        extract_sdist(archive, tmp_path / "src")
    assert str(raised.value) == (
        "Invalid sdist hostile.tar.gz: it is neither a tar nor a zip archive"
    )
    assert _leaves_nothing(tmp_path, tmp_path / "src")


def test_truncated_archive_leaves_nothing(tmp_path: Path) -> None:
    good = build_sdist(tmp_path / "dist", "big", "1.0", files={"blob.bin": bytes(range(256)) * 400})
    archive = tmp_path / "hostile.tar.gz"
    archive.write_bytes(good.read_bytes()[:600])
    with pytest.raises(InvalidSdist) as raised:
        extract_sdist(archive, tmp_path / "src")
    assert str(raised.value).startswith("Invalid sdist hostile.tar.gz: cannot be extracted (")
    assert not (tmp_path / "src").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "hostile.tar.gz"]
