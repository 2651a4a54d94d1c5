"""`puffin pip-compile` of inputs naming sources: written as pip-compile writes them, their
dependencies read from the metadata their builds give."""

from __future__ import annotations

from pathlib import Path

from tests.build.projects import write_tiny_project
from tests.cli.test_pip_compile import compile_
from tests.support.index_server import PackageIndex
from tests.support.run import git
from tests.support.wheels import build_sdist


def test_local_editable_git_and_sdist_inputs(index: PackageIndex, tmp_path: Path) -> None:
    index.add_wheel("dep-a", "1.0")
    index.add_wheel("dep-b", "2.0")
    index.add_wheel("dep-c", "3.0")
    # A registry release with only an sdist: its metadata comes from building it.
    sdist_tree = write_tiny_project(tmp_path / "build" / "srconly", "srconly", "0.5")
    files = {
        str(path.relative_to(sdist_tree)): path.read_bytes()
        for path in sdist_tree.rglob("*")
        if path.is_file()
    }
    index.add(build_sdist(tmp_path / "dist", "srconly", "0.5", files=files))
    write_tiny_project(tmp_path / "proj" / "local", "local", "1.0", dependencies=["dep-a"])
    write_tiny_project(tmp_path / "proj" / "edit", "edit", "2.0", dependencies=["dep-b"])
    repo = write_tiny_project(tmp_path / "repo", "fromgit", "3.0", dependencies=["dep-c"])
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "one")
    git(repo, "tag", "v3")
    commit = git(repo, "rev-parse", "HEAD")
    (tmp_path / "proj" / "requirements.in").write_text(
        f"./local\n-e ./edit\nfromgit @ git+{repo.as_uri()}@v3\nsrconly\n"
    )
    result = compile_(
        index,
        tmp_path / "proj",
        "--cache-dir",
        str(tmp_path / "cache"),
        "--no-header",
        "-o",
        "-",
        "requirements.in",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"--index-url {index.url}\n"
        "\n"
        "-e ./edit\n"
        "    # via -r requirements.in\n"
        "dep-a==1.0\n"
        "    # via local\n"
        "dep-b==2.0\n"
        "    # via edit\n"
        "dep-c==3.0\n"
        "    # via fromgit\n"
        f"fromgit @ git+{repo.as_uri()}@{commit}\n"
        "    # via -r requirements.in\n"
        f"local @ {(tmp_path / 'proj' / 'local').as_uri()}\n"
        "    # via -r requirements.in\n"
        "srconly==0.5\n"
        "    # via -r requirements.in\n"
    )


def test_no_build_refuses_a_source_input(index: PackageIndex, tmp_path: Path) -> None:
    write_tiny_project(tmp_path / "local", "local", "1.0")
    (tmp_path / "requirements.in").write_text("./local\n")
    result = compile_(index, tmp_path, "--no-build", "-o", "-", "requirements.in")
    assert (result.returncode, result.stderr) == (
        1,
        "error: Cannot use ./local (-r requirements.in (line 1)): it needs a build, which"
        " --no-build forbids\n",
    )
