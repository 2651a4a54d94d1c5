"""--index-strategy end to end: pip-compile, pip-sync and pip-list --outdated over two indexes."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.index_server import PackageIndex
from tests.support.run import Result, installed, make_venv, run_puffin


@pytest.fixture
def indexes(index: PackageIndex) -> Iterator[tuple[PackageIndex, PackageIndex]]:
    """foo 1.0 (a wheel) on the first index; foo 2.0 and a foo 1.0 sdist on the second."""
    index.add_wheel("foo", "1.0")
    with PackageIndex() as second:
        second.add_wheel("foo", "2.0")
        second.add_sdist("foo", "1.0")
        yield index, second
        assert not second.server_errors


def index_args(indexes: tuple[PackageIndex, PackageIndex]) -> list[str]:
    return ["--index-url", indexes[0].url, "--extra-index-url", indexes[1].url]


def compile_(
    indexes: tuple[PackageIndex, PackageIndex],
    cwd: Path,
    requirement: str,
    *options: str,
    env: dict[str, str] | None = None,
) -> Result:
    (cwd / "requirements.in").write_text(f"{requirement}\n")
    return run_puffin(
        "pip-compile", "--python", sys.executable, *index_args(indexes), *options,
        "--no-header", "--no-annotate", "-o", "-", "requirements.in", cwd=cwd, env=env,
    )  # fmt: skip


def pins(result: Result) -> list[str]:
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if line.startswith("foo")]


@pytest.mark.parametrize(
    ("options", "requirement", "expected"),
    [
        ((), "foo", "foo==1.0"),
        (("--index-strategy", "first-index"), "foo", "foo==1.0"),
        (("--index-strategy", "unsafe-best-match"), "foo", "foo==2.0"),
        # The first index's versions are exhausted before the second's are looked at...
        (("--index-strategy", "unsafe-first-match"), "foo", "foo==1.0"),
        # ...which are taken when the first has none that fits.
        (("--index-strategy", "unsafe-first-match"), "foo>=2", "foo==2.0"),
        (("--index-strategy", "unsafe-best-match"), "foo>=2", "foo==2.0"),
    ],
)
def test_pip_compile_pins_by_strategy(
    indexes: tuple[PackageIndex, PackageIndex],
    tmp_path: Path,
    options: tuple[str, ...],
    requirement: str,
    expected: str,
) -> None:
    assert pins(compile_(indexes, tmp_path, requirement, *options)) == [expected], (
        "unsafe-first-match in pip-compile needs the resolver to try candidates by"
        " ProjectFiles.index_rank (see ProjectFiles.ranks_indexes)"
    )


def test_first_index_never_takes_a_newer_version_from_a_later_index(
    indexes: tuple[PackageIndex, PackageIndex], tmp_path: Path
) -> None:
    result = compile_(indexes, tmp_path, "foo>=2")
    assert result.returncode == 1
    assert result.stderr == (
        "error: Because there is no version of foo>=2 and you require foo>=2,"
        " no solution is possible.\n"
    )
    assert indexes[1].request_paths("/simple/foo/") == [], "the second index is never asked"


def test_the_strategy_is_in_the_header_and_may_come_from_the_environment(
    indexes: tuple[PackageIndex, PackageIndex], tmp_path: Path
) -> None:
    (tmp_path / "requirements.in").write_text("foo\n")
    result = run_puffin(
        "pip-compile", "--python", sys.executable, *index_args(indexes),
        "--index-strategy", "unsafe-best-match", "-o", "-", "requirements.in", cwd=tmp_path,
    )  # fmt: skip
    assert "#    puffin pip-compile --extra-index-url=" in result.stdout
    assert " --index-strategy=unsafe-best-match --index-url=" in result.stdout
    from_env = compile_(
        indexes, tmp_path, "foo", env={"PUFFIN_INDEX_STRATEGY": "unsafe-best-match"}
    )
    assert pins(from_env) == ["foo==2.0"]


def test_a_version_on_both_indexes_has_the_first_index_files_only(
    indexes: tuple[PackageIndex, PackageIndex], tmp_path: Path
) -> None:
    wheel = indexes[0].files_dir / "foo-1.0-py3-none-any.whl"
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    result = compile_(
        indexes, tmp_path, "foo==1.0", "--index-strategy", "unsafe-best-match", "--generate-hashes"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith(f"foo==1.0 \\\n    --hash=sha256:{digest}\n"), (
        "the second index's sdist of 1.0 is not offered"
    )


def test_pip_sync_and_pip_list_outdated_follow_the_strategy(
    indexes: tuple[PackageIndex, PackageIndex], tmp_path: Path
) -> None:
    venv = make_venv(tmp_path / "venv")
    (tmp_path / "unpinned.txt").write_text("foo\n")
    (tmp_path / "pinned.txt").write_text("foo==2.0\n")
    (tmp_path / "nothing.txt").write_text("")

    def sync(requirements: str, *options: str) -> dict[str, str]:
        """Sync from an empty venv; what is installed after."""
        emptied = run_puffin("pip-sync", "--python", venv, "nothing.txt", cwd=tmp_path)
        assert emptied.returncode == 0, emptied.stderr
        result = run_puffin(
            "pip-sync", "--python", venv, *index_args(indexes), *options, requirements,
            cwd=tmp_path,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return installed(venv)

    def outdated(*options: str) -> str:
        listed = run_puffin(
            "pip-list", "--python", venv, "--outdated", *index_args(indexes), *options
        )
        assert listed.returncode == 0, listed.stderr
        return listed.stdout

    assert sync("pinned.txt", "--index-strategy", "unsafe-first-match") == {"foo": "2.0"}
    assert sync("unpinned.txt", "--index-strategy", "unsafe-best-match") == {"foo": "2.0"}
    assert sync("unpinned.txt", "--index-strategy", "unsafe-first-match") == {"foo": "1.0"}
    assert sync("unpinned.txt") == {"foo": "1.0"}
    # foo 2.0 from the second index is in the cache now: first-index still never takes it.
    refused = run_puffin(
        "pip-sync", "--python", venv, *index_args(indexes), "pinned.txt", cwd=tmp_path
    )
    assert refused.returncode == 1
    assert refused.stderr == (
        "error: No version of foo matches foo==2.0 (available: 1.0) (-r pinned.txt (line 1))\n"
    )
    assert installed(venv) == {"foo": "1.0"}

    assert outdated() == ""
    assert outdated("--index-strategy", "unsafe-first-match") == ""
    assert outdated("--index-strategy", "unsafe-best-match").splitlines() == [
        "Package Version Latest Type",
        "------- ------- ------ -----",
        "foo     1.0     2.0    wheel",
    ]
