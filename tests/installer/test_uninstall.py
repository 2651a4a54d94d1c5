"""Uninstalling by RECORD from a real virtualenv, and never outside its prefix."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from puffin.errors import InstallError
from puffin.installer.compile import compile_bytecode
from puffin.installer.site_packages import InstalledDistribution, scan_site_packages
from puffin.installer.uninstall import uninstall
from puffin.names import PackageName
from tests.installer.conftest import Venv, install, tree

FILES = {
    "demo/__init__.py": "",
    "demo/mod.py": "X = 1\n",
    "demo/sub/deep.py": "Y = 2\n",
}
DATA = {
    "scripts/demo-tool": "#!python\nprint('tool')\n",
    "data/share/demo/readme.txt": "data\n",
    "headers/demo.h": "int demo;\n",
}


def directories(root: Path) -> set[str]:
    return {
        Path(directory, name).relative_to(root).as_posix()
        for directory, names, _ in os.walk(root)
        for name in names
    }


def test_uninstall_restores_the_environment(venv: Venv, archive: Callable[..., Path]) -> None:
    files_before, dirs_before = tree(venv.prefix), directories(venv.prefix)
    result = install(
        venv,
        archive(
            "demo",
            "1.0",
            files=FILES,
            data=DATA,
            entry_points={"console_scripts": {"demo": "demo.mod:main"}},
        ),
        "demo",
        "1.0",
    )
    compile_bytecode(venv.python, result.python_files)
    pycs = list(venv.site_packages.rglob("*.pyc"))
    assert len(pycs) == 3

    removed = uninstall(result, prefix=venv.prefix)

    record_rows = 13  # 3 modules, 2 data files, 2 scripts, 6 dist-info files (RECORD included)
    assert removed == record_rows + len(pycs)
    assert tree(venv.prefix) == files_before
    # `share` is a top directory of the prefix: emptied, but kept like bin/ or include/.
    assert directories(venv.prefix) == dirs_before | {"share"}
    assert os.listdir(venv.prefix / "share") == []
    assert scan_site_packages(venv.scheme) == {}


def test_rows_outside_the_prefix_are_skipped_and_reported(
    tmp_path: Path, venv: Venv, archive: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    result = install(venv, archive("demo", "1.0"), "demo", "1.0")
    outside = tmp_path / "etc" / "x"
    outside.parent.mkdir()
    outside.write_text("precious\n")
    record = result.dist_info / "RECORD"
    record.write_text(record.read_text() + "../../../../etc/x,,\n")

    with caplog.at_level(logging.WARNING, logger="puffin.installer.uninstall"):
        removed = uninstall(result, prefix=venv.prefix)

    assert outside.read_text() == "precious\n"
    assert removed == 6  # demo/__init__.py and METADATA, WHEEL, INSTALLER, REQUESTED, RECORD
    assert [record.getMessage() for record in caplog.records] == [
        f"Not removing ../../../../etc/x listed in {result.dist_info / 'RECORD'}:"
        f" it is outside {venv.prefix}"
    ]


def test_a_symlink_out_of_the_prefix_is_not_followed(
    tmp_path: Path, venv: Venv, archive: Callable[..., Path]
) -> None:
    result = install(venv, archive("demo", "1.0"), "demo", "1.0")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "secret.txt").write_text("keep me\n")
    (venv.site_packages / "escape").symlink_to(elsewhere)
    record = result.dist_info / "RECORD"
    record.write_text(record.read_text() + "escape/secret.txt,,\n")

    uninstall(result, prefix=venv.prefix)

    assert (elsewhere / "secret.txt").read_text() == "keep me\n"


def test_only_the_pycs_of_listed_modules_go(venv: Venv, archive: Callable[..., Path]) -> None:
    files = {"demo/__init__.py": "", "demo/mod.py": "", "demo/keep.txt": ""}
    result = install(venv, archive("demo", "1.0", files=files), "demo", "1.0")
    pycache = venv.site_packages / "demo" / "__pycache__"
    pycache.mkdir()
    for name in (
        "mod.cpython-312.pyc",
        "mod.cpython-38.opt-1.pyc",
        "mod.extra.cpython-312.pyc",  # the pyc of a module `mod.extra.py`, not listed
        "other.cpython-312.pyc",
    ):
        (pycache / name).write_bytes(b"")
    (venv.site_packages / "demo" / "untracked.txt").write_text("mine\n")

    uninstall(result, prefix=venv.prefix)

    assert sorted(os.listdir(pycache)) == ["mod.extra.cpython-312.pyc", "other.cpython-312.pyc"]
    assert sorted(os.listdir(venv.site_packages / "demo")) == ["__pycache__", "untracked.txt"]


def test_editable_pth_is_removed_like_any_file(venv: Venv, archive: Callable[..., Path]) -> None:
    direct_url = '{"dir_info": {"editable": true}, "url": "file:///src/demo"}'
    files = {"__editable__.demo-1.0.pth": "/src/demo\n"}
    result = install(
        venv, archive("demo", "1.0", files=files), "demo", "1.0", direct_url=direct_url
    )

    uninstall(result, prefix=venv.prefix)

    assert os.listdir(venv.site_packages) == []


def test_leftovers_in_the_dist_info_are_removed_too(
    venv: Venv, archive: Callable[..., Path]
) -> None:
    result = install(venv, archive("demo", "1.0"), "demo", "1.0")
    (result.dist_info / "LICENSE-added-later").write_text("x\n")

    uninstall(result, prefix=venv.prefix)

    assert os.listdir(venv.site_packages) == []


@pytest.mark.parametrize(("installer", "shown"), [("conda\n", "conda"), (None, "an unknown tool")])
def test_a_dist_without_record_is_refused(venv: Venv, installer: str | None, shown: str) -> None:
    dist_info = venv.site_packages / "odd-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Name: odd\nVersion: 1.0\n")
    if installer is not None:
        (dist_info / "INSTALLER").write_text(installer)
    dist = scan_site_packages(venv.scheme)[PackageName("odd")]

    with pytest.raises(InstallError) as caught:
        uninstall(dist, prefix=venv.prefix)
    assert str(caught.value) == (
        f"Cannot uninstall odd 1.0: no RECORD file in {dist_info} (installed by {shown})"
    )
    assert (dist_info / "METADATA").exists()


def test_egg_info_installs_are_refused(venv: Venv) -> None:
    egg_info = venv.site_packages / "legacy-2.0-py3.12.egg-info"
    egg_info.mkdir()
    (egg_info / "PKG-INFO").write_text("Name: legacy\nVersion: 2.0\n")
    dist = scan_site_packages(venv.scheme)[PackageName("legacy")]

    with pytest.raises(InstallError) as caught:
        uninstall(dist, prefix=venv.prefix)
    assert str(caught.value) == (
        f"Cannot uninstall legacy 2.0: it was installed by setuptools as {egg_info},"
        " which lists no files puffin can trust; remove it with pip"
    )


def test_setup_py_develop_installs_are_refused(tmp_path: Path, venv: Venv) -> None:
    link = venv.site_packages / "devpkg.egg-link"
    link.write_text(f"{tmp_path}\n.")
    dist = InstalledDistribution(PackageName("devpkg"), "unknown", link, None, True)

    with pytest.raises(InstallError) as caught:
        uninstall(dist, prefix=venv.prefix)
    assert str(caught.value) == (
        f"Cannot uninstall devpkg unknown: it is a `setup.py develop` install ({link}),"
        " which puffin cannot remove; remove it with pip"
    )
