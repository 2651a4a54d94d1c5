"""Reshape a NoSolution proof into the steps a person follows; every step stays valid.

Steps that only combine facts about one package's versions become one fact. The solver
learns "no version of flask lies in R" whenever a range has nothing left to try. Ranges from
specifiers include local versions (`==3.0.0` admits `3.0.0+x`), so after trying 3.0.0 the
solver proves that the sliver `(3.0.0, 3.0.0+locals]` is empty and combines that with "flask
3.0.0 depends on werkzeug>=3" into "flask ==3.0.0 depends on werkzeug>=3". The combined
incompatibility already *is* that plain statement, so the report states it as a fact instead
of explaining a step about versions nobody asked for. The same holds for per-version
dependencies with the same requirement ("a 1.0 depends on c>=1", "a 2.0 depends on c>=1", no
other a: "every version of a depends on c>=1"), which is what pub's solver does up front by
giving each dependency the range between neighbouring versions. Doing it here keeps the
provider contract small (no "neighbouring versions" question) and keeps the solver exact.
A "no versions" fact that only widens a derived conclusion is dropped the same way.

And the common ending "you require P, P depends on D S, you require D outside S" is ordered as
people argue it: first "P cannot be used", then "and you require P".
"""

from __future__ import annotations

from typing import TypeVar

from puffin.resolver.pubgrub.incompatibility import (
    Cause,
    DependencyCause,
    DerivedCause,
    Incompatibility,
    NoVersionsCause,
    UnavailableCause,
)

P = TypeVar("P")


def collapse(incompatibility: Incompatibility[P], root: P) -> Incompatibility[P]:
    """The same proof with one-package steps restated as external facts; shared steps stay
    shared (the report numbers lines by identity)."""
    uses = _count_uses(incompatibility)
    done: dict[Incompatibility[P], Incompatibility[P]] = {}
    # Iterative post-order: derivation trees of long resolutions outgrow the recursion limit.
    stack: list[tuple[Incompatibility[P], bool]] = [(incompatibility, False)]
    while stack:
        node, children_done = stack.pop()
        if node in done:
            continue
        cause = node.cause
        if not isinstance(cause, DerivedCause):
            done[node] = node
            continue
        if not children_done:
            stack.append((node, True))
            stack += [(child, False) for child in (cause.first, cause.second)]
            continue
        first, second = done[cause.first], done[cause.second]
        result = _drop_no_versions(node, first, second)
        if result is None:
            folded = _fold(node, first, second)
            if folded is not None:
                result = Incompatibility(node.terms, folded)
        if result is None:
            result = node
            if first is not cause.first or second is not cause.second:
                result = Incompatibility(node.terms, DerivedCause(first, second))
            result = _requirement_last(result, root, uses) or result
        if result is not node:
            # Rewritten steps are used wherever the originals were: reordering may only
            # take apart a step nothing else refers to.
            uses[result] = uses.get(result, 0) + uses.get(node, 0)
        done[node] = result
    return done[incompatibility]


def _fold(
    node: Incompatibility[P], first: Incompatibility[P], second: Incompatibility[P]
) -> Cause[P] | None:
    """The external cause that states `node` outright, when its two causes are facts about the
    versions of one package that `node` merely widens to a larger range of that package."""
    for one, other in ((first, second), (second, first)):
        one_cause, other_cause = one.cause, other.cause
        if isinstance(one_cause, NoVersionsCause):
            package = one_cause.package
            if not _widens(node, other, package):
                continue
            widened = node.terms[package].range
            if isinstance(other_cause, DependencyCause) and other_cause.package == package:
                return DependencyCause(
                    package, widened, other_cause.dependency, other_cause.dependency_range
                )
            if isinstance(other_cause, UnavailableCause) and other_cause.package == package:
                # The reason belongs to the versions the provider named; keep naming only
                # those. `node` still says the whole widened range cannot be used.
                return other_cause
            if isinstance(other_cause, NoVersionsCause) and other_cause.package == package:
                return NoVersionsCause(package, widened)
    one_cause, other_cause = first.cause, second.cause
    if (
        isinstance(one_cause, DependencyCause)
        and isinstance(other_cause, DependencyCause)
        and one_cause.package == other_cause.package
        and one_cause.dependency == other_cause.dependency
        and one_cause.dependency_range == other_cause.dependency_range
        and _widens(node, second, one_cause.package)
        and _widens(node, first, one_cause.package)
    ):
        package = one_cause.package
        return DependencyCause(
            package,
            node.terms[package].range,
            one_cause.dependency,
            one_cause.dependency_range,
        )
    return None


def _widens(node: Incompatibility[P], fact: Incompatibility[P], package: P) -> bool:
    """Whether `node` is `fact` with only `package`'s (positive) term changed."""
    term = node.terms.get(package)
    if term is None or not term.positive or node.terms.keys() != fact.terms.keys():
        return False
    return all(node.terms[other] == fact.terms[other] for other in node.terms if other != package)


def _count_uses(incompatibility: Incompatibility[P]) -> dict[Incompatibility[P], int]:
    uses: dict[Incompatibility[P], int] = {}
    stack = [incompatibility]
    while stack:
        cause = stack.pop().cause
        if isinstance(cause, DerivedCause):
            for child in (cause.first, cause.second):
                uses[child] = uses.get(child, 0) + 1
                if uses[child] == 1:
                    stack.append(child)
    return uses


def _drop_no_versions(
    node: Incompatibility[P], first: Incompatibility[P], second: Incompatibility[P]
) -> Incompatibility[P] | None:
    """When a step only widens a derived conclusion over versions that do not exist, the
    conclusion itself serves (`foo==1.0 cannot be used`, not `foo>=1,<2,!=1.1 cannot be
    used`): a reader already takes the versions that exist as the only ones."""
    for one, other in ((first, second), (second, first)):
        one_cause = one.cause
        if (
            isinstance(one_cause, NoVersionsCause)
            and isinstance(other.cause, DerivedCause)
            and _widens(node, other, one_cause.package)
        ):
            return other
    return None


def _requirement_last(
    node: Incompatibility[P], root: P, uses: dict[Incompatibility[P], int]
) -> Incompatibility[P] | None:
    """Reorder "(E and you require P) then you require D" into "(E and you require D) then
    you require P", where E says "P R depends on D S": both prove the root cannot be
    selected, and the second reads "P R cannot be used. And because you require P, ..."."""
    cause = node.cause
    if not isinstance(cause, DerivedCause) or node.terms.keys() != {root}:
        return None
    for inner, outer in ((cause.first, cause.second), (cause.second, cause.first)):
        inner_cause, outer_cause = inner.cause, outer.cause
        if (
            not isinstance(inner_cause, DerivedCause)
            or uses.get(inner, 0) > 1
            or not _is_requirement(outer_cause, root)
        ):
            continue
        for fact, requirement in (
            (inner_cause.first, inner_cause.second),
            (inner_cause.second, inner_cause.first),
        ):
            dependency, required = fact.cause, requirement.cause
            if not (
                isinstance(dependency, DependencyCause)
                and isinstance(required, DependencyCause)
                and isinstance(outer_cause, DependencyCause)
                and _is_requirement(required, root)
                and dependency.package != dependency.dependency
                and dependency.package not in (root, dependency.dependency)
                and fact.terms.keys() == {dependency.package, dependency.dependency}
            ):
                continue
            package_term = fact.terms[dependency.package]
            dependency_term = fact.terms[dependency.dependency]
            if (
                required.dependency == dependency.package
                and outer_cause.dependency == dependency.dependency
                and package_term.positive
                and not dependency_term.positive
                and required.dependency_range.is_subset(package_term.range)
                and outer_cause.dependency_range.is_disjoint(dependency_term.range)
            ):
                unusable = Incompatibility(
                    {root: outer.terms[root], dependency.package: package_term},
                    DerivedCause(fact, outer),
                )
                return Incompatibility(node.terms, DerivedCause(unusable, requirement))
    return None


def _is_requirement(cause: Cause[P], root: P) -> bool:
    return isinstance(cause, DependencyCause) and cause.package == root
