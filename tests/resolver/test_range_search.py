"""Bisection over sorted versions finds exactly the versions `contains` admits."""

from __future__ import annotations

import itertools

import pytest
from packaging.ranges import VersionRange
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from puffin.resolver.range_search import matching_slices

VERSIONS = sorted(
    Version(text)
    for text in (
        "0.9", "1.0a1", "1.0", "1.0.post1", "1.0+local", "1.1.dev0", "1.1", "1.2rc1", "1.2",
        "1.2.1", "1.3", "2.0b2", "2.0", "2.0.1", "2!0.5", "3.0",
    )
)  # fmt: skip

SPECIFIERS = [
    "",
    ">=1.0",
    ">1.0",
    "<1.2",
    "<=1.2",
    "==1.2.*",
    "!=1.2",
    "~=1.1",
    ">=1.0,<2.0,!=1.2.1",
    "==1.0+local",
    ">2.0",
    "<0.1",
]


def found(range: VersionRange) -> list[Version]:
    slices = matching_slices(range, VERSIONS)
    assert slices is not None, "this packaging's VersionRange layout is not understood"
    return [version for piece in slices for version in VERSIONS[piece]]


@pytest.mark.parametrize("text", SPECIFIERS)
def test_slices_hold_exactly_the_versions_the_range_contains(text: str) -> None:
    range = SpecifierSet(text).to_range()
    expected = [v for v in VERSIONS if range.contains(v, prereleases=True)]
    assert found(range) == expected


def test_unions_and_differences_of_ranges_split_into_several_slices() -> None:
    for first, second in itertools.combinations(SPECIFIERS, 2):
        left, right = SpecifierSet(first).to_range(), SpecifierSet(second).to_range()
        for combined in (left | right, left - right, left & ~right):
            expected = [v for v in VERSIONS if combined.contains(v, prereleases=True)]
            assert found(combined) == expected, (first, second)


def test_a_range_with_a_literal_version_falls_back_to_contains() -> None:
    assert matching_slices(SpecifierSet("===1.0").to_range(), VERSIONS) is None
