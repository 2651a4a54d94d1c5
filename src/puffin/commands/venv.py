"""`puffin venv`: create a virtualenv, optionally seeded with pip through puffin's installer."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from puffin.cache import Cache, CacheBucket
from puffin.interpreter import Interpreter, find_base_interpreter, query_interpreter
from puffin.traits import ProgressReporter
from puffin.virtualenv import create_virtualenv

if TYPE_CHECKING:
    from puffin.commands.index_options import IndexOptions


@dataclass(frozen=True)
class VenvResult:
    path: Path
    base: Interpreter
    seeded: tuple[str, ...]  # "pip==24.3" lines of what --seed installed
    elapsed_seconds: float


def seed_packages(version: tuple[int, int, int]) -> tuple[str, ...]:
    """pip always; setuptools and wheel too before 3.12, whose venv module still shipped them."""
    if version[:2] < (3, 12):
        return ("pip", "setuptools", "wheel")
    return ("pip",)


def venv(
    path: Path,
    *,
    python: str | None,
    seed: bool,
    prompt: str | None,
    system_site_packages: bool,
    cache: Cache,
    reporter: ProgressReporter,
    index: IndexOptions,
    environ: Mapping[str, str] | None = None,
) -> VenvResult:
    started = time.perf_counter()
    environ = os.environ if environ is None else environ
    base_path = find_base_interpreter(python, environ=environ, cwd=Path.cwd())
    base = query_interpreter(base_path, cache_dir=cache.bucket(CacheBucket.INTERPRETER))
    executable = create_virtualenv(
        path, base, prompt=prompt, system_site_packages=system_site_packages
    )
    seeded: tuple[str, ...] = ()
    if seed:
        seeded = _seed(executable, base, cache, reporter, index)
    return VenvResult(path, base, seeded, time.perf_counter() - started)


def _seed(
    executable: Path,
    base: Interpreter,
    cache: Cache,
    reporter: ProgressReporter,
    index: IndexOptions,
) -> tuple[str, ...]:
    from packaging.specifiers import SpecifierSet

    from puffin.client import event_loop
    from puffin.commands.pip_sync_options import SyncOptions
    from puffin.commands.sync_fetch import fetch_wheels
    from puffin.commands.sync_install import apply_changes
    from puffin.commands.wanted import Wanted
    from puffin.installer.plan import Desired
    from puffin.names import normalize_name
    from puffin.requirements_txt import parse_requirements_text

    target = query_interpreter(executable, cache_dir=cache.bucket(CacheBucket.INTERPRETER))
    names = seed_packages(target.version)
    wanted = [
        Wanted(normalize_name(name), SpecifierSet(), None, None, (), "--seed") for name in names
    ]
    options = SyncOptions(requirement_files=(), index=index)
    empty = parse_requirements_text("", path="<seed>", base_dir=Path.cwd())
    fetched = event_loop.run(
        fetch_wheels(wanted, options, cache, reporter, empty, target, prepare=True)
    )
    installs = [
        (
            Desired(w.name, str(fetched.versions[w.name]), None, False),
            fetched.prepared[w.name],
            None,
        )
        for w in wanted
    ]
    apply_changes(target, [], installs, link_mode=None, compile_bytecode_after=False)
    return tuple(f"{w.name}=={fetched.versions[w.name]}" for w in wanted)
