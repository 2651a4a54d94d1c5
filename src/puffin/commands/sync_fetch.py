"""The networked half of pip-sync: choose a wheel for each line, then prepare them all at once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urldefrag

from packaging.direct_url import ArchiveInfo, DirectUrl
from packaging.version import Version

from puffin.cache import Cache
from puffin.client import event_loop
from puffin.client.registry import RegistryClient
from puffin.commands.direct_sources import SourceDist, SourcePreparer, make_preparer
from puffin.commands.index_options import index_settings
from puffin.commands.pip_sync_options import SyncOptions
from puffin.commands.sync_sources import direct_url_of
from puffin.commands.wanted import Wanted
from puffin.dist_types import File
from puffin.dist_types.source import DirectSource
from puffin.distribution.prepare import PreparedWheel, Preparer, WheelSource
from puffin.errors import BuildForbidden, NoMatchingDistribution
from puffin.filenames import WheelFilename
from puffin.hashes import HashAlgorithm
from puffin.interpreter import Interpreter
from puffin.names import PackageName, normalize_name
from puffin.requirements_txt import RequirementLine, RequirementsTxt
from puffin.resolver.candidate_selector import (
    NotSelected,
    Selected,
    SelectorSettings,
    explain,
    select_from_versions,
)
from puffin.traits import ProgressReporter


@dataclass(frozen=True)
class Fetched:
    versions: dict[PackageName, Version]
    prepared: dict[PackageName, PreparedWheel]
    direct_urls: dict[PackageName, str]  # direct_url.json text (PEP 610) for URL and path wheels
    downloaded: int


def _binary_rules(
    options: SyncOptions, requirements: RequirementsTxt
) -> tuple[frozenset[str], frozenset[str]]:
    no_binary = {normalize_name(n) if n != ":all:" else n for n in options.no_binary}
    only_binary = {normalize_name(n) if n != ":all:" else n for n in options.only_binary}
    if options.no_build:
        only_binary.add(":all:")
    return frozenset(no_binary), frozenset(only_binary)


def selector_settings(
    options: SyncOptions, requirements: RequirementsTxt, interpreter: Interpreter
) -> SelectorSettings:
    no_binary, only_binary = _binary_rules(options, requirements)
    policy = requirements.binary_policy

    def allows_wheel(name: PackageName) -> bool:
        if name in only_binary:
            return True
        if name in no_binary or (":all:" in no_binary and ":all:" not in only_binary):
            return False
        return policy.allows_wheel(name)

    def allows_sdist(name: PackageName) -> bool:
        if name in no_binary:
            return True
        if name in only_binary or ":all:" in only_binary:
            return False
        return policy.allows_sdist(name)

    return SelectorSettings.from_tags(
        interpreter.tags,
        Version(interpreter.markers["python_full_version"]),
        allows_wheel=allows_wheel,
        allows_sdist=allows_sdist,
        allow_prereleases=options.prerelease or requirements.pre,
        prefer_binary=requirements.prefer_binary,
    )


def _direct_source(item: Wanted) -> WheelSource:
    assert item.url is not None and item.wheel is not None
    url, _fragment = urldefrag(item.url)
    file = File.known_by_url(item.wheel, url, hashes=item.hashes)
    kind = "path" if url.startswith("file:") else "url"
    return WheelSource(file, kind, item.hashes)


def direct_url_json(prepared: PreparedWheel) -> str:
    """PEP 610 `direct_url.json` for a wheel installed from a URL or a local file."""
    sha256 = next(d for d in prepared.hashes if d.algorithm is HashAlgorithm.SHA256)
    record = DirectUrl(
        url=prepared.source.file.url, archive_info=ArchiveInfo(hashes={"sha256": sha256.hex})
    ).to_dict()
    # pip still reads the older single `hash` key, so both are written.
    record["archive_info"]["hash"] = f"sha256={sha256.hex}"
    return json.dumps(record, sort_keys=True)


async def _choose(
    client: RegistryClient, item: Wanted, settings: SelectorSettings
) -> tuple[Wanted, Selected]:
    """Read one registry line's page and choose its wheel."""
    project = await client.project(item.name)
    result = select_from_versions(
        item.name, item.specifier, project.preferred_versions(), project.files, settings
    )
    if isinstance(result, NotSelected):
        raise NoMatchingDistribution(
            explain(item.name, item.specifier, result, settings.python_version)
            + f" ({item.origin})"
        )
    return item, result


async def fetch_wheels(
    needed: Sequence[Wanted],
    options: SyncOptions,
    cache: Cache,
    reporter: ProgressReporter,
    requirements: RequirementsTxt,
    interpreter: Interpreter,
    *,
    prepare: bool,
) -> Fetched:
    """Choose and prepare a wheel for every needed line; cached pins need no index page."""
    settings = selector_settings(options, requirements, interpreter)
    indexes = index_settings(options.index, requirements)
    async with RegistryClient(
        cache=cache, indexes=indexes, offline=options.offline, refresh=options.refresh_scope
    ) as client:
        preparer = Preparer(cache, client, reporter)
        source_urls: dict[PackageName, str] = {}  # direct_url.json of built direct sources
        sources: list[WheelSource] = [_direct_source(i) for i in needed if i.wheel is not None]
        versions: dict[PackageName, Version] = {s.name: s.wheel.version for s in sources}
        ready: list[PreparedWheel] = []
        registry_items: list[Wanted] = []
        for item in needed:
            if item.url is not None:
                continue
            pin = item.pinned_version
            cached = None
            refreshed = options.refresh or item.name in options.refresh_packages
            if pin is not None and not refreshed:
                cached = preparer.cached_registry_wheel(
                    item.name,
                    pin,
                    # The first index's wheels only: one cached from a later index may be
                    # of a name the first index owns, or a second copy of a version the
                    # first has too; only the pages can tell (--index-strategy).
                    index_urls=indexes.index_urls[:1],
                    tag_priority=settings.tag_priority,
                    allowed_hashes=item.hashes,
                )
            if cached is None:
                registry_items.append(item)
            else:
                versions[item.name] = cached.source.wheel.version
                ready.append(cached)
        # Every page first, then every download: interleaving them in one connection pool
        # measured 21 s for jupyter's 93 wheels against 1.9 s phased, as connections to the
        # index and to the file host kept evicting each other.
        choices = await asyncio.gather(*(_choose(client, it, settings) for it in registry_items))
        builds: list[tuple[Wanted, asyncio.Future[SourceDist]]] = []
        prepper: SourcePreparer | None = None
        for item, result in choices:
            versions[item.name] = result.version
            if result.file.is_wheel:
                sources.append(WheelSource(result.file, "registry", item.hashes))
            elif prepare:
                prepper = prepper or _source_preparer(cache, client, options, interpreter, settings)
                task = asyncio.ensure_future(
                    asyncio.to_thread(prepper.sdist, result.file, want_wheel=True)
                )
                builds.append((item, task))
        metadata_builds: list[tuple[Wanted, asyncio.Future[SourceDist]]] = []
        for item in needed:
            if item.source is None:
                continue
            if not prepare:
                # A dry run still learns the version a source would install: its metadata
                # is built (into the cache only), as it would be for the real run.
                prepper = prepper or _source_preparer(cache, client, options, interpreter, settings)
                label = f"{item.name} ({item.given or item.url})"
                learning = asyncio.to_thread(prepper.metadata, item.source, label, item.name)
                metadata_builds.append((item, asyncio.ensure_future(learning)))
                continue
            if options.no_build:
                raise BuildForbidden(
                    f"Cannot install {item.name} ({item.given or item.url}, {item.origin}):"
                    " it needs a build, which --no-build forbids"
                )
            prepper = prepper or _source_preparer(cache, client, options, interpreter, settings)
            label = f"{item.name} ({item.given or item.url})"
            making = asyncio.to_thread(prepper.wheel, item.source, label, item.name)
            builds.append((item, asyncio.ensure_future(making)))
        if prepare:
            # Builds run in threads while the wheels download: neither waits for the other.
            ready += await preparer.prepare_all(sources)
            built: list[WheelSource] = []
            for item, build in builds:
                dist = await build
                assert dist.wheel is not None
                versions[item.name] = dist.version
                file = File.known_by_url(WheelFilename.parse(dist.wheel.name), dist.wheel.as_uri())
                built.append(WheelSource(file, "path"))
                if item.source is not None:
                    direct = direct_url_of(dist)
                    if direct is not None:
                        source_urls[item.name] = direct
            ready += await preparer.prepare_all(built)
        else:
            ready = []
        for item, pending in metadata_builds:
            versions[item.name] = (await pending).version
    # A wheel URL records its own URL; a built source its source; a wheel built from a registry
    # sdist nothing (it counts as installed from the registry).
    wheel_urls = {item.name for item in needed if item.wheel is not None}
    direct_urls = {p.source.name: direct_url_json(p) for p in ready if p.source.name in wheel_urls}
    direct_urls.update(source_urls)
    return Fetched(
        versions,
        {p.source.name: p for p in ready},
        direct_urls,
        sum(1 for p in ready if not p.from_cache),
    )


def _source_preparer(
    cache: Cache,
    client: RegistryClient,
    options: SyncOptions,
    interpreter: Interpreter,
    settings: SelectorSettings,
) -> SourcePreparer:
    return make_preparer(
        cache,
        client,
        interpreter,
        settings,
        no_build=options.no_build,
        no_build_isolation=options.no_build_isolation,
        offline=options.offline,
        refresh=options.refresh_scope,
    )


def build_source_metadata(
    sources: Mapping[RequirementLine, tuple[DirectSource, str, PackageName | None]],
    options: SyncOptions,
    cache: Cache,
    requirements: RequirementsTxt,
    interpreter: Interpreter,
) -> dict[RequirementLine, SourceDist]:
    """Build the metadata of sources never built before (to learn their names), all at once."""

    async def run() -> dict[RequirementLine, SourceDist]:
        settings = selector_settings(options, requirements, interpreter)
        indexes = index_settings(options.index, requirements)
        async with RegistryClient(
            cache=cache, indexes=indexes, offline=options.offline, refresh=options.refresh_scope
        ) as client:
            preparer = _source_preparer(cache, client, options, interpreter, settings)
            lines = list(sources)
            dists = await asyncio.gather(
                *(asyncio.to_thread(preparer.metadata, *sources[line]) for line in lines)
            )
        return dict(zip(lines, dists, strict=True))

    return event_loop.run(run())
