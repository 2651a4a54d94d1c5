"""An in-memory package index and the Provider over it, built from a scenario file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from packaging.ranges import VersionRange
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from puffin.resolver.pubgrub import Unavailable, spans

ROOT = "root"
ROOT_VERSION = Version("0.0.0")


def to_range(specifier: str) -> VersionRange:
    return SpecifierSet(specifier).to_range()


@dataclass
class MemoryIndex:
    """Prefers the newest version; decides the package with the fewest candidates first."""

    requirements: dict[str, VersionRange]
    packages: dict[str, dict[Version, dict[str, VersionRange]]]
    unavailable: dict[str, dict[Version, str]] = field(default_factory=dict)
    dependency_calls: int = 0

    @classmethod
    def from_scenario(cls, scenario: Mapping[str, Any]) -> MemoryIndex:
        packages = {
            name: {
                Version(version): {dep: to_range(spec) for dep, spec in deps.items()}
                for version, deps in versions.items()
            }
            for name, versions in scenario.get("packages", {}).items()
        }
        unavailable = {
            name: {Version(version): reason for version, reason in versions.items()}
            for name, versions in scenario.get("unavailable", {}).items()
        }
        requirements = {name: to_range(spec) for name, spec in scenario["root"].items()}
        return cls(requirements, packages, unavailable)

    def _matching(self, package: str, range: VersionRange) -> list[Version]:
        # Pre-release-looking versions are plain versions to the solver's tests.
        versions = self.packages.get(package, {})
        return sorted((v for v in versions if range.contains(v, prereleases=True)), reverse=True)

    def prioritize(self, package: str, range: VersionRange) -> tuple[int, str]:
        return (len(self._matching(package, range)), package)

    def choose_version(self, package: str, range: VersionRange) -> Version | None:
        matching = self._matching(package, range)
        return matching[0] if matching else None

    def span(self, package: str, version: Version) -> VersionRange:
        return spans.span(version, self._ascending(package))

    def simplify_range(self, package: str, range: VersionRange) -> VersionRange:
        ascending = self._ascending(package)
        return spans.simplify(range, ascending, [spans.span(v, ascending) for v in ascending])

    def _ascending(self, package: str) -> list[Version]:
        return sorted(self.packages.get(package, {}))

    def get_dependencies(
        self, package: str, version: Version
    ) -> Mapping[str, VersionRange] | Unavailable:
        self.dependency_calls += 1
        if package == ROOT:
            return self.requirements
        reason = self.unavailable.get(package, {}).get(version)
        if reason is not None:
            return Unavailable(reason)
        return self.packages[package][version]
