"""The PubGrub provider for Python packages: versions from the registry, edges from METADATA.

Version order and pre-release admission follow uv's modes (SelectorSettings.resolution and
.prerelease); a pre-release counts as "explicit" only when a first-party requirement or
constraint names one, as in uv, not when a dependency's metadata does.
"""

from __future__ import annotations

import asyncio
import builtins
import dataclasses
import itertools
import logging
from collections.abc import Coroutine, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from packaging.ranges import VersionRange
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from puffin.client.registry import ProjectFiles, RegistryClient
from puffin.dist_types import File
from puffin.errors import PuffinError
from puffin.names import ExtraName, PackageName, normalize_extra, normalize_name
from puffin.resolver.candidate_selector import (
    PrereleaseMode,
    ResolutionMode,
    Selected,
    SelectorSettings,
    select_from_versions,
)
from puffin.resolver.pubgrub import Unavailable, spans
from puffin.resolver.range_search import matching_slices

if TYPE_CHECKING:
    from packaging.requirements import Requirement

logger = logging.getLogger("puffin.resolver")

T = TypeVar("T")

# How many lower versions get their metadata fetched at once when the solver backtracks
# through a package (uv prefetches in batches for the same reason).
BACKTRACK_PREFETCH = 20


@dataclass(frozen=True, order=True)
class PythonPackage:
    """A project, or one of its extras: `foo[bar]` is its own package that depends on `foo`
    at the same exact version, so an extra's requirements join only when it is asked for."""

    name: PackageName
    extra: ExtraName | None = None

    def __str__(self) -> str:
        return self.name if self.extra is None else f"{self.name}[{self.extra}]"


@dataclass(frozen=True)
class RootPackage:
    """The user's requirement files, the solver's root."""

    def __str__(self) -> str:
        return "the requirements"


ROOT = RootPackage()
ROOT_VERSION = Version("0")

Package = PythonPackage | RootPackage


@dataclass(frozen=True)
class RootRequirement:
    """One registry requirement of the input files, its marker already found true."""

    name: PackageName
    extras: frozenset[ExtraName]
    specifier: SpecifierSet


class PythonProvider:
    """Answers the solver (in a worker thread) by running coroutines on the event loop that
    owns `client`; all registry state is touched on that loop only, so nothing races."""

    def __init__(
        self,
        client: RegistryClient,
        loop: asyncio.AbstractEventLoop,
        settings: SelectorSettings,
        markers: Mapping[str, str],
        requirements: Sequence[RootRequirement],
        *,
        constraints: Mapping[PackageName, SpecifierSet] | None = None,
        preferences: Mapping[PackageName, Version] | None = None,
    ) -> None:
        self.client = client
        self.loop = loop
        # Files are filtered by version here; the selector only judges one version's files.
        self.settings = dataclasses.replace(
            settings, allow_prereleases=True, allows_sdist=lambda name: False
        )
        self.prerelease = (
            PrereleaseMode.ALLOW if settings.allow_prereleases else settings.prerelease
        )
        self.resolution = settings.resolution
        self.direct = frozenset(requirement.name for requirement in requirements)
        self.markers = dict(markers)
        self.constraints = {n: s.to_range() for n, s in (constraints or {}).items()}
        self.preferences = dict(preferences or {})
        self.prereleases_named: set[PackageName] = set()
        self.exact_pins: set[PackageName] = set()
        self.files: dict[tuple[PackageName, Version], File] = {}
        # What each decided (package, version) depends on: the `# via` annotations.
        self.dependencies: dict[tuple[Package, Version], dict[Package, VersionRange]] = {}
        self._order: dict[Package, int] = {}
        self._seen: set[PackageName] = set()
        self._prefetches: set[asyncio.Task[None]] = set()
        self._tries: dict[PackageName, int] = {}
        self._prefetched: set[tuple[PackageName, Version]] = set()
        self._versions: dict[PackageName, list[Version]] = {}
        self._known: dict[PackageName, frozenset[Version]] = {}
        self._ascending: dict[PackageName, list[Version]] = {}
        self._spans: dict[tuple[PackageName, Version], VersionRange] = {}
        for name, specifier in (constraints or {}).items():
            self._note_specifier_names(specifier, name)
        self.root_dependencies = self._root_dependencies(requirements)

    # -- the Provider protocol (called from the solver's thread) ----------------------------

    def prioritize(self, package: Package, range: VersionRange) -> tuple[int, int]:
        if isinstance(package, RootPackage):
            return (0, 0)
        # First seen, first decided: breadth-first, the order prefetching fetched them in.
        return (1, self._order.setdefault(package, len(self._order)))

    def span(self, package: Package, version: Version) -> VersionRange:
        """From `version` up to the next version the index lists (see pubgrub/spans.py)."""
        if isinstance(package, RootPackage):
            return VersionRange.singleton(version)
        key = (package.name, version)
        found = self._spans.get(key)
        if found is None:
            found = self._spans[key] = spans.span(version, self._known_ascending(package.name))
        return found

    def simplify_range(self, package: Package, range: VersionRange) -> VersionRange:
        if isinstance(package, RootPackage):
            return range
        ascending = self._known_ascending(package.name)
        return spans.simplify(range, ascending, [self.span(package, v) for v in ascending])

    def _known_ascending(self, name: PackageName) -> list[Version]:
        newest_first = self._versions.get(name)
        return [] if newest_first is None else self._ascending_of(name, newest_first)

    def choose_version(self, package: Package, range: VersionRange) -> Version | None:
        assert isinstance(package, PythonPackage)
        return self._run(self._choose(package.name, range))

    def get_dependencies(
        self, package: Package, version: Version
    ) -> Mapping[Package, VersionRange] | Unavailable:
        if isinstance(package, RootPackage):
            self.dependencies[(package, version)] = dict(self.root_dependencies)
            self._run(self._prefetch_new(self.root_dependencies))
            return self.root_dependencies
        return self._run(self._dependencies(package, version))

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    async def cancel_prefetches(self) -> None:
        """Stop the look-ahead the solver no longer needs, before the client closes."""
        for task in self._prefetches:
            task.cancel()
        await asyncio.gather(*self._prefetches, return_exceptions=True)

    # -- versions -------------------------------------------------------------------------

    async def _choose(self, name: PackageName, range: VersionRange) -> Version | None:
        project = await self.client.project(name)
        constraint = self.constraints.get(name)
        if constraint is not None:
            range = range & constraint
        candidates = self._candidates(name, self._versions_of(name, project), range)
        for version in candidates:
            result = self._select(name, version, project)
            if result is not None:
                self.files[(name, version)] = result
                tries = self._tries[name] = self._tries.get(name, 0) + 1
                if tries > 1:
                    # Chosen again: the solver is backtracking through this package's versions,
                    # one metadata request at a time. Fetch the next ones' metadata together.
                    following = list(itertools.islice(candidates, BACKTRACK_PREFETCH))
                    self._prefetch_versions(name, following, project)
                return version
        return None

    def _versions_of(self, name: PackageName, project: ProjectFiles) -> list[Version]:
        # Sorted once per run: a backtracking solver asks for boto3's 1,500 versions thousands
        # of times.
        versions = self._versions.get(name)
        if versions is None:
            versions = self._versions[name] = project.versions()
        return versions

    def _select(self, name: PackageName, version: Version, project: ProjectFiles) -> File | None:
        # PEP 592: a yanked file counts only for an exact pin, which `==` here spells.
        specifier = SpecifierSet(f"=={version}" if name in self.exact_pins else "")
        result = select_from_versions(name, specifier, [version], project.files, self.settings)
        return result.file if isinstance(result, Selected) else None

    def _prefetch_versions(
        self, name: PackageName, following: list[Version], project: ProjectFiles
    ) -> None:
        for version in following[:BACKTRACK_PREFETCH]:
            if (name, version) in self._prefetched:
                continue
            self._prefetched.add((name, version))
            file = self._select(name, version, project)
            if file is None:
                continue
            task = asyncio.ensure_future(self._prefetch_metadata(file))
            self._prefetches.add(task)
            task.add_done_callback(self._prefetches.discard)

    async def _prefetch_metadata(self, file: File) -> None:
        try:
            await self.client.wheel_metadata(file)
        except Exception as error:  # the solver's own request repeats the work and reports it
            logger.debug("Prefetching metadata of %s failed: %s", file.filename, error)

    def _candidates(
        self, name: PackageName, newest_first: list[Version], range: VersionRange
    ) -> Iterator[Version]:
        """The versions in `range` to try, best first, produced lazily (the first usable one
        usually ends the search): the previous pin if still admitted, then by the resolution
        mode; pre-releases by the pre-release mode (if-necessary: only after every final
        release in range proved unusable, as the solver would learn one by one)."""
        lowest = self.resolution is ResolutionMode.LOWEST or (
            self.resolution is ResolutionMode.LOWEST_DIRECT and name in self.direct
        )
        ordered = self._in_range(name, newest_first, range, lowest=lowest)
        policy = self._prerelease_policy(name)
        preferred = self.preferences.get(name)

        def admitted(version: Version) -> bool:
            return version != preferred

        if (
            preferred is not None
            and range.contains(preferred, prereleases=True)
            and (not preferred.is_prerelease or policy is not PrereleaseMode.DISALLOW)
            and preferred in self._version_set(name, newest_first)
        ):
            yield preferred
        if policy is PrereleaseMode.ALLOW:
            yield from (v for v in ordered if admitted(v))
            return
        pre_releases: list[Version] = []
        for version in ordered:
            if version.is_prerelease:
                pre_releases.append(version)
            elif admitted(version):
                yield version
        if policy is PrereleaseMode.IF_NECESSARY:
            yield from (v for v in pre_releases if admitted(v))

    def _in_range(
        self, name: PackageName, newest_first: list[Version], range: VersionRange, *, lowest: bool
    ) -> Iterator[Version]:
        ascending = self._ascending_of(name, newest_first)
        slices = matching_slices(range, ascending)
        if slices is None:
            ordered = reversed(newest_first) if lowest else iter(newest_first)
            yield from (v for v in ordered if range.contains(v, prereleases=True))
        elif lowest:
            for found in slices:
                yield from itertools.islice(ascending, found.start, found.stop)
        else:
            for found in reversed(slices):
                for index in builtins.range(found.stop - 1, found.start - 1, -1):
                    yield ascending[index]

    def _ascending_of(self, name: PackageName, newest_first: list[Version]) -> list[Version]:
        ascending = self._ascending.get(name)
        if ascending is None:
            ascending = self._ascending[name] = newest_first[::-1]
        return ascending

    def _version_set(self, name: PackageName, versions: list[Version]) -> frozenset[Version]:
        known = self._known.get(name)
        if known is None:
            known = self._known[name] = frozenset(versions)
        return known

    def _prerelease_policy(self, name: PackageName) -> PrereleaseMode:
        """This package's rule, one of ALLOW, DISALLOW or IF_NECESSARY."""
        mode = self.prerelease
        if mode in (PrereleaseMode.EXPLICIT, PrereleaseMode.IF_NECESSARY_OR_EXPLICIT):
            if name in self.prereleases_named:
                return PrereleaseMode.ALLOW
            if mode is PrereleaseMode.EXPLICIT:
                return PrereleaseMode.DISALLOW
            return PrereleaseMode.IF_NECESSARY
        return mode

    # -- dependencies ---------------------------------------------------------------------

    async def _dependencies(
        self, package: PythonPackage, version: Version
    ) -> dict[Package, VersionRange] | Unavailable:
        file = self.files.get((package.name, version))
        if file is None:  # an extra decided before its base: choose it the same way
            if await self._choose(package.name, VersionRange.singleton(version)) is None:
                return Unavailable("no usable wheel")
            file = self.files[(package.name, version)]
        try:
            metadata = await self.client.wheel_metadata(file)
        except PuffinError as error:
            return Unavailable(f"its metadata could not be read: {error}")
        requirements = _requires_dist(metadata)
        if isinstance(requirements, Unavailable):
            return requirements
        dependencies = self._edges(package, version, requirements)
        self.dependencies[(package, version)] = dependencies
        await self._prefetch_new(dependencies)
        return dependencies

    def _edges(
        self, package: PythonPackage, version: Version, requirements: Iterable[Requirement]
    ) -> dict[Package, VersionRange]:
        plain = {**self.markers, "extra": ""}
        with_extra = {**self.markers, "extra": package.extra or ""}
        edges: dict[Package, VersionRange] = {}
        if package.extra is not None:
            edges[PythonPackage(package.name)] = VersionRange.singleton(version)
        for requirement in requirements:
            marker = requirement.marker
            if marker is not None and not marker.evaluate(with_extra):
                continue
            # The base package carries its unconditional requirements; an extra adds only its own.
            if package.extra is not None and (marker is None or marker.evaluate(plain)):
                continue
            name = normalize_name(requirement.name)
            extras = [normalize_extra(extra) for extra in requirement.extras]
            for key in [PythonPackage(name), *(PythonPackage(name, e) for e in extras)]:
                self._add_edge(edges, key, _specifier_range(requirement.specifier))
        return edges

    def _add_edge(
        self, edges: dict[Package, VersionRange], key: PythonPackage, range: VersionRange
    ) -> None:
        constraint = self.constraints.get(key.name)
        if constraint is not None:
            range = range & constraint
        edges[key] = edges[key] & range if key in edges else range

    def _root_dependencies(
        self, requirements: Sequence[RootRequirement]
    ) -> dict[Package, VersionRange]:
        edges: dict[Package, VersionRange] = {}
        for requirement in requirements:
            self._note_specifier_names(requirement.specifier, requirement.name)
            if _is_exact_pin(requirement.specifier):
                self.exact_pins.add(requirement.name)
            range = requirement.specifier.to_range()
            keys = [PythonPackage(requirement.name)]
            keys += [PythonPackage(requirement.name, e) for e in sorted(requirement.extras)]
            for key in keys:
                self._add_edge(edges, key, range)
        return edges

    def _note_specifier_names(self, specifier: SpecifierSet, name: PackageName) -> None:
        """A first-party specifier that names a pre-release opts its package into them (uv's
        "explicit")."""
        for clause in specifier:
            try:
                if Version(clause.version.removesuffix(".*")).is_prerelease:
                    self.prereleases_named.add(name)
            except InvalidVersion:
                continue

    # -- look-ahead -----------------------------------------------------------------------

    async def _prefetch_new(self, dependencies: Mapping[Package, VersionRange]) -> None:
        """Start fetching pages and likely metadata of newly named projects, without waiting:
        the solver will ask for them soon, and the network should not idle meanwhile."""
        for key, range in dependencies.items():
            if isinstance(key, RootPackage) or key.name in self._seen:
                continue
            self._seen.add(key.name)
            task = asyncio.ensure_future(self._prefetch(key.name, range))
            self._prefetches.add(task)
            task.add_done_callback(self._prefetches.discard)

    async def _prefetch(self, name: PackageName, range: VersionRange) -> None:
        try:
            version = await self._choose(name, range)
            if version is not None:
                await self.client.wheel_metadata(self.files[(name, version)])
        except Exception as error:  # the solver's own request repeats the work and reports it
            logger.debug("Prefetching %s failed: %s", name, error)


def _is_exact_pin(specifier: SpecifierSet) -> bool:
    clauses = list(specifier)
    return (
        len(clauses) == 1
        and clauses[0].operator in ("==", "===")
        and not clauses[0].version.endswith(".*")
    )


_ranges: dict[str, VersionRange] = {}


def _specifier_range(specifier: SpecifierSet) -> VersionRange:
    text = str(specifier)
    found = _ranges.get(text)
    if found is None:
        found = _ranges[text] = specifier.to_range()
    return found


def requires_dist_lines(metadata: bytes) -> list[str]:
    """The Requires-Dist values of a METADATA file's header block.

    Only this one field is read, so the header block is split by hand: the email parser that
    `packaging.metadata.parse_email` uses cost 1 ms per file, a third of a boto3 resolve that
    reads 3,000 of them. Continuation lines (RFC 822 folding) are joined as that parser would.
    """
    text = metadata.decode("utf-8", errors="surrogateescape")
    values: list[str] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if not line.strip():
            break  # the body (the long description) starts after the first empty line
        if line[0] in " \t":
            if current is not None:
                current.append(line.strip())
            continue
        if current is not None:
            values.append(" ".join(current))
            current = None
        name, colon, value = line.partition(":")
        if colon and name.strip().lower() == "requires-dist":
            current = [value.strip()]
    if current is not None:
        values.append(" ".join(current))
    return values


_parsed_requirements: dict[str, Requirement | Unavailable] = {}


def _requires_dist(metadata: bytes) -> list[Requirement] | Unavailable:
    """The Requires-Dist entries of a METADATA file, or why they cannot be read."""
    from packaging.requirements import InvalidRequirement, Requirement

    requirements = []
    for text in requires_dist_lines(metadata):
        # Successive releases repeat their requirement strings; parsing one costs 0.1 ms.
        parsed = _parsed_requirements.get(text)
        if parsed is None:
            try:
                parsed = Requirement(text)
            except (InvalidRequirement, InvalidSpecifier) as error:
                parsed = Unavailable(f"invalid Requires-Dist {text!r}: {error}")
            _parsed_requirements[text] = parsed
        if isinstance(parsed, Unavailable):
            return parsed
        requirements.append(parsed)
    return requirements
