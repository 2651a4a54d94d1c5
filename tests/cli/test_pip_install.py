"""`puffin pip-install` end to end: a real index on 127.0.0.1, real venvs, the real command line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.build.projects import write_tiny_project
from tests.support.index_server import PackageIndex
from tests.support.run import Result, installed, make_venv, run_puffin, site_packages


def timing(text: str) -> str:
    """Durations vary; everything else in the output is asserted exactly."""
    return re.sub(r"in \d+(\.\d+)?m?s", "in <t>", text)


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    return make_venv(tmp_path / "venv")


def pip_install(index: PackageIndex, python: Path, *args: str | Path, cwd: Path | None = None):
    return run_puffin("pip-install", "--python", python, "--index-url", index.url, *args, cwd=cwd)


def ok(result: Result) -> str:
    assert result.returncode == 0, result.stderr
    return timing(result.stderr)


@pytest.fixture
def graph(index: PackageIndex) -> PackageIndex:
    """beta needs any alpha; delta stands alone. Pages are revalidated on every use, so a
    release added by a test is seen at once, as a real index's would be when its page expires."""
    index.max_age = 0
    index.add_wheel("alpha", "1.0")
    index.add_wheel("beta", "1.0", requires_dist=["alpha"])
    index.add_wheel("delta", "1.0")
    return index


def test_installs_into_an_empty_venv_then_audits_without_the_network(
    graph: PackageIndex, venv: Path
) -> None:
    assert ok(pip_install(graph, venv, "Beta")) == (
        "Resolved 2 packages in <t>\nInstalled 2 packages in <t>\n + alpha==1.0\n + beta==1.0\n"
    )
    assert installed(venv) == {"alpha": "1.0", "beta": "1.0"}
    dist_info = site_packages(venv) / "beta-1.0.dist-info"
    assert (dist_info / "INSTALLER").read_text() == "puffin\n"
    assert not (dist_info / "direct_url.json").exists()

    graph.clear_requests()
    assert ok(pip_install(graph, venv, "beta", "alpha>=1")) == "Audited 2 packages in <t>\n"
    assert graph.requests == [], "a satisfied request must not touch the network"


def test_a_second_package_keeps_what_is_installed_and_asks_nothing_about_it(
    graph: PackageIndex, venv: Path
) -> None:
    assert ok(pip_install(graph, venv, "alpha", "delta")).endswith(" + delta==1.0\n")
    graph.add_wheel("alpha", "2.0")
    graph.clear_requests()

    # Without a cache, any question about alpha would reach the index.
    second = pip_install(graph, venv, "beta", "--no-cache")
    assert ok(second) == "Resolved 2 packages in <t>\nInstalled 1 package in <t>\n + beta==1.0\n"
    assert installed(venv) == {"alpha": "1.0", "beta": "1.0", "delta": "1.0"}
    assert not [path for path in graph.request_paths() if "alpha" in path]


def test_a_requirement_needing_a_newer_dependency_upgrades_only_that(
    graph: PackageIndex, venv: Path
) -> None:
    assert ok(pip_install(graph, venv, "beta", "delta"))
    graph.add_wheel("alpha", "2.0")
    graph.add_wheel("delta", "2.0")
    graph.add_wheel("gamma", "1.0", requires_dist=["alpha>=2"])

    assert ok(pip_install(graph, venv, "gamma")) == (
        "Resolved 2 packages in <t>\n"
        "Uninstalled 1 package\n"
        "Installed 2 packages in <t>\n"
        " - alpha==1.0\n"
        " + alpha==2.0\n"
        " + gamma==1.0\n"
    )
    assert installed(venv) == {"alpha": "2.0", "beta": "1.0", "delta": "1.0", "gamma": "1.0"}


def test_upgrade_all_or_one_package(graph: PackageIndex, venv: Path) -> None:
    assert ok(pip_install(graph, venv, "beta"))
    graph.add_wheel("alpha", "2.0")
    graph.add_wheel("beta", "2.0", requires_dist=["alpha"])
    assert ok(pip_install(graph, venv, "beta")) == "Audited 1 package in <t>\n"

    one = pip_install(graph, venv, "-P", "Alpha", "beta")
    assert ok(one) == (
        "Resolved 2 packages in <t>\n"
        "Uninstalled 1 package\n"
        "Installed 1 package in <t>\n"
        " - alpha==1.0\n"
        " + alpha==2.0\n"
    )
    every = pip_install(graph, venv, "--upgrade", "beta")
    assert ok(every) == (
        "Resolved 2 packages in <t>\n"
        "Uninstalled 1 package\n"
        "Installed 1 package in <t>\n"
        " - beta==1.0\n"
        " + beta==2.0\n"
    )
    assert installed(venv) == {"alpha": "2.0", "beta": "2.0"}


def test_reinstall_one_package_or_the_whole_resolution(graph: PackageIndex, venv: Path) -> None:
    assert ok(pip_install(graph, venv, "beta", "delta"))

    assert ok(pip_install(graph, venv, "--reinstall-package", "alpha", "beta")) == (
        "Resolved 2 packages in <t>\n"
        "Uninstalled 1 package\n"
        "Installed 1 package in <t>\n"
        " - alpha==1.0\n"
        " + alpha==1.0\n"
    )
    every = ok(pip_install(graph, venv, "--reinstall", "beta"))
    assert every.splitlines()[:3] == [
        "Resolved 2 packages in <t>",
        "Uninstalled 2 packages",
        "Installed 2 packages in <t>",
    ]
    assert installed(venv) == {"alpha": "1.0", "beta": "1.0", "delta": "1.0"}


def test_no_deps_installs_only_what_is_named_and_warns_of_what_is_missing(
    graph: PackageIndex, venv: Path
) -> None:
    assert ok(pip_install(graph, venv, "--no-deps", "beta")) == (
        "Resolved 1 package in <t>\n"
        "Installed 1 package in <t>\n"
        " + beta==1.0\n"
        "warning: The package `beta` requires `alpha`, but it's not installed\n"
    )
    assert installed(venv) == {"beta": "1.0"}

    graph.add_wheel("alpha", "2.0")
    graph.add_wheel("gamma", "1.0", requires_dist=["alpha>=2"])
    assert ok(pip_install(graph, venv, "alpha==1.0")).endswith(" + alpha==1.0\n")
    assert ok(pip_install(graph, venv, "--no-deps", "gamma")) == (
        "Resolved 1 package in <t>\n"
        "Installed 1 package in <t>\n"
        " + gamma==1.0\n"
        "warning: The package `gamma` requires `alpha>=2`, but `1.0` is installed\n"
    )


def test_requirements_file_with_constraints_and_a_dry_run(
    graph: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    graph.add_wheel("alpha", "2.0")
    (tmp_path / "requirements.txt").write_text("beta\n")
    (tmp_path / "constraints.txt").write_text("alpha<2\n")
    args = ("-r", "requirements.txt", "-c", "constraints.txt")

    dry = pip_install(graph, venv, *args, "--dry-run", cwd=tmp_path)
    assert ok(dry) == (
        "Resolved 2 packages in <t>\nWould install 2 packages\n + alpha==1.0\n + beta==1.0\n"
    )
    assert installed(venv) == {}

    assert ok(pip_install(graph, venv, *args, cwd=tmp_path)).endswith(
        " + alpha==1.0\n + beta==1.0\n"
    )
    assert installed(venv) == {"alpha": "1.0", "beta": "1.0"}


def test_an_override_replaces_a_dependency_requirement(
    index: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    index.add_wheel("app", "1.0", requires_dist=["web<2"])
    index.add_wheel("web", "1.0")
    index.add_wheel("web", "2.0")
    (tmp_path / "overrides.txt").write_text("web>=2\n")
    result = pip_install(index, venv, "app", "--override", "overrides.txt", cwd=tmp_path)
    assert ok(result).endswith(" + app==1.0\n + web==2.0\n")


def test_an_editable_local_project_and_its_dependencies(
    graph: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    project = write_tiny_project(tmp_path / "tiny", dependencies=["alpha"])
    first = pip_install(graph, venv, "-e", "./tiny", cwd=tmp_path)
    assert ok(first) == (
        "Resolved 2 packages in <t>\nInstalled 2 packages in <t>\n + alpha==1.0\n + tiny==1.0\n"
    )
    record = json.loads((site_packages(venv) / "tiny-1.0.dist-info/direct_url.json").read_text())
    assert record == {"url": project.as_uri(), "dir_info": {"editable": True}}

    graph.clear_requests()
    again = pip_install(graph, venv, "-e", "./tiny", cwd=tmp_path)
    assert ok(again) == "Audited 1 package in <t>\n"
    assert graph.requests == []
    # A registry requirement is met by the editable install of a fitting version.
    assert ok(pip_install(graph, venv, "tiny>=1")) == "Audited 1 package in <t>\n"


def test_an_unsatisfiable_request_is_explained_and_changes_nothing(
    index: PackageIndex, venv: Path
) -> None:
    index.add_wheel("app", "1.0", requires_dist=["web<2"])
    index.add_wheel("app", "2.0", requires_dist=["web<2"])
    index.add_wheel("web", "1.0")
    index.add_wheel("web", "2.0")

    result = pip_install(index, venv, "app", "web>=2")

    assert result.returncode == 1
    assert result.stderr == (
        "error: Because every version of app depends on web<2 and you require web>=2, "
        "we can conclude that no version of app can be used.\n"
        "And because you require app, no solution is possible.\n"
    )
    assert installed(venv) == {}


def test_nothing_to_install_and_no_environment_are_one_line_errors(tmp_path: Path) -> None:
    nothing = run_puffin("pip-install", cwd=tmp_path)
    assert (nothing.returncode, nothing.stderr) == (
        2,
        "error: Nothing to install: name a package, -r FILE or -e PATH\n",
    )
    bad = run_puffin("pip-install", "alpha=1.0", cwd=tmp_path)
    assert (bad.returncode, bad.stderr) == (
        2,
        "error: Invalid requirement 'alpha=1.0': = is not a valid operator. Did you mean == ?\n",
    )
    no_venv = run_puffin("pip-install", "alpha", cwd=tmp_path)
    assert (no_venv.returncode, no_venv.stderr) == (
        1,
        "error: No virtual environment found; run `puffin venv` to create one, or pass --python\n",
    )


def test_pip_freeze_output_installs_the_same_set_in_a_fresh_venv(
    graph: PackageIndex, venv: Path, tmp_path: Path
) -> None:
    graph.add_wheel("alpha", "2.0")
    assert ok(pip_install(graph, venv, "beta", "delta", "alpha<2"))
    frozen = run_puffin("pip-freeze", "--python", venv)
    assert frozen.stdout == "alpha==1.0\nbeta==1.0\ndelta==1.0\n"
    (tmp_path / "frozen.txt").write_text(frozen.stdout)

    fresh = make_venv(tmp_path / "fresh")
    result = pip_install(graph, fresh, "-r", tmp_path / "frozen.txt")
    assert ok(result) == (
        "Resolved 3 packages in <t>\n"
        "Installed 3 packages in <t>\n"
        " + alpha==1.0\n"
        " + beta==1.0\n"
        " + delta==1.0\n"
    )
    assert installed(fresh) == installed(venv)
