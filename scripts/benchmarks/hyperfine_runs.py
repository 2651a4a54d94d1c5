"""What the hyperfine benchmark drivers share: cells, shell steps, timing, options, the table."""

from __future__ import annotations

import argparse
import contextlib
import enum
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TOOLS_VENV = Path("/tmp/bench-tools")
PYPI_SIMPLE = "https://pypi.org/simple"
# Lines of a failing tool's output worth showing: enough for an error or a traceback's end.
FAILURE_TAIL_LINES = 12
# A step under test never gets more than this; a hung request must not hang the benchmark.
TRIAL_TIMEOUT_SECONDS = 1800

ScenarioT = TypeVar("ScenarioT", bound=enum.Enum)


class Outcome(enum.Enum):
    TIMED = "timed"
    FAILED = "failed"
    MISSING = "missing"


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


class Workspace(Protocol):
    """Where a driver's cells run, with which hyperfine, and whether to echo every command."""

    @property
    def root(self) -> Path: ...

    @property
    def hyperfine(self) -> Path: ...

    @property
    def verbose(self) -> bool: ...


class TrialFailed(Exception):
    """An untimed step of a cell failed; the message says which step and why."""


def normalize(name: str) -> str:
    # PEP 503 normalization: `typing_extensions` and `typing-extensions` are one package.
    return re.sub(r"[-_.]+", "-", name).lower()


def base_env() -> dict[str, str]:
    """This shell's environment without any pip or uv setting of the machine."""
    return {
        key: value
        for key, value in os.environ.items()
        # PIP_CERT only names the CA bundle needed to reach PyPI through this network.
        if (not key.startswith(("PIP_", "UV_")) or key == "PIP_CERT")
        and key not in ("VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH", "PYTHONHOME")
    }


def locate(
    names: Sequence[str], candidates: Mapping[str, Sequence[str]]
) -> tuple[dict[str, Path], dict[str, str]]:
    """Map each tool to its first candidate found; the second map says why a tool is missing."""
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
    return found, missing


def reported_version(argv: Sequence[str]) -> str:
    """The version a `--version` style command prints."""
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


def run_untimed(work: Workspace, step: Shell, what: str) -> str:
    """Run a step; its stderr, or TrialFailed when it fails."""
    if work.verbose:
        print(
            f"$ cd {shlex.quote(str(work.root))} && {env_prefix(step.env)} sh -c "
            f"{shlex.quote(step.line)}"
        )
    try:
        done = subprocess.run(
            ["sh", "-c", step.line],
            cwd=work.root,
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
    return done.stderr


@dataclass(frozen=True)
class TimedRuns:
    """One hyperfine invocation: the command timed, what runs before each run, how often."""

    name: str
    command: str
    prepare: str | None
    runs: int
    warmup: int
    export: Path


def hyperfine_argv(work: Workspace, timed: TimedRuns) -> list[str]:
    argv = [str(work.hyperfine), "--runs", str(timed.runs), "--export-json", str(timed.export)]
    argv += ["--command-name", timed.name, "--style", "basic" if work.verbose else "none"]
    if timed.prepare:
        argv += ["--prepare", timed.prepare]
    if timed.warmup:
        argv += ["--warmup", str(timed.warmup)]
    return [*argv, timed.command]


def median_seconds(work: Workspace, timed: TimedRuns, env: Mapping[str, str]) -> float:
    """Run hyperfine; the median of the timed runs, or TrialFailed when one of them fails."""
    argv = hyperfine_argv(work, timed)
    if work.verbose:
        print(f"$ cd {shlex.quote(str(work.root))} && {env_prefix(env)} {shlex.join(argv)}")
    # hyperfine's own report goes to stderr so that stdout carries only the table.
    done = subprocess.run(
        argv,
        cwd=work.root,
        env=env,
        stdout=sys.stderr if work.verbose else subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if done.returncode != 0:
        raise TrialFailed("failed during the timed runs:\n" + tail(done.stderr))
    result = json.loads(timed.export.read_text(encoding="utf-8"))["results"][0]
    return float(result["median"])


def render_cell(cell: Cell, baseline: Cell | None, is_baseline: bool) -> str:
    if cell.outcome is not Outcome.TIMED or cell.median_seconds is None:
        return cell.outcome.value
    text = f"{cell.median_seconds:.3f} s"
    if is_baseline:
        return text
    if baseline and baseline.outcome is Outcome.TIMED and baseline.median_seconds:
        return f"{text}  {cell.median_seconds / baseline.median_seconds:.2f}x"
    return f"{text}  -"


def timing_rows(
    cells: Mapping[tuple[ScenarioT, str], Cell],
    scenarios: Sequence[ScenarioT],
    titles: Mapping[ScenarioT, str],
    tools: Sequence[str],
    baseline: str,
) -> list[list[str]]:
    """The table's header, then one row of medians (and ratios to the baseline) a scenario."""
    rows = [["scenario", *tools]]
    for scenario in scenarios:
        base = cells.get((scenario, baseline))
        rows.append(
            [f"{scenario.value} ({titles[scenario]})"]
            + [render_cell(cells[scenario, tool], base, tool == baseline) for tool in tools]
        )
    return rows


def layout(rows: Sequence[Sequence[str]]) -> str:
    """Rows as aligned columns, the first one underlined as the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def new_parser(
    description: str,
    requirements: Path,
    requirements_help: str,
    tools: Sequence[str],
    scenarios: type[enum.Enum],
) -> argparse.ArgumentParser:
    """A driver's parser with its first options: what to run, with which tools, how often."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--requirements", type=Path, default=requirements, help=requirements_help)
    parser.add_argument(
        "--tools", default=",".join(tools), help="comma-separated subset of: %(default)s"
    )
    parser.add_argument(
        "--scenarios",
        default=",".join(s.value for s in scenarios),
        help="comma-separated subset of: %(default)s",
    )
    parser.add_argument("--runs", type=int, default=5, help="timed runs per cell (default: 5)")
    return parser


def add_tool_options(
    parser: argparse.ArgumentParser, warmup_help: str, tools_venv_help: str
) -> None:
    """--warmup, --baseline, --puffin and --tools-venv: how to warm up, and where the tools are."""
    parser.add_argument("--warmup", type=int, default=0, help=warmup_help)
    parser.add_argument(
        "--baseline", default="puffin", help="tool the ratios are relative to (default: puffin)"
    )
    parser.add_argument(
        "--puffin", default="puffin", help="puffin executable (default: puffin on PATH)"
    )
    parser.add_argument("--tools-venv", type=Path, default=DEFAULT_TOOLS_VENV, help=tools_venv_help)


def add_work_dir_options(parser: argparse.ArgumentParser, contents: str) -> None:
    """--work-dir, --keep and -v; `contents` names what the work dir holds besides JSON."""
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=None,
        help=f"where {contents} and hyperfine JSON go (default: a new temp dir)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help=f"keep the work dir ({contents}, hyperfine JSON) afterwards",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="print every command run, and hyperfine's own report on stderr",
    )


def select(
    parser: argparse.ArgumentParser,
    args: argparse.Namespace,
    tools: Sequence[str],
    scenarios: type[ScenarioT],
) -> None:
    """Set args.tool_list and args.scenario_list from --tools and --scenarios, or exit."""
    args.tool_list = [name.strip() for name in args.tools.split(",") if name.strip()]
    unknown = [name for name in args.tool_list if name not in tools]
    if unknown or not args.tool_list:
        parser.error(
            f"--tools: unknown {', '.join(unknown) or 'empty list'}; choose from {', '.join(tools)}"
        )
    try:
        args.scenario_list = [scenarios(name.strip()) for name in args.scenarios.split(",")]
    except ValueError as error:
        choices = ", ".join(s.value for s in scenarios)
        parser.error(f"--scenarios: {error}; choose from {choices}")


def check_baseline(parser: argparse.ArgumentParser, baseline: str, tools: Sequence[str]) -> None:
    if baseline not in tools:
        parser.error(f"--baseline must be one of {', '.join(tools)}")


def find_hyperfine(script: str) -> Path:
    hyperfine = shutil.which("hyperfine")
    if not hyperfine:
        raise SystemExit(
            f"{script}: hyperfine is not on PATH; run scripts/benchmarks/setup_tools.sh"
        )
    return Path(hyperfine)


def existing_requirements(script: str, requirements: Path) -> Path:
    resolved = requirements.resolve()
    if not resolved.is_file():
        raise SystemExit(f"{script}: requirements file {resolved} does not exist")
    return resolved


@contextlib.contextmanager
def work_dir(requested: Path | None, keep: bool, prefix: str) -> Iterator[Path]:
    """The run's work dir (a new temp dir unless one is named), removed afterwards unless kept."""
    root = (requested or Path(tempfile.mkdtemp(prefix=prefix))).resolve()
    root.mkdir(parents=True, exist_ok=True)
    try:
        yield root
    finally:
        if keep:
            print(f"work dir kept: {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)


def print_problems(missing: Mapping[str, str], cells: Mapping[tuple[ScenarioT, str], Cell]) -> None:
    """The reason behind every `missing` and `failed` cell of the table."""
    for name, why in missing.items():
        print(f"\n{name}: missing: {why}")
    for (scenario, name), cell in cells.items():
        if cell.outcome is Outcome.FAILED:
            print(f"\n{name} ({scenario.value}): failed: {cell.detail}")
