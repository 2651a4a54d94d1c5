"""The PubGrub provider for Python packages: versions from the registry, edges from METADATA.

Version order and pre-release admission follow uv's modes (SelectorSettings.resolution and
.prerelease); a pre-release counts as "explicit" only when a first-party requirement or
constraint names one, as in uv, not when a dependency's metadata does.
"""

from __future__ import annotations

import asyncio
import bisect
import builtins
import dataclasses
import itertools
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.markers import Marker
from packaging.ranges import VersionRange
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from puffin.client.registry import ProjectFiles, RegistryClient
from puffin.dist_types import File
from puffin.errors import ConflictingRequirements, PuffinError
from puffin.filenames import WheelFilename
from puffin.fs import read_json
from puffin.names import ExtraName, PackageName, normalize_extra, normalize_name
from puffin.resolver.candidate_selector import (
    NotSelected,
    PrereleaseMode,
    ResolutionMode,
    Selected,
    SelectorSettings,
    select_from_versions,
)
from puffin.resolver.core_metadata import CoreMetadata, read_core_metadata
from puffin.resolver.pubgrub import Unavailable, solve_async, spans
from puffin.resolver.range_search import matching_slices
from puffin.resolver.unusable import prerelease_reason, rejection_reason, requires_python_reason

if TYPE_CHECKING:
    from packaging.requirements import Requirement

logger = logging.getLogger("puffin.resolver")

# How many lower versions get their metadata fetched at once when the solver backtracks
# through a package (uv prefetches in batches for the same reason).
BACKTRACK_PREFETCH = 50

# Seconds of solving between two turns of the event loop (see _pause_now_and_then).
PAUSE_EVERY = 0.005


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
class DirectPackage:
    """A project the input names by its source: the version and METADATA its build gave."""

    version: Version
    metadata: bytes


@dataclass(frozen=True)
class RootRequirement:
    """One registry requirement of the input files, its marker already found true."""

    name: PackageName
    extras: frozenset[ExtraName]
    specifier: SpecifierSet


class PythonProvider:
    """Answers `solve_async` on the event loop that owns `client`: all registry state is
    touched on that loop only, so nothing races."""

    def __init__(
        self,
        client: RegistryClient,
        settings: SelectorSettings,
        markers: Mapping[str, str],
        requirements: Sequence[RootRequirement],
        *,
        constraints: Mapping[PackageName, SpecifierSet] | None = None,
        overrides: Mapping[PackageName, SpecifierSet] | None = None,
        preferences: Mapping[PackageName, Version] | None = None,
        direct: Mapping[PackageName, DirectPackage] | None = None,
        installed: Mapping[PackageName, DirectPackage] | None = None,
        no_dependencies: bool = False,
        sdist_metadata: Callable[[File], Awaitable[bytes]] | None = None,
        sdist_refusal: str = "building its source distribution is not supported yet",
    ) -> None:
        self.client = client
        self._last_pause = 0.0
        # Files are filtered by version here; the selector only judges one version's files.
        # Sdists are used when a builder reads their metadata (`sdist_metadata`); without
        # one the user's rule only words the reason (unusable.py).
        self.sdist_metadata = sdist_metadata
        self.settings = dataclasses.replace(
            settings,
            allow_prereleases=True,
            allows_sdist=settings.allows_sdist if sdist_metadata else lambda name: False,
        )
        self.user_allows_sdist = settings.allows_sdist
        self.sdist_refusal = sdist_refusal
        # Projects given as a source (a path, git, a URL): one version, metadata known.
        self.sources = dict(direct or {})
        # What the target environment holds (pip-install): taken while a range admits it,
        # before any other version and without asking the index, so an install changes only
        # what it must (uv's rule); its METADATA gives its edges.
        self.installed = installed or {}  # a Mapping that may read METADATA lazily
        # pip-install --no-deps: each requirement alone, its dependencies never asked for.
        self.no_dependencies = no_dependencies
        # Listed versions that cannot be used, with the reason the report gives.
        self.unusable: dict[tuple[PackageName, Version], str] = {}
        self.prerelease = (
            PrereleaseMode.ALLOW if settings.allow_prereleases else settings.prerelease
        )
        self.resolution = settings.resolution
        self.direct = frozenset(requirement.name for requirement in requirements)
        self.markers = dict(markers)
        self._marker_results: dict[int, tuple[Marker, dict[str, bool]]] = {}
        self._python_allows: dict[str, bool] = {}
        self.constraints = {n: s.to_range() for n, s in (constraints or {}).items()}
        self._constraint_specifiers = dict(constraints or {})
        # uv's overrides: every requirement on the package, first-party or a dependency's, is
        # replaced by the override's specifier (its extras and marker are kept).
        self.overrides = dict(overrides or {})
        self.preferences = dict(preferences or {})
        self.prereleases_named: set[PackageName] = set()
        self.exact_pins: set[PackageName] = set()
        self.files: dict[tuple[PackageName, Version], File] = {}
        # Wheels whose METADATA stands in for a chosen sdist's (candidate_selector.Selected).
        self.stand_ins: dict[tuple[PackageName, Version], File] = {}
        # What each decided (package, version) depends on: the `# via` annotations.
        self.dependencies: dict[tuple[Package, Version], dict[Package, VersionRange]] = {}
        self._order: dict[Package, int] = {}
        self._seen: set[PackageName] = set()
        self._prefetches: set[asyncio.Task[None]] = set()
        self._tried: dict[PackageName, set[Version]] = {}  # versions the solver chose
        self._prefetched: set[tuple[PackageName, Version]] = set()
        self._versions: dict[PackageName, list[Version]] = {}
        self._known: dict[PackageName, frozenset[Version]] = {}
        self._ascending: dict[PackageName, list[Version]] = {}
        self._spans: dict[tuple[PackageName, Version], VersionRange] = {}
        for name, specifier in self.overrides.items():
            self._note_specifier_names(specifier, name)
        for name, specifier in (constraints or {}).items():
            self._note_specifier_names(specifier, name)
            if _is_exact_pin(specifier):
                self.exact_pins.add(name)  # a constraint's `==` may take a yanked file too
        self.root_dependencies = self._root_dependencies(requirements)

    async def solve(self) -> dict[Package, Version]:
        """The solver's answer from ROOT, raising NoSolution; the look-ahead is stopped
        afterwards, so no fetch outlives the answer."""
        try:
            return await solve_async(ROOT, ROOT_VERSION, self)
        finally:
            await self.cancel_prefetches()

    # -- the AsyncProvider protocol ----------------------------------------------------------

    def prioritize(self, package: Package, range: VersionRange) -> tuple[int, int]:
        if isinstance(package, RootPackage):
            return (0, 0)
        # First seen, first decided: breadth-first, the order prefetching fetched them in.
        return (1, self._order.setdefault(package, len(self._order)))

    def span(self, package: Package, version: Version) -> VersionRange:
        """From `version` up to the next version the index lists (see pubgrub/spans.py)."""
        if isinstance(package, RootPackage) or package.name in self.sources:
            return VersionRange.singleton(version)
        if self._is_installed(package.name, version):
            # The index may not list it, or not be asked at all: its neighbours are unknown.
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

    def no_versions_reason(self, package: Package, range: VersionRange) -> str | None:
        if isinstance(package, PythonPackage) and not self._versions.get(package.name):
            return f"{package.name} was not found on the package index"
        return None

    async def choose_version(self, package: Package, range: VersionRange) -> Version | None:
        assert isinstance(package, PythonPackage)
        await self._pause_now_and_then()
        return await self._choose(package.name, range, by_solver=True)

    async def get_dependencies(
        self, package: Package, version: Version
    ) -> Mapping[Package, VersionRange] | Unavailable:
        if isinstance(package, RootPackage):
            self.dependencies[(package, version)] = dict(self.root_dependencies)
            await self._prefetch_new(self.root_dependencies)
            return self.root_dependencies
        if self.no_dependencies:  # an extra is still its base package at the same version
            if package.extra is None:
                return {}
            return {PythonPackage(package.name): VersionRange.singleton(version)}
        return await self._dependencies(package, version)

    async def _pause_now_and_then(self) -> None:
        """Let the loop run other tasks at least every PAUSE_EVERY seconds of solving.

        Answers at hand (cached metadata) come back without suspending, so a solver that
        backtracks through cached versions would otherwise keep the loop from reading
        responses and from starting the look-ahead's requests.
        """
        now = time.monotonic()
        if now - self._last_pause >= PAUSE_EVERY:
            self._last_pause = now
            await asyncio.sleep(0)

    async def cancel_prefetches(self) -> None:
        """Stop the look-ahead the solver no longer needs, before the client closes."""
        for task in self._prefetches:
            task.cancel()
        await asyncio.gather(*self._prefetches, return_exceptions=True)

    # -- versions -------------------------------------------------------------------------

    async def _choose(
        self, name: PackageName, range: VersionRange, *, by_solver: bool = False
    ) -> Version | None:
        """The best candidate in range; `by_solver` when the solver asks (not the look-ahead),
        so that only the solver moving to another version counts as backtracking."""
        direct = self.sources.get(name)
        if direct is not None:  # a source the user named: that version or nothing
            return direct.version if range.contains(direct.version, prereleases=True) else None
        constraint = self.constraints.get(name)
        if constraint is not None:
            range = range & constraint
        installed = self._installed_in(name, range)
        if installed is not None:
            return installed
        project = await self.client.project(name)
        candidates = self._candidates(name, self._versions_of(name, project), range)
        if project.ranks_indexes:
            # --index-strategy unsafe-first-match: an earlier index's candidates before a later
            # one's; the previous pin stays first and refused pre-releases stay last.
            preferred = self.preferences.get(name)
            candidates = iter(
                sorted(
                    candidates,
                    key=lambda c: (c[0] != preferred, not c[1], project.index_rank(c[0])),
                )
            )
        for version, allowed in candidates:
            result = self._select(name, version, project)
            if not allowed:
                self.unusable[(name, version)] = prerelease_reason(self.prerelease)
                return version
            if isinstance(result, NotSelected):
                # Offered all the same, to be reported with its reason (unusable.py).
                yanked = [f.yanked for f in project.files(version) if f.yanked]
                self.unusable[(name, version)] = rejection_reason(
                    name,
                    version,
                    result,
                    self.settings.python_version,
                    self.user_allows_sdist,
                    yanked_reason=yanked[0] if yanked else None,
                    sdist_refusal=self.sdist_refusal,
                )
                return version
            self.files[(name, version)] = result.file
            if result.metadata_stand_in is not None:
                self.stand_ins[(name, version)] = result.metadata_stand_in
            tried = self._tried.setdefault(name, set())
            if by_solver:
                tried.add(version)
            if by_solver and len(tried) > 1:
                # Chosen again: the solver is backtracking through this package's versions,
                # one metadata request at a time. Fetch the next ones' metadata together: the
                # next candidates in range, and the versions just beyond this one whatever the
                # range (botocore's range moves down one release per boto3 release tried, so
                # its next candidate is never inside the current range; fetching them one by
                # one made a cold boto3.in take 45 s).
                following = [v for v, ok in itertools.islice(candidates, BACKTRACK_PREFETCH) if ok]
                following += self._beyond(name, version)
                self._prefetch_versions(name, following, project)
            return version
        return None

    def _installed_in(self, name: PackageName, range: VersionRange) -> Version | None:
        kept = self.installed.get(name)
        if kept is None or not range.contains(kept.version, prereleases=True):
            return None
        if kept.version.is_prerelease and self._prerelease_policy(name) is PrereleaseMode.DISALLOW:
            return None
        return kept.version

    def _is_installed(self, name: PackageName, version: Version) -> bool:
        kept = self.installed.get(name)
        return kept is not None and kept.version == version

    def _beyond(self, name: PackageName, version: Version) -> list[Version]:
        """The final releases after `version` in the order the resolution mode tries them."""
        ascending = self._known_ascending(name)
        index = bisect.bisect_left(ascending, version)
        lowest = self.resolution is ResolutionMode.LOWEST or (
            self.resolution is ResolutionMode.LOWEST_DIRECT and name in self.direct
        )
        if lowest:
            nearby = ascending[index + 1 : index + 1 + 2 * BACKTRACK_PREFETCH]
        else:
            nearby = ascending[max(0, index - 2 * BACKTRACK_PREFETCH) : index][::-1]
        return [v for v in nearby if not v.is_prerelease][:BACKTRACK_PREFETCH]

    def _versions_of(self, name: PackageName, project: ProjectFiles) -> list[Version]:
        # Sorted once per run: a backtracking solver asks for boto3's 1,500 versions thousands
        # of times.
        versions = self._versions.get(name)
        if versions is None:
            versions = self._versions[name] = project.versions()
        return versions

    def _select(
        self, name: PackageName, version: Version, project: ProjectFiles
    ) -> Selected | NotSelected:
        # PEP 592: a yanked file counts only for an exact pin, which `==` here spells.
        specifier = SpecifierSet(f"=={version}" if name in self.exact_pins else "")
        # First with only the files that could win: a wheel for another platform never does,
        # and a release of torch or numpy has dozens (slow.in built 13,395 files, 9,875 of
        # them wheels, to choose among). A wheel chosen from those is the answer; anything
        # else (an sdist wants the others as its metadata stand-in, a failure wants every
        # file's reason) is decided again over all the files.
        likely = select_from_versions(
            name,
            specifier,
            [version],
            lambda at: project.files(at, self._may_win),
            self.settings,
        )
        if isinstance(likely, Selected) and likely.file.is_wheel:
            return likely
        return select_from_versions(name, specifier, [version], project.files, self.settings)

    def _may_win(self, filename: str) -> bool:
        """False only for a wheel whose tags the target cannot install."""
        if not filename.endswith(".whl"):
            return True
        try:
            wheel = WheelFilename.parse(filename)
        except ValueError:
            return True  # the file's own conversion says what is wrong with it
        return wheel.tag_rank(self.settings.tag_priority) is not None

    def _prefetch_versions(
        self, name: PackageName, following: list[Version], project: ProjectFiles
    ) -> None:
        for version in following:
            if (name, version) in self._prefetched:
                continue
            self._prefetched.add((name, version))
            result = self._select(name, version, project)
            if isinstance(result, NotSelected) or result.metadata_file is None:
                continue
            task = asyncio.ensure_future(self._prefetch_metadata(result.metadata_file))
            self._prefetches.add(task)
            task.add_done_callback(self._prefetches.discard)

    async def _prefetch_metadata(self, file: File) -> None:
        try:
            await self.client.wheel_metadata(file)
        except Exception as error:  # the solver's own request repeats the work and reports it
            logger.debug("Prefetching metadata of %s failed: %s", file.filename, error)

    def _candidates(
        self, name: PackageName, newest_first: list[Version], range: VersionRange
    ) -> Iterator[tuple[Version, bool]]:
        """The versions in `range` to try, best first, produced lazily (the first usable one
        usually ends the search), each with whether the pre-release mode allows it: the
        previous pin if still admitted, then by the resolution mode; pre-releases by the
        pre-release mode (if-necessary: only after every final release in range proved
        unusable, as the solver would learn one by one). Pre-releases the mode rules out come
        last, marked not allowed, so that a failure can say why they were not taken."""
        lowest = self.resolution is ResolutionMode.LOWEST or (
            self.resolution is ResolutionMode.LOWEST_DIRECT and name in self.direct
        )
        ordered = self._in_range(name, newest_first, range, lowest=lowest)
        policy = self._prerelease_policy(name)
        preferred = self.preferences.get(name)
        if (
            preferred is not None
            and range.contains(preferred, prereleases=True)
            and (not preferred.is_prerelease or policy is not PrereleaseMode.DISALLOW)
            and preferred in self._version_set(name, newest_first)
        ):
            yield preferred, True
        if policy is PrereleaseMode.ALLOW:
            yield from ((v, True) for v in ordered if v != preferred)
            return
        pre_releases: list[Version] = []
        for version in ordered:
            if version.is_prerelease:
                pre_releases.append(version)
            elif version != preferred:
                yield version, True
        allowed = policy is PrereleaseMode.IF_NECESSARY
        yield from ((v, allowed) for v in pre_releases if v != preferred)

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
        key = (package.name, version)
        direct = self.sources.get(package.name)
        if direct is not None:
            return await self._dependencies_from(package, version, direct.metadata)
        if self._is_installed(package.name, version):
            metadata = self.installed[package.name].metadata
            return await self._dependencies_from(package, version, metadata)
        # An extra decided before its base: choose it the same way.
        known = key in self.files or key in self.unusable
        if not known and await self._choose(package.name, VersionRange.singleton(version)) is None:
            return Unavailable("it has no usable file")
        reason = self.unusable.get(key)
        if reason is not None:
            return Unavailable(reason)
        file = self.files[key]
        stand_in = self.stand_ins.get(key)
        if stand_in is not None:
            try:
                metadata = await self.client.wheel_metadata(stand_in)
            except PuffinError as error:
                logger.debug("Building %s instead: %s", file.filename, error)
            else:
                return await self._dependencies_from(package, version, metadata)
        if file.is_sdist and self.sdist_metadata is not None:
            # A build failure ends the resolution: its output is the user's next step.
            metadata = await self.sdist_metadata(file)
        else:
            try:
                metadata = await self.client.wheel_metadata(file)
            except PuffinError as error:
                return Unavailable(f"its metadata could not be read: {error}")
        return await self._dependencies_from(package, version, metadata)

    async def _dependencies_from(
        self, package: PythonPackage, version: Version, metadata: bytes
    ) -> dict[Package, VersionRange] | Unavailable:
        """The edges a METADATA gives, or why that version cannot be used."""
        core = read_core_metadata(metadata)
        if isinstance(core, Unavailable):
            return core
        if core.requires_python is not None and not self._allows_target(core):
            # The index page may not say it (PEP 503 makes data-requires-python optional).
            target = self.settings.python_version
            return Unavailable(requires_python_reason(str(core.requires_python), target))
        dependencies = self._edges(package, version, core.requires_dist)
        self.dependencies[(package, version)] = dependencies
        await self._prefetch_new(dependencies)
        return dependencies

    def _allows_target(self, core: CoreMetadata) -> bool:
        """Whether `core`'s Requires-Python admits the target, once per distinct text:
        SpecifierSet.contains took a tenth of a warm boto3.in resolve."""
        assert core.requires_python is not None and core.requires_python_text is not None
        allowed = self._python_allows.get(core.requires_python_text)
        if allowed is None:
            target = self.settings.python_version
            allowed = core.requires_python.contains(target, prereleases=True)
            self._python_allows[core.requires_python_text] = allowed
        return allowed

    def _edges(
        self, package: PythonPackage, version: Version, requirements: Iterable[Requirement]
    ) -> dict[Package, VersionRange]:
        edges: dict[Package, VersionRange] = {}
        if package.extra is not None:
            edges[PythonPackage(package.name)] = VersionRange.singleton(version)
        for requirement in requirements:
            marker = requirement.marker
            if marker is not None and not self._marker_holds(marker, package.extra or ""):
                continue
            # The base package carries its unconditional requirements; an extra adds only its own.
            if package.extra is not None and (marker is None or self._marker_holds(marker, "")):
                continue
            name = normalize_name(requirement.name)
            extras = [normalize_extra(extra) for extra in requirement.extras]
            specifier = self.overrides.get(name, requirement.specifier)
            for key in [PythonPackage(name), *(PythonPackage(name, e) for e in extras)]:
                self._add_edge(edges, key, _specifier_range(specifier))
        return edges

    def _marker_holds(self, marker: Marker, extra: str) -> bool:
        """`marker` evaluated for the target with `extra`, once per marker object and extra:
        a package's requirements are walked again for each of its extras, and evaluation
        (~10 us) was a tenth of a cold jupyter.in resolve's solver time."""
        held = self._marker_results.get(id(marker))
        if held is None:
            # The marker is kept in the entry, so its id cannot be reused by another object.
            held = self._marker_results[id(marker)] = (marker, {})
        results = held[1]
        result = results.get(extra)
        if result is None:
            result = results[extra] = marker.evaluate({**self.markers, "extra": extra})
        return result

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
            specifier = self.overrides.get(requirement.name, requirement.specifier)
            self._note_specifier_names(specifier, requirement.name)
            if _is_exact_pin(specifier):
                self.exact_pins.add(requirement.name)
            range = specifier.to_range()
            keys = [PythonPackage(requirement.name)]
            keys += [PythonPackage(requirement.name, e) for e in sorted(requirement.extras)]
            for key in keys:
                self._add_edge(edges, key, range)
        for package, wanted in edges.items():
            if wanted.is_empty:
                assert isinstance(package, PythonPackage)
                raise ConflictingRequirements(self._conflict(package.name, requirements))
        return edges

    def _conflict(self, name: PackageName, requirements: Sequence[RootRequirement]) -> str:
        """Two first-party requirements (or one and the constraints) no version satisfies."""
        sources = [
            (f"you require {name}{r.specifier}", r.specifier.to_range())
            for r in requirements
            if r.name == name
        ]
        if name in self.overrides:
            specifier = self.overrides[name]
            sources = [(f"you require {name}{specifier}", specifier.to_range())]
        if name in self.constraints:
            specifier = self._constraint_specifiers[name]
            sources.append((f"your constraints require {name}{specifier}", self.constraints[name]))
        for (first, first_range), (second, second_range) in itertools.combinations(sources, 2):
            if (first_range & second_range).is_empty:
                return f"Because {first} and {second}, no solution is possible."
        return f"Because {_and([text for text, _ in sources])}, no solution is possible."

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

    async def _speculate(self, name: PackageName, range: VersionRange) -> None:
        """Ask now for the pages of what `name` depended on last time.

        The disk cache holds the METADATA of the wheels earlier runs chose; the newest one in
        range that fits the target is most likely what the solver picks again, so its
        dependencies' pages are requested before this page even arrives. A warm resolve of
        jupyter.in thus asks for all 96 pages in a few round trips instead of one round trip
        per level of its graph. A wrong guess costs a page request the solver may not need.
        """
        best: tuple[Version, Path] | None = None
        for wheel, path in self.client.cached_wheels(name):
            version = wheel.version
            if best is not None and version <= best[0]:
                continue
            if version.is_prerelease or not range.contains(version, prereleases=True):
                continue
            if wheel.tag_rank(self.settings.tag_priority) is None:
                continue
            best = (version, path)
        if best is None:
            return
        core = _cached_requirements(best[1])
        if core is not None:
            await self._prefetch_new(self._edges(PythonPackage(name), best[0], core.requires_dist))

    async def _prefetch(self, name: PackageName, range: VersionRange) -> None:
        if not self.no_dependencies and self._installed_in(name, range) is None:
            await self._speculate(name, range)
        try:
            version = await self._choose(name, range)
            if self.no_dependencies:
                return
            if version is not None and self._is_installed(name, version):
                metadata = self.installed[name].metadata
            elif version is None:
                return
            else:
                key = (name, version)
                file = self.stand_ins.get(key) or self.files.get(key)
                if file is None or not file.is_wheel:
                    return
                metadata = await self.client.wheel_metadata(file)
        except Exception as error:  # the solver's own request repeats the work and reports it
            logger.debug("Prefetching %s failed: %s", name, error)
            return
        # Go on down the graph without waiting for the solver to reach this package: a cold
        # resolve's requests then overlap across levels instead of one level per solver step.
        core = read_core_metadata(metadata)
        if isinstance(core, CoreMetadata) and version is not None:
            await self._prefetch_new(self._edges(PythonPackage(name), version, core.requires_dist))


def _cached_requirements(path: Path) -> CoreMetadata | None:
    entry = read_json(path)
    text = entry.get("metadata") if isinstance(entry, dict) else None
    if not isinstance(text, str):
        return None
    core = read_core_metadata(text.encode("utf-8", "surrogateescape"))
    return core if isinstance(core, CoreMetadata) else None


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


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
