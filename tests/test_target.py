"""What `--python-version` and `--python-platform` make a resolution target."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.tags import compatible_tags, cpython_tags

from puffin.errors import UsageError
from puffin.interpreter import Interpreter, Scheme
from puffin.target import parse_python_platform, parse_python_version, resolve_target

LINUX_MARKERS = {
    "implementation_name": "cpython",
    "implementation_version": "3.11.9",
    "os_name": "posix",
    "platform_machine": "x86_64",
    "platform_release": "6.8.0-45-generic",
    "platform_system": "Linux",
    "platform_version": "#45-Ubuntu SMP PREEMPT_DYNAMIC",
    "python_full_version": "3.11.9",
    "platform_python_implementation": "CPython",
    "python_version": "3.11",
    "sys_platform": "linux",
}
LINUX_PLATFORMS = ["manylinux_2_35_x86_64", "manylinux_2_17_x86_64", "linux_x86_64"]


def linux_cpython_311(abis: tuple[str, ...] = ("cp311",)) -> Interpreter:
    tags = [
        *cpython_tags((3, 11), list(abis), LINUX_PLATFORMS),
        *compatible_tags((3, 11), "cp311", LINUX_PLATFORMS),
    ]
    root = Path("/venv")
    return Interpreter(
        executable=root / "bin" / "python",
        sys_prefix=root,
        sys_base_prefix=Path("/usr"),
        version=(3, 11, 9),
        implementation_name="cpython",
        markers=dict(LINUX_MARKERS),
        tags=tuple(str(tag) for tag in tags),
        scheme=Scheme(root, root, root / "bin", root, root / "include"),
    )


def test_without_overrides_the_interpreter_is_the_target_unchanged() -> None:
    interpreter = linux_cpython_311()

    target = resolve_target(interpreter)

    assert target.markers == LINUX_MARKERS
    assert target.tags == interpreter.tags
    assert target.python_version == (3, 11, 9)
    assert target.python_minor_version == "3.11"


def test_python_version_without_patch_means_the_first_release_of_it() -> None:
    target = resolve_target(linux_cpython_311(), python_version="3.12")

    assert target.markers == {
        **LINUX_MARKERS,
        "python_version": "3.12",
        "python_full_version": "3.12.0",
        "implementation_version": "3.12.0",
    }
    assert target.python_version == (3, 12, 0)
    assert target.python_minor_version == "3.12"


def test_python_version_with_patch_is_taken_as_given() -> None:
    target = resolve_target(linux_cpython_311(), python_version="3.12.4")

    assert target.markers["python_full_version"] == "3.12.4"
    assert target.markers["python_version"] == "3.12"


def test_python_version_gives_that_cpythons_tags_on_the_interpreters_platforms() -> None:
    tags = resolve_target(linux_cpython_311(), python_version="3.12").tags

    assert tags[:3] == (
        "cp312-cp312-manylinux_2_35_x86_64",
        "cp312-cp312-manylinux_2_17_x86_64",
        "cp312-cp312-linux_x86_64",
    )
    assert tags[-1] == "py30-none-any"
    assert "cp312-abi3-linux_x86_64" in tags
    assert "cp32-abi3-manylinux_2_17_x86_64" in tags
    assert "cp31-abi3-manylinux_2_17_x86_64" not in tags
    assert {"py312-none-any", "py3-none-any", "cp312-none-any"} <= set(tags)
    assert not [tag for tag in tags if "311" in tag.split("-")[1]]  # no cp311 ABI left
    assert not [tag for tag in tags if tag.startswith(("cp313", "py313"))]
    assert tags.index("cp312-abi3-manylinux_2_17_x86_64") < tags.index("py3-none-any")


def test_linux_means_x86_64_manylinux_2_28_down_to_manylinux1() -> None:
    target = resolve_target(linux_cpython_311(), python_version="3.12", python_platform="linux")

    platforms = [tag.split("-")[2] for tag in target.tags if tag.startswith("cp312-cp312-")]
    assert platforms == [
        *(f"manylinux_2_{minor}_x86_64" for minor in range(28, 16, -1)),
        "manylinux2014_x86_64",
        *(f"manylinux_2_{minor}_x86_64" for minor in range(16, 11, -1)),
        "manylinux2010_x86_64",
        *(f"manylinux_2_{minor}_x86_64" for minor in range(11, 4, -1)),
        "manylinux1_x86_64",
    ]
    assert target.tags[0] == "cp312-cp312-manylinux_2_28_x86_64"
    assert target.tags[-1] == "py30-none-any"
    assert not [tag for tag in target.tags if "linux_x86_64" in tag and "many" not in tag]


def test_a_named_manylinux_version_is_the_newest_glibc_tag() -> None:
    tags = resolve_target(
        linux_cpython_311(), python_version="3.12", python_platform="x86_64-manylinux_2_31"
    ).tags

    assert tags[0] == "cp312-cp312-manylinux_2_31_x86_64"
    assert "cp312-cp312-manylinux_2_32_x86_64" not in tags
    assert "cp312-cp312-manylinux_2_35_x86_64" not in tags


def test_aarch64_manylinux_starts_at_manylinux2014() -> None:
    target = resolve_target(
        linux_cpython_311(), python_version="3.12", python_platform="aarch64-manylinux_2_28"
    )

    platforms = [tag.split("-")[2] for tag in target.tags if tag.startswith("cp312-cp312-")]
    assert platforms == [
        *(f"manylinux_2_{minor}_aarch64" for minor in range(28, 16, -1)),
        "manylinux2014_aarch64",
    ]
    assert target.markers["platform_machine"] == "aarch64"
    assert target.markers["sys_platform"] == "linux"


def test_windows_markers_and_tags() -> None:
    target = resolve_target(linux_cpython_311(), python_version="3.13", python_platform="windows")

    assert target.markers == {
        "implementation_name": "cpython",
        "implementation_version": "3.13.0",
        "os_name": "nt",
        "platform_machine": "AMD64",
        "platform_release": "",
        "platform_system": "Windows",
        "platform_version": "",
        "python_full_version": "3.13.0",
        "platform_python_implementation": "CPython",
        "python_version": "3.13",
        "sys_platform": "win32",
    }
    assert target.tags[:4] == (
        "cp313-cp313-win_amd64",
        "cp313-abi3-win_amd64",
        "cp313-none-win_amd64",
        "cp312-abi3-win_amd64",
    )
    assert {tag.split("-")[2] for tag in target.tags} == {"win_amd64", "any"}
    assert parse_python_platform("x86_64-pc-windows-msvc") == parse_python_platform("windows")


def test_macos_means_apple_silicon_from_macos_12_with_universal2() -> None:
    target = resolve_target(linux_cpython_311(), python_version="3.12", python_platform="macos")

    assert {key: target.markers[key] for key in ("sys_platform", "platform_system")} == {
        "sys_platform": "darwin",
        "platform_system": "Darwin",
    }
    assert (target.markers["os_name"], target.markers["platform_machine"]) == ("posix", "arm64")
    platforms = [tag.split("-")[2] for tag in target.tags if tag.startswith("cp312-cp312-")]
    assert platforms[:4] == [
        "macosx_12_0_arm64",
        "macosx_12_0_universal2",
        "macosx_11_0_arm64",
        "macosx_11_0_universal2",
    ]
    assert "macosx_10_12_universal2" in platforms
    assert not [platform for platform in platforms if platform.startswith("macosx_13")]
    assert parse_python_platform("aarch64-apple-darwin") == parse_python_platform("macos")


def test_intel_mac_markers_and_tags() -> None:
    target = resolve_target(
        linux_cpython_311(), python_version="3.12", python_platform="x86_64-apple-darwin"
    )

    assert target.markers["platform_machine"] == "x86_64"
    assert target.markers["sys_platform"] == "darwin"
    assert target.tags[0] == "cp312-cp312-macosx_12_0_x86_64"
    assert "cp312-cp312-macosx_10_12_x86_64" in target.tags
    assert "cp312-cp312-macosx_12_0_arm64" not in target.tags


def test_platform_alone_keeps_the_interpreters_version_and_abis() -> None:
    interpreter = linux_cpython_311(abis=("cp311d", "cp311"))

    target = resolve_target(interpreter, python_platform="windows")

    assert target.markers["python_full_version"] == "3.11.9"
    assert target.markers["sys_platform"] == "win32"
    assert target.tags[:3] == (
        "cp311-cp311d-win_amd64",
        "cp311-cp311-win_amd64",
        "cp311-abi3-win_amd64",
    )
    assert {tag.split("-")[2] for tag in target.tags} == {"win_amd64", "any"}
    own_any = [tag for tag in interpreter.tags if tag.endswith("-any")]
    assert [tag for tag in target.tags if tag.endswith("-any")] == own_any


@pytest.mark.parametrize("given", ["3", "2.7", "3.12.4.1", "3.x", "py3.12", "3.12 "])
def test_malformed_python_versions_are_usage_errors(given: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_python_version(given)

    assert str(caught.value) == (
        f"--python-version {given}: expected a Python 3 version such as 3.12 or 3.12.4"
    )


@pytest.mark.parametrize("given", ["solaris", "x86_64-manylinux_2_16", "riscv64-manylinux_2_28"])
def test_unknown_platforms_are_usage_errors_listing_the_accepted_names(given: str) -> None:
    with pytest.raises(UsageError) as caught:
        resolve_target(linux_cpython_311(), python_platform=given)

    assert str(caught.value) == (
        f"--python-platform {given}: unknown platform; use one of linux, macos, windows, "
        "x86_64-unknown-linux-gnu, aarch64-unknown-linux-gnu, x86_64-unknown-linux-musl, "
        "aarch64-unknown-linux-musl, x86_64-apple-darwin, aarch64-apple-darwin, "
        "x86_64-pc-windows-msvc, i686-pc-windows-msvc, aarch64-pc-windows-msvc, "
        "x86_64-manylinux_2_17 .. x86_64-manylinux_2_40, "
        "aarch64-manylinux_2_17 .. aarch64-manylinux_2_40"
    )
    assert caught.value.exit_code == 2


def test_musl_linux_tags_descend_to_musllinux_1_0() -> None:
    platform = parse_python_platform("x86_64-unknown-linux-musl")

    assert platform.platform_tags() == (
        "musllinux_1_2_x86_64",
        "musllinux_1_1_x86_64",
        "musllinux_1_0_x86_64",
    )
    assert platform.markers()["sys_platform"] == "linux"
