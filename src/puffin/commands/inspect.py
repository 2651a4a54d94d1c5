"""The read-only pip commands: find the environment as pip-sync does, then look at it."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.version import InvalidVersion, Version

from puffin.cache import Cache, CacheBucket
from puffin.commands.index_options import DEFAULT_INDEX_URL, IndexOptions
from puffin.installer.inspect import (
    CheckResult,
    ListedDistribution,
    ShownDistribution,
    TreeRow,
    check_environment,
    dependency_graph,
    freeze_lines,
    hidden_by_freeze,
    inverted,
    list_distributions,
    render_tree,
    show_distributions,
    tree_roots,
)
from puffin.installer.site_packages import InstalledDistribution, scan_site_packages
from puffin.interpreter import Interpreter, find_interpreter, query_interpreter
from puffin.names import PackageName, normalize_name

if TYPE_CHECKING:
    from puffin.client.registry import RegistryClient
    from puffin.resolver.candidate_selector import SelectorSettings


@dataclass(frozen=True)
class Environment:
    """The target interpreter and what its site-packages hold."""

    interpreter: Interpreter
    installed: dict[PackageName, InstalledDistribution]


def find_environment(
    python: str | None,
    cache: Cache,
    *,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Environment:
    """The environment pip-sync would install into (`--python`, `$VIRTUAL_ENV`, `.venv`)."""
    environ = os.environ if environ is None else environ
    cwd = Path.cwd() if cwd is None else cwd
    executable = find_interpreter(python, environ=environ, cwd=cwd)
    interpreter = query_interpreter(executable, cache_dir=cache.bucket(CacheBucket.INTERPRETER))
    return Environment(interpreter, scan_site_packages(interpreter.scheme))


def pip_freeze(
    environment: Environment, *, exclude: Sequence[str] = (), include_all: bool = False
) -> list[str]:
    """`pip freeze` lines; pip's own tools left out unless `include_all` (see hidden_by_freeze)."""
    excluded = {normalize_name(name) for name in exclude}
    if not include_all:
        version = environment.interpreter.version
        excluded |= hidden_by_freeze((version[0], version[1]))
    return freeze_lines(environment.installed, exclude=excluded)


def pip_list(
    environment: Environment, *, exclude: Sequence[str] = (), editable: bool | None = None
) -> list[ListedDistribution]:
    return list_distributions(
        environment.installed,
        exclude={normalize_name(name) for name in exclude},
        editable=editable,
    )


def pip_show(
    environment: Environment, names: Sequence[str]
) -> tuple[list[ShownDistribution], list[str]]:
    """The distributions asked for, and the names that are not installed."""
    return show_distributions(environment.installed, names, environment.interpreter.markers)


def pip_check(environment: Environment) -> CheckResult:
    return check_environment(environment.installed, environment.interpreter.markers)


def pip_tree(
    environment: Environment,
    *,
    depth: int = 255,
    invert: bool = False,
    packages: Sequence[str] = (),
) -> list[TreeRow]:
    """The dependency tree (or, inverted, the requirers tree) from its roots, or from
    `packages` (in the order given; names not installed are skipped)."""
    graph = dependency_graph(environment.installed, environment.interpreter.markers)
    if invert:
        graph = inverted(graph)
    if packages:
        names = dict.fromkeys(normalize_name(name) for name in packages)
        roots = [name for name in names if name in graph]
    else:
        roots = tree_roots(graph)
    return render_tree(graph, roots, depth=depth)


@dataclass(frozen=True)
class OutdatedDistribution:
    """A `pip-list --outdated` row: what is installed and the newest release the index has."""

    listed: ListedDistribution
    latest_version: Version
    latest_filetype: str  # "wheel" or "sdist", the file the newest release would install from


def pip_list_outdated(
    environment: Environment,
    rows: Sequence[ListedDistribution],
    cache: Cache,
    index: IndexOptions,
    *,
    prerelease: bool = False,
) -> list[OutdatedDistribution]:
    """The rows whose project has a newer release on the indexes, for this interpreter.

    Installs from a URL or path, editables among them, are not asked about: their version
    does not come from an index, and a project of the same name there may be another one.
    """
    from puffin.client import event_loop

    asked = [row for row in rows if not row.from_direct_url]
    if not asked:
        return []
    latest = event_loop.run(
        _latest_releases(asked, environment.interpreter, cache, index, prerelease)
    )
    found = []
    for row, newest in zip(asked, latest, strict=True):
        if newest is None:
            continue
        try:
            current = Version(row.version)
        except InvalidVersion:
            current = None
        if current is None or newest[0] > current:
            found.append(OutdatedDistribution(row, newest[0], newest[1]))
    return found


async def _latest_releases(
    rows: Sequence[ListedDistribution],
    interpreter: Interpreter,
    cache: Cache,
    index: IndexOptions,
    prerelease: bool,
) -> list[tuple[Version, str] | None]:
    import asyncio

    from puffin.client.registry import IndexSettings, RegistryClient
    from puffin.resolver.candidate_selector import SelectorSettings

    settings = SelectorSettings.from_tags(
        interpreter.tags,
        Version(interpreter.markers["python_full_version"]),
        allows_wheel=lambda name: True,
        allows_sdist=lambda name: True,
        allow_prereleases=prerelease,
    )
    indexes = IndexSettings(
        index_url=index.index_url or DEFAULT_INDEX_URL,
        extra_index_urls=index.extra_index_urls,
        find_links=index.find_links,
        no_index=index.no_index,
        strategy=index.index_strategy,
        keyring_provider=index.keyring_provider,
    )
    async with RegistryClient(cache=cache, indexes=indexes) as client:
        return list(await asyncio.gather(*(_latest(client, row.name, settings) for row in rows)))


async def _latest(
    client: RegistryClient, name: PackageName, settings: SelectorSettings
) -> tuple[Version, str] | None:
    from packaging.specifiers import SpecifierSet

    from puffin.resolver.candidate_selector import Selected, select_from_versions

    project = await client.project(name)
    versions = project.preferred_versions()  # what an upgrade would take, by --index-strategy
    result = select_from_versions(name, SpecifierSet(), versions, project.files, settings)
    if not isinstance(result, Selected):
        return None
    return result.version, "wheel" if result.file.is_wheel else "sdist"
