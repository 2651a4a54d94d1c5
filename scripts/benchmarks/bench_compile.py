"""Time `puffin pip-compile` against `uv pip compile` and pip-tools' pip-compile with hyperfine."""

from __future__ import annotations

import argparse
import enum
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

REQUIREMENTS_DIR = hyperfine_runs.REPO_ROOT.parent / "shared" / "benchmarks" / "requirements"
DEFAULT_REQUIREMENTS = REQUIREMENTS_DIR / "jupyter.in"
# pip-compile resolves for the interpreter it runs on, so it needs a venv of the target version.
DEFAULT_PIP_COMPILE_VENV = Path("/tmp/bench-tools312")
DEFAULT_PYTHON_VERSION = "3.12"
DEFAULT_EXCLUDE_NEWER = "2026-11-01T00:00:00Z"
ALL_TOOLS = ("puffin", "uv", "pip-compile")


class Scenario(enum.Enum):
    COLD = "cold"
    WARM = "warm"


SCENARIO_TITLES = {
    Scenario.COLD: "empty cache",
    Scenario.WARM: "cache filled by one run",
}


@dataclass(frozen=True)
class CompileCell(Cell):
    """A cell, with how many pins the tool wrote and how busy the machine was just before."""

    pins: int | None = None
    load_before: float | None = None


@dataclass(frozen=True)
class Bench:
    """Everything the cells of one run share."""

    requirements: Path
    python_version: str
    exclude_newer: str
    index_url: str
    # Holds `python` of the target version (the pip-compile venv's bin), or None.
    target_bin: Path | None
    tools: Mapping[str, Path]
    root: Path
    hyperfine: Path
    runs: int
    pip_compile_runs: int
    warmup: int
    verbose: bool


def read_pins(output: Path) -> dict[str, str]:
    """The `name==version` lines of a compiled file, by normalized name."""
    pins = {}
    for raw in output.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip()
        pinned = re.match(
            r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*==\s*([^\s;,\\]+)", line
        )
        if pinned:
            pins[hyperfine_runs.normalize(pinned.group(1))] = pinned.group(2)
    return pins


def tool_env(tool: str, cache: Path, target_bin: Path | None) -> dict[str, str]:
    """The environment one tool runs in: no setting of this machine leaks in."""
    env = hyperfine_runs.base_env()
    if tool == "uv":
        env.update(UV_NO_CONFIG="1", UV_PYTHON_DOWNLOADS="never", UV_CACHE_DIR=str(cache))
        if target_bin is not None:
            # An interpreter of the target version first on PATH: uv then builds any source
            # distribution with it, where it would otherwise warn and fall back to another
            # Python (UV_PYTHON_DOWNLOADS=never keeps it from downloading one).
            env["PATH"] = str(target_bin) + os.pathsep + env.get("PATH", "")
    elif tool == "pip-compile":
        env.update(
            PIP_CONFIG_FILE=os.devnull,
            PIP_CACHE_DIR=str(cache / "pip"),
            PIP_NO_INPUT="1",
            # The self-update check is a network round trip that is no part of resolving.
            PIP_DISABLE_PIP_VERSION_CHECK="1",
        )
    return env


def compile_argv(bench: Bench, tool: str, cache: Path, output: Path) -> list[str]:
    exe = str(bench.tools[tool])
    req = str(bench.requirements)
    common = ["--index-url", bench.index_url, "-o", str(output)]
    if tool in ("puffin", "uv"):
        subcommand = ["pip-compile"] if tool == "puffin" else ["pip", "compile"]
        return [
            exe,
            *subcommand,
            "--python-version",
            bench.python_version,
            "--exclude-newer",
            bench.exclude_newer,
            "--cache-dir",
            str(cache),
            *common,
            req,
        ]
    if tool == "pip-compile":
        # No --python-version (its interpreter is the target) and no --exclude-newer: it has
        # neither. --cache-dir is pip-tools' own dependency cache; pip's cache is PIP_CACHE_DIR.
        return [exe, "--cache-dir", str(cache / "pip-tools"), *common, req]
    raise ValueError(f"unknown tool {tool!r}")


def interpreter_version(python: Path) -> str | None:
    try:
        done = subprocess.run(
            [str(python), "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def target_bin(venv: Path, target: str) -> Path | None:
    version = interpreter_version(venv / "bin" / "python")
    if version is None or not (version + ".").startswith(target + "."):
        return None
    return venv / "bin"


def locate_tools(
    names: Sequence[str], puffin: str, tools_venv: Path, pip_compile_venv: Path, target: str
) -> tuple[dict[str, Path], dict[str, str]]:
    """Map each selected tool to its executable; the second map says why a tool is missing."""
    candidates = {
        "puffin": [puffin],
        "uv": [str(tools_venv / "bin" / "uv"), "uv"],
        "pip-compile": [str(pip_compile_venv / "bin" / "pip-compile")],
    }
    found, missing = hyperfine_runs.locate(names, candidates)
    if "pip-compile" in found:
        version = interpreter_version(pip_compile_venv / "bin" / "python")
        if version is None or not (version + ".").startswith(target + "."):
            found.pop("pip-compile")
            missing["pip-compile"] = (
                f"{pip_compile_venv} runs Python {version or '(none)'}, not {target}: "
                "pip-compile resolves for the interpreter it runs on"
            )
    return found, missing


def no_output_line(output: Path) -> str:
    # An existing output file would turn its pins into preferences: every run starts without.
    return shlex.join(["rm", "-f", str(output)])


def load_average() -> float:
    return os.getloadavg()[0]


def bench_cell(bench: Bench, scenario: Scenario, tool: str) -> tuple[CompileCell, dict[str, str]]:
    """Time one cell; also the pins the trial run wrote, to compare tools' answers."""
    cell_dir = bench.root / scenario.value / tool
    cache, output = cell_dir / "cache", cell_dir / "requirements.txt"
    cell_dir.mkdir(parents=True, exist_ok=True)
    env = tool_env(tool, cache, bench.target_bin)
    resolve = shlex.join(compile_argv(bench, tool, cache, output))
    empty_cache, no_output = hyperfine_runs.empty_cache_line(cache), no_output_line(output)
    # The trial both detects a failing tool and, for the warm scenario, is the one run that
    # fills the cache; the timed runs of the cold scenario each start from an empty cache.
    prepare = f"{empty_cache} && {no_output}" if scenario is Scenario.COLD else no_output
    warmup = 0 if scenario is Scenario.COLD else bench.warmup
    runs = bench.pip_compile_runs if tool == "pip-compile" else bench.runs
    try:
        hyperfine_runs.run_untimed(bench, Shell(f"{empty_cache} && {no_output}", env), "setting up")
        hyperfine_runs.run_untimed(bench, Shell(resolve, env), "the trial resolve")
        if not output.is_file():
            raise TrialFailed(f"the trial resolve exited 0 but wrote no {output}")
        pins = read_pins(output)
    except TrialFailed as failure:
        return CompileCell(Outcome.FAILED, load_before=load_average(), detail=str(failure)), {}

    export = cell_dir / "hyperfine.json"
    timed = TimedRuns(f"{tool} {scenario.value}", resolve, prepare, runs, warmup, export)
    load = load_average()
    try:
        median = hyperfine_runs.median_seconds(bench, timed, env)
    except TrialFailed as failure:
        detail = str(failure)
        return CompileCell(Outcome.FAILED, pins=len(pins), load_before=load, detail=detail), pins
    cell = CompileCell(Outcome.TIMED, median_seconds=median, pins=len(pins), load_before=load)
    return cell, pins


def render_table(
    cells: Mapping[tuple[Scenario, str], CompileCell],
    scenarios: Sequence[Scenario],
    tools: Sequence[str],
    baseline: str,
) -> str:
    rows = hyperfine_runs.timing_rows(cells, scenarios, SCENARIO_TITLES, tools, baseline)
    rows.append(
        ["pins written"]
        + [
            " / ".join(
                str(cells[s, tool].pins) if cells[s, tool].pins is not None else "-"
                for s in scenarios
            )
            for tool in tools
        ]
    )
    rows.append(
        ["load average before"]
        + [
            " / ".join(
                f"{cells[s, tool].load_before:.2f}"
                if cells[s, tool].load_before is not None
                else "-"
                for s in scenarios
            )
            for tool in tools
        ]
    )
    return hyperfine_runs.layout(rows)


def pin_differences(answers: Mapping[str, Mapping[str, str]], baseline: str) -> list[str]:
    """One line per tool whose pins differ from the baseline's, naming what differs."""
    base = answers.get(baseline)
    if not base:
        return []
    lines = []
    for tool, pins in answers.items():
        if tool == baseline or not pins or pins == base:
            continue
        only_base = sorted(set(base) - set(pins))
        only_tool = sorted(set(pins) - set(base))
        changed = sorted(
            f"{name} {base[name]} vs {pins[name]}"
            for name in set(base) & set(pins)
            if base[name] != pins[name]
        )
        parts = []
        if only_base:
            parts.append(f"only {baseline} pins: " + ", ".join(only_base))
        if only_tool:
            parts.append(f"only {tool} pins: " + ", ".join(only_tool))
        if changed:
            parts.append(f"versions ({baseline} vs {tool}): " + ", ".join(changed))
        lines.append(f"{tool} differs from {baseline}: " + "; ".join(parts))
    return lines


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = hyperfine_runs.new_parser(
        "Time puffin pip-compile against uv pip compile and pip-compile (pip-tools).",
        DEFAULT_REQUIREMENTS,
        "requirements .in file to compile (default: %(default)s)",
        ALL_TOOLS,
        Scenario,
    )
    parser.add_argument(
        "--pip-compile-runs",
        type=int,
        default=None,
        help="timed runs of pip-compile's cells, which are slow (default: --runs)",
    )
    hyperfine_runs.add_tool_options(
        parser,
        warmup_help=(
            "untimed runs before the warm scenario's timed ones, on top of the trial run "
            "that fills the cache (default: 0)"
        ),
        tools_venv_help="venv made by setup_tools.sh holding uv (default: %(default)s)",
    )
    parser.add_argument(
        "--pip-compile-venv",
        type=Path,
        default=DEFAULT_PIP_COMPILE_VENV,
        help="venv of the target Python holding pip-tools (default: %(default)s)",
    )
    parser.add_argument(
        "--python-version",
        default=DEFAULT_PYTHON_VERSION,
        help="Python version to resolve for (default: %(default)s)",
    )
    parser.add_argument(
        "--exclude-newer",
        default=DEFAULT_EXCLUDE_NEWER,
        help="upload-time cutoff for puffin and uv; pip-compile has none (default: %(default)s)",
    )
    parser.add_argument(
        "--index-url",
        default=hyperfine_runs.PYPI_SIMPLE,
        help="index every tool uses (default: %(default)s)",
    )
    hyperfine_runs.add_work_dir_options(parser, "caches, outputs")
    args = parser.parse_args(argv)
    hyperfine_runs.select(parser, args, ALL_TOOLS, Scenario)
    if args.pip_compile_runs is None:
        args.pip_compile_runs = args.runs
    if args.runs < 1 or args.pip_compile_runs < 1:
        parser.error("--runs and --pip-compile-runs must be at least 1")
    hyperfine_runs.check_baseline(parser, args.baseline, ALL_TOOLS)
    return args


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    requirements = hyperfine_runs.existing_requirements("bench_compile", args.requirements)
    hyperfine = hyperfine_runs.find_hyperfine("bench_compile")
    tools, missing = locate_tools(
        args.tool_list, args.puffin, args.tools_venv, args.pip_compile_venv, args.python_version
    )
    for name, why in missing.items():
        print(f"skipping {name}: {why}", file=sys.stderr)

    cells: dict[tuple[Scenario, str], CompileCell] = {}
    answers: dict[str, dict[str, str]] = {}
    with hyperfine_runs.work_dir(args.work_dir, args.keep, "puffin-bench-compile-") as root:
        bench = Bench(
            requirements=requirements,
            python_version=args.python_version,
            exclude_newer=args.exclude_newer,
            index_url=args.index_url,
            target_bin=target_bin(args.pip_compile_venv, args.python_version),
            tools=tools,
            root=root,
            hyperfine=hyperfine,
            runs=args.runs,
            pip_compile_runs=args.pip_compile_runs,
            warmup=args.warmup,
            verbose=args.verbose,
        )
        versions = {
            name: hyperfine_runs.reported_version([str(exe), "--version"])
            for name, exe in tools.items()
        }
        for scenario in args.scenario_list:
            for name in args.tool_list:
                if name in missing:
                    cells[scenario, name] = CompileCell(Outcome.MISSING, detail=missing[name])
                    continue
                print(
                    f"{scenario.value}: {name} (load average {load_average():.2f}) ...",
                    file=sys.stderr,
                    flush=True,
                )
                cells[scenario, name], pins = bench_cell(bench, scenario, name)
                answers.setdefault(name, pins)

    runs = f"median of {args.runs} runs"
    if "pip-compile" in tools and args.pip_compile_runs != args.runs:
        runs += f" ({args.pip_compile_runs} for pip-compile)"
    print()
    print(
        f"{requirements.name} for Python {args.python_version}, index {args.index_url}; {runs}; "
        f"ratio = tool's time / {args.baseline}'s time"
    )
    print(
        f"--exclude-newer {args.exclude_newer} for puffin and uv (pip-compile has no such option)"
    )
    print("tools: " + ", ".join(f"{name} {versions[name]}" for name in versions))
    print()
    print(render_table(cells, args.scenario_list, args.tool_list, args.baseline))
    for line in pin_differences(answers, args.baseline):
        print(f"\n{line}")
    hyperfine_runs.print_problems(missing, cells)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
