"""Choose the best file of a project for a requirement and a target interpreter (pure).

The rules follow pip's finder, which users of pip-sync expect: the newest matching version wins
(a newer sdist beats an older wheel unless binaries are preferred); within a version the wheel
whose most specific supported tag ranks highest wins, then the highest build tag; yanked files
count only for an exact `==`/`===` pin (PEP 592); pre-releases only when allowed, named by the
specifier, or when nothing else matches; with an `exclude_newer` cutoff, only files uploaded
strictly before it count, and a file without an upload time never does (uv's rule: its age
cannot be proven).

The resolver also reads uv's `prerelease` and `resolution` modes from the settings; picking one
file per version does not depend on them.

When a version's best file is a source distribution but the version also has wheels for other
interpreters or platforms, the closest of those is named as the version's metadata stand-in:
as uv does, the resolver reads that wheel's METADATA instead of building the sdist (the files
of one release declare the same dependencies in all but broken projects, and a build just to
learn them is slow and fails for many old sdists on new Pythons). Installing still builds the
sdist.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from puffin.dist_types import File
from puffin.errors import UsageError
from puffin.filenames import WheelFilename
from puffin.names import PackageName


class Rejection(enum.Enum):
    """Why a file of a matching version could not be used."""

    YANKED = "yanked"
    REQUIRES_PYTHON = "requires-python"
    INCOMPATIBLE_TAGS = "no compatible wheel tag"
    SDIST_FORBIDDEN = "source distributions are not allowed"
    WHEEL_FORBIDDEN = "wheels are not allowed"
    UPLOADED_AFTER_CUTOFF = "uploaded after the exclude-newer cutoff"
    NO_UPLOAD_TIME = "no upload time to compare with the exclude-newer cutoff"


class PrereleaseMode(enum.Enum):
    """When the resolver may pick a pre-release (uv's `--prerelease`)."""

    DISALLOW = "disallow"  # never
    ALLOW = "allow"  # like any other version
    IF_NECESSARY = "if-necessary"  # only when no final release in range is usable
    # A package that a first-party requirement or constraint names a pre-release in is allowed
    # them; every other package is not.
    EXPLICIT = "explicit"
    IF_NECESSARY_OR_EXPLICIT = "if-necessary-or-explicit"  # EXPLICIT, else IF_NECESSARY


class ResolutionMode(enum.Enum):
    """Which end of a range the resolver tries first (uv's `--resolution`)."""

    HIGHEST = "highest"
    LOWEST = "lowest"
    LOWEST_DIRECT = "lowest-direct"  # lowest for first-party requirements, highest for the rest


@dataclass(frozen=True)
class SelectorSettings:
    """What the selection depends on besides the files themselves."""

    tag_priority: Mapping[str, int]  # "cp312-cp312-manylinux_2_17_x86_64" -> rank, 0 is best
    python_version: Version  # the target's full version, for Requires-Python
    allows_wheel: Callable[[PackageName], bool]
    allows_sdist: Callable[[PackageName], bool]
    allow_prereleases: bool = False  # pip's `--pre`; the resolver reads it as PrereleaseMode.ALLOW
    prefer_binary: bool = False
    exclude_newer: datetime | None = None  # naive means UTC
    prerelease: PrereleaseMode = PrereleaseMode.IF_NECESSARY_OR_EXPLICIT
    resolution: ResolutionMode = ResolutionMode.HIGHEST

    @functools.cached_property
    def target_platforms(self) -> frozenset[str]:
        """The platform parts of the target's tags (`manylinux_2_17_x86_64`, `any`)."""
        return frozenset(tag.rpartition("-")[2] for tag in self.tag_priority)

    @classmethod
    def from_tags(
        cls, tags: Sequence[str], python_version: Version, **kwargs: object
    ) -> SelectorSettings:
        priority = {tag: rank for rank, tag in enumerate(tags)}
        return cls(priority, python_version, **kwargs)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Selected:
    file: File
    version: Version
    # For an sdist `file`: a wheel of the same version whose tags do not fit the target, to
    # read the dependencies from without a build (see the module docstring).
    metadata_stand_in: File | None = None

    @property
    def metadata_file(self) -> File | None:
        """The wheel whose METADATA gives this version's dependencies; None: build `file`."""
        return self.file if self.file.is_wheel else self.metadata_stand_in


@dataclass(frozen=True)
class NotSelected:
    """Nothing usable; carries what is needed to explain it to a user."""

    versions_available: tuple[Version, ...]  # every version on the indexes
    matching: tuple[Version, ...]  # versions allowed by the specifier (pre-release rules applied)
    rejections: Mapping[
        Version, tuple[Rejection, ...]
    ]  # per matching version, why its files failed
    requires_python: Mapping[Version, str]  # the Requires-Python of versions rejected for it


_FRACTION = re.compile(r"(?<=:\d\d)\.(\d+)")


def parse_exclude_newer(text: str) -> datetime:
    """An `--exclude-newer` value: an RFC 3339 timestamp (`2024-03-01T12:00:00Z`), or a date
    (`2024-03-01`), meaning its midnight in the local time zone as uv reads it."""
    value = text.strip()
    try:
        if len(value) == len("YYYY-MM-DD"):
            return datetime.strptime(value, "%Y-%m-%d").astimezone()
        # Python 3.10's fromisoformat takes neither a trailing `Z` nor a fraction of other
        # than 3 or 6 digits, both of which RFC 3339 allows.
        if value[-1:] in ("Z", "z"):
            value = value[:-1] + "+00:00"
        value = _FRACTION.sub(lambda found: "." + found.group(1)[:6].ljust(6, "0"), value, 1)
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:  # RFC 3339 requires the offset
        raise UsageError(
            f"Invalid --exclude-newer value {text!r}: expected an RFC 3339 timestamp"
            " (2024-03-01T12:00:00Z) or a date (2024-03-01)"
        )
    return moment


def uploaded_before(file: File, cutoff: datetime) -> bool:
    """Whether `file` provably predates `cutoff` (naive times are UTC, as PEP 700's are)."""
    if file.upload_time is None:
        return False
    return _as_utc(file.upload_time) < _as_utc(cutoff)


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _is_exact_pin(specifier: SpecifierSet) -> bool:
    specs = list(specifier)
    return len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version


def _matching_versions(
    versions: Sequence[Version], specifier: SpecifierSet, allow_prereleases: bool
) -> list[Version]:
    if allow_prereleases:
        return [v for v in versions if specifier.contains(v, prereleases=True)]
    # packaging's filter keeps pre-releases when the specifier names one, or when nothing
    # else matches: the same fallback pip applies.
    return list(specifier.filter(versions))


def select_file(
    name: PackageName, specifier: SpecifierSet, files: Sequence[File], settings: SelectorSettings
) -> Selected | NotSelected:
    """Return the best file for `name` + `specifier`, or why none fits."""
    by_version: dict[Version, list[File]] = {}
    for file in files:
        by_version.setdefault(file.dist.version, []).append(file)
    return select_from_versions(
        name, specifier, sorted(by_version, reverse=True), by_version.__getitem__, settings
    )


def select_from_versions(
    name: PackageName,
    specifier: SpecifierSet,
    versions: Sequence[Version],
    files_of: Callable[[Version], Sequence[File]],
    settings: SelectorSettings,
) -> Selected | NotSelected:
    """Like select_file over versions newest first, asking for a version's files only when it
    is reached: a project page holds thousands of files and most are never looked at."""
    matching = _matching_versions(versions, specifier, settings.allow_prereleases)
    allow_yanked = _is_exact_pin(specifier)
    allows_wheel = settings.allows_wheel(name)
    allows_sdist = settings.allows_sdist(name)
    cutoff = settings.exclude_newer
    rejections: dict[Version, tuple[Rejection, ...]] = {}
    requires_python: dict[Version, str] = {}
    fallback: Selected | None = None  # an older wheel, when binaries are preferred
    for version in matching:
        best: tuple[tuple[int, int, tuple[int, str] | tuple[()]], File] | None = None
        incompatible: list[File] = []  # wheels for other targets: an sdist's stand-ins
        reasons: list[Rejection] = []
        for file in files_of(version):
            if cutoff is not None and not uploaded_before(file, cutoff):
                reasons.append(
                    Rejection.NO_UPLOAD_TIME
                    if file.upload_time is None
                    else Rejection.UPLOADED_AFTER_CUTOFF
                )
                continue
            if file.yanked is not None and not allow_yanked:
                reasons.append(Rejection.YANKED)
                continue
            if file.requires_python is not None and not file.requires_python.contains(
                settings.python_version, prereleases=True
            ):
                reasons.append(Rejection.REQUIRES_PYTHON)
                requires_python[version] = str(file.requires_python)
                continue
            if isinstance(file.dist, WheelFilename):
                if not allows_wheel:
                    reasons.append(Rejection.WHEEL_FORBIDDEN)
                    continue
                rank = file.dist.tag_rank(settings.tag_priority)
                if rank is None:
                    reasons.append(Rejection.INCOMPATIBLE_TAGS)
                    incompatible.append(file)
                    continue
                key = (0, rank, file.dist.build)
            else:
                if not allows_sdist:
                    reasons.append(Rejection.SDIST_FORBIDDEN)
                    continue
                key = (1, 0, ())
            # Lower key is better; build tags compare highest-first, hence the negation below.
            if best is None or _better(key, best[0]):
                best = (key, file)
        if best is None:
            rejections[version] = tuple(dict.fromkeys(reasons))
            continue
        stand_in = None
        if not best[1].is_wheel and incompatible:
            stand_in = min(incompatible, key=lambda wheel: _distance(wheel, settings))
        chosen = Selected(best[1], version, stand_in)
        if settings.prefer_binary and not best[1].is_wheel:
            fallback = fallback or chosen
            continue
        return chosen
    if fallback is not None:
        return fallback
    return NotSelected(tuple(versions), tuple(matching), rejections, requires_python)


def _distance(file: File, settings: SelectorSettings) -> tuple[bool, int, str]:
    """How far an incompatible wheel is from the target, smaller is nearer: first whether
    none of its platforms is the target's, then how far its interpreter's version is from
    the target's, then its filename (a stable choice)."""
    assert isinstance(file.dist, WheelFilename)
    platforms = settings.target_platforms
    target = settings.python_version.major * 100 + settings.python_version.minor
    same_platform = False
    distance = 10_000
    for tag in file.dist.tags:
        same_platform = same_platform or tag.platform in platforms
        digits = tag.interpreter[2:]  # "311" of cp311, "3" of py3
        if digits.isdigit():
            number = int(digits[0]) * 100 + (int(digits[1:]) if len(digits) > 1 else 0)
            distance = min(distance, abs(target - number))
    return (not same_platform, distance, file.filename)


def _better(
    key: tuple[int, int, tuple[int, str] | tuple[()]],
    than: tuple[int, int, tuple[int, str] | tuple[()]],
) -> bool:
    if key[:2] != than[:2]:
        return key[:2] < than[:2]
    return key[2] > than[2]


def explain(
    name: PackageName, specifier: SpecifierSet, result: NotSelected, python_version: Version
) -> str:
    """One sentence saying why nothing was selected, for the error a user reads."""
    wanted = f"{name}{specifier}" if str(specifier) else name
    if not result.versions_available:
        return f"No files for {name} were found on the package index"
    if not result.matching:
        shown = ", ".join(str(v) for v in sorted(result.versions_available)[-10:])
        return f"No version of {name} matches {wanted} (available: {shown})"
    version = result.matching[0]
    reasons = result.rejections.get(version, ())
    pin = f"{name}=={version}"
    details = {
        Rejection.YANKED: f"{pin} is yanked",
        Rejection.REQUIRES_PYTHON: (
            f"{pin} requires Python {result.requires_python.get(version, '')}"
            f", but the target is Python {python_version}"
        ),
        Rejection.INCOMPATIBLE_TAGS: f"{pin} has no wheel compatible with this interpreter",
        Rejection.SDIST_FORBIDDEN: (
            f"{pin} has only a source distribution, which --only-binary or --no-build rules out"
        ),
        Rejection.WHEEL_FORBIDDEN: f"{pin} offers only wheels, forbidden by --no-binary",
        Rejection.UPLOADED_AFTER_CUTOFF: f"{pin} was uploaded after the --exclude-newer date",
        Rejection.NO_UPLOAD_TIME: (
            f"{pin} has files without an upload time, which --exclude-newer excludes"
        ),
    }
    text = "; ".join(details[r] for r in reasons) or f"no usable file for {pin}"
    return f"Cannot install {wanted}: {text}"
