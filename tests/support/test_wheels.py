"""The test wheel builder makes valid, reproducible wheels that real pip installs."""

from __future__ import annotations

import configparser
import csv
import importlib.util
import io
import os
import stat
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from packaging.metadata import Metadata

from tests.support.index_server import PackageIndex
from tests.support.run import make_venv
from tests.support.wheels import (
    MemberLike,
    RawMember,
    build_raw_wheel,
    build_sdist,
    build_wheel,
    record_bytes,
    record_hash,
    wheel_members,
)


def _read(wheel: Path, member: str) -> str:
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(member).decode("utf-8")


def _mode(wheel: Path, member: str) -> int:
    with zipfile.ZipFile(wheel) as archive:
        return archive.getinfo(member).external_attr >> 16


def test_file_name_uses_escaped_name_normalized_version_and_build_tag(tmp_path: Path) -> None:
    assert build_wheel(tmp_path, "Foo.Bar-baz", "1.0.0-Alpha1").name == (
        "foo_bar_baz-1.0.0a1-py3-none-any.whl"
    )
    tagged = build_wheel(tmp_path, "x", "2", tag="cp311-cp311-linux_x86_64", build_tag="7")
    assert tagged.name == "x-2-7-cp311-cp311-linux_x86_64.whl"


def test_default_wheel_holds_a_package_reporting_its_version(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path, "My-Pkg", "1.2")
    with zipfile.ZipFile(wheel) as archive:
        assert archive.namelist() == [
            "my_pkg/__init__.py",
            "my_pkg-1.2.dist-info/METADATA",
            "my_pkg-1.2.dist-info/WHEEL",
            "my_pkg-1.2.dist-info/RECORD",
        ]
    assert _read(wheel, "my_pkg/__init__.py") == '__version__ = "1.2"\n'


def test_record_lists_every_member_with_its_true_hash_and_size(tmp_path: Path) -> None:
    wheel = build_wheel(
        tmp_path,
        "rec",
        "1.0",
        files={"rec/__init__.py": "", "rec/a,b.txt": b"\x00binary"},
        entry_points={"console_scripts": {"rec": "rec:main"}},
        data={"scripts/tool": "#!python\n", "data/share/rec.txt": "hello\n"},
    )
    with zipfile.ZipFile(wheel) as archive:
        assert archive.testzip() is None
        rows = list(csv.reader(io.StringIO(archive.read("rec-1.0.dist-info/RECORD").decode())))
        members = {name: archive.read(name) for name in archive.namelist()}
    assert rows[-1] == ["rec-1.0.dist-info/RECORD", "", ""]
    recorded = {row[0]: (row[1], int(row[2])) for row in rows[:-1]}
    del members["rec-1.0.dist-info/RECORD"]
    assert recorded == {name: (record_hash(data), len(data)) for name, data in members.items()}
    assert "rec/a,b.txt" in recorded
    assert record_hash(b"") == "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"


def test_metadata_is_valid_core_metadata_with_extras_as_markers(tmp_path: Path) -> None:
    wheel = build_wheel(
        tmp_path,
        "meta",
        "3.0",
        requires_dist=["dep>=1", "other; python_version < '3.9'"],
        requires_python=">=3.8",
        provides_extra={"fast": ["speedy==2", "cy; sys_platform == 'linux'"]},
        metadata_extra="Summary: a test package\n",
    )
    text = _read(wheel, "meta-3.0.dist-info/METADATA")
    assert text == (
        "Metadata-Version: 2.1\n"
        "Name: meta\n"
        "Version: 3.0\n"
        "Requires-Python: >=3.8\n"
        "Requires-Dist: dep>=1\n"
        "Requires-Dist: other; python_version < '3.9'\n"
        "Provides-Extra: fast\n"
        'Requires-Dist: speedy==2; extra == "fast"\n'
        "Requires-Dist: cy; (sys_platform == 'linux') and extra == \"fast\"\n"
        "Summary: a test package\n"
    )
    metadata = Metadata.from_email(text, validate=True)
    assert [str(r) for r in metadata.requires_dist or []] == [
        "dep>=1",
        'other; python_version < "3.9"',
        'speedy==2; extra == "fast"',
        'cy; sys_platform == "linux" and extra == "fast"',
    ]
    assert metadata.provides_extra == ["fast"]


def test_wheel_file_has_one_tag_line_per_expanded_tag(tmp_path: Path) -> None:
    wheel = build_wheel(
        tmp_path, "tags", "1", tag="py2.py3-none-any", build_tag="3", root_is_purelib=False
    )
    assert _read(wheel, "tags-1.dist-info/WHEEL") == (
        "Wheel-Version: 1.0\n"
        "Generator: puffin-tests (1.0)\n"
        "Root-Is-Purelib: false\n"
        "Tag: py2-none-any\n"
        "Tag: py3-none-any\n"
        "Build: 3\n"
    )


def test_entry_points_are_written_by_group(tmp_path: Path) -> None:
    wheel = build_wheel(
        tmp_path,
        "ep",
        "1",
        entry_points={
            "console_scripts": {"ep": "ep.cli:main", "ep-admin": "ep.admin:run"},
            "gui_scripts": {"ep-gui": "ep.gui:start"},
        },
    )
    parser = configparser.ConfigParser()
    parser.read_string(_read(wheel, "ep-1.dist-info/entry_points.txt"))
    assert {group: dict(parser[group]) for group in parser.sections()} == {
        "console_scripts": {"ep": "ep.cli:main", "ep-admin": "ep.admin:run"},
        "gui_scripts": {"ep-gui": "ep.gui:start"},
    }


def test_data_members_sit_under_the_data_dir_and_chosen_members_are_executable(
    tmp_path: Path,
) -> None:
    wheel = build_wheel(
        tmp_path,
        "dat",
        "1",
        files={"dat/__init__.py": "", "dat/run.sh": "#!/bin/sh\n"},
        data={"scripts/tool": "#!python\n", "headers/dat.h": "int x;\n"},
        executable_files=["scripts/tool", "dat/run.sh"],
    )
    assert _read(wheel, "dat-1.data/headers/dat.h") == "int x;\n"
    assert _mode(wheel, "dat-1.data/scripts/tool") == stat.S_IFREG | 0o755
    assert _mode(wheel, "dat/run.sh") == stat.S_IFREG | 0o755
    assert _mode(wheel, "dat/__init__.py") == stat.S_IFREG | 0o644


def test_same_inputs_give_the_same_bytes(tmp_path: Path) -> None:
    def build(directory: Path) -> bytes:
        wheel = build_wheel(
            directory, "same", "1", requires_dist=["x"], data={"data/a": "a"}, entry_points={}
        )
        return wheel.read_bytes()

    def sdist(directory: Path) -> bytes:
        return build_sdist(directory, "same", "1", requires_dist=["x"]).read_bytes()

    assert build(tmp_path / "one") == build(tmp_path / "two")
    assert sdist(tmp_path / "one") == sdist(tmp_path / "two")


def test_a_path_written_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError) as error:
        build_wheel(tmp_path, "dup", "1", files={"dup-1.dist-info/WHEEL": "mine"})
    assert str(error.value) == (
        "'dup-1.dist-info/WHEEL' is written twice; use build_raw_wheel for hostile wheels"
    )
    assert list(tmp_path.iterdir()) == []


def test_an_executable_name_that_matches_nothing_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError) as error:
        build_wheel(tmp_path, "ex", "1", executable_files=["ex/typo.py"])
    assert str(error.value) == "executable_files names no member: ['ex/typo.py']"


def test_raw_wheel_keeps_hostile_members_exactly(tmp_path: Path) -> None:
    honest = wheel_members("evil", "1")
    lying_record = RawMember("evil-1.dist-info/RECORD", b"evil/__init__.py,sha256=AAAA,1\n")
    target_info = zipfile.ZipInfo("evil/raw", date_time=(2021, 1, 1, 0, 0, 0))
    members: list[MemberLike] = [
        *honest[:-1],
        ("../outside.py", "x = 1\n"),
        ("/etc/absolute", b"root"),
        ("evil/__init__.py", b"second copy"),
        RawMember("evil/link", b"../../../etc/passwd", symlink=True),
        RawMember("evil/dir/"),
        (target_info, b"as given"),
        lying_record,
    ]
    wheel = build_raw_wheel(tmp_path / "evil-1-py3-none-any.whl", members)
    with zipfile.ZipFile(wheel) as archive:
        infos = archive.infolist()
        assert [info.filename for info in infos] == [
            "evil/__init__.py",
            "evil-1.dist-info/METADATA",
            "evil-1.dist-info/WHEEL",
            "../outside.py",
            "/etc/absolute",
            "evil/__init__.py",
            "evil/link",
            "evil/dir/",
            "evil/raw",
            "evil-1.dist-info/RECORD",
        ]
        assert archive.read(infos[5]) == b"second copy"
        assert stat.S_ISLNK(infos[6].external_attr >> 16)
        assert archive.read(infos[6]) == b"../../../etc/passwd"
        assert infos[7].is_dir()
        assert infos[8].date_time == (2021, 1, 1, 0, 0, 0)
        assert archive.read("evil-1.dist-info/RECORD") == b"evil/__init__.py,sha256=AAAA,1\n"


def test_record_bytes_describes_the_members_given(tmp_path: Path) -> None:
    members = [RawMember("a.py", b"a"), RawMember("link", b"a.py", symlink=True), RawMember("d/")]
    assert record_bytes(members, "a-1.dist-info/RECORD") == (
        f"a.py,{record_hash(b'a')},1\na-1.dist-info/RECORD,,\n".encode()
    )


def test_sdist_holds_pkg_info_and_files_under_its_root(tmp_path: Path) -> None:
    sdist = build_sdist(tmp_path, "Some.Thing", "2.0", requires_python=">=3.9")
    assert sdist.name == "some_thing-2.0.tar.gz"
    with tarfile.open(sdist) as archive:
        assert archive.getnames() == [
            "some_thing-2.0/PKG-INFO",
            "some_thing-2.0/pyproject.toml",
            "some_thing-2.0/some_thing/__init__.py",
        ]
        pkg_info = archive.extractfile("some_thing-2.0/PKG-INFO")
        assert pkg_info is not None
        assert pkg_info.read() == (
            b"Metadata-Version: 2.1\nName: Some.Thing\nVersion: 2.0\nRequires-Python: >=3.9\n"
        )


def _pip(*args: str | Path) -> subprocess.CompletedProcess[str]:
    if importlib.util.find_spec("pip") is None:
        pytest.skip(f"pip is not installed in {sys.executable}")
    return subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ),  # PIP_CONFIG_FILE=/dev/null, set by conftest, hides pip.conf
    )


def test_real_pip_installs_the_wheels_from_find_links_and_the_index(
    tmp_path: Path, wheel_dir: Path, make_wheel: Callable[..., Path], index: PackageIndex
) -> None:
    make_wheel(
        "Demo.App",
        "1.0",
        requires_dist=["demo-lib>=2"],
        files={
            "demo_app/__init__.py": "from demo_lib import VALUE\n",
            "demo_app/cli.py": "from demo_app import VALUE\ndef main(): print('demo', VALUE)\n",
        },
        entry_points={"console_scripts": {"demo": "demo_app.cli:main"}},
        data={"data/share/demo/notes.txt": "notes\n", "scripts/demo-tool": "#!python\nprint(7)\n"},
        executable_files=["scripts/demo-tool"],
    )
    index.add_wheel("demo-lib", "1.0", files={"demo_lib/__init__.py": "VALUE = 1\n"})
    index.add_wheel("demo-lib", "2.0", files={"demo_lib/__init__.py": "VALUE = 2\n"})
    index.add_wheel("demo-lib", "3.0", requires_python="<3")
    index.formats = frozenset({"json"})  # so pip must read PEP 691 JSON
    python = make_venv(tmp_path / "venv")

    pip = _pip(
        "--python",
        python,
        "install",
        "--index-url",
        index.url,
        "--find-links",
        wheel_dir,
        "demo-app",
    )

    assert pip.returncode == 0, pip.stderr
    assert "Successfully installed demo-app-1.0 demo-lib-2.0" in pip.stdout
    assert index.request_paths() == [
        "/simple/demo-app/",
        "/simple/demo-lib/",
        "/files/demo_lib-2.0-py3-none-any.whl.metadata",
        "/files/demo_lib-2.0-py3-none-any.whl",
    ]
    bin_dir = python.parent
    script = subprocess.run([bin_dir / "demo"], capture_output=True, text=True, check=True)
    assert script.stdout == "demo 2\n"
    tool = subprocess.run([bin_dir / "demo-tool"], capture_output=True, text=True, check=True)
    assert tool.stdout == "7\n"
    assert (tmp_path / "venv" / "share" / "demo" / "notes.txt").read_text() == "notes\n"
