"""Resolver scenarios from data files, each run end to end through the real `puffin pip-compile`.

Every `scenarios/<name>.toml` is one scenario. The harness builds its wheels (and sdists) in
the test's tmp dir, serves them from a fresh PackageIndex on 127.0.0.1, runs the CLI once with
its own cache dir, and compares what a user would see.

    description = "one line: what a user would notice"

    [packages]                 # what the index serves, one entry per "name==version"
    "a==1.0" = { requires = ["b>=2"] }
    "b==2.0" = { requires_python = ">=3.13" }

      requires              Requires-Dist lines (markers allowed)
      extras                {extra = [requirements]}: Provides-Extra and its Requires-Dist
      requires_python       Requires-Python, in METADATA and on the page alike
      page_requires_python  the page's data-requires-python ("" for none) when it should
                            differ from METADATA's `requires_python`
      yanked                true, or the reason string
      upload_time           a TOML date-time (PEP 700 upload-time); absent: none served
      tags                  wheel tags, one wheel each (default ["py3-none-any"]; [] for none)
      sdist                 true: an sdist of this version is served too

    [input]                    # every key optional
    requirements = ["a", "b<3"]   # requirements.in lines (markers, extras, options allowed)
    constraints = []              # constraints.txt lines, passed as `-c constraints.txt`
    overrides = []                # overrides.txt lines, passed as `--override overrides.txt`
    existing_output = []          # requirements.txt before the run: its pins are preferences
    args = []                     # further CLI arguments

    [expected]                 # exactly one of pins, output, error
    pins = ["a==1.0"]             # the pins, in order; the run adds --no-header --no-annotate
    output = "..."                # the whole output file, `{index_url}` standing for the index
    error = "..."                 # the whole stderr of a failed run (exit code 1), `{index_url}`
                                  # likewise; the output file must be left as it was
A run that succeeds must print nothing on stderr but its "Resolved N packages in <t>" line.

The CLI always gets `--python <this interpreter> --python-version 3.12` (unless `args` names
another version), so markers evaluate for CPython 3.12 on this platform whatever runs the tests.
"""

from __future__ import annotations

import re
import shutil
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support.index_server import PackageIndex
from tests.support.run import run_puffin
from tests.support.wheels import build_wheel

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.toml"))

PACKAGE_KEYS = frozenset(
    {
        "requires",
        "extras",
        "requires_python",
        "page_requires_python",
        "yanked",
        "upload_time",
        "tags",
        "sdist",
    }
)
OUTCOMES = ("pins", "output", "error")
INPUT_KEYS = frozenset({"requirements", "constraints", "overrides", "existing_output", "args"})
EXPECTED_KEYS = frozenset(OUTCOMES)
DEFAULT_PYTHON_VERSION = "3.12"


def load(path: Path) -> dict[str, Any]:
    with path.open("rb") as file:
        data: dict[str, Any] = tomllib.load(file)
    return data


def serve(index: PackageIndex, packages: dict[str, dict[str, Any]]) -> None:
    """Put every "name==version" of a scenario on the index."""
    for key, attributes in packages.items():
        unknown = set(attributes) - PACKAGE_KEYS
        assert not unknown, f"{key}: unknown package keys {sorted(unknown)}"
        name, separator, version = key.partition("==")
        assert separator and name and version, f"{key!r} is not name==version"
        requires = attributes.get("requires", [])
        requires_python = attributes.get("requires_python")
        page_requires_python = attributes.get("page_requires_python", requires_python) or None
        yanked: bool | str = attributes.get("yanked", False)
        upload_time: datetime | None = attributes.get("upload_time")
        for tag in attributes.get("tags", ["py3-none-any"]):
            wheel = build_wheel(
                index.files_dir,
                name,
                version,
                tag=tag,
                requires_dist=requires,
                requires_python=requires_python,
                provides_extra=attributes.get("extras"),
            )
            index.add(
                wheel, yanked=yanked, requires_python=page_requires_python, upload_time=upload_time
            )
        if attributes.get("sdist", False):
            assert "extras" not in attributes, f"{key}: the sdist builder takes no extras"
            index.add_sdist(
                name,
                version,
                requires_dist=requires,
                requires_python=requires_python,
                yanked=yanked,
                upload_time=upload_time,
            )


def write_lines(path: Path, lines: list[str]) -> None:
    path.write_text("".join(f"{line}\n" for line in lines))


@pytest.fixture(scope="session")
def bytecode_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Let every puffin run reuse compiled bytecode kept outside the checkout: with
    PYTHONDONTWRITEBYTECODE set, each run compiled puffin's sources anew (~60 ms a run)."""
    prefix = tmp_path_factory.mktemp("pycache")
    return {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(prefix)}


@pytest.fixture(scope="session")
def warm_cache(tmp_path_factory: pytest.TempPathFactory, bytecode_env: dict[str, str]) -> Path:
    """A cache that already knows this interpreter: each scenario starts from a copy of it,
    so the interpreter is queried once per worker instead of once per scenario (~170 ms)."""
    work = tmp_path_factory.mktemp("warm")
    (work / "requirements.in").write_text("")
    cache = work / "cache"
    result = run_puffin(
        "pip-compile",
        "--python",
        sys.executable,
        "--no-index",
        "--cache-dir",
        cache,
        "-o",
        "-",
        "requirements.in",
        cwd=work,
        env=bytecode_env,
    )
    assert result.returncode == 0, result.stderr
    return cache


def test_there_are_enough_scenarios() -> None:
    assert len(SCENARIOS) >= 65


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(
    path: Path,
    index: PackageIndex,
    tmp_path: Path,
    warm_cache: Path,
    bytecode_env: dict[str, str],
) -> None:
    scenario = load(path)
    assert set(scenario) <= {"description", "packages", "input", "expected"}, sorted(scenario)
    assert scenario.get("description"), "every scenario says what a user would notice"
    given: dict[str, Any] = scenario.get("input", {})
    expected: dict[str, Any] = scenario["expected"]
    assert set(given) <= INPUT_KEYS, sorted(set(given) - INPUT_KEYS)
    assert set(expected) <= EXPECTED_KEYS, sorted(set(expected) - EXPECTED_KEYS)
    outcomes = [key for key in OUTCOMES if key in expected]
    assert len(outcomes) == 1, f"a scenario expects exactly one of {OUTCOMES}"

    serve(index, scenario.get("packages", {}))
    cache = shutil.copytree(warm_cache, tmp_path / "cache")
    work = tmp_path / "work"
    work.mkdir()
    write_lines(work / "requirements.in", given.get("requirements", []))
    args: list[str] = list(given.get("args", []))
    if "--python-version" not in args:
        args += ["--python-version", DEFAULT_PYTHON_VERSION]
    if "constraints" in given:
        write_lines(work / "constraints.txt", given["constraints"])
        args += ["-c", "constraints.txt"]
    if "overrides" in given:
        write_lines(work / "overrides.txt", given["overrides"])
        args += ["--override", "overrides.txt"]
    output_file = work / "requirements.txt"
    existing = None
    if "existing_output" in given:
        existing = f"--index-url {index.url}\n\n" + "".join(
            f"{line}\n" for line in given["existing_output"]
        )
        output_file.write_text(existing)
    if "pins" in expected:
        args += ["--no-header", "--no-annotate"]

    result = run_puffin(
        "pip-compile",
        "--python",
        sys.executable,
        "--index-url",
        index.url,
        "--cache-dir",
        cache,
        "-o",
        "requirements.txt",
        *args,
        "requirements.in",
        cwd=work,
        env=bytecode_env,
    )

    assert result.stdout == ""
    if "error" in expected:
        assert result.stderr == expected["error"].replace("{index_url}", index.url)
        assert result.returncode == 1
        written = output_file.read_text() if output_file.exists() else None
        assert written == existing, "a failed run leaves the output file as it was"
        return
    assert result.returncode == 0, result.stderr
    resolved = re.fullmatch(r"Resolved (\d+) packages? in \S+\n", result.stderr)
    assert resolved, result.stderr
    text = output_file.read_text()
    if "pins" in expected:
        assert int(resolved.group(1)) == len(expected["pins"])
        pins = "".join(f"{pin}\n" for pin in expected["pins"])
        assert text == f"--index-url {index.url}\n\n{pins}"
    else:
        assert text == expected["output"].replace("{index_url}", index.url)
