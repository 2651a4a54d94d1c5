"""`puffin pip-freeze`, `pip-list`, `pip-show`, `pip-check`, `pip-tree` on venvs pip-sync filled."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.build.projects import write_tiny_project
from tests.support.index_server import PackageIndex
from tests.support.run import Result, git, make_venv, run_puffin, site_packages
from tests.support.wheels import build_wheel


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    return make_venv(tmp_path / "venv")


def sync(index: PackageIndex, python: Path, tmp_path: Path, text: str) -> Result:
    reqs = tmp_path / "requirements.txt"
    reqs.write_text(text)
    result = run_puffin(
        "pip-sync", "--python", python, "--index-url", index.url, reqs, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    return result


def puffin(python: Path, command: str, *args: str | Path) -> Result:
    return run_puffin(command, "--python", python, *args)


@pytest.fixture
def listed_env(index: PackageIndex, venv: Path, tmp_path: Path) -> Path:
    """Foo.Bar (full metadata) requiring beta, beta, a fake pip and setuptools, an editable."""
    index.add_wheel(
        "Foo.Bar",
        "1.0",
        requires_dist=["beta>=0.5", "gamma; python_version < '3'"],
        metadata_extra="Summary: The foo bar thing\nHome-page: https://example.org/foo\n"
        "Author: Jane Doe\nAuthor-email: jane@example.org\nLicense: MIT\n",
    )
    index.add_wheel("beta", "0.5")
    index.add_wheel("pip", "24.0")
    index.add_wheel("setuptools", "70.0")
    write_tiny_project(tmp_path / "tiny", dependencies=["beta"])
    sync(index, venv, tmp_path, "foo.bar==1.0\nbeta==0.5\npip==24.0\nsetuptools==70.0\n-e ./tiny\n")
    return venv


def test_freeze_hides_pips_tools_unless_all_and_excludes_on_request(
    listed_env: Path, tmp_path: Path
) -> None:
    editable = f"-e {(tmp_path / 'tiny').as_uri()}"
    result = puffin(listed_env, "pip-freeze")
    assert (result.returncode, result.stderr) == (0, "")
    # The venv runs the test interpreter, Python 3.11: pip hides setuptools there too.
    assert result.stdout == f"beta==0.5\nFoo.Bar==1.0\n{editable}\n"
    every = puffin(listed_env, "pip-freeze", "--all", "--exclude", "BETA")
    assert every.stdout == f"Foo.Bar==1.0\npip==24.0\nsetuptools==70.0\n{editable}\n"


def test_list_in_each_format(listed_env: Path, tmp_path: Path) -> None:
    location = str(tmp_path / "tiny")
    columns = puffin(listed_env, "pip-list")
    assert (columns.returncode, columns.stderr) == (0, "")
    # Each column's dashes are as wide as its widest cell, header included.
    assert len(location) > len("Editable project location")
    assert columns.stdout == (
        "Package    Version Editable project location\n"
        f"---------- ------- {'-' * len(location)}\n"
        "beta       0.5\n"
        "Foo.Bar    1.0\n"
        "pip        24.0\n"
        "setuptools 70.0\n"
        f"tiny       1.0     {location}\n"
    )
    as_json = puffin(listed_env, "pip-list", "--format", "json")
    assert as_json.stdout.endswith("\n")
    assert json.loads(as_json.stdout) == [
        {"name": "beta", "version": "0.5"},
        {"name": "Foo.Bar", "version": "1.0"},
        {"name": "pip", "version": "24.0"},
        {"name": "setuptools", "version": "70.0"},
        {"name": "tiny", "version": "1.0", "editable_project_location": location},
    ]
    as_freeze = puffin(listed_env, "pip-list", "--format", "freeze", "--exclude", "pip")
    assert as_freeze.stdout == "beta==0.5\nFoo.Bar==1.0\nsetuptools==70.0\ntiny==1.0\n"
    editables = puffin(listed_env, "pip-list", "--editable")
    assert editables.stdout == (
        "Package Version Editable project location\n"
        f"------- ------- {'-' * len(location)}\n"
        f"tiny    1.0     {location}\n"
    )
    others = puffin(listed_env, "pip-list", "--exclude-editable", "--exclude", "setuptools")
    assert others.stdout == (
        "Package Version\n------- -------\nbeta    0.5\nFoo.Bar 1.0\npip     24.0\n"
    )


def test_show_prints_pips_fields_and_warns_of_missing_names(listed_env: Path) -> None:
    location = site_packages(listed_env)
    result = puffin(listed_env, "pip-show", "foo-bar", "Beta", "nothere")
    assert result.returncode == 0
    assert result.stderr == "warning: Package(s) not found: nothere\n"
    assert result.stdout == (
        "Name: Foo.Bar\n"
        "Version: 1.0\n"
        "Summary: The foo bar thing\n"
        "Home-page: https://example.org/foo\n"
        "Author: Jane Doe\n"
        "Author-email: jane@example.org\n"
        "License: MIT\n"
        f"Location: {location}\n"
        "Requires: beta\n"
        "Required-by: \n"
        "---\n"
        "Name: beta\n"
        "Version: 0.5\n"
        "Summary: \n"
        "Home-page: \n"
        "Author: \n"
        "Author-email: \n"
        "License: \n"
        f"Location: {location}\n"
        "Requires: \n"
        "Required-by: Foo.Bar, tiny\n"
    )
    none_found = puffin(listed_env, "pip-show", "nothere", "alsonot")
    assert (none_found.returncode, none_found.stdout) == (1, "")
    assert none_found.stderr == "warning: Package(s) not found: alsonot, nothere\n"


def test_freeze_output_syncs_back_to_an_unchanged_environment(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    index.add_wheel("Foo.Bar", "1.0")
    wheel = build_wheel(tmp_path / "wheels", "Url.Wheel", "2.5")
    write_tiny_project(tmp_path / "tiny")
    repo = write_tiny_project(tmp_path / "repo", name="from_git")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "one")
    commit = git(repo, "rev-parse", "HEAD")
    sync(
        index,
        venv,
        tmp_path,
        f"foo-bar==1.0\n-e ./tiny\nurl-wheel @ {wheel.as_uri()}\nfrom-git @ git+{repo.as_uri()}\n",
    )

    frozen = puffin(venv, "pip-freeze")
    digest = re.search(r"#sha256=([0-9a-f]{64})\n", frozen.stdout)
    assert digest is not None
    assert frozen.stdout == (
        "Foo.Bar==1.0\n"
        f"from_git @ git+{repo.as_uri()}@{commit}\n"
        f"-e {(tmp_path / 'tiny').as_uri()}\n"
        f"Url.Wheel @ {wheel.as_uri()}#sha256={digest.group(1)}\n"
    )
    (tmp_path / "frozen.txt").write_text(frozen.stdout)
    again = run_puffin(
        "pip-sync", "--python", venv, "--index-url", index.url, "frozen.txt", cwd=tmp_path
    )
    assert again.returncode == 0, again.stderr
    assert re.sub(r"in \S+", "in <t>", again.stderr) == "Audited 4 packages in <t>\n"
    assert puffin(venv, "pip-freeze").stdout == frozen.stdout


def test_check_reports_missing_and_conflicting_requirements(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    index.add_wheel("app", "1.0", requires_dist=["lib>=2", "needed", "win; sys_platform=='win32'"])
    index.add_wheel("lib", "1.0")
    index.add_wheel("lib", "2.0")
    index.add_wheel("needed", "1.0")
    sync(index, venv, tmp_path, "app==1.0\nlib==1.0\n")

    broken = puffin(venv, "pip-check")
    assert (broken.returncode, broken.stderr) == (1, "")
    assert broken.stdout == (
        "app 1.0 requires needed, which is not installed.\n"
        "app 1.0 has requirement lib>=2, but you have lib 1.0.\n"
    )

    sync(index, venv, tmp_path, "app==1.0\nlib==2.0\nneeded==1.0\n")
    sound = puffin(venv, "pip-check")
    assert (sound.returncode, sound.stdout) == (0, "No broken requirements found.\n")


def test_tree_inverted_tree_depth_and_package(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    index.add_wheel("app", "1.0", requires_dist=["lib-a", "lib-b>=1"])
    index.add_wheel("lib-a", "1.0", requires_dist=["core"])
    index.add_wheel("lib-b", "2.0", requires_dist=["core", "lib-a"])
    index.add_wheel("core", "3.0")
    index.add_wheel("lone", "1.0")
    sync(index, venv, tmp_path, "app==1.0\nlib-a==1.0\nlib-b==2.0\ncore==3.0\nlone==1.0\n")

    tree = puffin(venv, "pip-tree")
    assert (tree.returncode, tree.stderr) == (0, "")
    assert tree.stdout == (
        "app v1.0\n"
        "├── lib-a v1.0\n"
        "│   └── core v3.0\n"
        "└── lib-b v2.0\n"
        "    ├── core v3.0\n"
        "    └── lib-a v1.0 (*)\n"
        "lone v1.0\n"
        "(*) Package tree already displayed\n"
    )
    assert puffin(venv, "pip-tree", "--depth", "1").stdout == (
        "app v1.0\n├── lib-a v1.0\n└── lib-b v2.0\nlone v1.0\n"
    )
    assert puffin(venv, "pip-tree", "--invert").stdout == (
        "core v3.0\n"
        "├── lib-a v1.0\n"
        "│   ├── app v1.0\n"
        "│   └── lib-b v2.0\n"
        "│       └── app v1.0\n"
        "└── lib-b v2.0 (*)\n"
        "lone v1.0\n"
        "(*) Package tree already displayed\n"
    )
    assert puffin(venv, "pip-tree", "--invert", "--package", "LIB_A").stdout == (
        "lib-a v1.0\n├── app v1.0\n└── lib-b v2.0\n    └── app v1.0\n"
    )
    bad_depth = puffin(venv, "pip-tree", "--depth", "-1")
    assert bad_depth.returncode == 2


def test_list_outdated_asks_the_index_for_newer_releases(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    for version in ("1.0", "2.0"):
        index.add_wheel("alpha", version)
    index.add_wheel("alpha", "9.0", requires_python=">=4")  # not for this interpreter
    index.add_wheel("beta", "1.0")
    index.add_sdist("beta", "1.5")
    index.add_wheel("gamma", "1.0")
    index.add_wheel("gamma", "3.0b1")
    index.add_wheel("current", "1.0")
    write_tiny_project(tmp_path / "tiny")
    index.add_wheel("tiny", "5.0")  # an editable is not compared with the index
    sync(index, venv, tmp_path, "alpha==1.0\nbeta==1.0\ngamma==1.0\ncurrent==1.0\n-e ./tiny\n")

    outdated = puffin(venv, "pip-list", "--outdated", "--index-url", index.url)
    assert (outdated.returncode, outdated.stderr) == (0, "")
    assert outdated.stdout == (
        "Package Version Latest Type\n"
        "------- ------- ------ -----\n"
        "alpha   1.0     2.0    wheel\n"
        "beta    1.0     1.5    sdist\n"
    )
    with_pre = puffin(venv, "pip-list", "-o", "--pre", "--format", "json", "--index-url", index.url)
    assert json.loads(with_pre.stdout) == [
        {"name": "alpha", "version": "1.0", "latest_version": "2.0", "latest_filetype": "wheel"},
        {"name": "beta", "version": "1.0", "latest_version": "1.5", "latest_filetype": "sdist"},
        {"name": "gamma", "version": "1.0", "latest_version": "3.0b1", "latest_filetype": "wheel"},
    ]
    refused = puffin(venv, "pip-list", "-o", "--format", "freeze", "--index-url", index.url)
    assert refused.returncode == 2
    assert refused.stderr.endswith(
        "Error: List format 'freeze' cannot be used with the --outdated option.\n"
    )


def test_without_an_environment_the_message_is_pip_syncs(tmp_path: Path) -> None:
    result = run_puffin("pip-list", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "error: No virtual environment found; run `puffin venv` to create one, or pass --python\n"
    )
