"""Version ranges read as the specifiers a user writes, lower bound first, never as intervals."""

from __future__ import annotations

import pytest
from packaging.ranges import VersionRange
from packaging.specifiers import SpecifierSet

from puffin.resolver.pubgrub.range_text import specifier_text

_VERSIONS = VersionRange.full(admit_arbitrary=False)


def spec(text: str) -> VersionRange:
    return SpecifierSet(text).to_range() & _VERSIONS


@pytest.mark.parametrize(
    ("range", "expected"),
    [
        (spec(">=1,<2"), ">=1,<2"),
        (spec("<2,>=1,!=1.5"), ">=1,<2,!=1.5"),
        (spec("==3.0.0"), "==3.0.0"),
        (spec(">=2.0.dev1"), ">2.0.dev0"),
        (VersionRange.singleton("1.0"), "==1.0"),
        (_VERSIONS - VersionRange.singleton("1.0"), "!=1.0"),
        (spec(">=1,<2") - VersionRange.singleton("1.1.0"), ">=1,<2,!=1.1.0"),
        (_VERSIONS - spec("==1.0") - spec("==2.0"), "!=1.0,!=2.0"),
        (spec("<1") | spec(">=2"), "<1 || >=2"),
        (spec("<1") | spec(">=2,<3") | VersionRange.singleton("5"), "<1 || >=2,<3 || ==5"),
        (spec(">1.0"), ">1.0"),
        (spec("<=1.0"), "<=1.0"),
    ],
)
def test_specifier_text(range: VersionRange, expected: str) -> None:
    assert specifier_text(range) == expected
