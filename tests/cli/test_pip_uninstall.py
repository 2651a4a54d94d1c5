"""`puffin pip-uninstall` end to end: real venvs filled by pip-sync, the real command line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.index_server import PackageIndex
from tests.support.run import installed, make_venv, run_puffin, site_packages


def timing(text: str) -> str:
    return re.sub(r"in \d+(\.\d+)?m?s", "in <t>", text)


@pytest.fixture
def venv(index: PackageIndex, tmp_path: Path) -> Path:
    """A venv holding alpha 1.0, beta 2.0 (which needs alpha) and the tool `gamma-cli` 0.5."""
    index.add_wheel("alpha", "1.0")
    index.add_wheel("beta", "2.0", requires_dist=["alpha"])
    index.add_wheel(
        "gamma-cli",
        "0.5",
        files={"gamma_cli/__init__.py": "def main():\n    pass\n"},
        entry_points={"console_scripts": {"gamma": "gamma_cli:main"}},
    )
    python = make_venv(tmp_path / "venv")
    reqs = tmp_path / "all.txt"
    reqs.write_text("alpha==1.0\nbeta==2.0\ngamma-cli==0.5\n")
    synced = run_puffin("pip-sync", "--python", python, "--index-url", index.url, reqs)
    assert synced.returncode == 0, synced.stderr
    return python


def uninstall(python: Path, *args: str | Path, cwd: Path | None = None):
    return run_puffin("pip-uninstall", "--python", python, *args, cwd=cwd)


def test_removes_the_named_packages_and_their_files_but_not_their_dependencies(
    venv: Path,
) -> None:
    result = uninstall(venv, "Gamma_CLI", "beta")
    assert result.returncode == 0, result.stderr
    assert timing(result.stderr) == (
        "Uninstalled 2 packages in <t>\n - beta==2.0\n - gamma-cli==0.5\n"
    )
    assert installed(venv) == {"alpha": "1.0"}
    assert not (venv.parent / "gamma").exists()
    assert not (site_packages(venv) / "gamma_cli").exists()


def test_a_package_that_is_not_installed_is_skipped_with_a_warning(venv: Path) -> None:
    mixed = uninstall(venv, "nope", "alpha")
    assert mixed.returncode == 0, mixed.stderr
    assert timing(mixed.stderr) == (
        "warning: Skipping nope as it is not installed\n"
        "Uninstalled 1 package in <t>\n"
        " - alpha==1.0\n"
    )
    absent = uninstall(venv, "alpha")
    assert (absent.returncode, absent.stderr) == (
        0,
        "warning: Skipping alpha as it is not installed\nwarning: No packages to uninstall\n",
    )


def test_requirements_file_names_what_to_remove(venv: Path, tmp_path: Path) -> None:
    (tmp_path / "remove.txt").write_text("alpha==1.0\ngamma-cli>=0.1 ; python_version >= '3'\n")
    result = uninstall(venv, "-r", "remove.txt", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert timing(result.stderr) == (
        "Uninstalled 2 packages in <t>\n - alpha==1.0\n - gamma-cli==0.5\n"
    )
    assert installed(venv) == {"beta": "2.0"}


def test_dry_run_reports_and_removes_nothing(venv: Path) -> None:
    result = uninstall(venv, "--dry-run", "beta")
    assert (result.returncode, result.stderr) == (0, "Would uninstall 1 package\n - beta==2.0\n")
    assert installed(venv) == {"alpha": "1.0", "beta": "2.0", "gamma-cli": "0.5"}


def test_nothing_named_is_a_one_line_usage_error(tmp_path: Path) -> None:
    result = run_puffin("pip-uninstall", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (
        2,
        "error: Nothing to uninstall: name a package or -r FILE\n",
    )
