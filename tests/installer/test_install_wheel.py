"""Installing an unpacked wheel into a real virtualenv: layout, scripts, RECORD, rollback."""

from __future__ import annotations

import base64
import hashlib
import os
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from puffin.errors import InstallError
from puffin.installer.link import LinkMode
from puffin.interpreter import Scheme
from tests.installer.conftest import Venv, create_venv, install, tree

CLI = (
    "import sys\n"
    "from demo import GREETING\n"
    "\n"
    "def main():\n"
    "    print(GREETING, *sys.argv[1:])\n"
    "    return 3\n"
)
FILES = {"demo/__init__.py": 'GREETING = "hello from demo"\n', "demo/cli.py": CLI}
ENTRY_POINTS = {
    "console_scripts": {"demo-hello": "demo.cli:main"},
    "gui_scripts": {"demo-gui": "demo.cli:main"},
}
DATA = {
    "scripts/demo-tool": "#!python\nimport demo\nprint('tool says', demo.GREETING)\n",
    "scripts/plain.sh": "#!/bin/sh\necho plain\n",
    "scripts/demo-hello": "#!python\nprint('the wheel copy, replaced by the entry point')\n",
    "data/share/demo/readme.txt": "some data\n",
    "headers/demo.h": "int demo;\n",
    "purelib/demo_pure.py": "PURE = 1\n",
    "platlib/demo_plat.py": "PLAT = 2\n",
}


def record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def demo_archive(archive: Callable[..., Path], **overrides: object) -> Path:
    arguments: dict[str, object] = {
        "files": FILES,
        "entry_points": ENTRY_POINTS,
        "data": DATA,
        "executable_files": {"scripts/plain.sh"},
    }
    arguments.update(overrides)
    return archive("Demo", "1.0", **arguments)


def run(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(path), *args], capture_output=True, text=True, check=False, timeout=60
    )


def test_every_scheme_key_lands_in_its_directory(venv: Venv, archive: Callable[..., Path]) -> None:
    install(venv, demo_archive(archive), "demo", "1.0")

    site = venv.site_packages
    assert (site / "demo" / "cli.py").read_text() == CLI
    assert (site / "demo_pure.py").read_text() == "PURE = 1\n"
    assert (site / "demo_plat.py").read_text() == "PLAT = 2\n"
    assert (venv.prefix / "share" / "demo" / "readme.txt").read_text() == "some data\n"
    # Headers go below the project name as METADATA spells it.
    assert (venv.scheme.include / "Demo" / "demo.h").read_text() == "int demo;\n"
    assert (venv.prefix / "bin" / "plain.sh").read_text() == "#!/bin/sh\necho plain\n"
    assert sorted(p.name for p in site.iterdir()) == [
        "demo",
        "demo-1.0.dist-info",
        "demo_plat.py",
        "demo_pure.py",
    ]


def test_console_gui_and_wheel_scripts_run(venv: Venv, archive: Callable[..., Path]) -> None:
    install(venv, demo_archive(archive), "demo", "1.0")
    bin_dir = venv.prefix / "bin"

    hello = run(bin_dir / "demo-hello", "a", "b")
    assert (hello.stdout, hello.stderr, hello.returncode) == ("hello from demo a b\n", "", 3)
    gui = run(bin_dir / "demo-gui")
    assert (gui.stdout, gui.returncode) == ("hello from demo\n", 3)
    tool = run(bin_dir / "demo-tool")
    assert (tool.stdout, tool.returncode) == ("tool says hello from demo\n", 0)
    assert run(bin_dir / "plain.sh").stdout == "plain\n"
    # The `#!python` line became the environment's interpreter; the rest is the wheel's.
    assert (bin_dir / "demo-tool").read_text() == (
        f"#!{venv.python}\nimport demo\nprint('tool says', demo.GREETING)\n"
    )
    for name in ("demo-hello", "demo-gui", "demo-tool", "plain.sh"):
        assert stat.S_IMODE((bin_dir / name).stat().st_mode) == 0o755, name


def test_launcher_is_our_template(venv: Venv, archive: Callable[..., Path]) -> None:
    install(venv, archive("demo", "1.0", files=FILES, entry_points=ENTRY_POINTS), "demo", "1.0")

    assert (venv.prefix / "bin" / "demo-hello").read_text() == (
        f"#!{venv.python}\n"
        "import sys\n"
        "from demo.cli import main\n"
        "\n"
        'if __name__ == "__main__":\n'
        "    sys.exit(main())\n"
    )


def test_venv_path_with_a_space_gets_a_working_sh_trampoline(
    tmp_path: Path, base_python: Path, archive: Callable[..., Path]
) -> None:
    venv = create_venv(tmp_path / "my venv", base_python)
    install(venv, demo_archive(archive), "demo", "1.0")

    launcher = (venv.prefix / "bin" / "demo-hello").read_text()
    assert launcher.startswith(f"#!/bin/sh\n'''exec' \"{venv.python}\" \"$0\" \"$@\"\n' '''\n")
    hello = run(venv.prefix / "bin" / "demo-hello", "x y")
    assert (hello.stdout, hello.stderr, hello.returncode) == ("hello from demo x y\n", "", 3)
    tool = run(venv.prefix / "bin" / "demo-tool")
    assert (tool.stdout, tool.returncode) == ("tool says hello from demo\n", 0)


def test_interpreter_path_too_long_for_a_shebang_gets_the_trampoline(
    tmp_path: Path, base_python: Path, archive: Callable[..., Path]
) -> None:
    venv = create_venv(tmp_path / ("v" * 120), base_python)
    assert len(f"#!{venv.python}\n") > 127
    install(venv, demo_archive(archive), "demo", "1.0")

    assert (venv.prefix / "bin" / "demo-hello").read_text().startswith("#!/bin/sh\n")
    hello = run(venv.prefix / "bin" / "demo-hello")
    assert (hello.stdout, hello.returncode) == ("hello from demo\n", 3)


def test_record_lists_exactly_what_was_written(venv: Venv, archive: Callable[..., Path]) -> None:
    direct_url = '{"archive_info": {}, "url": "file:///wheels/demo-1.0-py3-none-any.whl"}'
    install(venv, demo_archive(archive), "demo", "1.0", direct_url=direct_url)

    site = venv.site_packages
    paths = [
        "../../../bin/demo-gui",
        "../../../bin/demo-hello",
        "../../../bin/demo-tool",
        "../../../bin/plain.sh",
        "../../../include/site/{minor}/Demo/demo.h",
        "../../../share/demo/readme.txt",
        "demo-1.0.dist-info/INSTALLER",
        "demo-1.0.dist-info/METADATA",
        "demo-1.0.dist-info/RECORD",
        "demo-1.0.dist-info/REQUESTED",
        "demo-1.0.dist-info/WHEEL",
        "demo-1.0.dist-info/direct_url.json",
        "demo-1.0.dist-info/entry_points.txt",
        "demo/__init__.py",
        "demo/cli.py",
        "demo_plat.py",
        "demo_pure.py",
    ]
    expected = ""
    for path in paths:
        path = path.format(minor=venv.scheme.include.name)
        if path.endswith("/RECORD"):
            expected += f"{path},,\n"
            continue
        data = (site / path).read_bytes()
        expected += f"{path},{record_hash(data)},{len(data)}\n"
    assert (site / "demo-1.0.dist-info" / "RECORD").read_text() == expected
    assert (site / "demo-1.0.dist-info" / "INSTALLER").read_bytes() == b"puffin\n"
    assert (site / "demo-1.0.dist-info" / "REQUESTED").read_bytes() == b""
    assert (site / "demo-1.0.dist-info" / "direct_url.json").read_text() == direct_url


def test_dependency_without_direct_url_has_no_requested_or_direct_url(
    venv: Venv, archive: Callable[..., Path]
) -> None:
    result = install(venv, archive("demo", "1.0"), "demo", "1.0", requested=False)

    dist_info = venv.site_packages / "demo-1.0.dist-info"
    assert sorted(p.name for p in dist_info.iterdir()) == [
        "INSTALLER",
        "METADATA",
        "RECORD",
        "WHEEL",
    ]
    assert (result.name, result.version, result.dist_info) == ("demo", "1.0", dist_info)
    assert (result.direct_url, result.editable) == (None, False)
    assert result.python_files == (venv.site_packages / "demo" / "__init__.py",)


def test_editable_direct_url_is_reported(venv: Venv, archive: Callable[..., Path]) -> None:
    direct_url = '{"dir_info": {"editable": true}, "url": "file:///src/demo"}'
    files = {"__editable__.demo-1.0.pth": "/src/demo\n"}
    result = install(
        venv, archive("demo", "1.0", files=files), "demo", "1.0", direct_url=direct_url
    )

    assert result.editable is True
    assert (venv.site_packages / "__editable__.demo-1.0.pth").read_text() == "/src/demo\n"


def test_root_is_platlib_when_not_purelib(tmp_path: Path, archive: Callable[..., Path]) -> None:
    scheme = Scheme(
        purelib=tmp_path / "env" / "pure",
        platlib=tmp_path / "env" / "plat",
        scripts=tmp_path / "env" / "bin",
        data=tmp_path / "env",
        include=tmp_path / "env" / "include",
    )
    venv = Venv(tmp_path / "env", Path("/usr/bin/python3"), scheme)
    unpacked = archive(
        "demo", "1.0", root_is_purelib=False, data={"purelib/demo_pure.py": "PURE = 1\n"}
    )
    install(venv, unpacked, "demo", "1.0")

    assert (scheme.platlib / "demo" / "__init__.py").is_file()
    assert (scheme.purelib / "demo_pure.py").read_text() == "PURE = 1\n"
    record = (scheme.platlib / "demo-1.0.dist-info" / "RECORD").read_text()
    pure_hash = record_hash(b"PURE = 1\n")
    assert f"../pure/demo_pure.py,{pure_hash},9\n" in record


def test_executable_bit_is_kept_for_package_files(venv: Venv, archive: Callable[..., Path]) -> None:
    files = {**FILES, "demo/run.sh": "#!/bin/sh\n"}
    data = {"scripts/notes.txt": "not executable\n"}
    unpacked = archive("demo", "1.0", files=files, data=data, executable_files={"demo/run.sh"})
    install(venv, unpacked, "demo", "1.0", link_mode=LinkMode.COPY)

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    assert mode(venv.site_packages / "demo" / "run.sh") == 0o755
    assert mode(venv.site_packages / "demo" / "cli.py") == 0o644
    assert mode(venv.prefix / "bin" / "notes.txt") == 0o644


@pytest.mark.parametrize(
    ("mode", "same_inode", "symlink"),
    [
        (LinkMode.HARDLINK, True, False),
        (LinkMode.COPY, False, False),
        (LinkMode.SYMLINK, True, True),
    ],
)
def test_link_mode_decides_how_files_arrive(
    venv: Venv, archive: Callable[..., Path], mode: LinkMode, same_inode: bool, symlink: bool
) -> None:
    unpacked = demo_archive(archive)
    install(venv, unpacked, "demo", "1.0", link_mode=mode)

    for relative, source in [
        ("demo/cli.py", unpacked / "demo" / "cli.py"),
        ("../../../share/demo/readme.txt", unpacked / "demo-1.0.data/data/share/demo/readme.txt"),
    ]:
        installed = venv.site_packages / relative
        assert (installed.stat().st_ino == source.stat().st_ino) is same_inode, relative
        assert installed.is_symlink() is symlink, relative
        assert installed.read_bytes() == source.read_bytes()


@pytest.mark.parametrize("mode", list(LinkMode))
def test_the_archive_is_never_modified(
    venv: Venv, archive: Callable[..., Path], mode: LinkMode
) -> None:
    unpacked = demo_archive(archive)
    before = tree(unpacked)
    install(venv, unpacked, "demo", "1.0", link_mode=mode)

    assert tree(unpacked) == before
    tool = venv.prefix / "bin" / "demo-tool"
    assert not tool.is_symlink()
    assert (
        tool.stat().st_ino != (unpacked / "demo-1.0.data" / "scripts" / "demo-tool").stat().st_ino
    )


def test_installing_over_the_same_dist_info_is_refused(
    venv: Venv, archive: Callable[..., Path]
) -> None:
    unpacked = archive("demo", "1.0")
    install(venv, unpacked, "demo", "1.0")

    with pytest.raises(InstallError) as caught:
        install(venv, unpacked, "demo", "1.0")
    dist_info = venv.site_packages / "demo-1.0.dist-info"
    assert str(caught.value) == (
        f"Cannot install demo 1.0: {dist_info} already exists (uninstall the installed copy first)"
    )


def test_unknown_data_scheme_is_refused_before_writing(
    venv: Venv, archive: Callable[..., Path]
) -> None:
    unpacked = archive("demo", "1.0", data={"foo/x": "1"})

    with pytest.raises(InstallError) as caught:
        install(venv, unpacked, "demo", "1.0")
    assert (
        str(caught.value)
        == "Invalid wheel demo: unknown .data scheme 'foo' in 'demo-1.0.data/foo/x'"
    )
    assert list(venv.site_packages.iterdir()) == []


@pytest.mark.parametrize("script", ["../evil", "..", "sub/evil"])
def test_entry_point_script_name_with_a_path_is_refused(
    venv: Venv, archive: Callable[..., Path], script: str
) -> None:
    unpacked = archive(
        "demo", "1.0", files=FILES, entry_points={"console_scripts": {script: "demo.cli:main"}}
    )

    with pytest.raises(InstallError) as caught:
        install(venv, unpacked, "demo", "1.0")
    assert str(caught.value) == (
        "Invalid wheel demo: demo-1.0.dist-info/entry_points.txt:"
        f" entry point script name '{script}' is not a plain file name"
    )
    assert list(venv.site_packages.iterdir()) == []


def test_entry_point_without_a_function_is_refused(
    venv: Venv, archive: Callable[..., Path]
) -> None:
    unpacked = archive("demo", "1.0", entry_points={"console_scripts": {"demo": "demo.cli"}})

    with pytest.raises(InstallError) as caught:
        install(venv, unpacked, "demo", "1.0")
    assert str(caught.value) == (
        "Invalid wheel demo: demo-1.0.dist-info/entry_points.txt:"
        " entry point 'demo' has target 'demo.cli'; expected 'module:function'"
    )


def test_failure_midway_leaves_nothing_behind(venv: Venv, archive: Callable[..., Path]) -> None:
    # Something that is not ours sits where a file must go: a directory named like the module.
    blocker = venv.site_packages / "demo" / "cli.py"
    blocker.mkdir(parents=True)
    (blocker / "keep.txt").write_text("not ours\n")
    before = tree(venv.prefix)

    with pytest.raises(InstallError) as caught:
        install(venv, demo_archive(archive), "demo", "1.0")

    assert str(caught.value) == f"Failed to install demo 1.0: Is a directory ({blocker})"
    assert tree(venv.prefix) == before
    assert sorted(os.listdir(venv.site_packages)) == ["demo"]
    assert os.listdir(venv.site_packages / "demo") == ["cli.py"]
    assert not (venv.prefix / "share").exists()
    assert not (venv.scheme.include).exists()


def test_a_file_of_another_distribution_is_replaced(
    venv: Venv, archive: Callable[..., Path]
) -> None:
    shared = {"ns/__init__.py": "# namespace\n"}
    install(venv, archive("first", "1.0", files={**shared, "ns/a.py": ""}), "first", "1.0")
    install(venv, archive("second", "1.0", files={**shared, "ns/b.py": ""}), "second", "1.0")

    assert sorted(os.listdir(venv.site_packages / "ns")) == ["__init__.py", "a.py", "b.py"]
    assert not [name for name in os.listdir(venv.site_packages / "ns") if "tmp" in name]


def test_a_missing_archive_is_an_install_error(tmp_path: Path, venv: Venv) -> None:
    missing = tmp_path / "archive-v0" / "gone"

    with pytest.raises(InstallError) as caught:
        install(venv, missing, "demo", "1.0")
    assert str(caught.value) == f"Cannot install demo 1.0: No such file or directory ({missing})"


def test_an_archive_of_another_project_is_refused(venv: Venv, archive: Callable[..., Path]) -> None:
    unpacked = archive("other", "1.0")

    with pytest.raises(InstallError) as caught:
        install(venv, unpacked, "demo", "1.0")
    assert str(caught.value) == (
        f"Invalid wheel demo: expected one demo-*.dist-info directory in {unpacked}, found none"
    )
