"""A term: the statement "this package is selected at a version in R" (or its negation).

A positive term `foo R` is true when foo is selected at a version in R. A negative term
`not foo R` is true when foo is selected outside R *or not selected at all*; that is why a
negative term never satisfies a positive one, and two negative terms never contradict.
The package itself is not stored here: incompatibilities and the partial solution key terms by
package, so a term is only a polarity and a range.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from packaging.ranges import VersionRange


class Relation(enum.Enum):
    """How a set of assignments (folded into one term) bears on another term."""

    SATISFIED = "satisfied"
    CONTRADICTED = "contradicted"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True, slots=True)
class Term:
    """`positive` and `range`: `foo range` when positive, `not foo range` otherwise."""

    positive: bool
    range: VersionRange

    def negate(self) -> Term:
        return Term(not self.positive, self.range)

    def intersect(self, other: Term) -> Term:
        """The term true exactly when both terms are true."""
        if self.positive:
            if other.positive:
                return Term(True, self.range & other.range)
            return Term(True, self.range - other.range)
        if other.positive:
            return Term(True, other.range - self.range)
        return Term(False, self.range | other.range)

    def union(self, other: Term) -> Term:
        """The term true when either term is true (De Morgan over `intersect`)."""
        return self.negate().intersect(other.negate()).negate()

    def difference(self, other: Term) -> Term:
        return self.intersect(other.negate())

    def satisfies(self, other: Term) -> bool:
        """Whether this term being true forces `other` to be true (self ⊆ other)."""
        if self.positive:
            if other.positive:
                return self.range.is_subset(other.range)
            return self.range.is_disjoint(other.range)
        if other.positive:
            # "not selected" makes self true and other false.
            return False
        return other.range.is_subset(self.range)

    def relation(self, other: Term) -> Relation:
        """How this term (the folded assignments of a package) bears on `other`."""
        if self.positive:
            if other.positive:
                if self.range.is_subset(other.range):
                    return Relation.SATISFIED
                if self.range.is_disjoint(other.range):
                    return Relation.CONTRADICTED
                return Relation.INCONCLUSIVE
            if self.range.is_disjoint(other.range):
                return Relation.SATISFIED
            if self.range.is_subset(other.range):
                return Relation.CONTRADICTED
            return Relation.INCONCLUSIVE
        if other.positive:
            if other.range.is_subset(self.range):
                return Relation.CONTRADICTED
            return Relation.INCONCLUSIVE
        # Both negative: both hold when the package is not selected, so never contradicted.
        if other.range.is_subset(self.range):
            return Relation.SATISFIED
        return Relation.INCONCLUSIVE
