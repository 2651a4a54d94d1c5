"""`puffin pip-sync` of sources that need a build: local projects, `-e`, git, registry sdists."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.build.projects import write_tiny_project
from tests.support.index_server import PackageIndex
from tests.support.run import git, installed, make_venv, run_puffin, site_packages
from tests.support.wheels import build_sdist


def timing(text: str) -> str:
    return re.sub(r"in \d+(\.\d+)?m?s", "in <t>", text)


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    return make_venv(tmp_path / "venv")


def sync(index: PackageIndex, python: Path, reqs: Path, cache: Path, *extra: str):
    return run_puffin(
        "pip-sync",
        "--python",
        python,
        "--index-url",
        index.url,
        "--cache-dir",
        cache,
        *extra,
        reqs,
        cwd=reqs.parent,
    )


def hooks_run(tree: Path) -> list[str]:
    """The hooks the in-tree backend ran since the last call."""
    path = tree / "hook-env.json"
    if not path.exists():
        return []
    hooks = sorted(json.loads(path.read_text()))
    path.unlink()
    return hooks


def direct_url(python: Path, dist_info: str) -> dict[str, object]:
    result: dict[str, object] = json.loads(
        (site_packages(python) / dist_info / "direct_url.json").read_text()
    )
    return result


def test_a_local_project_is_built_once_and_rebuilt_when_its_version_changes(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    tree = write_tiny_project(tmp_path / "proj" / "tiny")
    reqs = tmp_path / "proj" / "requirements.txt"
    reqs.write_text("./tiny\n")
    first = sync(index, venv, reqs, tmp_path / "cache")
    assert first.returncode == 0, first.stderr
    assert timing(first.stderr) == "Installed 1 package in <t>\n + tiny==1.0\n"
    assert direct_url(venv, "tiny-1.0.dist-info") == {
        "url": tree.as_uri(),
        "dir_info": {},
    }
    hooks_run(tree)
    again = sync(index, venv, reqs, tmp_path / "cache")
    assert timing(again.stderr) == "Audited 1 package in <t>\n"
    assert hooks_run(tree) == [], "a warm re-sync builds nothing"
    (tree / "project.json").write_text(
        (tree / "project.json").read_text().replace('"1.0"', '"1.1"')
    )
    (tree / "pyproject.toml").touch()
    bumped = sync(index, venv, reqs, tmp_path / "cache")
    assert timing(bumped.stderr) == (
        "Uninstalled 1 package\nInstalled 1 package in <t>\n - tiny==1.0\n + tiny==1.1\n"
    )
    assert installed(venv) == {"tiny": "1.1"}


def test_a_dry_run_names_the_version_of_a_source_never_built(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    tree = write_tiny_project(tmp_path / "proj" / "tiny")
    reqs = tmp_path / "proj" / "requirements.txt"
    reqs.write_text(f"tiny @ {tree.as_uri()}\n")
    result = sync(index, venv, reqs, tmp_path / "cache", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert result.stderr == "Would install 1 package\n + tiny==1.0\n"
    assert installed(venv) == {}


def test_an_editable_shows_source_edits_without_a_resync(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    tree = write_tiny_project(tmp_path / "tiny")
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("-e ./tiny\n")
    result = sync(index, venv, reqs, tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    assert direct_url(venv, "tiny-1.0.dist-info") == {
        "url": tree.as_uri(),
        "dir_info": {"editable": True},
    }
    (tree / "tiny.py").write_text("VALUE = 2\n")
    shown = subprocess.run(
        [venv, "-c", "import tiny; print(tiny.VALUE)"], capture_output=True, text=True
    )
    assert shown.stdout == "2\n"


def test_a_git_tag_installs_that_commit(index: PackageIndex, venv: Path, tmp_path: Path) -> None:
    tree = write_tiny_project(tmp_path / "repo")
    git(tree, "init", "-q")
    git(tree, "add", "-A")
    git(tree, "commit", "-qm", "one")
    git(tree, "tag", "v1")
    tagged = git(tree, "rev-parse", "HEAD")
    (tree / "project.json").write_text(
        (tree / "project.json").read_text().replace('"1.0"', '"2.0"')
    )
    git(tree, "commit", "-qam", "two")
    reqs = tmp_path / "requirements.txt"
    reqs.write_text(f"tiny @ git+{tree.as_uri()}@v1\n")
    result = sync(index, venv, reqs, tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    assert installed(venv) == {"tiny": "1.0"}
    assert direct_url(venv, "tiny-1.0.dist-info") == {
        "url": tree.as_uri(),
        "vcs_info": {"vcs": "git", "commit_id": tagged, "requested_revision": "v1"},
    }
    again = sync(index, venv, reqs, tmp_path / "cache")
    assert timing(again.stderr) == "Audited 1 package in <t>\n"


def test_a_registry_sdist_is_built_and_installed_as_from_the_registry(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    tree = write_tiny_project(tmp_path / "src" / "tiny-1.0", version="1.0")
    files = {
        str(path.relative_to(tree)): path.read_bytes() for path in tree.rglob("*") if path.is_file()
    }
    index.add(build_sdist(tmp_path / "dist", "tiny", "1.0", files=files))
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("tiny==1.0\n")
    result = sync(index, venv, reqs, tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    assert installed(venv) == {"tiny": "1.0"}
    assert not (site_packages(venv) / "tiny-1.0.dist-info" / "direct_url.json").exists()
    forbidden = sync(index, make_venv(tmp_path / "other"), reqs, tmp_path / "cache2", "--no-build")
    assert (forbidden.returncode, forbidden.stderr) == (
        1,
        "error: Cannot install tiny==1.0: tiny==1.0 has only a source distribution, which"
        f" --only-binary or --no-build rules out (-r {reqs} (line 1))\n",
    )


def test_a_failing_build_shows_the_backend_output_and_names_the_project(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    write_tiny_project(tmp_path / "tiny", fail_in="build_wheel", fail_message="no compiler found")
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("tiny @ ./tiny\n")
    result = sync(index, venv, reqs, tmp_path / "cache")
    assert result.returncode == 1
    assert result.stderr.startswith("error: Failed to build tiny (./tiny): `build_wheel`")
    assert "compiling the extension..." in result.stderr
    assert "RuntimeError: no compiler found" in result.stderr
    assert "Traceback" not in result.stderr.split("Backend output:")[0]
    assert installed(venv) == {}


def test_an_archive_url_not_named_like_an_sdist_is_built(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    """GitHub's `.../archive/master.zip`: the format is told from the content."""
    import zipfile

    tree = write_tiny_project(tmp_path / "tiny-master")
    archive = tmp_path / "master.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(tree.rglob("*")):
            if path.is_file():
                zipped.write(path, f"tiny-master/{path.relative_to(tree)}")
    index.add(archive, project="tiny")
    url = index.file_url("master.zip")
    reqs = tmp_path / "requirements.txt"
    reqs.write_text(f"tiny @ {url}\n")
    result = sync(index, venv, reqs, tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    assert installed(venv) == {"tiny": "1.0"}
    assert direct_url(venv, "tiny-1.0.dist-info") == {"url": url, "archive_info": {}}
    again = sync(index, venv, reqs, tmp_path / "cache")
    assert timing(again.stderr) == "Audited 1 package in <t>\n"


def test_refresh_rebuilds_a_local_project_and_refresh_package_only_that_one(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    one = write_tiny_project(tmp_path / "one", "one")
    two = write_tiny_project(tmp_path / "two", "two")
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("./one\n./two\n")
    cache = tmp_path / "cache"
    assert sync(index, venv, reqs, cache).returncode == 0
    hooks_run(one), hooks_run(two)
    assert timing(sync(index, venv, reqs, cache, "--refresh-package", "two").stderr) == (
        "Audited 2 packages in <t>\n"
    )
    assert (hooks_run(one), hooks_run(two)) == (
        [],
        ["get_requires_for_build_wheel", "prepare_metadata_for_build_wheel"],
    )
    assert sync(index, venv, reqs, cache, "--refresh").returncode == 0
    assert (
        hooks_run(one)
        == hooks_run(two)
        == [
            "get_requires_for_build_wheel",
            "prepare_metadata_for_build_wheel",
        ]
    )
    assert sync(index, venv, reqs, cache).returncode == 0
    assert hooks_run(one) == hooks_run(two) == [], "the refreshed builds are the cache now"
