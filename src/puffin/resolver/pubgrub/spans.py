"""Version spans: the range around a version that holds no other known version.

A provider that gives the solver `span(package, version)` instead of the bare version lets facts
about neighbouring versions merge into one interval ("boto3 >=1.20,<1.36 depends on ..."), as
pub's solver does; with bare versions a backtrack through 1,500 releases leaves ranges of 1,500
holes that every later range operation walks. For the report, `simplify` turns a union of spans
back into the versions it stands for.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from packaging.ranges import VersionRange
from packaging.specifiers import SpecifierSet
from packaging.version import Version

_ALL_VERSIONS = VersionRange.full(admit_arbitrary=False)


def span(version: Version, ascending: Sequence[Version]) -> VersionRange:
    """From `version` up to the next version of `ascending` (sorted, holding `version`); the
    lowest version's span reaches down to nothing, the highest's up to everything.

    `>=` is the one operator without pre-release or local-version exceptions, so differences of
    `>=` ranges are exactly these intervals; `>=` does not take local versions, so a span that
    would end at or start from one is the version alone.
    """
    index = bisect_right(ascending, version)
    following = ascending[index] if index < len(ascending) else None
    lowest = index <= 1
    if version.local is not None or (following is not None and following.local is not None):
        return VersionRange.singleton(version)
    result = _ALL_VERSIONS if lowest else _at_least(version)
    if following is not None:
        result = result - _at_least(following)
    return result


def simplify(
    range: VersionRange, ascending: Sequence[Version], spans: Sequence[VersionRange]
) -> VersionRange:
    """`range` in the plainest words when it is exactly a union of spans (`spans[i]` is the span
    of `ascending[i]`): the versions it holds, as runs (`==2.0`, `>=1.0,<=1.4`, every version
    when it holds two or more and all there are);
    any other range is returned as it is (a user's `>=2.5` is not rewritten as `==3.0`)."""
    inside = [i for i, version in enumerate(ascending) if range.contains(version, prereleases=True)]
    if not inside:
        return range
    union = VersionRange.empty()
    for i in inside:
        union = union | spans[i]
    if union != range:
        return range
    result = VersionRange.empty()
    run_start = inside[0]
    for position, i in enumerate(inside):
        last = position + 1 == len(inside) or inside[position + 1] != i + 1
        if last:
            result = result | _run(ascending, run_start, i)
            if position + 1 < len(inside):
                run_start = inside[position + 1]
    return result


def _run(ascending: Sequence[Version], first: int, last: int) -> VersionRange:
    if first == 0 and last == len(ascending) - 1 and first < last:
        return _ALL_VERSIONS  # "every version of a", when a has more than one
    if first == last:
        return VersionRange.singleton(ascending[first])
    text = []
    if first > 0:
        text.append(f">={ascending[first]}")
    if last < len(ascending) - 1:
        text.append(f"<={ascending[last]}")
    return SpecifierSet(",".join(text)).to_range()


def _at_least(version: Version) -> VersionRange:
    return SpecifierSet(f">={version}").to_range()
