"""Time `puffin pip-sync` against uv, pip-tools' pip-sync and pip with hyperfine, in one table."""

from __future__ import annotations

import argparse
import enum
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import hyperfine_runs
from hyperfine_runs import Cell, Outcome, Shell, TimedRuns, TrialFailed

REQUIREMENTS_DIR = (
    hyperfine_runs.REPO_ROOT.parent / "shared" / "benchmarks" / "requirements" / "compiled"
)
DEFAULT_REQUIREMENTS = REQUIREMENTS_DIR / "jupyter.txt"
ALL_TOOLS = ("puffin", "uv", "pip-sync", "pip")


class Scenario(enum.Enum):
    COLD = "cold"
    WARM = "warm"
    NOOP = "noop"


SCENARIO_TITLES = {
    Scenario.COLD: "fresh venv, empty cache",
    Scenario.WARM: "fresh venv, warm cache",
    Scenario.NOOP: "venv already synced",
}


@dataclass(frozen=True)
class Pin:
    """One line of the compiled requirements file: a name and, for `==` lines, its version."""

    name: str
    version: str | None


@dataclass(frozen=True)
class Bench:
    """Everything the cells of one run share."""

    requirements: Path
    pins: tuple[Pin, ...]
    base_python: Path
    tools: Mapping[str, Path]
    root: Path
    hyperfine: Path
    runs: int
    warmup: int
    pip_wheel: Path | None
    verbose: bool


def read_pins(requirements: Path) -> tuple[Pin, ...]:
    text = requirements.read_text(encoding="utf-8").replace("\\\n", " ")
    pins = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        # A marker may exclude the pin on this interpreter; without `packaging` we cannot tell.
        verifiable = ";" not in line
        pinned = re.match(
            r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*==\s*([^\s;,]+)", line
        )
        if pinned:
            version = pinned.group(2) if verifiable else None
            pins.append(Pin(hyperfine_runs.normalize(pinned.group(1)), version))
            continue
        direct = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*@", line)
        if direct and verifiable:
            pins.append(Pin(hyperfine_runs.normalize(direct.group(1)), None))
    return tuple(pins)


def isolated_env(cache: Path) -> dict[str, str]:
    """The environment every tool runs in: no pip or uv setting of this machine leaks in."""
    env = hyperfine_runs.base_env()
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_INDEX_URL=hyperfine_runs.PYPI_SIMPLE,
        PIP_CACHE_DIR=str(cache),
        PIP_NO_INPUT="1",
        # The self-update check is a network round trip that is no part of syncing.
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        UV_NO_CONFIG="1",
    )
    return env


def sync_argv(tool: str, exe: Path, venv: Path, cache: Path, requirements: Path) -> list[str]:
    python = str(venv / "bin" / "python")
    req = str(requirements)
    if tool == "puffin":
        return [str(exe), "pip-sync", "--python", python, "--cache-dir", str(cache), req]
    if tool == "uv":
        return [str(exe), "pip", "sync", "--python", python, "--cache-dir", str(cache), req]
    if tool == "pip-sync":
        # pip-sync diffs the target's site-packages itself, then runs `<target> -m pip install`:
        # the target venv must hold pip (see fresh_venv_line).
        return [str(exe), "--python-executable", python, req]
    if tool == "pip":
        # `pip --python` runs this pip against the target, so the target venv needs no pip.
        return [str(exe), "-m", "pip", "--python", python, "install", "--no-deps", "-r", req]
    raise ValueError(f"unknown tool {tool!r}")


def locate_tools(
    names: Sequence[str], puffin: str, tools_venv: Path
) -> tuple[dict[str, Path], dict[str, str]]:
    """Map each selected tool to its executable; the second map says why a tool is missing."""
    candidates = {
        "puffin": [puffin],
        "uv": [str(tools_venv / "bin" / "uv"), "uv"],
        "pip-sync": [str(tools_venv / "bin" / "pip-sync")],
        # pip runs from the tools venv, whose pip is new enough for `--python` (pip >= 22.3).
        "pip": [str(tools_venv / "bin" / "python")],
    }
    found, missing = hyperfine_runs.locate(names, candidates)
    if "pip" in found:
        probe = subprocess.run(
            [str(found["pip"]), "-m", "pip", "--version"], capture_output=True, text=True
        )
        if probe.returncode != 0:
            missing["pip"] = f"{found.pop('pip')} has no pip"
    return found, missing


def tool_version(tool: str, exe: Path) -> str:
    argv = [str(exe), "-m", "pip", "--version"] if tool == "pip" else [str(exe), "--version"]
    return hyperfine_runs.reported_version(argv)


def fetch_pip_wheel(tools_venv: Path, into: Path) -> Path:
    """Download the pip wheel pip-sync's targets get, the same pip version the pip column runs."""
    python = tools_venv / "bin" / "python"
    version = tool_version("pip", python)
    into.mkdir(parents=True, exist_ok=True)
    argv = [str(python), "-m", "pip", "download", "--no-deps", "--only-binary", ":all:"]
    argv += ["--dest", str(into), f"pip=={version}"]
    done = subprocess.run(argv, env=isolated_env(into / "cache"), capture_output=True, text=True)
    wheels = sorted(into.glob("pip-*.whl"))
    if done.returncode != 0 or not wheels:
        raise TrialFailed(
            f"could not download pip {version} for pip-sync's target venvs:\n"
            + hyperfine_runs.tail(done.stderr)
        )
    return wheels[0]


def fresh_venv_line(bench: Bench, tool: str, venv: Path) -> str:
    steps = [
        shlex.join(["rm", "-rf", str(venv)]),
        shlex.join([str(bench.base_python), "-m", "venv", "--without-pip", str(venv)]),
    ]
    if tool == "pip-sync":
        assert bench.pip_wheel is not None
        # A wheel is importable as a zip: the wheel's own pip installs itself, with no index.
        # It is installed by name, not by path: a path install records a direct URL, and
        # pip-sync then no longer recognises it as pip and uninstalls it.
        wheel = bench.pip_wheel
        steps.append(
            shlex.join(
                [
                    str(venv / "bin" / "python"),
                    f"{wheel}/pip",
                    "install",
                    "--quiet",
                    "--no-index",
                    "--find-links",
                    str(wheel.parent),
                    "pip",
                ]
            )
        )
    return " && ".join(steps)


def check_installed(bench: Bench, venv: Path, env: Mapping[str, str]) -> None:
    """Fail unless the venv holds every pin, so a tool that does less is not reported faster."""
    lister = (
        "import importlib.metadata as m, json; "
        "print(json.dumps([[d.metadata['Name'], d.version] for d in m.distributions()]))"
    )
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-c", lister], env=dict(env), capture_output=True, text=True
    )
    if done.returncode != 0:
        raise TrialFailed(
            f"could not list what the venv holds:\n{hyperfine_runs.tail(done.stderr)}"
        )
    installed = {
        hyperfine_runs.normalize(name): version for name, version in json.loads(done.stdout) if name
    }
    absent = [pin.name for pin in bench.pins if pin.name not in installed]
    wrong = [
        f"{pin.name} {installed[pin.name]} (pinned {pin.version})"
        for pin in bench.pins
        if pin.name in installed and pin.version is not None and installed[pin.name] != pin.version
    ]
    problems = []
    if absent:
        problems.append("not installed: " + ", ".join(absent))
    if wrong:
        problems.append("wrong version: " + ", ".join(wrong))
    if problems:
        raise TrialFailed(
            "exited 0 but the venv does not match the requirements; " + "; ".join(problems)
        )


def bench_cell(bench: Bench, scenario: Scenario, tool: str) -> Cell:
    cell_dir = bench.root / scenario.value / tool
    venv, cache = cell_dir / "venv", cell_dir / "cache"
    cell_dir.mkdir(parents=True, exist_ok=True)
    env = isolated_env(cache)
    sync = shlex.join(sync_argv(tool, bench.tools[tool], venv, cache, bench.requirements))
    fresh_venv = fresh_venv_line(bench, tool, venv)
    empty_cache = hyperfine_runs.empty_cache_line(cache)
    # Untimed steps before the trial sync; the trial both detects a failing tool and, for the
    # warm scenario, is the one run that fills the cache.
    before_trial = [("setting up", Shell(f"{fresh_venv} && {empty_cache}", env))]
    if scenario is Scenario.COLD:
        prepare, warmup = f"{fresh_venv} && {empty_cache}", 0
    elif scenario is Scenario.WARM:
        prepare, warmup = fresh_venv, bench.warmup
    else:
        before_trial.append(("the first sync", Shell(sync, env)))
        prepare, warmup = None, max(bench.warmup, 1)
    try:
        for what, step in before_trial:
            hyperfine_runs.run_untimed(bench, step, what)
        hyperfine_runs.run_untimed(bench, Shell(sync, env), "the trial sync")
        check_installed(bench, venv, env)
    except TrialFailed as failure:
        return Cell(Outcome.FAILED, detail=str(failure))

    export = cell_dir / "hyperfine.json"
    timed = TimedRuns(f"{tool} {scenario.value}", sync, prepare, bench.runs, warmup, export)
    try:
        return Cell(
            Outcome.TIMED,
            median_seconds=hyperfine_runs.median_seconds(bench, timed, env),
        )
    except TrialFailed as failure:
        return Cell(Outcome.FAILED, detail=str(failure))


def render_table(
    cells: Mapping[tuple[Scenario, str], Cell],
    scenarios: Sequence[Scenario],
    tools: Sequence[str],
    baseline: str,
) -> str:
    return hyperfine_runs.layout(
        hyperfine_runs.timing_rows(cells, scenarios, SCENARIO_TITLES, tools, baseline)
    )


def base_interpreter(python: str | None) -> Path:
    """The real interpreter that target venvs are made from (never a venv's or a shim's)."""
    argv = [
        python or sys.executable,
        "-c",
        "import sys; print(getattr(sys, '_base_executable', sys.executable))",
    ]
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"bench_sync: cannot run {argv[0]}: {done.stderr.strip()}")
    return Path(done.stdout.strip())


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = hyperfine_runs.new_parser(
        "Time puffin pip-sync against uv, pip-sync (pip-tools) and pip.",
        DEFAULT_REQUIREMENTS,
        "compiled requirements file (default: %(default)s)",
        ALL_TOOLS,
        Scenario,
    )
    hyperfine_runs.add_tool_options(
        parser,
        warmup_help=(
            "untimed runs before the warm scenario's timed runs (default: 0; "
            "the no-op scenario always gets at least 1)"
        ),
        tools_venv_help=(
            "venv made by setup_tools.sh holding uv, pip-tools and pip (default: %(default)s)"
        ),
    )
    parser.add_argument(
        "--python",
        default=None,
        help="interpreter the target venvs are made from (default: the base "
        "interpreter running this script)",
    )
    hyperfine_runs.add_work_dir_options(parser, "venvs, caches")
    args = parser.parse_args(argv)
    hyperfine_runs.select(parser, args, ALL_TOOLS, Scenario)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    hyperfine_runs.check_baseline(parser, args.baseline, ALL_TOOLS)
    return args


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    requirements = hyperfine_runs.existing_requirements("bench_sync", args.requirements)
    hyperfine = hyperfine_runs.find_hyperfine("bench_sync")
    tools, missing = locate_tools(args.tool_list, args.puffin, args.tools_venv)
    for name, why in missing.items():
        print(f"skipping {name}: {why}", file=sys.stderr)

    cells: dict[tuple[Scenario, str], Cell] = {}
    with hyperfine_runs.work_dir(args.work_dir, args.keep, "puffin-bench-") as root:
        pip_wheel = None
        if "pip-sync" in tools:
            try:
                pip_wheel = fetch_pip_wheel(args.tools_venv, root / "pip-wheel")
            except TrialFailed as failure:
                tools.pop("pip-sync")
                for scenario in args.scenario_list:
                    cells[scenario, "pip-sync"] = Cell(Outcome.FAILED, detail=str(failure))
        bench = Bench(
            requirements=requirements,
            pins=read_pins(requirements),
            base_python=base_interpreter(args.python),
            tools=tools,
            root=root,
            hyperfine=hyperfine,
            runs=args.runs,
            warmup=args.warmup,
            pip_wheel=pip_wheel,
            verbose=args.verbose,
        )
        versions = {name: tool_version(name, exe) for name, exe in tools.items()}
        for scenario in args.scenario_list:
            for name in args.tool_list:
                if name in missing:
                    cells[scenario, name] = Cell(Outcome.MISSING, detail=missing[name])
                    continue
                if (scenario, name) in cells:
                    continue
                print(f"{scenario.value}: {name} ...", file=sys.stderr, flush=True)
                cells[scenario, name] = bench_cell(bench, scenario, name)

    python_version = subprocess.run(
        [str(bench.base_python), "--version"], capture_output=True, text=True
    ).stdout.strip()
    print()
    print(
        f"{requirements.name}: {len(bench.pins)} packages into {python_version} venvs; "
        f"median of {args.runs} runs; ratio = tool's time / {args.baseline}'s time"
    )
    print("tools: " + ", ".join(f"{name} {versions[name]}" for name in versions))
    print()
    print(render_table(cells, args.scenario_list, args.tool_list, args.baseline))
    hyperfine_runs.print_problems(missing, cells)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
