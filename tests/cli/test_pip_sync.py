"""`puffin pip-sync` end to end: a real index on 127.0.0.1, real venvs, the real command line."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.support.index_server import PackageIndex
from tests.support.run import installed, make_venv, run_puffin


def timing(text: str) -> str:
    """Durations vary; everything else in the output is asserted exactly."""
    return re.sub(r"in \d+(\.\d+)?m?s", "in <t>", text)


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    return make_venv(tmp_path / "venv")


def sync(index: PackageIndex, python: Path, reqs: Path, *extra: str, cwd: Path | None = None):
    return run_puffin(
        "pip-sync", "--python", python, "--index-url", index.url, *extra, reqs, cwd=cwd
    )


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_installs_exactly_the_listed_set_then_a_second_run_audits(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    index.add_wheel("alpha", "1.0")
    index.add_wheel("alpha", "2.0")
    index.add_wheel("beta", "0.5", requires_dist=["gamma"])
    reqs = write(tmp_path / "requirements.txt", "alpha==1.0\nBeta==0.5\n")

    first = sync(index, venv, reqs)
    assert first.returncode == 0, first.stderr
    assert timing(first.stderr) == "Installed 2 packages in <t>\n + alpha==1.0\n + beta==0.5\n"
    assert installed(venv) == {"alpha": "1.0", "beta": "0.5"}

    index.clear_requests()
    second = sync(index, venv, reqs)
    assert timing(second.stderr) == "Audited 2 packages in <t>\n"
    assert index.requests == [], "a no-op sync must not touch the network"


def test_changes_versions_and_removes_what_the_file_no_longer_lists(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    for version in ("1.0", "2.0"):
        index.add_wheel("alpha", version)
    index.add_wheel("beta", "0.5")
    reqs = write(tmp_path / "requirements.txt", "alpha==1.0\nbeta==0.5\n")
    assert sync(index, venv, reqs).returncode == 0

    write(reqs, "alpha==2.0\n")
    result = sync(index, venv, reqs)
    assert result.returncode == 0, result.stderr
    assert timing(result.stderr) == (
        "Uninstalled 2 packages\nInstalled 1 package in <t>\n"
        " - alpha==1.0\n + alpha==2.0\n - beta==0.5\n"
    )
    assert installed(venv) == {"alpha": "2.0"}
    site = next((venv.parent.parent / "lib").glob("python*/site-packages"))
    assert not (site / "beta").exists()


def test_unpinned_line_takes_the_best_version_and_keeps_a_satisfying_one(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    index.add_wheel("alpha", "1.0")
    index.add_wheel("alpha", "1.5")
    index.add_wheel("alpha", "3.0b1")
    reqs = write(tmp_path / "requirements.txt", "alpha>=1\n")
    assert sync(index, venv, reqs).returncode == 0
    assert installed(venv) == {"alpha": "1.5"}
    index.add_wheel("alpha", "1.6")
    assert timing(sync(index, venv, reqs).stderr) == "Audited 1 package in <t>\n"


def test_console_script_runs_and_metadata_files_are_written(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    index.add_wheel(
        "tool",
        "1.0",
        files={"tool/__init__.py": "def main():\n    print('tool says hi')\n"},
        entry_points={"console_scripts": {"tool": "tool:main"}},
    )
    reqs = write(tmp_path / "requirements.txt", "tool==1.0\n")
    assert sync(index, venv, reqs).returncode == 0
    out = subprocess.run([str(venv.parent / "tool")], capture_output=True, text=True, check=True)
    assert out.stdout == "tool says hi\n"
    dist_info = next(venv.parent.parent.glob("lib/python*/site-packages/tool-1.0.dist-info"))
    assert (dist_info / "INSTALLER").read_text() == "puffin\n"
    assert (dist_info / "REQUESTED").exists()
    assert not (dist_info / "direct_url.json").exists()


def test_markers_are_evaluated_for_the_target(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    index.add_wheel("alpha", "1.0")
    index.add_wheel("winonly", "1.0")
    reqs = write(
        tmp_path / "requirements.txt",
        'alpha==1.0 ; python_version >= "3"\nwinonly==1.0 ; sys_platform == "win32"\n',
    )
    assert sync(index, venv, reqs).returncode == 0
    assert installed(venv) == {"alpha": "1.0"}


def test_dry_run_reports_and_changes_nothing(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    index.add_wheel("alpha", "1.0")
    reqs = write(tmp_path / "requirements.txt", "alpha==1.0\n")
    result = sync(index, venv, reqs, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert result.stderr == "Would install 1 package\n + alpha==1.0\n"
    assert installed(venv) == {}


def test_bad_line_is_a_usage_error_and_touches_nothing(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    index.add_wheel("alpha", "1.0")
    good = write(tmp_path / "good.txt", "alpha==1.0\n")
    assert sync(index, venv, good).returncode == 0
    bad = write(tmp_path / "requirements.txt", "# pins\nalpha=1.0\n")
    result = sync(index, venv, bad, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {bad}:2: Invalid requirement 'alpha=1.0'")
    assert "Traceback" not in result.stderr
    assert installed(venv) == {"alpha": "1.0"}


def test_require_hashes_fails_before_installing_anything(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    wheel = index.add_wheel("alpha", "1.0")
    index.add_wheel("beta", "1.0")
    import hashlib

    good = hashlib.sha256(wheel.read_bytes()).hexdigest()
    wrong = "0" * 64
    reqs = write(
        tmp_path / "requirements.txt",
        f"alpha==1.0 --hash=sha256:{good}\nbeta==1.0 --hash=sha256:{wrong}\n",
    )
    result = sync(index, venv, reqs)
    assert result.returncode == 1
    assert "error: Hash mismatch for beta-1.0-py3-none-any.whl:" in result.stderr
    assert f"Expected: sha256:{wrong}" in result.stderr
    assert installed(venv) == {}

    missing = write(tmp_path / "missing.txt", f"alpha==1.0 --hash=sha256:{good}\nbeta==1.0\n")
    result = sync(index, venv, missing)
    assert result.returncode == 1
    assert result.stderr == (
        "error: In --require-hashes mode every requirement must be pinned with == and carry"
        f" a --hash:\n    beta (-r {missing} (line 2)): no --hash\n"
    )
    good_only = write(tmp_path / "ok.txt", f"alpha==1.0 --hash=sha256:{good}\n")
    assert sync(index, venv, good_only, "--require-hashes").returncode == 0
    assert installed(venv) == {"alpha": "1.0"}


def test_direct_wheel_url_records_direct_url_and_switching_to_registry_reinstalls(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    index.add_wheel("alpha", "1.0")
    url = f"{index.files_url}/alpha-1.0-py3-none-any.whl"
    reqs = write(tmp_path / "requirements.txt", f"alpha @ {url}\n")
    assert sync(index, venv, reqs).returncode == 0
    dist_info = next(venv.parent.parent.glob("lib/python*/site-packages/alpha-1.0.dist-info"))
    record = json.loads((dist_info / "direct_url.json").read_text())
    assert record["url"] == url
    assert set(record["archive_info"]["hashes"]) == {"sha256"}
    assert timing(sync(index, venv, reqs).stderr) == "Audited 1 package in <t>\n"

    write(reqs, "alpha==1.0\n")
    result = sync(index, venv, reqs)
    assert timing(result.stderr) == (
        "Uninstalled 1 package\nInstalled 1 package in <t>\n - alpha==1.0\n + alpha==1.0\n"
    )
    assert not (dist_info / "direct_url.json").exists()


def test_find_links_directory_without_an_index(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    index.add_wheel("alpha", "1.0")
    reqs = write(tmp_path / "requirements.txt", f"--find-links {index.files_dir}\nalpha\n")
    result = run_puffin("pip-sync", "--python", venv, "--no-index", reqs)
    assert result.returncode == 0, result.stderr
    assert installed(venv) == {"alpha": "1.0"}


def test_missing_package_is_one_clear_error(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    index.add_wheel("alpha", "1.0")
    reqs = write(tmp_path / "requirements.txt", "alpha==9.9\n")
    result = sync(index, venv, reqs)
    assert result.returncode == 1
    assert result.stderr == (
        f"error: No version of alpha matches alpha==9.9 (available: 1.0) (-r {reqs} (line 1))\n"
    )


def test_no_cache_leaves_nothing_and_relative_cache_dir_works(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    index.add_wheel("alpha", "1.0")
    reqs = write(tmp_path / "requirements.txt", "alpha==1.0\n")
    result = run_puffin(
        "pip-sync",
        "--python",
        venv,
        "--index-url",
        index.url,
        "--cache-dir",
        "rel-cache",
        reqs,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "rel-cache" / "archive-v0").is_dir()
    assert (tmp_path / "rel-cache" / "CACHEDIR.TAG").is_file()

    other = make_venv(tmp_path / "other")
    env = {"TMPDIR": str(tmp_path / "tmp")}
    (tmp_path / "tmp").mkdir()
    result = run_puffin(
        "pip-sync", "--python", other, "--index-url", index.url, "--no-cache", reqs, env=env
    )
    assert result.returncode == 0, result.stderr
    assert installed(other) == {"alpha": "1.0"}
    assert os.listdir(tmp_path / "tmp") == []


def test_requirements_cycle_is_an_error(venv: Path, tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "-r b.txt\n")
    write(tmp_path / "b.txt", "-r a.txt\n")
    result = run_puffin("pip-sync", "--python", venv, tmp_path / "a.txt")
    assert result.returncode == 2
    assert "recursively references itself" in result.stderr


def test_wheels_sharing_new_data_directories_install_together(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    names = [f"theme{i}" for i in range(8)]
    for name in names:
        index.add_wheel(
            name, "1.0", data={f"data/share/icons/hicolor/scalable/{name}.svg": "<svg/>"}
        )
    reqs = write(tmp_path / "requirements.txt", "".join(f"{n}==1.0\n" for n in names))
    result = sync(index, venv, reqs)
    assert result.returncode == 0, result.stderr
    icons = venv.parent.parent / "share" / "icons" / "hicolor" / "scalable"
    assert sorted(p.name for p in icons.iterdir()) == [f"{n}.svg" for n in names]


def test_warm_cache_sync_into_a_fresh_venv_asks_the_index_nothing(
    index: PackageIndex, tmp_path: Path
) -> None:
    index.add_wheel("alpha", "1.0")
    index.add_wheel("beta", "2.0", tag="py3-none-any")
    reqs = write(tmp_path / "requirements.txt", "alpha==1.0\nbeta==2.0\n")
    first = make_venv(tmp_path / "first")
    assert sync(index, first, reqs).returncode == 0
    index.clear_requests()
    second = make_venv(tmp_path / "second")
    result = sync(index, second, reqs)
    assert result.returncode == 0, result.stderr
    assert installed(second) == {"alpha": "1.0", "beta": "2.0"}
    assert index.requests == []


def test_reinstall_flags_and_link_modes(index: PackageIndex, venv: Path, tmp_path: Path) -> None:
    index.add_wheel("alpha", "1.0")
    index.add_wheel("beta", "1.0")
    reqs = write(tmp_path / "requirements.txt", "alpha==1.0\nbeta==1.0\n")
    assert sync(index, venv, reqs, "--link-mode", "copy").returncode == 0
    site = next(venv.parent.parent.glob("lib/python*/site-packages"))
    cache = Path(os.environ["PUFFIN_CACHE_DIR"])
    archived = next(cache.glob("archive-v0/*/alpha/__init__.py"))
    assert (site / "alpha" / "__init__.py").stat().st_ino != archived.stat().st_ino

    result = sync(index, venv, reqs, "--reinstall-package", "Alpha", "--link-mode", "hardlink")
    assert timing(result.stderr) == (
        "Uninstalled 1 package\nInstalled 1 package in <t>\n - alpha==1.0\n + alpha==1.0\n"
    )
    assert (site / "alpha" / "__init__.py").stat().st_ino == archived.stat().st_ino

    result = sync(index, venv, reqs, "--reinstall")
    assert timing(result.stderr).splitlines()[:2] == [
        "Uninstalled 2 packages",
        "Installed 2 packages in <t>",
    ]


def test_compile_writes_bytecode_only_when_asked(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    index.add_wheel("alpha", "1.0")
    index.add_wheel("beta", "1.0")
    site = next(venv.parent.parent.glob("lib/python*/site-packages"))
    assert sync(index, venv, write(tmp_path / "a.txt", "alpha==1.0\n")).returncode == 0
    assert not (site / "alpha" / "__pycache__").exists()
    result = sync(index, venv, write(tmp_path / "b.txt", "beta==1.0\n"), "--compile")
    assert result.returncode == 0, result.stderr
    assert [p.suffix for p in (site / "beta" / "__pycache__").iterdir()] == [".pyc"]


def test_quiet_prints_nothing_and_color_only_when_forced(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    index.add_wheel("alpha", "1.0")
    reqs = write(tmp_path / "requirements.txt", "alpha==1.0\n")
    quiet = sync(index, venv, reqs, "-q")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    colored = run_puffin(
        "pip-sync",
        "--python",
        venv,
        "--index-url",
        index.url,
        "--reinstall",
        reqs,
        env={"NO_COLOR": "", "FORCE_COLOR": "1"},
    )
    assert "\x1b[32m + alpha==1.0\x1b[0m" in colored.stderr
    plain = sync(index, venv, reqs, "--reinstall")
    assert "\x1b[" not in plain.stderr


def test_no_environment_found_is_explained(tmp_path: Path) -> None:
    reqs = write(tmp_path / "requirements.txt", "alpha==1.0\n")
    result = run_puffin("pip-sync", reqs, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        "error: No virtual environment found; run `puffin venv` to create one, or pass --python\n"
    )


def test_missing_requirements_file_is_a_usage_error(venv: Path, tmp_path: Path) -> None:
    result = run_puffin("pip-sync", "--python", venv, tmp_path / "nope.txt")
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert "nope.txt" in result.stderr


def test_index_from_environment_and_first_index_strategy(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    index.add_wheel("alpha", "1.0")
    with PackageIndex() as other:
        other.add_wheel("alpha", "9.0")
        other.add_wheel("gamma", "1.0")
        reqs = write(tmp_path / "requirements.txt", "alpha\ngamma==1.0\n")
        result = run_puffin(
            "pip-sync",
            "--python",
            venv,
            "--extra-index-url",
            other.url,
            reqs,
            env={"PUFFIN_INDEX_URL": index.url},
        )
    assert result.returncode == 0, result.stderr
    # alpha is on the first index, so the second one's newer alpha is never considered.
    assert installed(venv) == {"alpha": "1.0", "gamma": "1.0"}


def test_offline_uses_the_cache_and_explains_what_is_missing(
    index: PackageIndex, tmp_path: Path
) -> None:
    index.add_wheel("alpha", "1.0")
    index.add_wheel("beta", "1.0")
    reqs = write(tmp_path / "requirements.txt", "alpha==1.0\n")
    assert sync(index, make_venv(tmp_path / "one"), reqs).returncode == 0
    index.clear_requests()
    fresh = make_venv(tmp_path / "two")
    assert sync(index, fresh, reqs, "--offline").returncode == 0
    assert installed(fresh) == {"alpha": "1.0"}
    missing = write(tmp_path / "more.txt", "alpha==1.0\nbeta==1.0\n")
    result = sync(index, fresh, missing, "--offline")
    assert result.returncode == 1
    assert result.stderr == "error: beta is not in the cache and --offline forbids network access\n"
    assert index.requests == []


def test_seed_packages_stay_in_venvs_puffin_did_not_make(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    index.add_wheel("pip", "99.0")
    index.add_wheel("alpha", "1.0")
    with_pip = write(tmp_path / "with-pip.txt", "pip==99.0\nalpha==1.0\n")
    without = write(tmp_path / "requirements.txt", "alpha==1.0\n")

    assert sync(index, venv, with_pip).returncode == 0
    kept = sync(index, venv, without)
    assert timing(kept.stderr) == "Audited 1 package in <t>\n"
    assert installed(venv) == {"alpha": "1.0", "pip": "99.0"}

    assert run_puffin("venv", tmp_path / "ours").returncode == 0
    ours = tmp_path / "ours" / "bin" / "python"
    assert sync(index, ours, with_pip).returncode == 0
    removed = sync(index, ours, without)
    assert timing(removed.stderr) == "Uninstalled 1 package\n - pip==99.0\n"
    assert installed(ours) == {"alpha": "1.0"}
