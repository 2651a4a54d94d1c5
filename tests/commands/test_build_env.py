"""Build environments made by puffin: resolved from the test index, shared by resolved set."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import zipfile
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import TypeVar

import pytest
from packaging.version import Version

from puffin.build.frontend import SourceBuild
from puffin.cache import Cache, CacheBucket
from puffin.client.registry import IndexSettings, RegistryClient
from puffin.commands.build_env import COMPLETE_MARKER, BuildEnvironments
from puffin.errors import (
    BuildError,
    InstallError,
    NoMatchingDistribution,
    PuffinError,
    UnsupportedSource,
)
from puffin.interpreter import Interpreter, query_interpreter
from puffin.resolver.candidate_selector import SelectorSettings
from puffin.virtualenv import create_virtualenv
from tests.build.projects import TINY_BACKEND
from tests.support.index_server import PackageIndex
from tests.support.pythons import PythonVersions
from tests.support.wheels import build_wheel

T = TypeVar("T")


@pytest.fixture
def cache(tmp_path: Path) -> Cache:
    cache = Cache(tmp_path / "cache")
    cache.init()
    return cache


@pytest.fixture
def base(cache: Cache) -> Interpreter:
    return query_interpreter(Path(sys.executable), cache_dir=cache.bucket(CacheBucket.INTERPRETER))


def settings_for(base: Interpreter) -> SelectorSettings:
    return SelectorSettings.from_tags(
        base.tags,
        Version(base.markers["python_full_version"]),
        allows_wheel=lambda name: True,
        allows_sdist=lambda name: True,
    )


@contextlib.asynccontextmanager
async def environments_on_this_loop(
    index_url: str, cache: Cache, base: Interpreter
) -> AsyncIterator[BuildEnvironments]:
    """The provider of one run, resolving through a client on the running loop."""
    async with RegistryClient(cache=cache, indexes=IndexSettings(index_url)) as client:
        loop = asyncio.get_running_loop()
        yield BuildEnvironments(cache, base, client, loop, settings_for(base))


def run(
    index_url: str, cache: Cache, base: Interpreter, body: Callable[[BuildEnvironments], T]
) -> T:
    """One puffin run: `body` calls the provider from a worker thread while the loop serves it."""

    async def main() -> T:
        async with environments_on_this_loop(index_url, cache, base) as environments:
            return await asyncio.to_thread(body, environments)

    return asyncio.run(main())


def environment_for(
    index_url: str, cache: Cache, base: Interpreter, requirements: Sequence[str]
) -> Path:
    return run(index_url, cache, base, lambda envs: envs.environment_for(requirements))


def python_says(python: Path, code: str) -> str:
    completed = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, check=True
    )
    return completed.stdout.strip()


def pins(python: Path) -> str:
    return (python.parent.parent / COMPLETE_MARKER).read_text()


@pytest.fixture
def served(index: PackageIndex) -> PackageIndex:
    """alpha 1.0 and 2.0 (both need beta), beta 1.0, and gamma 1.0 with a console script."""
    index.add_wheel("alpha", "1.0", requires_dist=["beta>=1"])
    index.add_wheel("alpha", "2.0", requires_dist=["beta>=1"])
    index.add_wheel("beta", "1.0")
    index.add_wheel(
        "gamma",
        "1.0",
        files={"gamma/__init__.py": "def main():\n    print('gamma here')\n"},
        entry_points={"console_scripts": {"gamma-tool": "gamma:main"}},
    )
    return index


def test_identical_requirement_lists_share_one_environment_made_once(
    served: PackageIndex, cache: Cache, base: Interpreter
) -> None:
    first, second = run(
        served.url,
        cache,
        base,
        lambda environments: (
            environments.environment_for(["alpha", "beta>=1"]),
            environments.environment_for(["beta>=1", "alpha"]),
        ),
    )
    assert first == second
    assert first.parent.parent.parent == cache.bucket(CacheBucket.BUILD_ENVIRONMENTS)
    assert first == first.parent.parent / "bin" / "python"
    assert pins(first) == "alpha==2.0\nbeta==1.0\n"
    requested = served.request_paths()
    assert len(requested) == len(set(requested)), requested  # every page and file once
    assert sorted(path for path in requested if path.endswith(".whl")) == [
        "/files/alpha-2.0-py3-none-any.whl",
        "/files/beta-1.0-py3-none-any.whl",
    ]
    assert len(list(cache.bucket(CacheBucket.BUILD_ENVIRONMENTS).glob("*/pyvenv.cfg"))) == 1


def test_a_later_run_reuses_the_environment_without_downloading(
    served: PackageIndex, cache: Cache, base: Interpreter
) -> None:
    first = environment_for(served.url, cache, base, ["alpha"])
    (first.parent.parent / "made-by-the-first-run").write_text("")
    served.clear_requests()
    assert environment_for(served.url, cache, base, ["alpha>=1"]) == first
    assert (first.parent.parent / "made-by-the-first-run").exists()
    assert served.request_paths("/files/") == []


def test_sets_resolving_differently_get_different_environments(
    served: PackageIndex, cache: Cache, base: Interpreter
) -> None:
    old, new, same_as_new = run(
        served.url,
        cache,
        base,
        lambda environments: (
            environments.environment_for(["alpha==1.0"]),
            environments.environment_for(["alpha"]),
            environments.environment_for(["alpha>=2", "beta"]),
        ),
    )
    assert old != new
    assert new == same_as_new  # other requirements, the same resolved set
    assert pins(old) == "alpha==1.0\nbeta==1.0\n"
    assert pins(new) == "alpha==2.0\nbeta==1.0\n"


def test_environment_python_imports_what_was_installed_and_nothing_else(
    served: PackageIndex, cache: Cache, base: Interpreter
) -> None:
    python = environment_for(served.url, cache, base, ["alpha", "gamma"])
    code = (
        "import sys, alpha, beta, gamma, importlib.util;"
        "print(sys.prefix, alpha.__version__, beta.__version__,"
        " importlib.util.find_spec('pytest') is None)"
    )
    assert python_says(python, code) == f"{python.parent.parent} 2.0 1.0 True"
    tool = subprocess.run(
        [str(python.parent / "gamma-tool")], capture_output=True, text=True, check=True
    )
    assert tool.stdout == "gamma here\n"


def test_markers_are_evaluated_for_the_base_interpreter(
    index: PackageIndex, cache: Cache, python_versions: PythonVersions
) -> None:
    base = query_interpreter(
        python_versions.require("3.12"), cache_dir=cache.bucket(CacheBucket.INTERPRETER)
    )
    index.add_wheel("alpha", "1.0", requires_dist=['legacy; python_version < "3.12"', "beta"])
    index.add_wheel("beta", "1.0")
    index.add_wheel("modern", "1.0")
    index.add_wheel("legacy", "1.0")
    python = environment_for(
        index.url,
        cache,
        base,
        ["alpha", 'modern; python_version >= "3.12"', 'legacy; python_version < "3.12"'],
    )
    assert pins(python) == "alpha==1.0\nbeta==1.0\nmodern==1.0\n"
    assert python_says(python, "import sys; print(sys.version_info[:2])") == "(3, 12)"


def test_every_venv_of_one_python_shares_its_environments(
    served: PackageIndex, cache: Cache, base: Interpreter, tmp_path: Path
) -> None:
    venvs = [create_virtualenv(tmp_path / name, base) for name in ("project-a", "project-b")]
    interpreters = [query_interpreter(python, cache_dir=None) for python in venvs]
    found = {environment_for(served.url, cache, each, ["alpha"]) for each in interpreters}
    assert len(found) == 1
    assert len(list(cache.bucket(CacheBucket.BUILD_ENVIRONMENTS).glob("*/pyvenv.cfg"))) == 1


def test_unresolvable_requirement_names_the_build_requirements(
    served: PackageIndex, cache: Cache, base: Interpreter
) -> None:
    with pytest.raises(NoMatchingDistribution) as raised:
        environment_for(served.url, cache, base, ["beta", "alpha>=3"])
    assert str(raised.value) == (
        "Cannot install the build requirements (beta, alpha>=3): Because there is no version "
        "of alpha>=3 and you require alpha>=3, no solution is possible."
    )
    assert not cache.bucket(CacheBucket.BUILD_ENVIRONMENTS).exists()


def test_a_build_requirement_with_only_an_sdist_is_not_built(
    index: PackageIndex, cache: Cache, base: Interpreter
) -> None:
    index.add_sdist("backend", "1.0")
    with pytest.raises(NoMatchingDistribution) as raised:
        environment_for(index.url, cache, base, ["backend"])
    assert str(raised.value) == (
        "Cannot install the build requirements (backend): Because backend==1.0 is unavailable "
        "(it has no wheel, and build requirements are installed from wheels only) and you "
        "require backend, no solution is possible."
    )


@pytest.mark.parametrize(
    ("requirement", "reason"),
    [
        (
            "backend @ https://example.com/backend-1.0-py3-none-any.whl",
            "backend @ https://example.com/backend-1.0-py3-none-any.whl: direct references are "
            "not supported here yet",
        ),
        (
            "backend >>= 1",
            "'backend >>= 1' is not a valid PEP 508 requirement",
        ),
    ],
)
def test_a_requirement_no_index_can_serve_is_refused_before_resolving(
    index: PackageIndex, cache: Cache, base: Interpreter, requirement: str, reason: str
) -> None:
    with pytest.raises(UnsupportedSource) as raised:
        environment_for(index.url, cache, base, ["alpha", requirement])
    assert str(raised.value) == (
        f"Cannot install the build requirements (alpha, {requirement}): {reason}"
    )
    assert index.request_paths() == []


def test_failure_mid_install_leaves_no_marker_and_the_next_run_starts_over(
    index: PackageIndex, cache: Cache, base: Interpreter
) -> None:
    index.max_age = None  # the next run must see the repaired file's new hash
    index.add_wheel("alpha", "1.0")
    # An entry point without `module:function`: unpacking takes it, installing refuses it.
    broken = index.add_wheel("broken", "1.0", entry_points={"console_scripts": {"tool": "broken"}})
    with pytest.raises(InstallError) as raised:
        environment_for(index.url, cache, base, ["alpha", "broken"])
    assert str(raised.value) == (
        "Invalid wheel broken: broken-1.0.dist-info/entry_points.txt: entry point 'tool' has"
        " target 'broken'; expected 'module:function'"
    )
    (environment,) = cache.bucket(CacheBucket.BUILD_ENVIRONMENTS).glob("*/pyvenv.cfg")
    directory = environment.parent
    assert not (directory / COMPLETE_MARKER).exists()
    (directory / "left-over").write_text("")

    build_wheel(broken.parent, "broken", "1.0", data={"data/share/file.txt": "x"})
    index.add(broken)
    python = environment_for(index.url, cache, base, ["alpha", "broken"])
    assert python.parent.parent == directory
    assert pins(python) == "alpha==1.0\nbroken==1.0\n"
    assert not (directory / "left-over").exists()
    assert (directory / "share" / "file.txt").read_text() == "x"


def test_a_failed_creation_is_retried_by_the_next_call_of_the_same_run(
    served: PackageIndex, cache: Cache, base: Interpreter
) -> None:
    wheel_url = served.file_url("beta-1.0-py3-none-any.whl")

    def twice(environments: BuildEnvironments) -> tuple[str, Path]:
        environments.resolve(["alpha"])  # the metadata is fetched; only the download will fail
        served.fail("/files/beta-1.0-py3-none-any.whl", status=404, times=1)
        with pytest.raises(PuffinError) as raised:
            environments.environment_for(["alpha"])
        return str(raised.value), environments.environment_for(["alpha"])

    error, python = run(served.url, cache, base, twice)
    assert error == f"Request to {wheel_url} failed: HTTP 404 Not Found"
    assert pins(python) == "alpha==2.0\nbeta==1.0\n"


def test_threads_asking_at_once_share_one_creation(
    served: PackageIndex, cache: Cache, base: Interpreter
) -> None:
    # Slow downloads keep the first creation running while the other threads ask.
    served.delay("/files/beta-1.0-py3-none-any.whl", 0.3)

    async def main() -> list[Path]:
        async with environments_on_this_loop(served.url, cache, base) as environments:
            lists = (["alpha"], ["beta", "alpha"], ["alpha", "beta"])
            return await asyncio.gather(
                *(asyncio.to_thread(environments.environment_for, wanted) for wanted in lists)
            )

    first, second, third = asyncio.run(main())
    assert first == second == third
    assert served.request_paths("/files/").count("/files/beta-1.0-py3-none-any.whl") == 1
    assert pins(first) == "alpha==2.0\nbeta==1.0\n"


def test_processes_asking_at_once_share_one_environment(
    served: PackageIndex, cache: Cache, tmp_path: Path
) -> None:
    served.delay("/files/beta-1.0-py3-none-any.whl", 0.3)
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from puffin.cache import Cache\n"
        "from puffin.interpreter import query_interpreter\n"
        "from tests.commands.test_build_env import environment_for\n"
        "base = query_interpreter(Path(sys.executable), cache_dir=None)\n"
        "print(environment_for(sys.argv[2], Cache(Path(sys.argv[1])), base, ['alpha']))\n"
    )
    command = [sys.executable, "-c", script, str(cache.root), served.url]
    environment = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    processes = [
        subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=60)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0]
    assert outputs[0] == outputs[1]
    assert pins(Path(outputs[0].strip())) == "alpha==2.0\nbeta==1.0\n"
    assert len(list(cache.bucket(CacheBucket.BUILD_ENVIRONMENTS).glob("*/pyvenv.cfg"))) == 1


def test_calling_from_the_loop_thread_is_refused_instead_of_hanging(
    served: PackageIndex, cache: Cache, base: Interpreter
) -> None:
    async def main() -> None:
        async with environments_on_this_loop(served.url, cache, base) as environments:
            environments.environment_for(["alpha"])

    with pytest.raises(RuntimeError, match="call it from a worker thread"):
        asyncio.run(main())


def test_a_source_tree_builds_with_a_backend_installed_from_the_index(
    index: PackageIndex, cache: Cache, base: Interpreter, tmp_path: Path
) -> None:
    index.add_wheel("tiny-backend", "1.0", files={"tiny_backend.py": TINY_BACKEND})
    tree = tmp_path / "project"
    tree.mkdir()
    (tree / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["tiny-backend"]\nbuild-backend = "tiny_backend"\n'
    )
    (tree / "project.json").write_text('{"name": "hello", "version": "0.1"}')
    (tree / "hello.py").write_text("GREETING = 'hi'\n")

    def build(environments: BuildEnvironments) -> Path:
        return SourceBuild.isolated(tree, environments).build_wheel(tmp_path / "out")

    wheel = run(index.url, cache, base, build)
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("hello.py") == b"GREETING = 'hi'\n"
    (environment,) = cache.bucket(CacheBucket.BUILD_ENVIRONMENTS).glob("*/.complete")
    assert environment.read_text() == "tiny-backend==1.0\n"


def test_a_missing_build_requirement_fails_the_build_naming_the_package(
    index: PackageIndex, cache: Cache, base: Interpreter, tmp_path: Path
) -> None:
    tree = tmp_path / "project"
    tree.mkdir()
    (tree / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["no-such-backend"]\nbuild-backend = "nope"\n'
    )

    def build(environments: BuildEnvironments) -> Path:
        return SourceBuild.isolated(tree, environments, label="hello==0.1").build_wheel(tmp_path)

    with pytest.raises(BuildError) as raised:
        run(index.url, cache, base, build)
    assert str(raised.value) == (
        "Failed to build hello==0.1: "
        "Cannot install the build requirements (no-such-backend): Because no-such-backend was "
        "not found on the package index and you require no-such-backend, no solution is "
        "possible."
    )
