"""Explain a NoSolution in plain sentences, following PubGrub's linear/branching reporting.

Each derived incompatibility becomes one sentence "Because <causes>, <conclusion>.", written
after the sentences its derived causes need. A derived incompatibility that is used by two or
more others gets a line number the first time it is explained, and later sentences refer to it
by that number instead of explaining it again. Chains of one derived and one external cause
are folded two steps at a time so the text stays short. The proof is first reshaped by
`collapse` so it never talks about versions that do not exist; ranges print as specifier text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from packaging.ranges import VersionRange

from puffin.resolver.pubgrub.collapse import collapse
from puffin.resolver.pubgrub.incompatibility import (
    DependencyCause,
    DerivedCause,
    Incompatibility,
    NoVersionsCause,
    RootCause,
    UnavailableCause,
)
from puffin.resolver.pubgrub.range_text import specifier_text

P = TypeVar("P")
P_contra = TypeVar("P_contra", contravariant=True)

# Every PEP 440 version; a range containing it reads as "any version".
_ALL_VERSIONS = VersionRange.full(admit_arbitrary=False)


class Formatter(Protocol[P_contra]):
    """How the report names packages and their version ranges."""

    def format_package(self, package: P_contra) -> str: ...

    def format_range(self, package: P_contra, range: VersionRange) -> str: ...


class DefaultFormatter:
    """`name` + specifier text (`flask>=1.0,<2.0`, `flask==3.0.0`, `flask<1 or flask>=2`);
    "any version of name" for all."""

    def format_package(self, package: object) -> str:
        return str(package)

    def format_range(self, package: object, range: VersionRange) -> str:
        name = self.format_package(package)
        if _ALL_VERSIONS.is_subset(range):
            return f"any version of {name}"
        if range.is_empty:
            return f"no version of {name}"
        # Alternatives read as words: `lib<1.5 or lib>=2,<3`, each a valid requirement.
        return " or ".join(f"{name}{part}" for part in specifier_text(range).split(" || "))


def report(
    incompatibility: Incompatibility[P],
    root: P,
    formatter: Formatter[P] | None = None,
    simplify: Callable[[P, VersionRange], VersionRange] | None = None,
) -> str:
    """The explanation of why `incompatibility` (the solver's final one) holds; what `root`
    depends on is worded as "you require". `simplify` rewrites a range in plainer terms before
    it is shown (the provider's `simplify_range`: spans back into versions)."""
    writer = _Writer(root, formatter if formatter is not None else DefaultFormatter(), simplify)
    return writer.write_report(collapse(incompatibility, root))


class _Writer(Generic[P]):
    def __init__(
        self,
        root: P,
        formatter: Formatter[P],
        simplify: Callable[[P, VersionRange], VersionRange] | None,
    ) -> None:
        self.formatter = formatter
        self.simplify = simplify or (lambda package, range: range)
        self.lines: list[tuple[str, int | None]] = []
        self.line_numbers: dict[Incompatibility[P], int] = {}
        self.uses: dict[Incompatibility[P], int] = {}
        self.root = root

    def write_report(self, incompatibility: Incompatibility[P]) -> str:
        self._count_uses(incompatibility)
        if isinstance(incompatibility.cause, DerivedCause):
            self._explain(incompatibility)
        else:
            self._write(f"Because {self._external(incompatibility)}, no solution is possible.")
        width = max((len(f"({n}) ") for _, n in self.lines if n is not None), default=0)
        rendered = []
        for text, number in self.lines:
            if not text:
                rendered.append("")
            elif number is None:
                rendered.append(" " * width + text)
            else:
                rendered.append(f"({number}) ".ljust(width) + text)
        return "\n".join(rendered)

    def _count_uses(self, incompatibility: Incompatibility[P]) -> None:
        stack = [incompatibility]
        while stack:
            current = stack.pop()
            cause = current.cause
            if not isinstance(cause, DerivedCause):
                continue
            for child in (cause.first, cause.second):
                seen = self.uses.get(child, 0)
                self.uses[child] = seen + 1
                if seen == 0:
                    stack.append(child)

    def _write(self, text: str, incompatibility: Incompatibility[P] | None = None) -> None:
        number = None
        if incompatibility is not None and self.uses.get(incompatibility, 0) > 1:
            number = len(self.line_numbers) + 1
            self.line_numbers[incompatibility] = number
        self.lines.append((text, number))

    def _number_last_line(self, incompatibility: Incompatibility[P]) -> int:
        text, number = self.lines[-1]
        if number is None:
            number = len(self.line_numbers) + 1
            self.lines[-1] = (text, number)
        self.line_numbers[incompatibility] = number
        return number

    # -- the reporting walk

    def _explain(self, incompatibility: Incompatibility[P]) -> None:
        cause = incompatibility.cause
        assert isinstance(cause, DerivedCause)
        first, second = cause.first, cause.second
        conclusion = self._concluded(incompatibility)
        first_derived = isinstance(first.cause, DerivedCause)
        second_derived = isinstance(second.cause, DerivedCause)
        if first_derived and second_derived:
            self._explain_two_derived(incompatibility, first, second, conclusion)
        elif first_derived or second_derived:
            derived, external = (first, second) if first_derived else (second, first)
            self._explain_one_derived(incompatibility, derived, external, conclusion)
        else:
            self._write(
                f"Because {self._external(first)} and {self._external(second)}, {conclusion}.",
                incompatibility,
            )

    def _explain_two_derived(
        self,
        incompatibility: Incompatibility[P],
        first: Incompatibility[P],
        second: Incompatibility[P],
        conclusion: str,
    ) -> None:
        first_line = self.line_numbers.get(first)
        second_line = self.line_numbers.get(second)
        if first_line is not None and second_line is not None:
            self._write(
                f"Because {self._conclusion(first)} ({first_line}) and "
                f"{self._conclusion(second)} ({second_line}), {conclusion}.",
                incompatibility,
            )
            return
        if first_line is not None or second_line is not None:
            numbered, unnumbered = (first, second) if first_line is not None else (second, first)
            self._explain(unnumbered)
            self._write(
                f"And because {self._conclusion(numbered)} ({self.line_numbers[numbered]}), "
                f"{conclusion}.",
                incompatibility,
            )
            return
        simple = next((c for c in (first, second) if self._has_external_causes(c)), None)
        if simple is not None:
            complex_ = second if simple is first else first
            self._explain(complex_)
            self._explain(simple)
            self._write(f"Thus, {self._conclusion(incompatibility)}.", incompatibility)
            return
        self._explain(first)
        number = self._number_last_line(first)
        self.lines.append(("", None))
        self._explain(second)
        self._write(
            f"And because {self._conclusion(first)} ({number}), {conclusion}.", incompatibility
        )

    def _explain_one_derived(
        self,
        incompatibility: Incompatibility[P],
        derived: Incompatibility[P],
        external: Incompatibility[P],
        conclusion: str,
    ) -> None:
        line = self.line_numbers.get(derived)
        if line is not None:
            self._write(
                f"Because {self._external(external)} and {self._conclusion(derived)} ({line}), "
                f"{conclusion}.",
                incompatibility,
            )
            return
        inner = derived.cause
        assert isinstance(inner, DerivedCause)
        inner_first_derived = isinstance(inner.first.cause, DerivedCause)
        inner_second_derived = isinstance(inner.second.cause, DerivedCause)
        if self.uses.get(derived, 0) <= 1 and inner_first_derived != inner_second_derived:
            prior_derived, prior_external = (
                (inner.first, inner.second) if inner_first_derived else (inner.second, inner.first)
            )
            if prior_derived not in self.line_numbers:
                # Fold `derived` into this sentence: its conclusion is never stated alone.
                self._explain(prior_derived)
                self._write(
                    f"And because {self._external(prior_external)} and "
                    f"{self._external(external)}, {conclusion}.",
                    incompatibility,
                )
                return
        self._explain(derived)
        self._write(f"And because {self._external(external)}, {conclusion}.", incompatibility)

    @staticmethod
    def _has_external_causes(incompatibility: Incompatibility[P]) -> bool:
        cause = incompatibility.cause
        return (
            isinstance(cause, DerivedCause)
            and not isinstance(cause.first.cause, DerivedCause)
            and not isinstance(cause.second.cause, DerivedCause)
        )

    # -- sentences

    # Ranges of packages whose versions the solver tried (subjects, positive terms) are shown
    # simplified, spans turned back into versions; requirements (objects, negative terms) are
    # shown as written, so a user's `foo>=2` never reads as `foo==2.0.0`.

    def _range(self, package: P, range: VersionRange) -> str:
        return self.formatter.format_range(package, range)

    def _subject(self, package: P, range: VersionRange) -> str:
        range = self.simplify(package, range)
        if _ALL_VERSIONS.is_subset(range):
            return f"every version of {self.formatter.format_package(package)}"
        return self._range(package, range)

    def _object(self, package: P, range: VersionRange) -> str:
        if _ALL_VERSIONS.is_subset(range):
            return self.formatter.format_package(package)
        return self._range(package, range)

    def _positive(self, package: P, range: VersionRange) -> str:
        return self._object(package, self.simplify(package, range))

    def _external(self, incompatibility: Incompatibility[P]) -> str:
        cause = incompatibility.cause
        if isinstance(cause, RootCause):
            root = VersionRange.singleton(cause.version)
            return f"we are solving for {self._range(cause.package, root)}"
        if isinstance(cause, NoVersionsCause):
            if cause.reason is not None:
                return cause.reason
            if _ALL_VERSIONS.is_subset(cause.range):
                return f"there is no version of {self.formatter.format_package(cause.package)}"
            return f"there is no version of {self._range(cause.package, cause.range)}"
        if isinstance(cause, UnavailableCause):
            return f"{self._subject(cause.package, cause.range)} is unavailable ({cause.reason})"
        if isinstance(cause, DependencyCause):
            wanted = self._object(cause.dependency, cause.dependency_range)
            if cause.package == self.root:
                return f"you require {wanted}"
            return f"{self._subject(cause.package, cause.range)} depends on {wanted}"
        return self._conclusion(incompatibility)

    def _concluded(self, incompatibility: Incompatibility[P]) -> str:
        """The conclusion as the end of a "Because ..." sentence."""
        conclusion = self._conclusion(incompatibility)
        if conclusion == _NO_SOLUTION:
            return conclusion
        return f"we can conclude that {conclusion}"

    def _conclusion(self, incompatibility: Incompatibility[P]) -> str:
        """What a derived incompatibility says, leaving out the root, which always holds."""
        terms = [
            (package, term)
            for package, term in incompatibility.terms.items()
            if not (package == self.root and term.positive)
        ]
        had_root = len(terms) < len(incompatibility.terms)
        if not terms:
            return _NO_SOLUTION
        positive = [(p, t.range) for p, t in terms if t.positive]
        negative = [self._object(p, t.range) for p, t in terms if not t.positive]
        if len(terms) == 1:
            if positive:
                package, range = positive[0]
                range = self.simplify(package, range)
                if _ALL_VERSIONS.is_subset(range):
                    return f"no version of {self.formatter.format_package(package)} can be used"
                return f"{self._range(package, range)} cannot be used"
            return f"you require {negative[0]}" if had_root else f"{negative[0]} is required"
        if not negative:
            return f"{_and([self._positive(p, r) for p, r in positive])} are incompatible"
        if not positive:
            return f"{' or '.join(negative)} is required"
        if len(positive) == 1:
            return f"{self._subject(*positive[0])} depends on {' or '.join(negative)}"
        subjects = _and([self._positive(p, r) for p, r in positive])
        return f"{subjects} depend on {' or '.join(negative)}"


_NO_SOLUTION = "no solution is possible"


def _and(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
