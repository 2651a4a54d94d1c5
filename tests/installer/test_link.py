"""Link modes: what each one makes on disk, and the fallback chain remembered for the run."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from puffin.installer.link import Linker, LinkMode


def make_source(directory: Path, name: str = "module.py", mode: int = 0o644) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    source = directory / name
    source.write_bytes(b"VALUE = 1\n")
    source.chmod(mode)
    return source


def link_one(mode: LinkMode, source: Path, target: Path) -> Linker:
    target.parent.mkdir(parents=True, exist_ok=True)
    linker = Linker(mode, str(source.parent), str(target.parent))
    created: list[str] = []
    linker.link_all([(str(source), str(target))], created)
    assert created == [str(target)]
    return linker


def test_hardlink_shares_the_archive_inode(tmp_path: Path) -> None:
    source = make_source(tmp_path / "archive")
    target = tmp_path / "env" / "module.py"
    link_one(LinkMode.HARDLINK, source, target)

    assert target.stat().st_ino == source.stat().st_ino
    assert not target.is_symlink()


def test_copy_is_a_new_inode_with_the_same_bytes_and_mode(tmp_path: Path) -> None:
    source = make_source(tmp_path / "archive", "tool", mode=0o755)
    target = tmp_path / "env" / "tool"
    link_one(LinkMode.COPY, source, target)

    assert target.stat().st_ino != source.stat().st_ino
    assert target.read_bytes() == b"VALUE = 1\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o755


def test_symlink_points_into_the_archive(tmp_path: Path) -> None:
    source = make_source(tmp_path / "archive")
    target = tmp_path / "env" / "module.py"
    link_one(LinkMode.SYMLINK, source, target)

    assert os.readlink(target) == str(source)


def test_clone_reflinks_or_falls_back_and_remembers_it(tmp_path: Path) -> None:
    source = make_source(tmp_path / "archive")
    target = tmp_path / "env" / "module.py"
    linker = link_one(LinkMode.CLONE, source, target)

    assert target.read_bytes() == b"VALUE = 1\n"
    if linker.mode is LinkMode.CLONE:  # a reflink filesystem (btrfs, xfs): an independent file
        assert target.stat().st_ino != source.stat().st_ino
    else:  # ext4 and friends refuse FICLONE: the next mode, a hardlink
        assert linker.mode is LinkMode.HARDLINK
        assert target.stat().st_ino == source.stat().st_ino
    # The choice holds for the rest of the run: the next wheel does not try again.
    assert Linker(LinkMode.CLONE, str(source.parent), str(target.parent)).mode is linker.mode


def test_across_filesystems_hardlink_falls_back_to_copy(tmp_path: Path) -> None:
    shm = Path("/dev/shm")
    if not os.access(shm, os.W_OK) or shm.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("needs /dev/shm on a filesystem other than the test's tmp dir")
    archive = Path(os.path.join(shm, f"puffin-test-{os.getpid()}-{tmp_path.name}"))
    try:
        source = make_source(archive)
        target = tmp_path / "env" / "module.py"
        linker = link_one(LinkMode.HARDLINK, source, target)

        assert linker.mode is LinkMode.COPY
        assert target.stat().st_ino != source.stat().st_ino
        assert target.read_bytes() == b"VALUE = 1\n"
        assert Linker(LinkMode.HARDLINK, str(archive), str(target.parent)).mode is LinkMode.COPY
    finally:
        for child in archive.iterdir():
            child.unlink()
        archive.rmdir()


def test_an_existing_file_is_replaced_and_not_reported_as_created(tmp_path: Path) -> None:
    source = make_source(tmp_path / "archive")
    target = tmp_path / "env" / "module.py"
    target.parent.mkdir()
    target.write_bytes(b"OLD = 0\n")
    linker = Linker(LinkMode.HARDLINK, str(source.parent), str(target.parent))
    created: list[str] = []
    linker.link_all([(str(source), str(target))], created)

    assert created == []
    assert target.read_bytes() == b"VALUE = 1\n"
    assert os.listdir(target.parent) == ["module.py"]


def test_relinking_the_same_inode_leaves_no_temporary_file(tmp_path: Path) -> None:
    source = make_source(tmp_path / "archive")
    target = tmp_path / "env" / "module.py"
    link_one(LinkMode.HARDLINK, source, target)
    Linker(LinkMode.HARDLINK, str(source.parent), str(target.parent)).link_all(
        [(str(source), str(target))], []
    )

    assert os.listdir(target.parent) == ["module.py"]


def test_many_copies_in_threads_are_all_made_and_reported(tmp_path: Path) -> None:
    pairs = []
    for index in range(150):
        source = tmp_path / "archive" / f"m{index}.py"
        source.parent.mkdir(exist_ok=True)
        source.write_text(f"N = {index}\n")
        pairs.append((str(source), str(tmp_path / "env" / f"m{index}.py")))
    (tmp_path / "env").mkdir()
    created: list[str] = []
    Linker(LinkMode.COPY, str(tmp_path / "archive"), str(tmp_path / "env")).link_all(pairs, created)

    assert sorted(created) == sorted(target for _, target in pairs)
    assert (tmp_path / "env" / "m149.py").read_text() == "N = 149\n"
