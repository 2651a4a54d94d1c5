"""pip-sync's lines that name a source to build: local projects, `-e`, git, archive URLs.

Before planning, each such line becomes a `Wanted` with its name and, when an earlier build
of the same source state is cached, its version: a warm re-sync then plans, and keeps what is
installed, without building or downloading anything. Only lines that name no project and were
never built need their metadata built first (with the network, as `fetch_wheels` would).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.specifiers import SpecifierSet

from puffin.cache import Cache
from puffin.commands.direct_sources import SourceDist, SourcePreparer
from puffin.commands.source_build import SourceBuilder
from puffin.commands.wanted import Wanted
from puffin.dist_types.source import GitSource, PathSource, UrlSource, parse_source
from puffin.errors import UnsupportedSource, UsageError
from puffin.names import PackageName
from puffin.requirements_txt import RequirementLine

if TYPE_CHECKING:
    from puffin.dist_types.source import DirectSource


# Builds the metadata of sources that were never built (network, build environments): passed
# in, so that planning a warm sync never imports that machinery.
BuildMetadata = Callable[
    [Mapping[RequirementLine, tuple["DirectSource", str, PackageName | None]]],
    dict[RequirementLine, SourceDist],
]


def parse_line_source(line: RequirementLine) -> DirectSource:
    assert line.url is not None
    base_dir = Path(line.origin.path).parent if line.origin.path != "-" else Path.cwd()
    return parse_source(line.url, editable=line.editable, base_dir=base_dir, given=line.given)


def label_of(line: RequirementLine) -> str:
    """How messages name a source line: `tiny (./tiny)`, or `./tiny` when it names no project."""
    shown = line.given or line.url or str(line.name)
    return f"{line.name} ({shown})" if line.name else shown


def wanted_from_sources(
    lines: Sequence[RequirementLine],
    cache: Cache,
    *,
    offline: bool,
    refresh: bool | frozenset[PackageName],
    build_metadata: BuildMetadata,
) -> dict[RequirementLine, Wanted]:
    """Each line as a Wanted: named, git commits resolved, versions known where cached."""
    preparer = SourcePreparer(
        cache, SourceBuilder(cache, environments=None), None, None, offline=offline, refresh=refresh
    )
    found: dict[RequirementLine, tuple[DirectSource, SourceDist | None]] = {}
    # Unnamed lines to refresh: the name their last build gave, so the rebuild knows it.
    known_names: dict[RequirementLine, PackageName] = {}
    for line in lines:
        parsed = parse_line_source(line)
        if isinstance(parsed, GitSource) and parsed.editable:
            raise UnsupportedSource(
                f"Cannot install {label_of(line)} ({line.origin}): editable git checkouts are"
                " not supported; clone the repository and use -e with its path"
            )
        source = preparer.resolve(parsed, line.name)
        cached = preparer.cached_metadata(source, label_of(line), line.name)
        if cached is not None and line.name is None and preparer.refreshes(cached.name):
            known_names[line] = cached.name
            cached = None
        found[line] = (source, cached)
    unnamed = {
        line: source for line, (source, dist) in found.items() if dist is None and not line.name
    }
    if unnamed:
        built = build_metadata(
            {
                line: (source, label_of(line), known_names.get(line))
                for line, source in unnamed.items()
            }
        )
        for line, made in built.items():
            found[line] = (found[line][0], made)
    result: dict[RequirementLine, Wanted] = {}
    for line, (source, dist) in found.items():
        name = dist.name if dist is not None else line.name
        assert name is not None
        if line.name is not None and dist is not None and dist.name != line.name:
            raise UsageError(
                f"{label_of(line)} ({line.origin}) is a project named {dist.name},"
                f" but the line names {line.name}"
            )
        result[line] = Wanted(
            name,
            SpecifierSet(),
            line.url,
            None,
            line.hashes,
            str(line.origin),
            source=source,
            built_version=dist.version if dist is not None else None,
            editable=line.editable,
            given=line.given,
        )
    return result


def source_url_key(item: Wanted) -> str | None:
    """The URL a desired source is compared by with an installed direct_url.json: a git
    source by its resolved commit, so a tag that still names the installed commit matches."""
    source = item.source
    if isinstance(source, GitSource) and source.commit is not None:
        fragment = f"#subdirectory={source.subdirectory}" if source.subdirectory else ""
        return f"git+{source.repository}@{source.commit}{fragment}"
    if isinstance(source, PathSource):
        return source.path.as_uri() + (
            f"#subdirectory={source.subdirectory}" if source.subdirectory else ""
        )
    return item.url


def direct_url_of(dist: SourceDist) -> str | None:
    """direct_url.json for an installed build of a direct source."""
    source = dist.source
    if isinstance(source, (GitSource, PathSource, UrlSource)):
        return source.direct_url()
    return None
