"""Time `puffin pip-sync` against uv, pip-tools' pip-sync and pip with hyperfine, in one table."""

from __future__ import annotations

import argparse
import enum
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS_DIR = REPO_ROOT.parent / "shared" / "benchmarks" / "requirements" / "compiled"
DEFAULT_REQUIREMENTS = REQUIREMENTS_DIR / "jupyter.txt"
DEFAULT_TOOLS_VENV = Path("/tmp/bench-tools")
PYPI_SIMPLE = "https://pypi.org/simple"
ALL_TOOLS = ("puffin", "uv", "pip-sync", "pip")
# Lines of a failing tool's output worth showing: enough for a traceback's last frames.
FAILURE_TAIL_LINES = 12
# The sync under test never gets more than this; a hung download must not hang the benchmark.
TRIAL_TIMEOUT_SECONDS = 1800


class Scenario(enum.Enum):
    COLD = "cold"
    WARM = "warm"
    NOOP = "noop"


SCENARIO_TITLES = {
    Scenario.COLD: "fresh venv, empty cache",
    Scenario.WARM: "fresh venv, warm cache",
    Scenario.NOOP: "venv already synced",
}


class Outcome(enum.Enum):
    TIMED = "timed"
    FAILED = "failed"
    MISSING = "missing"


@dataclass(frozen=True)
class Pin:
    """One line of the compiled requirements file: a name and, for `==` lines, its version."""

    name: str
    version: str | None


@dataclass(frozen=True)
class Cell:
    """What one tool did in one scenario."""

    outcome: Outcome
    median_seconds: float | None = None
    detail: str = ""


@dataclass(frozen=True)
class Shell:
    """A shell command line and the environment it runs in."""

    line: str
    env: Mapping[str, str]


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


class TrialFailed(Exception):
    """An untimed step of a cell failed; the message says which step and why."""


def normalize(name: str) -> str:
    # PEP 503 normalization: a pin `typing_extensions` is the installed `typing-extensions`.
    return re.sub(r"[-_.]+", "-", name).lower()


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
            pins.append(Pin(normalize(pinned.group(1)), version))
            continue
        direct = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*@", line)
        if direct and verifiable:
            pins.append(Pin(normalize(direct.group(1)), None))
    return tuple(pins)


def isolated_env(cache: Path) -> dict[str, str]:
    """The environment every tool runs in: no pip or uv setting of this machine leaks in."""
    env = {
        key: value
        for key, value in os.environ.items()
        # PIP_CERT only names the CA bundle needed to reach PyPI through this network.
        if (not key.startswith(("PIP_", "UV_")) or key == "PIP_CERT")
        and key not in ("VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH", "PYTHONHOME")
    }
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_INDEX_URL=PYPI_SIMPLE,
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
    found: dict[str, Path] = {}
    missing: dict[str, str] = {}
    for name in names:
        for candidate in candidates[name]:
            resolved = shutil.which(candidate)
            if resolved:
                found[name] = Path(resolved)
                break
        else:
            missing[name] = f"not found (looked for {', '.join(candidates[name])})"
    if "pip" in found:
        probe = subprocess.run(
            [str(found["pip"]), "-m", "pip", "--version"], capture_output=True, text=True
        )
        if probe.returncode != 0:
            missing["pip"] = f"{found.pop('pip')} has no pip"
    return found, missing


def tool_version(tool: str, exe: Path) -> str:
    argv = [str(exe), "-m", "pip", "--version"] if tool == "pip" else [str(exe), "--version"]
    try:
        probe = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except OSError:
        return "unknown version"
    words = (probe.stdout or probe.stderr).split()
    if probe.returncode != 0 or not words:
        return "unknown version"
    # `uv 0.5.1 (...)`, `pip-sync, version 7.4.1`, `pip 24.3 from ...`: the version is a word
    # that starts with a digit.
    return next((word.strip(",") for word in words if word[:1].isdigit()), "unknown version")


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
            f"could not download pip {version} for pip-sync's target venvs:\n" + tail(done.stderr)
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


def empty_cache_line(cache: Path) -> str:
    return shlex.join(["rm", "-rf", str(cache)]) + " && " + shlex.join(["mkdir", "-p", str(cache)])


def env_prefix(env: Mapping[str, str]) -> str:
    """An `env` invocation that turns this shell's environment into `env`, for -v output."""
    removed = sorted(key for key in os.environ if key not in env)
    changed = sorted(key for key, value in env.items() if os.environ.get(key) != value)
    words = ["env"]
    for key in removed:
        words += ["-u", key]
    words += [f"{key}={env[key]}" for key in changed]
    return shlex.join(words)


def tail(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(lines[-FAILURE_TAIL_LINES:])


def run_untimed(bench: Bench, step: Shell, what: str) -> None:
    if bench.verbose:
        print(
            f"$ cd {shlex.quote(str(bench.root))} && {env_prefix(step.env)} sh -c "
            f"{shlex.quote(step.line)}"
        )
    try:
        done = subprocess.run(
            ["sh", "-c", step.line],
            cwd=bench.root,
            env=dict(step.env),
            capture_output=True,
            text=True,
            timeout=TRIAL_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        raise TrialFailed(f"{what} took over {TRIAL_TIMEOUT_SECONDS} s") from None
    if done.returncode != 0:
        output = tail(done.stderr + "\n" + done.stdout)
        raise TrialFailed(f"{what} exited with code {done.returncode}:\n{output}")


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
        raise TrialFailed(f"could not list what the venv holds:\n{tail(done.stderr)}")
    installed = {normalize(name): version for name, version in json.loads(done.stdout) if name}
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


def hyperfine_argv(
    bench: Bench, name: str, command: str, prepare: str | None, warmup: int, export: Path
) -> list[str]:
    argv = [str(bench.hyperfine), "--runs", str(bench.runs), "--export-json", str(export)]
    argv += ["--command-name", name, "--style", "basic" if bench.verbose else "none"]
    if prepare:
        argv += ["--prepare", prepare]
    if warmup:
        argv += ["--warmup", str(warmup)]
    return [*argv, command]


def bench_cell(bench: Bench, scenario: Scenario, tool: str) -> Cell:
    cell_dir = bench.root / scenario.value / tool
    venv, cache = cell_dir / "venv", cell_dir / "cache"
    cell_dir.mkdir(parents=True, exist_ok=True)
    env = isolated_env(cache)
    sync = shlex.join(sync_argv(tool, bench.tools[tool], venv, cache, bench.requirements))
    fresh_venv = fresh_venv_line(bench, tool, venv)
    empty_cache = empty_cache_line(cache)
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
            run_untimed(bench, step, what)
        run_untimed(bench, Shell(sync, env), "the trial sync")
        check_installed(bench, venv, env)
    except TrialFailed as failure:
        return Cell(Outcome.FAILED, detail=str(failure))

    export = cell_dir / "hyperfine.json"
    argv = hyperfine_argv(bench, f"{tool} {scenario.value}", sync, prepare, warmup, export)
    if bench.verbose:
        print(f"$ cd {shlex.quote(str(bench.root))} && {env_prefix(env)} {shlex.join(argv)}")
    # hyperfine's own report goes to stderr so that stdout carries only the table.
    done = subprocess.run(
        argv,
        cwd=bench.root,
        env=env,
        stdout=sys.stderr if bench.verbose else subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if done.returncode != 0:
        return Cell(Outcome.FAILED, detail="failed during the timed runs:\n" + tail(done.stderr))
    result = json.loads(export.read_text(encoding="utf-8"))["results"][0]
    return Cell(Outcome.TIMED, median_seconds=float(result["median"]))


def render_cell(cell: Cell, baseline: Cell | None, is_baseline: bool) -> str:
    if cell.outcome is not Outcome.TIMED or cell.median_seconds is None:
        return cell.outcome.value
    text = f"{cell.median_seconds:.3f} s"
    if is_baseline:
        return text
    if baseline and baseline.outcome is Outcome.TIMED and baseline.median_seconds:
        return f"{text}  {cell.median_seconds / baseline.median_seconds:.2f}x"
    return f"{text}  -"


def render_table(
    cells: Mapping[tuple[Scenario, str], Cell],
    scenarios: Sequence[Scenario],
    tools: Sequence[str],
    baseline: str,
) -> str:
    header = ["scenario", *tools]
    rows = [header]
    for scenario in scenarios:
        base = cells.get((scenario, baseline))
        rows.append(
            [f"{scenario.value} ({SCENARIO_TITLES[scenario]})"]
            + [render_cell(cells[scenario, tool], base, tool == baseline) for tool in tools]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


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
    parser = argparse.ArgumentParser(
        description="Time puffin pip-sync against uv, pip-sync (pip-tools) and pip.",
    )
    parser.add_argument(
        "--requirements",
        type=Path,
        default=DEFAULT_REQUIREMENTS,
        help="compiled requirements file (default: %(default)s)",
    )
    parser.add_argument(
        "--tools", default=",".join(ALL_TOOLS), help="comma-separated subset of: %(default)s"
    )
    parser.add_argument(
        "--scenarios",
        default=",".join(s.value for s in Scenario),
        help="comma-separated subset of: %(default)s",
    )
    parser.add_argument("--runs", type=int, default=5, help="timed runs per cell (default: 5)")
    parser.add_argument(
        "--warmup",
        type=int,
        default=0,
        help="untimed runs before the warm scenario's timed runs (default: 0; "
        "the no-op scenario always gets at least 1)",
    )
    parser.add_argument(
        "--baseline", default="puffin", help="tool the ratios are relative to (default: puffin)"
    )
    parser.add_argument(
        "--puffin", default="puffin", help="puffin executable (default: puffin on PATH)"
    )
    parser.add_argument(
        "--tools-venv",
        type=Path,
        default=DEFAULT_TOOLS_VENV,
        help="venv made by setup_tools.sh holding uv, pip-tools and pip (default: %(default)s)",
    )
    parser.add_argument(
        "--python",
        default=None,
        help="interpreter the target venvs are made from (default: the base "
        "interpreter running this script)",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=None,
        help="where venvs, caches and hyperfine JSON go (default: a new temp dir)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the work dir (venvs, caches, hyperfine JSON) afterwards",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="print every command run, and hyperfine's own report on stderr",
    )
    args = parser.parse_args(argv)
    args.tool_list = [name.strip() for name in args.tools.split(",") if name.strip()]
    unknown = [name for name in args.tool_list if name not in ALL_TOOLS]
    if unknown or not args.tool_list:
        parser.error(
            f"--tools: unknown {', '.join(unknown) or 'empty list'}; "
            f"choose from {', '.join(ALL_TOOLS)}"
        )
    try:
        args.scenario_list = [Scenario(name.strip()) for name in args.scenarios.split(",")]
    except ValueError as error:
        parser.error(f"--scenarios: {error}; choose from cold, warm, noop")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.baseline not in ALL_TOOLS:
        parser.error(f"--baseline must be one of {', '.join(ALL_TOOLS)}")
    return args


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    requirements = args.requirements.resolve()
    if not requirements.is_file():
        raise SystemExit(f"bench_sync: requirements file {requirements} does not exist")
    hyperfine = shutil.which("hyperfine")
    if not hyperfine:
        raise SystemExit(
            "bench_sync: hyperfine is not on PATH; run scripts/benchmarks/setup_tools.sh"
        )
    tools, missing = locate_tools(args.tool_list, args.puffin, args.tools_venv)
    for name, why in missing.items():
        print(f"skipping {name}: {why}", file=sys.stderr)

    root = (args.work_dir or Path(tempfile.mkdtemp(prefix="puffin-bench-"))).resolve()
    root.mkdir(parents=True, exist_ok=True)
    cells: dict[tuple[Scenario, str], Cell] = {}
    try:
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
            hyperfine=Path(hyperfine),
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
    finally:
        if args.keep:
            print(f"work dir kept: {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)

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
    for name, why in missing.items():
        print(f"\n{name}: missing: {why}")
    for (scenario, name), cell in cells.items():
        if cell.outcome is Outcome.FAILED:
            print(f"\n{name} ({scenario.value}): failed: {cell.detail}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
