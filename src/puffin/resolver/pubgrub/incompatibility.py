"""Incompatibilities: sets of terms that must not all be true, each with the cause that made it.

Invariant: an incompatibility holds at most one term per package (terms of one package are
folded by intersection when it is built). External causes record a fact the provider told us;
`DerivedCause` records the two incompatibilities conflict resolution combined, so the causes of
the final incompatibility form the derivation tree that the report explains.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from packaging.ranges import VersionRange
from packaging.version import Version

from puffin.resolver.pubgrub.term import Term

P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class RootCause(Generic[P]):
    """The root package must be selected at the version being solved for."""

    package: P
    version: Version


@dataclass(frozen=True, slots=True)
class NoVersionsCause(Generic[P]):
    """The provider has no version of `package` inside `range`; `reason` is the provider's own
    wording of that fact when it has a better one ("foo was not found on the index")."""

    package: P
    range: VersionRange
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class UnavailableCause(Generic[P]):
    """The provider cannot use `package` at versions in `range`, for `reason`."""

    package: P
    range: VersionRange
    reason: str


@dataclass(frozen=True, slots=True)
class DependencyCause(Generic[P]):
    """`package` at versions in `range` depends on `dependency` at `dependency_range`."""

    package: P
    range: VersionRange
    dependency: P
    dependency_range: VersionRange


@dataclass(frozen=True, slots=True)
class DerivedCause(Generic[P]):
    """Learned by resolving `first` against `second` during conflict resolution."""

    first: Incompatibility[P]
    second: Incompatibility[P]


Cause = (
    RootCause[P] | NoVersionsCause[P] | UnavailableCause[P] | DependencyCause[P] | DerivedCause[P]
)


@dataclass(frozen=True, slots=True, eq=False)
class Incompatibility(Generic[P]):
    """Terms that cannot all hold in a solution. Compared by identity: each is one fact."""

    terms: Mapping[P, Term]
    cause: Cause[P]

    @classmethod
    def from_terms(cls, terms: Iterable[tuple[P, Term]], cause: Cause[P]) -> Incompatibility[P]:
        """Build one, folding several terms of the same package into their intersection."""
        folded: dict[P, Term] = {}
        for package, term in terms:
            known = folded.get(package)
            folded[package] = term if known is None else known.intersect(term)
        return cls(folded, cause)

    @property
    def is_external(self) -> bool:
        return not isinstance(self.cause, DerivedCause)

    def __repr__(self) -> str:
        inner = ", ".join(
            f"{'' if term.positive else 'not '}{package!r} {term.range!r}"
            for package, term in self.terms.items()
        )
        return f"<Incompatibility {{{inner}}} {type(self.cause).__name__}>"
