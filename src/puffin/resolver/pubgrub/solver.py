"""The PubGrub main loop: unit propagation, conflict resolution with backjumping, decisions."""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Generic, TypeAlias, TypeVar

from packaging.ranges import VersionRange
from packaging.version import Version

from puffin.errors import PuffinError
from puffin.resolver.pubgrub.incompatibility import (
    Cause,
    DependencyCause,
    DerivedCause,
    Incompatibility,
    NoVersionsCause,
    RootCause,
    UnavailableCause,
)
from puffin.resolver.pubgrub.partial_solution import PartialSolution
from puffin.resolver.pubgrub.provider import AsyncProvider, Provider, Unavailable
from puffin.resolver.pubgrub.term import Relation, Term

P = TypeVar("P")

# (package, the other terms, the reason shared by unavailable versions)
_MergeKey = tuple[P, frozenset[tuple[P, Term]], str | None]

# The solver's universe is PEP 440 versions. A range from `SpecifierSet("")` also admits
# arbitrary strings, and such a range is never a subset of one that does not, which would stop
# conflict resolution from seeing that "foo (any)" satisfies "foo (all versions)".
_VERSIONS = VersionRange.full(admit_arbitrary=False)


class NoSolution(PuffinError, Generic[P]):
    """No set of versions satisfies the root; `incompatibility` is the proof (its causes)."""

    def __init__(
        self,
        incompatibility: Incompatibility[P],
        root: P,
        simplify: Callable[[P, VersionRange], VersionRange] | None = None,
    ) -> None:
        from puffin.resolver.pubgrub.report import report

        super().__init__(report(incompatibility, root, simplify=simplify))
        self.incompatibility = incompatibility
        self.root = root


class Cancelled(PuffinError):
    """The provider's `should_cancel()` asked the solver to stop."""


@dataclass(frozen=True, slots=True)
class ChooseVersion(Generic[P]):
    """The solver asks: which version of `package` in `range`? (answer: Version or None)"""

    package: P
    range: VersionRange


@dataclass(frozen=True, slots=True)
class GetDependencies(Generic[P]):
    """The solver asks: what does `package` at `version` require? (answer: a mapping or
    Unavailable)"""

    package: P
    version: Version


Question: TypeAlias = ChooseVersion[P] | GetDependencies[P]
Answer: TypeAlias = Version | Mapping[P, VersionRange] | Unavailable | None
Steps: TypeAlias = Generator[Question[P], Answer[P], dict[P, Version]]


def solve(root: P, root_version: Version, provider: Provider[P]) -> dict[P, Version]:
    """Choose one version of every package reachable from `root` at `root_version`.

    Returns the chosen versions, the root included, or raises NoSolution.
    """
    steps = _Solver(root, root_version, provider).steps()
    answer: Answer[P] = None
    while True:
        try:
            question = steps.send(answer)
        except StopIteration as finished:
            solution: dict[P, Version] = finished.value
            return solution
        if isinstance(question, ChooseVersion):
            answer = provider.choose_version(question.package, question.range)
        else:
            answer = provider.get_dependencies(question.package, question.version)


async def solve_async(
    root: P, root_version: Version, provider: AsyncProvider[P]
) -> dict[P, Version]:
    """`solve` with a provider whose answers may wait: on the caller's event loop.

    The solver's questions are answered in the loop's thread: a provider answering from a
    worker thread made two cross-thread hand-offs per question, each waiting for the GIL
    while the loop was busy with responses (a cold boto3.in resolve asks ~6,000).
    """
    steps = _Solver(root, root_version, provider).steps()
    answer: Answer[P] = None
    while True:
        try:
            question = steps.send(answer)
        except StopIteration as finished:
            solution: dict[P, Version] = finished.value
            return solution
        if isinstance(question, ChooseVersion):
            answer = await provider.choose_version(question.package, question.range)
        else:
            answer = await provider.get_dependencies(question.package, question.version)


class _Solver(Generic[P]):
    """The algorithm, asking its provider questions by yielding them (see Steps): one
    implementation for the synchronous and the asynchronous driver."""

    def __init__(
        self, root: P, root_version: Version, provider: Provider[P] | AsyncProvider[P]
    ) -> None:
        self.root = root
        self.root_version = root_version
        self.provider = provider
        self.solution: PartialSolution[P] = PartialSolution()
        # Incompatibilities by each package they mention, oldest first (a dict as an ordered
        # set: a merge replaces one in place of its parts).
        self.incompatibilities: dict[P, dict[Incompatibility[P], None]] = {}
        # For merging: (package, the other terms, an unavailable reason) -> the incompatibility
        # holding exactly those other terms and a positive term of that package.
        self.mergeable: dict[_MergeKey[P], Incompatibility[P]] = {}
        # Incompatibilities found contradicted, by the decision level they were found at:
        # narrowing assignments keep them contradicted until a backjump below that level.
        self.contradicted: dict[Incompatibility[P], int] = {}
        self.contradicted_at: dict[int, list[Incompatibility[P]]] = {}
        should_cancel = getattr(provider, "should_cancel", None)
        self.should_cancel: Callable[[], bool] | None = should_cancel
        span = getattr(provider, "span", None)
        self.span: Callable[[P, Version], VersionRange] = span or (
            lambda package, version: VersionRange.singleton(version)
        )

    def steps(self) -> Steps[P]:
        root_range = VersionRange.singleton(self.root_version)
        self._add(
            Incompatibility(
                {self.root: Term(False, root_range)}, RootCause(self.root, self.root_version)
            )
        )
        next_package: P | None = self.root
        while next_package is not None:
            if self.should_cancel is not None and self.should_cancel():
                raise Cancelled("Dependency resolution was cancelled")
            self._propagate(next_package)
            next_package = yield from self._decide()
        return self.solution.decisions()

    def _add(self, incompatibility: Incompatibility[P]) -> None:
        incompatibility = self._merge(incompatibility)
        for package in incompatibility.terms:
            self.incompatibilities.setdefault(package, {})[incompatibility] = None

    def _merge(self, incompatibility: Incompatibility[P]) -> Incompatibility[P]:
        """Fold a new incompatibility into a known one that differs only in the range of one
        positive term: {p in A, rest} and {p in B, rest} give {p in A | B, rest}; likewise
        two ranges of one package unavailable for the same reason.

        Backtracking through a package's versions one by one otherwise piles up one fact per
        version (boto3 has 1,500), and every propagation step rereads them all; with the
        provider's spans (adjacent ranges) the merged range stays one interval, and the
        report says "torch<=2.0.0 is unavailable (...)" once instead of once per release.
        """
        terms = incompatibility.terms
        cause = incompatibility.cause
        for package, term in terms.items():
            if not term.positive or package == self.root:
                continue
            rest = frozenset((p, t) for p, t in terms.items() if p != package)
            if rest:
                key: _MergeKey[P] = (package, rest, None)
            elif isinstance(cause, UnavailableCause):
                key = (package, rest, cause.reason)
            else:
                continue
            known = self.mergeable.get(key)
            if known is None:
                self.mergeable[key] = incompatibility
                continue
            merged_terms = dict(terms)
            merged_terms[package] = Term(True, known.terms[package].range | term.range)
            merged = Incompatibility(merged_terms, _merged_cause(known, incompatibility, package))
            for other in known.terms:
                self.incompatibilities[other].pop(known, None)
            self.mergeable[key] = merged
            return merged
        return incompatibility

    # -- unit propagation

    def _propagate(self, package: P) -> None:
        changed: list[P] = [package]
        while changed:
            current = changed.pop()
            # Newest first: learned incompatibilities are the most general ones.
            for incompatibility in reversed(self.incompatibilities.get(current, {})):
                if incompatibility in self.contradicted:
                    continue
                unsatisfied = self._almost_satisfied(incompatibility)
                if unsatisfied is _UNDECIDED:
                    continue
                if unsatisfied is _DEAD:
                    self._contradicted(incompatibility)
                    continue
                if unsatisfied is _SATISFIED:
                    learned, term_package = self._resolve_conflict(incompatibility)
                    term = learned.terms[term_package]
                    self.solution.derive(term_package, term.negate(), learned)
                    changed = [term_package]
                    break
                assert not isinstance(unsatisfied, _Marker)
                term = incompatibility.terms[unsatisfied]
                self.solution.derive(unsatisfied, term.negate(), incompatibility)
                # Its open term is now contradicted by the derivation just made.
                self._contradicted(incompatibility)
                if unsatisfied not in changed:
                    changed.append(unsatisfied)

    def _almost_satisfied(self, incompatibility: Incompatibility[P]) -> P | _Marker:
        """The one package whose term is still open, or whether all are satisfied, or any
        contradicted (then the incompatibility cannot fire)."""
        open_package: P | _Marker = _SATISFIED
        for package, term in incompatibility.terms.items():
            relation = self.solution.relation(package, term)
            if relation is Relation.CONTRADICTED:
                return _DEAD
            if relation is Relation.INCONCLUSIVE:
                if open_package is not _SATISFIED:
                    return _UNDECIDED  # two open terms: nothing to derive yet
                open_package = package
        return open_package

    # -- conflict resolution

    def _resolve_conflict(
        self, incompatibility: Incompatibility[P]
    ) -> tuple[Incompatibility[P], P]:
        """Learn the root cause of a satisfied incompatibility and backjump so that it is
        almost satisfied; return it with the package whose term is now open."""
        learned = False
        while True:
            if self._is_terminal(incompatibility):
                simplify = getattr(self.provider, "simplify_range", None)
                raise NoSolution(incompatibility, self.root, simplify)
            found = self.solution.satisfier(incompatibility)
            satisfier = found.assignment
            if satisfier.cause is None or found.previous_level != satisfier.level:
                if learned:
                    self._add(incompatibility)
                self._backtrack(found.previous_level)
                return incompatibility, satisfier.package
            # Resolution: {t1, q} and the satisfier's cause {t2, r} give {q, r, t1 ∪ t2}.
            package = satisfier.package
            terms = [(p, t) for p, t in incompatibility.terms.items() if p != package]
            terms += [(p, t) for p, t in satisfier.cause.terms.items() if p != package]
            term = incompatibility.terms[package]
            if not satisfier.term.satisfies(term):
                terms.append((package, satisfier.term.difference(term).negate()))
            incompatibility = Incompatibility.from_terms(
                terms, DerivedCause(incompatibility, satisfier.cause)
            )
            learned = True

    def _contradicted(self, incompatibility: Incompatibility[P]) -> None:
        level = self.solution.level
        self.contradicted[incompatibility] = level
        self.contradicted_at.setdefault(level, []).append(incompatibility)

    def _backtrack(self, level: int) -> None:
        self.solution.backtrack(level)
        for found_at in [found_at for found_at in self.contradicted_at if found_at > level]:
            for incompatibility in self.contradicted_at.pop(found_at):
                self.contradicted.pop(incompatibility, None)

    def _is_terminal(self, incompatibility: Incompatibility[P]) -> bool:
        terms = incompatibility.terms
        if not terms:
            return True
        if len(terms) == 1:
            term = terms.get(self.root)
            return term is not None and term.positive
        return False

    # -- decision making

    def _decide(self) -> Generator[Question[P], Answer[P], P | None]:
        """Decide one package (or learn why it cannot be); None when everything is decided."""
        candidates = self.solution.undecided()
        if not candidates:
            return None
        package, range_ = min(
            candidates, key=lambda candidate: self.provider.prioritize(candidate[0], candidate[1])
        )
        if package == self.root:
            version: Version | None = self.root_version
        else:
            chosen = yield ChooseVersion(package, range_)
            assert chosen is None or isinstance(chosen, Version)
            version = chosen
        if version is None:
            explain = getattr(self.provider, "no_versions_reason", None)
            reason = explain(package, range_) if explain is not None else None
            self._add(
                Incompatibility(
                    {package: Term(True, range_)}, NoVersionsCause(package, range_, reason)
                )
            )
            return package
        version_range = self.span(package, version)
        dependencies = yield GetDependencies(package, version)
        assert isinstance(dependencies, Mapping | Unavailable)
        if isinstance(dependencies, Unavailable):
            self._add(
                Incompatibility(
                    {package: Term(True, version_range)},
                    UnavailableCause(package, version_range, dependencies.reason),
                )
            )
            return package
        conflict = False
        for dependency, wanted in dependencies.items():
            dependency_range = wanted & _VERSIONS
            if dependency == package and dependency_range.contains(version, prereleases=True):
                continue  # a package requiring itself at its own version says nothing
            incompatibility = Incompatibility.from_terms(
                [(package, Term(True, version_range)), (dependency, Term(False, dependency_range))],
                DependencyCause(package, version_range, dependency, dependency_range),
            )
            self._add(incompatibility)
            conflict = conflict or self._blocks_decision(incompatibility, package)
        if not conflict:
            self.solution.decide(package, version)
        return package

    def _blocks_decision(self, incompatibility: Incompatibility[P], package: P) -> bool:
        """Whether deciding `package` would satisfy this new incompatibility at once."""
        return all(
            self.solution.relation(other, term) is Relation.SATISFIED
            for other, term in incompatibility.terms.items()
            if other != package
        )


def _merged_cause(known: Incompatibility[P], new: Incompatibility[P], package: P) -> Cause[P]:
    """Two versions' identical dependency reads as one dependency of both; anything else is a
    derivation from the two facts."""
    first, second = known.cause, new.cause
    if isinstance(first, UnavailableCause) and isinstance(second, UnavailableCause):
        return UnavailableCause(package, first.range | second.range, first.reason)
    if (
        isinstance(first, DependencyCause)
        and isinstance(second, DependencyCause)
        and first.package == second.package == package
        and first.dependency == second.dependency
    ):
        return DependencyCause(
            package, first.range | second.range, first.dependency, first.dependency_range
        )
    return DerivedCause(known, new)


class _Marker:
    __slots__ = ()


_SATISFIED = _Marker()
_UNDECIDED = _Marker()  # two or more open terms: nothing to derive yet
_DEAD = _Marker()  # a term is contradicted: this incompatibility cannot fire
