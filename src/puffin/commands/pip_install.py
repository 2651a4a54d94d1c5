"""`puffin pip-install`: add requirements to an environment, changing only what they need."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from puffin.cache import Cache, CacheBucket
from puffin.commands.install_check import already_satisfied, broken_requirements
from puffin.commands.install_inputs import InstallInputs, read_inputs
from puffin.commands.pip_sync import Change, desired_for, source_lines
from puffin.commands.pip_sync_options import SyncOptions
from puffin.commands.wanted import Wanted, wanted_set
from puffin.errors import HashesRequired
from puffin.installer.plan import Desired, plan_sync, source_key_of_installed
from puffin.installer.site_packages import InstalledDistribution, scan_site_packages
from puffin.interpreter import Interpreter, find_interpreter, query_interpreter
from puffin.names import ExtraName, PackageName
from puffin.requirements_txt import RequirementLine
from puffin.traits import ProgressReporter

if TYPE_CHECKING:
    from puffin.commands.pip_compile import Resolution
    from puffin.resolver.candidate_selector import PrereleaseMode


@dataclass(frozen=True)
class InstallOptions:
    """The settings of a pip-install run. `sync` holds those it shares with pip-sync, its
    `requirement_files` being the `-r` files."""

    sync: SyncOptions = field(default_factory=lambda: SyncOptions(requirement_files=()))
    packages: tuple[str, ...] = ()  # requirements as typed: `name>=1`, `./path`, URLs
    editables: tuple[str, ...] = ()  # `-e` values: project directories, VCS URLs
    constraint_files: tuple[str, ...] = ()
    override_files: tuple[str, ...] = ()
    upgrade: bool = False  # every package of the resolution to the newest allowed
    upgrade_packages: frozenset[PackageName] = frozenset()
    no_deps: bool = False  # each requirement alone, its dependencies never installed
    prerelease: PrereleaseMode | None = None  # None: the resolver's default (or --pre)


@dataclass(frozen=True)
class InstallResult:
    """What an install did (or, dry, would do). Field names are SyncResult's, so the CLI
    prints both alike."""

    interpreter: Interpreter
    resolved: int | None  # packages in the resolution; None when nothing was resolved
    resolve_seconds: float
    audited: int
    installed: tuple[Change, ...]
    uninstalled: tuple[Change, ...]
    dry_run: bool
    elapsed_seconds: float  # after the resolution: the time to prepare and install
    warnings: tuple[str, ...] = ()  # from the input files
    broken: tuple[str, ...] = ()  # requirements the environment no longer meets


def pip_install(
    options: InstallOptions,
    cache: Cache,
    reporter: ProgressReporter,
    *,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> InstallResult:
    """Install the requested requirements into the target environment (see InstallOptions).

    What is installed and still fits stays: when everything asked for is met already, nothing
    is resolved ("Audited"); otherwise the resolver tries the installed versions first,
    without asking the index about them (install_offer.py). Installed packages outside the
    resolution are never removed.
    """
    started = time.perf_counter()
    environ = os.environ if environ is None else environ
    cwd = Path.cwd() if cwd is None else cwd
    sync = options.sync
    inputs = read_inputs(
        options.packages,
        options.editables,
        sync.requirement_files,
        options.constraint_files,
        options.override_files,
        environ=environ,
        cwd=cwd,
    )
    requirements = inputs.requirements
    executable = find_interpreter(sync.python, environ=environ, cwd=cwd)
    interpreter = query_interpreter(executable, cache_dir=cache.bucket(CacheBucket.INTERPRETER))
    markers = interpreter.markers
    sources = source_lines(requirements, sync, cache, interpreter)
    wanted = wanted_set(
        requirements.requirements,
        requirements.constraints,
        markers,
        require_hashes=sync.require_hashes or requirements.require_hashes,
        sources=sources,
    )
    installed = scan_site_packages(interpreter.scheme)
    may_audit = not (options.upgrade or options.upgrade_packages or sync.reinstall)
    may_audit = may_audit and not (sync.reinstall_packages or sync.refresh_scope)
    if may_audit and already_satisfied(
        wanted,
        _extras(requirements.requirements, sources, markers),
        installed,
        markers,
        constraints=_folded(requirements.constraints, markers),
        overrides=_folded(inputs.overrides, markers),
        with_dependencies=not options.no_deps,
    ):
        elapsed = time.perf_counter() - started
        return InstallResult(
            interpreter,
            None,
            0.0,
            len(wanted),
            (),
            (),
            sync.dry_run,
            elapsed,
            requirements.warnings,
        )
    return _install(options, cache, reporter, inputs, interpreter, wanted, installed, started)


def _install(
    options: InstallOptions,
    cache: Cache,
    reporter: ProgressReporter,
    inputs: InstallInputs,
    interpreter: Interpreter,
    wanted: Sequence[Wanted],
    installed: Mapping[PackageName, InstalledDistribution],
    started: float,
) -> InstallResult:
    # Imported here so that an audit never loads asyncio, the resolver or the HTTP stack.
    from puffin.client import event_loop
    from puffin.commands.sync_fetch import fetch_wheels
    from puffin.commands.sync_install import apply_changes

    sync = options.sync
    requirements = inputs.requirements
    resolution = event_loop.run(_resolve(options, cache, inputs, interpreter, installed))
    resolved_at = time.perf_counter()
    versions = resolution.versions
    if sync.require_hashes or requirements.require_hashes:
        _check_all_listed(wanted, versions)
    pins = _pinned(wanted, versions)
    plan = plan_sync(
        [_desired(pins[name], version, installed.get(name)) for name, version in versions.items()],
        {name: dist for name, dist in installed.items() if name in versions},
        reinstall_all=sync.reinstall,
        reinstall=sync.reinstall_packages,
    )
    to_install = [*plan.install, *(entry.desired for entry in plan.reinstall)]
    removals = [entry.installed for entry in plan.reinstall]
    result = InstallResult(
        interpreter,
        len(versions),
        resolved_at - started,
        len(plan.keep),
        _changes(to_install),
        _changes(removals),
        sync.dry_run,
        0.0,
        requirements.warnings,
    )
    if sync.dry_run:
        return replace(result, elapsed_seconds=time.perf_counter() - resolved_at)
    if to_install:
        # The resolution just refreshed what was asked to be: fetching refreshes nothing again.
        fetch_options = replace(sync, refresh=False, refresh_packages=frozenset())
        fetched = event_loop.run(
            fetch_wheels(
                [pins[item.name] for item in to_install],
                fetch_options,
                cache,
                reporter,
                requirements,
                interpreter,
                prepare=True,
            )
        )
        apply_changes(
            interpreter,
            removals,
            [(d, fetched.prepared[d.name], fetched.direct_urls.get(d.name)) for d in to_install],
            link_mode=sync.link_mode,
            compile_bytecode_after=sync.compile_bytecode,
        )
    broken = broken_requirements(
        scan_site_packages(interpreter.scheme),
        interpreter.markers,
        versions.keys(),
        _folded(inputs.overrides, interpreter.markers),
    )
    return replace(result, elapsed_seconds=time.perf_counter() - resolved_at, broken=tuple(broken))


async def _resolve(
    options: InstallOptions,
    cache: Cache,
    inputs: InstallInputs,
    interpreter: Interpreter,
    installed: Mapping[PackageName, InstalledDistribution],
) -> Resolution:
    from puffin.client.registry import RegistryClient
    from puffin.commands.index_options import index_settings
    from puffin.commands.install_offer import installed_offer, installed_preferences
    from puffin.commands.pip_compile import resolve_requirements
    from puffin.commands.sync_fetch import selector_settings

    sync = options.sync
    requirements = inputs.requirements
    markers = interpreter.markers
    settings = selector_settings(sync, requirements, interpreter)
    if options.prerelease is not None:
        settings = replace(settings, prerelease=options.prerelease)
    upgrade: bool | frozenset[PackageName] = options.upgrade or options.upgrade_packages
    # Asking for upgrades means asking for releases newer than a cached page may list.
    refresh: bool | frozenset[PackageName] = (
        options.upgrade or sync.refresh or options.upgrade_packages | sync.refresh_packages
    )
    # What is upgraded or reinstalled must come from the index; the rest may stay.
    offer = installed_offer(
        installed,
        excluded=options.upgrade
        or sync.reinstall
        or options.upgrade_packages | sync.reinstall_packages,
    )
    async with RegistryClient(
        cache=cache,
        indexes=index_settings(sync.index, requirements),
        offline=sync.offline,
        refresh=refresh,
    ) as client:
        return await resolve_requirements(
            client,
            cache,
            interpreter,
            settings,
            markers,
            [line for line in requirements.requirements if line.applies_to(markers)],
            [line for line in requirements.constraints if line.applies_to(markers)],
            [line for line in inputs.overrides if line.applies_to(markers)],
            installed_preferences(installed, excluded=upgrade),
            no_build=sync.no_build,
            no_build_isolation=sync.no_build_isolation,
            refresh=refresh,
            offline=sync.offline,
            installed=offer,
            no_dependencies=options.no_deps,
        )


def _changes(dists: Sequence[Desired | InstalledDistribution]) -> tuple[Change, ...]:
    return tuple(sorted((Change(d.name, d.version) for d in dists), key=lambda c: c.name))


def _pinned(
    wanted: Sequence[Wanted], versions: Mapping[PackageName, Version]
) -> dict[PackageName, Wanted]:
    """A Wanted for every resolved package, exactly at its resolved version: the requested
    ones keep their hashes and sources."""
    requested = {item.name: item for item in wanted}
    pins: dict[PackageName, Wanted] = {}
    for name, version in versions.items():
        item = requested.get(name)
        if item is None:
            pins[name] = Wanted(name, SpecifierSet(f"=={version}"), None, None, (), "a dependency")
        elif item.url is None:
            pins[name] = replace(item, specifier=SpecifierSet(f"=={version}"))
        elif item.source is not None:
            pins[name] = replace(item, built_version=version)
        else:
            pins[name] = item  # a wheel's URL: its name says its version
    return pins


def _desired(item: Wanted, version: Version, current: InstalledDistribution | None) -> Desired:
    """What the environment must hold for one pin. A registry requirement is met by the
    installed distribution of that version wherever it came from (an editable stays)."""
    if item.url is None and current is not None and _same_version(current.version, version):
        return Desired(
            item.name, current.version, source_key_of_installed(current), current.editable
        )
    return desired_for(item, version)


def _same_version(text: str, version: Version) -> bool:
    try:
        return Version(text) == version
    except InvalidVersion:
        return False


def _check_all_listed(wanted: Sequence[Wanted], versions: Mapping[PackageName, Version]) -> None:
    """pip's hash-checking mode: dependencies too must be listed, pinned and hashed."""
    listed = {item.name for item in wanted}
    unlisted = sorted(
        f"{name}=={version}" for name, version in versions.items() if name not in listed
    )
    if unlisted:
        raise HashesRequired(
            "In --require-hashes mode every package to install must be listed, pinned with =="
            " and carrying a --hash; these dependencies are not: " + ", ".join(unlisted)
        )


def _extras(
    lines: Sequence[RequirementLine],
    sources: Mapping[RequirementLine, Wanted],
    markers: Mapping[str, str],
) -> dict[PackageName, frozenset[ExtraName]]:
    """The extras asked for, by package (a source line is named by its Wanted)."""
    extras: dict[PackageName, frozenset[ExtraName]] = {}
    for line in lines:
        if not line.applies_to(markers):
            continue
        name = sources[line].name if line in sources else line.name
        if name is not None:
            extras[name] = extras.get(name, frozenset()) | line.extras
    return extras


def _folded(
    lines: Sequence[RequirementLine], markers: Mapping[str, str]
) -> dict[PackageName, SpecifierSet]:
    """Constraint or override lines, one specifier per package."""
    folded: dict[PackageName, SpecifierSet] = {}
    for line in lines:
        if line.name is not None and line.applies_to(markers):
            folded[line.name] = folded.get(line.name, SpecifierSet()) & line.specifier
    return folded
