"""clean PKG and prune on wheels built from local projects, git repositories and registry sdists."""

from __future__ import annotations

import os
from pathlib import Path

from puffin.cache import Cache
from puffin.cache.removal import Removal
from puffin.commands.clean import PackageRemoval, clean_packages, prune
from puffin.names import PackageName
from tests.build.projects import write_tiny_project
from tests.support.index_server import PackageIndex
from tests.support.run import git, make_venv, run_puffin
from tests.support.wheels import build_sdist


def files(root: Path) -> set[str]:
    found = set()
    for directory, dirs, names in os.walk(root):
        for name in names + [d for d in dirs if os.path.islink(os.path.join(directory, d))]:
            found.add(os.path.relpath(os.path.join(directory, name), root))
    return found


def sync(index: PackageIndex, tmp_path: Path, cache: Path, lines: str) -> None:
    reqs = tmp_path / "requirements.txt"
    reqs.write_text(lines)
    venv = tmp_path / "venv" / "bin" / "python"
    if not venv.exists():
        make_venv(tmp_path / "venv")
    result = run_puffin(
        "pip-sync", "--python", venv, "--index-url", index.url, "--cache-dir", cache, reqs
    )
    assert result.returncode == 0, result.stderr


def test_clean_finds_wheels_built_from_paths_git_and_sdists_by_their_metadata_name(
    index: PackageIndex, tmp_path: Path
) -> None:
    write_tiny_project(tmp_path / "local", name="loc")
    repo = write_tiny_project(tmp_path / "repo", name="gitty")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "one")
    sdist_tree = write_tiny_project(tmp_path / "src" / "tiny-1.0", name="tiny")
    sdist_files = {
        str(p.relative_to(sdist_tree)): p.read_bytes() for p in sdist_tree.rglob("*") if p.is_file()
    }
    index.add(build_sdist(tmp_path / "dist", "tiny", "1.0", files=sdist_files))
    cache_dir = tmp_path / "cache"
    sync(index, tmp_path, cache_dir, f"./local\ngitty @ git+{repo.as_uri()}\ntiny==1.0\n")
    cache = Cache(cache_dir)

    before = files(cache_dir)
    assert clean_packages(cache, [PackageName("loc")]) is not None
    gone = before - files(cache_dir)
    built = {p.split("/")[1] for p in gone if p.startswith("built-wheels-v0/")}
    assert built == {"path"}, "loc's build entry is found through its metadata.json"
    wheels = {p for p in gone if p.startswith("wheels-v0/")}
    assert wheels and all("/loc/loc-1.0-py3-none-any" in p for p in wheels)
    assert any(p.startswith("archive-v0/") for p in gone)

    before = files(cache_dir)
    (gitty,) = clean_packages(cache, [PackageName("gitty")]) or []
    gone = before - files(cache_dir)
    assert {p.split("/")[1] for p in gone if p.startswith("built-wheels-v0/")} == {"git"}
    assert gitty.removal.files == len(gone)
    assert any(p.startswith("git-v0/") for p in files(cache_dir)), "git clones are kept"

    before = files(cache_dir)
    (tiny,) = clean_packages(cache, [PackageName("tiny")]) or []
    gone = before - files(cache_dir)
    assert {p.split("/")[1] for p in gone if p.startswith("built-wheels-v0/")} == {"index"}
    assert tiny.removal.files == len(gone)
    assert not any(p.startswith(("built-wheels-v0/", "wheels-v0/")) for p in files(cache_dir))
    assert clean_packages(cache, [PackageName("tiny")]) == [
        PackageRemoval(PackageName("tiny"), Removal())
    ]


def test_prune_removes_a_replaced_build_with_its_wheel_link_and_archive(
    index: PackageIndex, tmp_path: Path
) -> None:
    project = write_tiny_project(tmp_path / "local", name="loc")
    cache_dir = tmp_path / "cache"
    sync(index, tmp_path, cache_dir, "./local\n")
    old_archives = set(os.listdir(cache_dir / "archive-v0"))
    (project / "project.json").write_text(
        (project / "project.json").read_text().replace('"1.0"', '"2.0"')
    )
    later = (project / "pyproject.toml").stat().st_mtime + 10
    os.utime(project / "pyproject.toml", (later, later))  # the stamp that triggers a rebuild
    sync(index, tmp_path, cache_dir, "./local\n")
    before = files(cache_dir)

    removed = prune(Cache(cache_dir))

    gone = before - files(cache_dir)
    assert removed is not None and removed.files == len(gone)
    (entry,) = (cache_dir / "built-wheels-v0" / "path").iterdir()
    assert {p for p in gone if p.startswith("built-wheels-v0/")} == {
        p for p in before if p.startswith(f"built-wheels-v0/path/{entry.name}/") and "1.0" in p
    }
    assert {p.split("/")[-1] for p in gone if p.startswith("wheels-v0/")} == {
        "loc-1.0-py3-none-any",
        "loc-1.0-py3-none-any.json",
    }
    assert set(os.listdir(cache_dir / "archive-v0")).isdisjoint(old_archives)
    assert prune(Cache(cache_dir)) == Removal(), "a second prune finds nothing"
