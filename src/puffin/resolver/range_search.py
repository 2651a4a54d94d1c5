"""Find which of a package's sorted versions lie inside a VersionRange, by bisection.

A backtracking solve asks for "the best version of boto3 in this range" once per step, with a
range that has shed the ~1,500 newest versions one span at a time; testing every version with
`contains` made that quadratic (5 million calls, 11 s of a 27 s boto3 resolve). The range is a
handful of intervals, and each interval bound is monotone over sorted versions, so two
bisections per interval find its versions.

packaging exposes the intervals only privately (`_bounds`); their bounds changed shape
between releases: 26.3 gives each bound an `_above`/`_below` predicate, 26.4 a `filter_key()`
that sorts against `Version._key`. Both are read here. When neither is there, or the range
admits or rejects literal `===` strings, `matching_slices` answers None and the caller falls
back to `contains` (correct, but quadratic again: tests/resolver/test_range_search.py fails
on a packaging whose layout this module does not know, so CI says so).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from typing import Any

from packaging.ranges import VersionRange
from packaging.version import Version


def matching_slices(range: VersionRange, ascending: Sequence[Version]) -> list[slice] | None:
    """The slices of `ascending` (sorted, lowest first) whose versions lie in `range`, lowest
    slice first; pre-release policy is not applied (as `contains(v, prereleases=True)`)."""
    bounds: Any = getattr(range, "_bounds", None)
    if bounds is None or getattr(range, "_admit", None) or getattr(range, "_reject", None):
        return None
    slices = []
    try:
        for lower, upper in bounds:
            if hasattr(lower, "filter_key"):  # packaging 26.4: lower <= v._key < upper
                start = bisect_left(ascending, lower.filter_key(), key=_sort_key)
                stop = bisect_left(ascending, upper.filter_key(), key=_sort_key)
            else:  # packaging 26.3
                above: Callable[[Version], bool] | None = lower._above
                below: Callable[[Version], bool] | None = upper._below
                start = 0 if above is None else _first_true(ascending, above)
                stop = len(ascending) if below is None else _first_true(ascending, _not(below))
            if start < stop:
                slices.append(slice(start, stop))
    except (AttributeError, TypeError, ValueError):
        return None
    return slices


def _sort_key(version: Version) -> Any:
    return version._key


def _first_true(ascending: Sequence[Version], predicate: Callable[[Version], bool]) -> int:
    """The index of the first version for which a predicate that is false, then true, holds."""
    return bisect_left(ascending, True, key=predicate)


def _not(predicate: Callable[[Version], bool]) -> Callable[[Version], bool]:
    return lambda version: not predicate(version)
