"""Spell a version range the way a user writes specifiers: `>=1.0,<2.0`, `!=1.5`, `<1 || >=2`."""

from __future__ import annotations

import re

from packaging.ranges import VersionRange
from packaging.specifiers import Specifier
from packaging.version import InvalidVersion, Version

# Lower bounds first, then upper bounds, then pins and exclusions: people read a range from its
# floor up, while packaging prints specifiers in string order (`<2,>=1`).
_OPERATOR_RANK = {">=": 0, ">": 0, "<": 1, "<=": 1, "~=": 2, "==": 2, "===": 2, "!=": 3}
# VersionRange has no bounds accessor, so ranges with no specifier-set spelling (a strict
# singleton, a union of intervals) are rebuilt from the interval text of their repr:
# `[1.0, 2.0.dev0) | (2.0[AFTER_LOCALS], +inf)`. A boundary tag such as `[AFTER_LOCALS]` marks
# a point between real versions; a person reads `1.0[AFTER_LOCALS]` as just `1.0`.
_BODY = re.compile(r"<VersionRange '([^']*)'")
_INTERVAL = re.compile(r"([\[(])([^,\[\]]+|-inf)(\[\w+\])?, ([^,\[\]]+|\+inf)(\[\w+\])?([\])])")


def specifier_text(range: VersionRange) -> str:
    """Specifier text for a non-empty range that is not every version; alternatives joined by
    ` || `."""
    specifiers = range.to_specifier_set()
    if specifiers is not None:
        return _ordered(list(specifiers))
    body = _BODY.match(repr(range))
    intervals = _INTERVAL.findall(body.group(1)) if body is not None else []
    if not intervals:
        return repr(range)  # never reached for ranges built from specifiers
    return " || ".join(_intervals_text(intervals))


def _ordered(specifiers: list[Specifier]) -> str:
    specifiers.sort(key=lambda s: (_OPERATOR_RANK.get(s.operator, 2), _version_key(s.version)))
    texts = [str(s) for s in specifiers]
    # `>=V,!=V` is `>V` when V is a dev release (nothing sorts between V and its successor
    # but V's local versions, which `!=V` also excludes); packaging spells `>=2.0.dev1`
    # that way once a range went through set algebra.
    for spec in specifiers:
        if spec.operator == ">=" and f"!={spec.version}" in texts and _is_dev(spec.version):
            texts.remove(f"!={spec.version}")
            texts[texts.index(str(spec))] = f">{spec.version}"
    return ",".join(texts)


def _intervals_text(intervals: list[tuple[str, ...]]) -> list[str]:
    """One text per run of intervals separated only by single excluded versions."""
    runs: list[list[tuple[str, ...]]] = []
    for interval in intervals:
        if runs and _point_gap(runs[-1][-1], interval):
            runs[-1].append(interval)
        else:
            runs.append([interval])
    texts = []
    for run in runs:
        first, last = run[0], run[-1]
        lower_open, lower, lower_tag = first[0], first[1], first[2]
        upper, upper_tag, upper_close = last[3], last[4], last[5]
        if len(run) == 1 and lower == upper and lower_open == "[" and not lower_tag:
            texts.append(f"=={lower}")
            continue
        parts = []
        if lower != "-inf":
            parts.append(f">={lower}" if lower_open == "[" and not lower_tag else f">{lower}")
        if upper != "+inf":
            if upper_close == "]" or upper_tag:
                parts.append(f"<={upper}")
            else:
                parts.append(f"<{_without_dev0(upper)}")
        parts += [f"!={interval[3]}" for interval in run[:-1]]
        texts.append(",".join(parts))
    return texts


def _point_gap(left: tuple[str, ...], right: tuple[str, ...]) -> bool:
    """Whether only one version (with its local versions) lies between two intervals."""
    left_upper, left_tag, left_close = left[3], left[4], left[5]
    right_open, right_lower, right_tag = right[0], right[1], right[2]
    return (
        left_upper == right_lower
        and left_close == ")"
        and not left_tag
        and right_open == "("
        and right_tag in ("", "[AFTER_LOCALS]")
    )


def _without_dev0(version: str) -> str:
    """`<2` is stored as `< 2.dev0` (it excludes 2's pre-releases); show it as written."""
    try:
        parsed = Version(version)
    except InvalidVersion:
        return version
    if parsed.dev == 0 and parsed.pre is None and parsed.post is None and not parsed.local:
        return str(parsed).removesuffix(".dev0")
    return version


def _is_dev(version: str) -> bool:
    try:
        return Version(version).is_devrelease
    except InvalidVersion:
        return False


def _version_key(version: str) -> tuple[int, Version | str]:
    try:
        return (0, Version(version))
    except InvalidVersion:
        return (1, version)
