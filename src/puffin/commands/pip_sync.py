"""`puffin pip-sync`: make an environment hold exactly the distributions a file lists."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.version import Version

from puffin.cache import Cache, CacheBucket
from puffin.commands.pip_sync_options import SyncOptions
from puffin.commands.wanted import Wanted, needs_build, wanted_set
from puffin.installer.plan import Desired, Plan, plan_sync, source_key_of_url
from puffin.installer.site_packages import InstalledDistribution, scan_site_packages
from puffin.interpreter import Interpreter, find_interpreter, query_interpreter
from puffin.names import PackageName
from puffin.requirements_txt import (
    RequirementLine,
    RequirementsTxt,
    merge,
    parse_requirements_file,
)
from puffin.traits import ProgressReporter
from puffin.virtualenv import created_by_puffin

if TYPE_CHECKING:
    from puffin.commands.direct_sources import SourceDist
    from puffin.dist_types.source import DirectSource


@dataclass(frozen=True)
class Change:
    name: PackageName
    version: str


@dataclass(frozen=True)
class SyncResult:
    """What a sync did (or, with --dry-run, would do), for the CLI to report."""

    interpreter: Interpreter
    audited: int
    installed: tuple[Change, ...]
    uninstalled: tuple[Change, ...]
    downloaded: int
    dry_run: bool
    elapsed_seconds: float
    warnings: tuple[str, ...] = ()


def pip_sync(
    options: SyncOptions,
    cache: Cache,
    reporter: ProgressReporter,
    *,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> SyncResult:
    """Sync the target environment to the requirement files; see SyncOptions for the knobs."""
    started = time.perf_counter()
    environ = os.environ if environ is None else environ
    cwd = Path.cwd() if cwd is None else cwd
    requirements = merge(
        [parse_requirements_file(path, environ=environ) for path in options.requirement_files]
    )
    executable = find_interpreter(options.python, environ=environ, cwd=cwd)
    interpreter = query_interpreter(executable, cache_dir=cache.bucket(CacheBucket.INTERPRETER))
    wanted = wanted_set(
        requirements.requirements,
        requirements.constraints,
        interpreter.markers,
        require_hashes=options.require_hashes or requirements.require_hashes,
        sources=source_lines(requirements, options, cache, interpreter),
    )
    installed = scan_site_packages(interpreter.scheme)
    reinstall = frozenset(options.reinstall_packages)
    plan, versions, unresolved = _plan_without_network(
        wanted, installed, options, reinstall, interpreter.sys_prefix
    )
    if not unresolved and not plan.install and not plan.reinstall and not plan.remove:
        return SyncResult(
            interpreter,
            len(plan.keep),
            (),
            (),
            0,
            options.dry_run,
            time.perf_counter() - started,
            requirements.warnings,
        )
    changing = {d.name for d in plan.install} | {entry.desired.name for entry in plan.reinstall}
    needed = [*unresolved, *(item for item in wanted if item.name in changing)]
    return _sync_with_network(
        options,
        cache,
        reporter,
        requirements,
        interpreter,
        wanted,
        needed,
        versions,
        installed,
        reinstall,
        started,
    )


# pip-tools' pip-sync never removes the packaging tools it runs with, and uv leaves the seed
# packages of a venv it did not create: a venv made by `python -m venv` keeps its pip. In a venv
# made by `puffin venv` they are ordinary packages, so a file that omits pip removes it.
SEED_PACKAGES = frozenset({PackageName("pip"), PackageName("setuptools"), PackageName("wheel")})
PUFFIN = PackageName("puffin")


def _plan(
    desired: Sequence[Desired],
    installed: Mapping[PackageName, InstalledDistribution],
    options: SyncOptions,
    reinstall: frozenset[PackageName],
    prefix: Path,
) -> Plan:
    """The sync plan, less the removals of packages pip-sync leaves alone when unlisted."""
    plan = plan_sync(desired, installed, reinstall_all=options.reinstall, reinstall=reinstall)
    protected = {PUFFIN} if created_by_puffin(prefix) else {PUFFIN, *SEED_PACKAGES}
    return replace(plan, remove=tuple(d for d in plan.remove if d.name not in protected))


def source_lines(
    requirements: RequirementsTxt, options: SyncOptions, cache: Cache, interpreter: Interpreter
) -> dict[RequirementLine, Wanted]:
    """The lines naming a source to build, as Wanted (see sync_sources.py)."""
    lines = [
        line
        for line in requirements.requirements
        if needs_build(line) and line.applies_to(interpreter.markers)
    ]
    if not lines:
        return {}
    from puffin.commands.sync_sources import wanted_from_sources

    def build_metadata(
        sources: Mapping[RequirementLine, tuple[DirectSource, str, PackageName | None]],
    ) -> dict[RequirementLine, SourceDist]:
        from puffin.commands.sync_fetch import build_source_metadata

        return build_source_metadata(sources, options, cache, requirements, interpreter)

    return wanted_from_sources(
        lines,
        cache,
        offline=options.offline,
        refresh=options.refresh_scope,
        build_metadata=build_metadata,
    )


def desired_for(item: Wanted, version: Version) -> Desired:
    url = item.url
    if item.source is not None:
        from puffin.commands.sync_sources import source_url_key

        url = source_url_key(item)
    key = source_key_of_url(url, editable=item.editable) if url is not None else None
    return Desired(item.name, str(version), key, item.editable)


def _plan_without_network(
    wanted: Sequence[Wanted],
    installed: Mapping[PackageName, InstalledDistribution],
    options: SyncOptions,
    reinstall: frozenset[PackageName],
    prefix: Path,
) -> tuple[Plan, dict[PackageName, Version], list[Wanted]]:
    """Plan everything whose version is known offline; return the rest for the network step.

    A pinned line knows its version. An unpinned line is satisfied by an installed version in
    its range (what pip and uv do), and only otherwise needs the index to choose one.
    """
    desired: list[Desired] = []
    versions: dict[PackageName, Version] = {}
    unresolved: list[Wanted] = []
    for item in wanted:
        version = item.pinned_version
        if version is None:
            current = installed.get(item.name)
            if (
                current is not None
                and current.direct_url is None
                and item.specifier.contains(current.version, prereleases=True)
            ):
                version = Version(current.version)
            else:
                unresolved.append(item)
                continue
        versions[item.name] = version
        desired.append(desired_for(item, version))
    return _plan(desired, installed, options, reinstall, prefix), versions, unresolved


def _sync_with_network(
    options: SyncOptions,
    cache: Cache,
    reporter: ProgressReporter,
    requirements: RequirementsTxt,
    interpreter: Interpreter,
    wanted: Sequence[Wanted],
    needed: Sequence[Wanted],
    versions: dict[PackageName, Version],
    installed: Mapping[PackageName, InstalledDistribution],
    reinstall: frozenset[PackageName],
    started: float,
) -> SyncResult:
    # Imported here so a no-op sync never loads asyncio or the HTTP stack (30 ms of imports).
    from puffin.client import event_loop
    from puffin.commands.sync_fetch import fetch_wheels

    fetched = event_loop.run(
        fetch_wheels(
            needed,
            options,
            cache,
            reporter,
            requirements,
            interpreter,
            prepare=not options.dry_run,
        )
    )
    versions = {**versions, **fetched.versions}
    desired = [desired_for(item, versions[item.name]) for item in wanted]
    plan = _plan(desired, installed, options, reinstall, interpreter.sys_prefix)
    to_install = [*plan.install, *(entry.desired for entry in plan.reinstall)]
    removals = [*(installed[e.desired.name] for e in plan.reinstall), *plan.remove]
    installed_changes = tuple(
        sorted((Change(d.name, d.version) for d in to_install), key=lambda c: c.name)
    )
    removed_changes = tuple(
        sorted((Change(d.name, d.version) for d in removals), key=lambda c: c.name)
    )
    if options.dry_run:
        return SyncResult(
            interpreter,
            len(plan.keep),
            installed_changes,
            removed_changes,
            0,
            True,
            time.perf_counter() - started,
            requirements.warnings,
        )
    from puffin.commands.sync_install import apply_changes

    apply_changes(
        interpreter,
        removals,
        [(d, fetched.prepared[d.name], fetched.direct_urls.get(d.name)) for d in to_install],
        link_mode=options.link_mode,
        compile_bytecode_after=options.compile_bytecode,
    )
    return SyncResult(
        interpreter,
        len(plan.keep),
        installed_changes,
        removed_changes,
        fetched.downloaded,
        False,
        time.perf_counter() - started,
        requirements.warnings,
    )
