"""The partial solution: the ordered assignments (decisions and derivations) made so far.

Invariants:
- assignments are numbered in the order they were made; a package's own assignments are kept
  in that order with, for each, the intersection of all of that package's terms up to it
  (`accumulated`), so relation checks and satisfier searches never refold terms;
- the decision level of an assignment is the number of decisions made up to and including it:
  the root's derivation is at level 0, the root's decision opens level 1;
- a package has at most one decision, and it is the package's last assignment.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from packaging.ranges import VersionRange
from packaging.version import Version

from puffin.resolver.pubgrub.incompatibility import Incompatibility
from puffin.resolver.pubgrub.term import Relation, Term

P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class Assignment(Generic[P]):
    """One step: `term` for `package`, made at `level`; `cause` is None for a decision."""

    package: P
    term: Term
    level: int
    index: int
    cause: Incompatibility[P] | None
    accumulated: Term

    @property
    def is_decision(self) -> bool:
        return self.cause is None


@dataclass(slots=True)
class _PackageState(Generic[P]):
    assignments: list[Assignment[P]] = field(default_factory=list)
    decision: Version | None = None

    @property
    def accumulated(self) -> Term | None:
        return self.assignments[-1].accumulated if self.assignments else None


@dataclass(frozen=True, slots=True)
class Satisfier(Generic[P]):
    """The earliest assignment that makes an incompatibility satisfied, and where to jump."""

    assignment: Assignment[P]
    previous_level: int


class PartialSolution(Generic[P]):
    """Assignments by package, with decision levels and backtracking."""

    def __init__(self) -> None:
        self._states: dict[P, _PackageState[P]] = {}
        self._order: list[P] = []  # the package of each assignment, in assignment order
        self.level = 0

    # -- reading

    def relation(self, package: P, term: Term) -> Relation:
        state = self._states.get(package)
        accumulated = None if state is None else state.accumulated
        if accumulated is None:
            return Relation.INCONCLUSIVE
        return accumulated.relation(term)

    def decisions(self) -> dict[P, Version]:
        return {
            package: state.decision
            for package, state in self._states.items()
            if state.decision is not None
        }

    def undecided(self) -> list[tuple[P, VersionRange]]:
        """Packages required (a positive derivation) but not yet decided, with their range."""
        found: list[tuple[P, VersionRange]] = []
        for package, state in self._states.items():
            if state.decision is None:
                accumulated = state.accumulated
                if accumulated is not None and accumulated.positive:
                    found.append((package, accumulated.range))
        return found

    # -- writing

    def decide(self, package: P, version: Version) -> None:
        self.level += 1
        self._add(package, Term(True, VersionRange.singleton(version)), None)
        self._states[package].decision = version

    def derive(self, package: P, term: Term, cause: Incompatibility[P]) -> None:
        self._add(package, term, cause)

    def _add(self, package: P, term: Term, cause: Incompatibility[P] | None) -> None:
        state = self._states.get(package)
        if state is None:
            state = self._states[package] = _PackageState()
        previous = state.accumulated
        accumulated = term if previous is None else previous.intersect(term)
        state.assignments.append(
            Assignment(package, term, self.level, len(self._order), cause, accumulated)
        )
        self._order.append(package)

    def backtrack(self, level: int) -> None:
        """Drop every assignment made above `level`."""
        while self._order:
            package = self._order[-1]
            state = self._states[package]
            if state.assignments[-1].level <= level:
                break
            self._order.pop()
            removed = state.assignments.pop()
            if removed.is_decision:
                state.decision = None
            if not state.assignments:
                del self._states[package]
        self.level = level

    # -- conflict resolution support

    def satisfier(self, incompatibility: Incompatibility[P]) -> Satisfier[P]:
        """Find the assignment that completes satisfying `incompatibility`, and the level of
        the one before it that the incompatibility also needs (the backjump target).

        The incompatibility must be satisfied by the whole partial solution.
        """
        earliest: dict[P, Assignment[P]] = {}
        for package, term in incompatibility.terms.items():
            earliest[package] = self._earliest_satisfying(package, term)
        satisfier = max(earliest.values(), key=lambda assignment: assignment.index)
        previous_index = max(
            (a.index for p, a in earliest.items() if p != satisfier.package), default=-1
        )
        # The satisfier may satisfy its term only together with earlier assignments of the
        # same package (e.g. `>=1` then `<2` for a term `>=1,<2`): they count as previous too.
        term = incompatibility.terms[satisfier.package]
        if not satisfier.term.satisfies(term):
            assignments = self._states[satisfier.package].assignments
            own = assignments[: bisect_left(assignments, satisfier.index, key=_index)]
            # Monotone for the same reason as in `_earliest_satisfying`.
            found = bisect_left(
                own, True, key=lambda a: a.accumulated.intersect(satisfier.term).satisfies(term)
            )
            if found < len(own):
                previous_index = max(previous_index, own[found].index)
        previous_level = 1
        if previous_index >= 0:
            assignments = self._states[self._order[previous_index]].assignments
            previous = assignments[bisect_left(assignments, previous_index, key=_index)]
            previous_level = max(previous_level, previous.level)
        return Satisfier(satisfier, previous_level)

    def _earliest_satisfying(self, package: P, term: Term) -> Assignment[P]:
        # Accumulated terms only narrow, so "satisfies" is false, then true: bisect. A package
        # backtracked through 1,500 versions has 1,500 assignments at one level.
        assignments = self._states[package].assignments
        found = bisect_left(assignments, True, key=lambda a: a.accumulated.satisfies(term))
        if found == len(assignments):
            raise AssertionError(f"{package!r} does not satisfy {term!r}")
        return assignments[found]


def _index(assignment: Assignment[P]) -> int:
    return assignment.index
