"""Why a listed version cannot be used, in the words the failure report shows.

The provider offers such versions to the solver anyway and answers their dependencies with
`Unavailable(reason)`: a report then says "lib==2.0 is unavailable (it is yanked)" where it
would otherwise claim "there is no version of lib".
"""

from __future__ import annotations

from collections.abc import Callable

from packaging.version import Version

from puffin.names import PackageName
from puffin.resolver.candidate_selector import NotSelected, PrereleaseMode, Rejection

# Reasons read best from the version down to its files: yanked, Python, wheels, then sdist.
_ORDER = (
    Rejection.YANKED,
    Rejection.REQUIRES_PYTHON,
    Rejection.INCOMPATIBLE_TAGS,
    Rejection.WHEEL_FORBIDDEN,
    Rejection.SDIST_FORBIDDEN,
)
_INVISIBLE = frozenset({Rejection.UPLOADED_AFTER_CUTOFF, Rejection.NO_UPLOAD_TIME})


def rejection_reason(
    name: PackageName,
    version: Version,
    result: NotSelected,
    python_version: Version,
    user_allows_sdist: Callable[[PackageName], bool],
    *,
    yanked_reason: str | None = None,
    sdist_refusal: str = "building its source distribution is not supported yet",
) -> str:
    """The reasons every file of `version` was turned down, joined into one clause."""
    found = result.rejections.get(version, ())
    if found and set(found) <= _INVISIBLE:
        if Rejection.UPLOADED_AFTER_CUTOFF in found:
            return "it was uploaded after the --exclude-newer cutoff"
        return "its files have no upload time, which --exclude-newer requires"
    parts = []
    for rejection in _ORDER:
        if rejection not in found:
            continue
        if rejection is Rejection.YANKED:
            parts.append(f"it is yanked: {yanked_reason}" if yanked_reason else "it is yanked")
        elif rejection is Rejection.REQUIRES_PYTHON:
            wanted = result.requires_python.get(version, "")
            parts.append(requires_python_reason(wanted, python_version))
        elif rejection is Rejection.INCOMPATIBLE_TAGS:
            parts.append("none of its wheels is compatible with the target")
        elif rejection is Rejection.WHEEL_FORBIDDEN:
            parts.append(f"--no-binary {name} rules out its wheels")
        elif rejection is Rejection.SDIST_FORBIDDEN:
            parts.append(
                sdist_refusal
                if user_allows_sdist(name)
                else "--only-binary or --no-build rules out its source distribution"
            )
    wheel_reasons = {Rejection.INCOMPATIBLE_TAGS, Rejection.WHEEL_FORBIDDEN}
    if Rejection.SDIST_FORBIDDEN in found and not wheel_reasons & set(found):
        parts.insert(0, "it has no wheel")
    return ", and ".join(parts) or "it has no usable file"


def requires_python_reason(wanted: str, python_version: Version) -> str:
    return f"it requires Python {wanted}, but the target is Python {python_version}"


def prerelease_reason(mode: PrereleaseMode) -> str:
    if mode is PrereleaseMode.DISALLOW:
        return "it is a pre-release, and --prerelease disallow rules them out"
    return (
        "it is a pre-release, and --prerelease explicit allows them only for packages whose"
        " input requirements name one"
    )
