"""The solver's only window on the world: what versions exist and what they depend on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from packaging.ranges import VersionRange
from packaging.version import Version

P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class Unavailable:
    """A version the provider knows of but cannot use; `reason` ends up in the report."""

    reason: str


class Provider(Protocol[P]):
    """What `solve` asks. Every range it passes and receives uses the default pre-release policy
    (ranges built with `SpecifierSet(...).to_range()` or `VersionRange.full()/singleton()`
    without a `prereleases=` argument), because ranges of different policies cannot be combined.

    Optional methods:
    - `should_cancel() -> bool`: called once per step; true stops the solver with `Cancelled`.
    - `span(package, version) -> VersionRange`: the range the solver states facts about when it
      tries `version`, holding no other version the provider could choose (see spans.py); the
      default is the version alone.
    - `no_versions_reason(package, range) -> str | None`: a whole clause the report uses
      instead of "there is no version of ..." when `choose_version` found nothing.
    - `simplify_range(package, range) -> VersionRange`: the range as the failure report shows
      it (spans.simplify turns merged spans back into versions); the default shows it as is.
    """

    def prioritize(self, package: P, range: VersionRange) -> Any:
        """A comparable key; among packages awaiting a decision, the lowest is decided first."""
        ...

    def choose_version(self, package: P, range: VersionRange) -> Version | None:
        """The version of `package` to try inside `range`, or None when there is none.

        Preferences (newest first, pins, pre-release rules) are the provider's business.
        """
        ...

    def get_dependencies(
        self, package: P, version: Version
    ) -> Mapping[P, VersionRange] | Unavailable:
        """What `package` at `version` requires, or why that version cannot be used."""
        ...


class AsyncProvider(Protocol[P]):
    """`Provider` for `solve_async`: the same methods and optional methods, except that
    `choose_version` and `get_dependencies` are coroutines (they may wait for the network)."""

    def prioritize(self, package: P, range: VersionRange) -> Any: ...

    async def choose_version(self, package: P, range: VersionRange) -> Version | None: ...

    async def get_dependencies(
        self, package: P, version: Version
    ) -> Mapping[P, VersionRange] | Unavailable: ...
