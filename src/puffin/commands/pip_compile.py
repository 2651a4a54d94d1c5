"""`puffin pip-compile`: resolve requirement files to exact pins in pip-compile's format.

The target interpreter is `--python`, else the environment pip-sync would use ($VIRTUAL_ENV,
then ./.venv), else the interpreter running puffin: compiling, unlike syncing, changes no
environment, so any interpreter is a fine default for its markers and tags.
`--python-version` and `--python-platform` replace parts of those (see target.py), so pins can
be computed for a Python or a machine that is not at hand.
"""

from __future__ import annotations

import asyncio
import enum
import os
import stat
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from puffin.cache import Cache, CacheBucket
from puffin.client import event_loop
from puffin.client.registry import IndexSettings, RegistryClient
from puffin.commands.index_options import IndexOptions, index_settings
from puffin.compile_output import (
    AnnotationStyle,
    OutputOptions,
    PinnedEntry,
    format_requirements,
    redact_url_credentials,
)
from puffin.dist_types import File
from puffin.errors import BuildForbidden, InterpreterError, UsageError
from puffin.filenames import WheelFilename
from puffin.fs import atomic_write_bytes
from puffin.hashes import HashAlgorithm
from puffin.interpreter import Interpreter, find_interpreter, query_interpreter
from puffin.names import PackageName
from puffin.requirements_txt import (
    RequirementLine,
    RequirementsTxt,
    merge,
    parse_requirements_file,
)
from puffin.requirements_txt_binary import BinaryOption, BinaryPolicy
from puffin.resolver.candidate_selector import (
    PrereleaseMode,
    ResolutionMode,
    SelectorSettings,
    uploaded_before,
)
from puffin.resolver.python_provider import (
    DirectPackage,
    Package,
    PythonPackage,
    PythonProvider,
    RootRequirement,
)
from puffin.target import ResolveTarget, resolve_target

if TYPE_CHECKING:  # imported when a source is built: ~20 ms a plain resolve does not need
    from puffin.commands.direct_sources import SourcePreparer
    from puffin.pylock_output import LockedPackage  # for --format pylock.toml or hashes only

STDOUT = "-"


class OutputFormat(enum.Enum):
    REQUIREMENTS_TXT = "requirements.txt"
    PYLOCK_TOML = "pylock.toml"


@dataclass(frozen=True)
class CompileOptions:
    src_files: tuple[str, ...]
    output_file: str | None = None  # None: next to a single `.in` file, else requirements.txt
    constraint_files: tuple[str, ...] = ()
    override_files: tuple[str, ...] = ()
    extras: tuple[str, ...] = ()  # optional-dependencies groups of pyproject.toml inputs
    all_extras: bool = False
    no_binary: tuple[str, ...] = ()
    only_binary: tuple[str, ...] = ()
    no_build: bool = False  # the same as --only-binary :all:, and no source trees either
    no_build_isolation: bool = False
    format: OutputFormat = OutputFormat.REQUIREMENTS_TXT
    python: str | None = None
    python_version: str | None = None  # resolve for this CPython instead (`3.12`, `3.12.4`)
    python_platform: str | None = None  # resolve for this platform instead (`linux`, ...)
    index: IndexOptions = field(default_factory=IndexOptions)
    upgrade: bool = False
    upgrade_packages: frozenset[PackageName] = frozenset()
    refresh: bool = False  # revalidate pages, rebuild local projects (implied by upgrade)
    refresh_packages: frozenset[PackageName] = frozenset()
    generate_hashes: bool = False
    annotate: bool = True
    annotation_style: AnnotationStyle = AnnotationStyle.SPLIT
    header: bool = True
    strip_extras: bool = False
    allow_unsafe: bool = False
    pre: bool = False
    exclude_newer: datetime | None = None  # files uploaded at or after this are invisible
    prerelease: PrereleaseMode = PrereleaseMode.IF_NECESSARY_OR_EXPLICIT
    resolution: ResolutionMode = ResolutionMode.HIGHEST
    command: str = "puffin pip-compile"


@dataclass(frozen=True)
class CompileResult:
    text: str  # the whole output file
    output_file: Path | None  # where it was written; None for stdout
    entries: tuple[PinnedEntry, ...]
    interpreter: Interpreter
    target: ResolveTarget  # the markers and tags the pins were computed for
    warnings: tuple[str, ...]
    elapsed_seconds: float


def default_output_file(
    src_files: Sequence[str], format: OutputFormat = OutputFormat.REQUIREMENTS_TXT
) -> str:
    """pip-compile's default: `foo.in` -> `foo.txt`, anything else -> `requirements.txt`;
    `pylock.toml` for that format (PEP 751's default name)."""
    if format is OutputFormat.PYLOCK_TOML:
        return "pylock.toml"
    if len(src_files) == 1 and src_files[0].endswith(".in") and src_files[0] != STDOUT:
        return src_files[0][: -len(".in")] + ".txt"
    return "requirements.txt"


def pip_compile(
    options: CompileOptions,
    cache: Cache,
    *,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> CompileResult:
    """Resolve the input files for the target interpreter and write (or return) the pins."""
    started = time.perf_counter()
    environ = os.environ if environ is None else environ
    cwd = Path.cwd() if cwd is None else cwd
    files = [_read_input(path, options, environ) for path in options.src_files]
    if (options.extras or options.all_extras) and not any(
        _is_pyproject(path) for path in options.src_files
    ):
        raise UsageError("--extra and --all-extras need a pyproject.toml input file")
    files += [
        parse_requirements_file(path, environ=environ, constraint=True)
        for path in options.constraint_files
    ]
    requirements = merge(files)
    interpreter = _interpreter(options.python, cache, environ, cwd, options.python_version)
    target = resolve_target(
        interpreter,
        python_version=options.python_version,
        python_platform=options.python_platform,
    )
    output = options.output_file or default_output_file(options.src_files, options.format)
    output_path = None if output == STDOUT else cwd / output
    preferences = {} if options.upgrade else _existing_pins(output_path, environ, options.format)
    for name in options.upgrade_packages:
        preferences.pop(name, None)
    primary = [line for line in requirements.requirements if line.applies_to(target.markers)]
    constraints = [line for line in requirements.constraints if line.applies_to(target.markers)]
    overrides = [
        line
        for path in options.override_files
        for line in parse_requirements_file(path, environ=environ, constraint=True).constraints
        if line.applies_to(target.markers)
    ]
    indexes = index_settings(options.index, requirements)
    entries, locked = event_loop.run(
        _resolve(
            options,
            cache,
            requirements,
            target,
            primary,
            constraints,
            overrides,
            preferences,
            interpreter,
        )
    )
    if options.format is OutputFormat.PYLOCK_TOML:
        from puffin.pylock_output import format_pylock

        text = format_pylock(
            locked,
            requires_python=f">={target.python_minor_version}",
            header_command=options.command if options.header else None,
        )
    else:
        output_options = _output_options(options, requirements, indexes, target, cwd)
        text = format_requirements(entries, output_options)
    if output_path is not None:
        _write_output(output_path, text.encode())
    return CompileResult(
        text,
        output_path,
        tuple(entries),
        interpreter,
        target,
        requirements.warnings,
        time.perf_counter() - started,
    )


def _interpreter(
    python: str | None,
    cache: Cache,
    environ: Mapping[str, str],
    cwd: Path,
    python_version: str | None = None,
) -> Interpreter:
    if python is None and python_version is not None:
        # Sources are built with this interpreter: one of the version resolved for, when
        # there is one, so a setup.py that checks the running Python sees the target's.
        try:
            executable = find_interpreter(python_version, environ=environ, cwd=cwd)
        except InterpreterError:
            pass
        else:
            return query_interpreter(executable, cache_dir=cache.bucket(CacheBucket.INTERPRETER))
    try:
        executable = find_interpreter(python, environ=environ, cwd=cwd)
    except InterpreterError:
        if python is not None:
            raise
        executable = Path(sys.executable)
    return query_interpreter(executable, cache_dir=cache.bucket(CacheBucket.INTERPRETER))


def _write_output(path: Path, data: bytes) -> None:
    """Atomically for a file, keeping its permissions; in place for a device or pipe
    (`-o /dev/null`), which a rename would replace by a regular file."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        atomic_write_bytes(path, data)
        return
    if not stat.S_ISREG(mode):
        with open(path, "wb") as stream:
            stream.write(data)
        return
    atomic_write_bytes(path, data, mode=stat.S_IMODE(mode))


def _read_input(path: str, options: CompileOptions, environ: Mapping[str, str]) -> RequirementsTxt:
    if not _is_pyproject(path):
        return parse_requirements_file(path, environ=environ)
    from puffin.pyproject_input import read_pyproject

    project = read_pyproject(path, extras=options.extras, all_extras=options.all_extras)
    return RequirementsTxt.of_requirements(project.requirements, project.warnings)


def _is_pyproject(path: str) -> bool:
    return os.path.basename(path) == "pyproject.toml"


def _existing_pins(
    path: Path | None, environ: Mapping[str, str], format: OutputFormat
) -> dict[PackageName, Version]:
    """The pins of a previous output file: kept while they still fit (pip-compile's rule)."""
    if path is None or not path.is_file() or format is not OutputFormat.REQUIREMENTS_TXT:
        return {}
    pins: dict[PackageName, Version] = {}
    for line in parse_requirements_file(path, environ=environ).requirements:
        if line.name is None or not line.is_pinned():
            continue
        try:
            pins[line.name] = Version(next(iter(line.specifier)).version)
        except InvalidVersion:
            continue
    return pins


def _root_requirements(lines: Sequence[RequirementLine]) -> list[RootRequirement]:
    """Every primary line as a root requirement; a source's line (named by now) admits any
    version, since the provider offers only the one its build gave."""
    roots = []
    for line in lines:
        assert line.name is not None
        specifier = line.specifier if line.url is None else SpecifierSet()
        roots.append(RootRequirement(line.name, line.extras, specifier))
    return roots


@dataclass(frozen=True)
class _Sourced:
    """A primary line naming a source: its name and version from the build, and the text
    pip-compile writes for it."""

    name: PackageName
    package: DirectPackage
    requirement: str  # `name @ url` or `-e path` (without extras)


async def _build_sources(
    lines: Sequence[RequirementLine],
    client: RegistryClient,
    preparer: Callable[[], SourcePreparer],
    *,
    no_build: bool,
) -> dict[RequirementLine, _Sourced]:
    """Read the metadata of every line that names a source: a wheel's from the wheel (by
    range requests), anything else's by building it (all builds at once, in threads)."""
    if not lines:  # most runs: and then the build machinery (~11 ms of imports) stays unloaded
        return {}
    from puffin.commands.sync_sources import label_of, parse_line_source
    from puffin.dist_types.source import ArchiveKind, PathSource, UrlSource

    async def one(line: RequirementLine) -> _Sourced:
        source = parse_line_source(line)
        wheel_url = None
        if isinstance(source, UrlSource) and source.kind is ArchiveKind.WHEEL:
            wheel_url = source.url
        elif isinstance(source, PathSource) and source.path.name.endswith(".whl"):
            wheel_url = source.path.as_uri()
        if wheel_url is not None:
            wheel = WheelFilename.parse(wheel_url.rsplit("/", 1)[-1])
            metadata = await client.wheel_metadata(File.known_by_url(wheel, wheel_url))
            name, version = wheel.name, wheel.version
        else:
            if no_build:
                raise BuildForbidden(
                    f"Cannot use {label_of(line)} ({line.origin}): it needs a build, which"
                    " --no-build forbids"
                )
            prepared = preparer()
            source = await asyncio.to_thread(prepared.resolve, source)
            dist = await asyncio.to_thread(prepared.metadata, source, label_of(line))
            name, version, metadata = dist.name, dist.version, dist.metadata
        if line.name is not None and line.name != name:
            raise UsageError(
                f"{label_of(line)} ({line.origin}) is a project named {name},"
                f" but the line names {line.name}"
            )
        text = source.requirement_text(name)
        return _Sourced(name, DirectPackage(version, metadata), text)

    built = await asyncio.gather(*(one(line) for line in lines))
    return dict(zip(lines, built, strict=True))


def _pinned(
    name: PackageName, version: Version, sourced: Mapping[PackageName, _Sourced]
) -> tuple[str | None, str | None, str | None]:
    """What pins `name`: (version, url, editable), exactly one of them set."""
    found = sourced.get(name)
    if found is None:
        return str(version), None, None
    if found.requirement.startswith("-e "):
        return None, None, found.requirement.removeprefix("-e ")
    return None, found.requirement.partition(" @ ")[2], None


@dataclass(frozen=True)
class Resolution:
    """What the solver chose, and what explains it."""

    versions: dict[PackageName, Version]  # every project of the solution
    sourced: dict[PackageName, _Sourced]  # the projects a primary line names by their source
    primary: list[RequirementLine]  # the primary lines, every source line now named
    provider: PythonProvider  # its `dependencies` are the edges behind `# via`
    solution: dict[Package, Version]


async def resolve_requirements(
    client: RegistryClient,
    cache: Cache,
    interpreter: Interpreter,
    settings: SelectorSettings,
    markers: Mapping[str, str],
    primary: Sequence[RequirementLine],
    constraints: Sequence[RequirementLine],
    overrides: Sequence[RequirementLine],
    preferences: Mapping[PackageName, Version],
    *,
    no_build: bool,
    no_build_isolation: bool,
    refresh: bool | frozenset[PackageName],
    offline: bool = False,
    installed: Mapping[PackageName, DirectPackage] | None = None,
    no_dependencies: bool = False,
) -> Resolution:
    """Solve `primary` (markers already found true) for `markers`: sources are built for their
    metadata first, sdists only when the solver needs theirs. pip-compile and pip-install
    share it; `installed` and `no_dependencies` are pip-install's (see PythonProvider)."""
    made: list[SourcePreparer] = []

    def preparer() -> SourcePreparer:
        if not made:
            from puffin.commands.direct_sources import make_preparer

            made.append(
                make_preparer(
                    cache,
                    client,
                    interpreter,
                    settings,
                    no_build=no_build,
                    no_build_isolation=no_build_isolation,
                    offline=offline,
                    refresh=refresh,
                )
            )
        return made[0]

    sourced_lines = await _build_sources(
        [line for line in primary if line.url is not None],
        client,
        preparer,
        no_build=no_build,
    )
    primary = [
        replace(line, name=sourced_lines[line].name) if line in sourced_lines else line
        for line in primary
    ]
    sourced = {found.name: found for found in sourced_lines.values()}

    async def sdist_metadata(file: File) -> bytes:
        dist = await asyncio.to_thread(preparer().sdist, file, want_wheel=False)
        return dist.metadata

    provider = PythonProvider(
        client,
        settings,
        markers,
        _root_requirements(primary),
        constraints=_specifiers(constraints),
        overrides=_specifiers(overrides),
        preferences=preferences,
        direct={name: found.package for name, found in sourced.items()},
        installed=installed,
        no_dependencies=no_dependencies,
        sdist_metadata=None if no_build else sdist_metadata,
    )
    solution = await provider.solve()
    versions = {
        package.name: version
        for package, version in solution.items()
        if isinstance(package, PythonPackage) and package.extra is None
    }
    return Resolution(versions, sourced, primary, provider, solution)


async def _resolve(
    options: CompileOptions,
    cache: Cache,
    requirements: RequirementsTxt,
    target: ResolveTarget,
    primary: Sequence[RequirementLine],
    constraints: Sequence[RequirementLine],
    overrides: Sequence[RequirementLine],
    preferences: Mapping[PackageName, Version],
    interpreter: Interpreter,
) -> tuple[list[PinnedEntry], list[LockedPackage]]:
    policy = requirements.binary_policy.then(_binary_policy(options))
    settings = SelectorSettings.from_tags(
        target.tags,
        Version(target.markers["python_full_version"]),
        allows_wheel=policy.allows_wheel,
        allows_sdist=policy.allows_sdist,
        allow_prereleases=options.pre or requirements.pre,
        exclude_newer=options.exclude_newer,
        prerelease=options.prerelease,
        resolution=options.resolution,
    )
    indexes = index_settings(options.index, requirements)
    # Asking for upgrades means asking for releases newer than a cached page may list.
    refresh: bool | frozenset[PackageName] = (
        options.upgrade or options.refresh or options.upgrade_packages | options.refresh_packages
    )
    async with RegistryClient(cache=cache, indexes=indexes, refresh=refresh) as client:
        resolution = await resolve_requirements(
            client,
            cache,
            interpreter,
            settings,
            target.markers,
            primary,
            constraints,
            overrides,
            preferences,
            no_build=options.no_build,
            no_build_isolation=options.no_build_isolation,
            refresh=refresh,
        )
        versions, sourced, primary = resolution.versions, resolution.sourced, resolution.primary
        provider, solution = resolution.provider, resolution.solution
        hashes: dict[PackageName, tuple[str, ...]] = {}
        locked: list[LockedPackage] = []
        for name, version in versions.items():
            if not options.generate_hashes and options.format is OutputFormat.REQUIREMENTS_TXT:
                break
            if name in sourced:
                continue  # a source's hashes are not the index's (pip-compile omits them)
            project = await client.project(name)
            files = [
                file
                for file in project.files(version)
                if options.exclude_newer is None or uploaded_before(file, options.exclude_newer)
            ]
            hashes[name] = tuple(
                sorted(
                    {
                        f"sha256:{digest.hex}"
                        for file in files
                        for digest in file.hashes
                        if digest.algorithm is HashAlgorithm.SHA256
                    }
                )
            )
            locked.append(_locked(name, version, files, settings))
    via = _annotations(provider, solution, primary, constraints)
    entries = []
    for name, version in sorted(versions.items()):
        pinned_version, url, editable = _pinned(name, version, sourced)
        entries.append(
            PinnedEntry(
                name=name,
                version=pinned_version,
                url=url,
                editable=editable,
                extras=_extras(name, primary),
                marker=_marker(name, primary),
                hashes=hashes.get(name, ()),
                via=tuple(sorted(via.get(name, ()))),
                hashable=name not in sourced,
            )
        )
    return entries, locked


def _binary_policy(options: CompileOptions) -> BinaryPolicy:
    policy = BinaryPolicy()
    try:
        for value in options.no_binary:
            policy = policy.with_option(BinaryOption.NO_BINARY, value)
        for value in options.only_binary:
            policy = policy.with_option(BinaryOption.ONLY_BINARY, value)
    except ValueError as error:
        raise UsageError(str(error)) from None
    if options.no_build:
        policy = policy.with_option(BinaryOption.ONLY_BINARY, ":all:")
    return policy


def _specifiers(lines: Sequence[RequirementLine]) -> dict[PackageName, SpecifierSet]:
    """Lines naming one package folded into one specifier (constraints, overrides)."""
    folded: dict[PackageName, SpecifierSet] = {}
    for line in _registry_lines(lines):
        assert line.name is not None
        folded[line.name] = folded.get(line.name, SpecifierSet()) & line.specifier
    return folded


def _locked(
    name: PackageName, version: Version, files: Sequence[File], settings: SelectorSettings
) -> LockedPackage:
    """A pylock.toml entry: the wheels the target can install (PEP 751 lists installable
    files), and the sdist."""
    from puffin.pylock_output import LockedPackage

    wheels = tuple(
        file
        for file in files
        if isinstance(file.dist, WheelFilename)
        and file.dist.tag_rank(settings.tag_priority) is not None
        and file.yanked is None
    )
    sdists = [file for file in files if file.is_sdist and file.yanked is None]
    requires_python = next((f.requires_python for f in files if f.requires_python), None)
    return LockedPackage(
        name=name,
        version=str(version),
        requires_python=str(requires_python) if requires_python is not None else None,
        index=files[0].index.url if files else None,
        wheels=wheels,
        sdist=sdists[0] if sdists else None,
    )


def _registry_lines(lines: Sequence[RequirementLine]) -> list[RequirementLine]:
    return [line for line in lines if line.name is not None and line.url is None]


def _annotations(
    provider: PythonProvider,
    solution: Mapping[Package, Version],
    primary: Sequence[RequirementLine],
    constraints: Sequence[RequirementLine],
) -> dict[PackageName, set[str]]:
    """`# via` sources: the input files naming a package, and the packages depending on it."""
    via: dict[PackageName, set[str]] = {}
    for line in [*primary, *_registry_lines(constraints)]:
        if line.name is not None:
            via.setdefault(line.name, set()).add(line.origin.via)
    for (parent, version), dependencies in provider.dependencies.items():
        if not isinstance(parent, PythonPackage) or solution.get(parent) != version:
            continue
        for child in dependencies:
            if isinstance(child, PythonPackage) and child.name != parent.name:
                via.setdefault(child.name, set()).add(parent.name)
    return via


def _extras(name: PackageName, primary: Sequence[RequirementLine]) -> tuple[str, ...]:
    return tuple(sorted({extra for line in primary if line.name == name for extra in line.extras}))


def _marker(name: PackageName, primary: Sequence[RequirementLine]) -> str | None:
    """A marker written on every primary line of a package is carried over, as pip-compile does."""
    lines = [line for line in primary if line.name == name]
    if not lines or any(line.marker is None for line in lines):
        return None
    return str(lines[0].marker)


def _output_options(
    options: CompileOptions,
    requirements: RequirementsTxt,
    indexes: IndexSettings,
    target: ResolveTarget,
    cwd: Path,
) -> OutputOptions:
    find_links = tuple(
        link if "://" in link else os.path.join(cwd, link) for link in indexes.find_links
    )
    return OutputOptions(
        header=options.header,
        command=options.command,
        # The target's version, not puffin's own: the pins are valid for the target only.
        python_version=target.python_minor_version,
        annotate=options.annotate,
        annotation_style=options.annotation_style,
        generate_hashes=options.generate_hashes,
        allow_unsafe=options.allow_unsafe,
        strip_extras=options.strip_extras,
        index_url=None if indexes.no_index else redact_url_credentials(indexes.index_url),
        extra_index_urls=tuple(redact_url_credentials(u) for u in indexes.extra_index_urls),
        find_links=find_links,
        trusted_hosts=requirements.trusted_hosts,
    )
