"""uv's resolution knobs on the PubGrub provider: exclude-newer, pre-releases, resolution."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.specifiers import SpecifierSet
from packaging.tags import sys_tags
from packaging.version import Version

from puffin.cache import Cache
from puffin.client.registry import IndexSettings, RegistryClient
from puffin.dist_types import File, IndexLocation
from puffin.errors import UsageError
from puffin.filenames import parse_dist_filename
from puffin.names import PackageName, normalize_name
from puffin.resolver.candidate_selector import (
    NotSelected,
    PrereleaseMode,
    ResolutionMode,
    SelectorSettings,
    explain,
    parse_exclude_newer,
    select_file,
)
from puffin.resolver.pubgrub import NoSolution
from puffin.resolver.python_provider import (
    PythonPackage,
    PythonProvider,
    RootRequirement,
)
from tests.support.index_server import PackageIndex

MARKERS = {key: str(value) for key, value in default_environment().items()}
JAN = datetime(2024, 1, 1, tzinfo=timezone.utc)
MAR = datetime(2024, 3, 1, tzinfo=timezone.utc)
JUN = datetime(2024, 6, 1, tzinfo=timezone.utc)


def resolve(
    index: PackageIndex,
    tmp_path: Path,
    requirements: list[str],
    *,
    constraints: Mapping[str, str] | None = None,
    **knobs: object,
) -> dict[str, str]:
    """Solve as `puffin pip-compile` does (provider on the loop, solver in a thread): the pins."""
    settings = SelectorSettings.from_tags(
        [str(tag) for tag in sys_tags()],
        Version(MARKERS["python_full_version"]),
        allows_wheel=lambda name: True,
        allows_sdist=lambda name: False,
        **knobs,
    )
    roots = []
    for text in requirements:
        name, _, specifier = text.partition(" ")
        roots.append(RootRequirement(normalize_name(name), frozenset(), SpecifierSet(specifier)))
    constraint_specifiers = {
        normalize_name(name): SpecifierSet(specifier)
        for name, specifier in (constraints or {}).items()
    }

    async def run() -> dict[str, str]:
        cache = Cache(tmp_path / "cache")
        indexes = IndexSettings(index_url=index.url)
        async with RegistryClient(cache=cache, indexes=indexes) as client:
            provider = PythonProvider(
                client,
                settings,
                MARKERS,
                roots,
                constraints=constraint_specifiers,
            )
            solution = await provider.solve()
        return {
            package.name: str(version)
            for package, version in solution.items()
            if isinstance(package, PythonPackage) and package.extra is None
        }

    return asyncio.run(run())


# -- exclude-newer ------------------------------------------------------------------------


@pytest.fixture
def dated(index: PackageIndex) -> PackageIndex:
    """alpha 1.0 (January), 2.0 (June), 3.0 (no upload time); beta 1.0 needs alpha."""
    index.add_wheel("alpha", "1.0", upload_time=JAN)
    index.add_wheel("alpha", "2.0", upload_time=JUN)
    index.add_wheel("alpha", "3.0")
    index.add_wheel("beta", "1.0", requires_dist=["alpha"], upload_time=JAN)
    return index


def test_without_a_cutoff_every_file_counts(dated: PackageIndex, tmp_path: Path) -> None:
    assert resolve(dated, tmp_path, ["beta"]) == {"alpha": "3.0", "beta": "1.0"}


def test_files_uploaded_after_the_cutoff_or_undated_are_invisible(
    dated: PackageIndex, tmp_path: Path
) -> None:
    pins = resolve(dated, tmp_path, ["beta"], exclude_newer=MAR)

    assert pins == {"alpha": "1.0", "beta": "1.0"}


def test_a_file_uploaded_at_the_cutoff_itself_is_excluded_and_naive_means_utc(
    dated: PackageIndex, tmp_path: Path
) -> None:
    just_after = JUN.replace(tzinfo=None) + timedelta(microseconds=1)

    assert resolve(dated, tmp_path, ["alpha"], exclude_newer=JUN) == {"alpha": "1.0"}
    assert resolve(dated, tmp_path, ["alpha"], exclude_newer=just_after) == {"alpha": "2.0"}


def test_a_cutoff_in_another_timezone_compares_as_the_same_instant(
    dated: PackageIndex, tmp_path: Path
) -> None:
    # 01:00 on June 1st at UTC+2 is 23:00 on May 31st UTC: before alpha 2.0's upload.
    cutoff = datetime(2024, 6, 1, 1, 0, tzinfo=timezone(timedelta(hours=2)))

    assert resolve(dated, tmp_path, ["alpha"], exclude_newer=cutoff) == {"alpha": "1.0"}


def test_a_version_whose_files_are_all_too_new_cannot_be_pinned(
    dated: PackageIndex, tmp_path: Path
) -> None:
    with pytest.raises(NoSolution):
        resolve(dated, tmp_path, ["alpha ==2.0"], exclude_newer=MAR)


def test_a_version_keeps_its_files_from_before_the_cutoff(
    index: PackageIndex, tmp_path: Path
) -> None:
    """A late wheel added to an old release does not hide the release."""
    index.add_wheel("alpha", "1.0", upload_time=JAN)
    index.add_wheel("alpha", "1.0", tag="py2.py3-none-any", upload_time=JUN)

    assert resolve(index, tmp_path, ["alpha"], exclude_newer=MAR) == {"alpha": "1.0"}


def selector_file(filename: str, upload_time: datetime | None) -> File:
    return File(
        dist=parse_dist_filename(filename),
        url=f"https://files.example/{filename}",
        hashes=(),
        requires_python=None,
        yanked=None,
        size=None,
        upload_time=upload_time,
        has_metadata_file=False,
        metadata_hashes=(),
        index=IndexLocation("https://index.example/simple"),
    )


def test_the_selector_explains_an_excluded_version() -> None:
    settings = SelectorSettings.from_tags(
        ["py3-none-any"],
        Version("3.12.1"),
        allows_wheel=lambda name: True,
        allows_sdist=lambda name: True,
        exclude_newer=MAR,
    )
    foo = PackageName("foo")
    late = [selector_file("foo-2.0-py3-none-any.whl", JUN)]
    undated = [selector_file("foo-2.0-py3-none-any.whl", None)]

    late_result = select_file(foo, SpecifierSet(), late, settings)
    undated_result = select_file(foo, SpecifierSet(), undated, settings)

    assert isinstance(late_result, NotSelected)
    assert isinstance(undated_result, NotSelected)
    assert explain(foo, SpecifierSet(), late_result, Version("3.12.1")) == (
        "Cannot install foo: foo==2.0 was uploaded after the --exclude-newer date"
    )
    assert explain(foo, SpecifierSet(), undated_result, Version("3.12.1")) == (
        "Cannot install foo: foo==2.0 has files without an upload time,"
        " which --exclude-newer excludes"
    )


# -- pre-releases ---------------------------------------------------------------------------


@pytest.fixture
def prereleases(index: PackageIndex) -> PackageIndex:
    """alpha: final below a newer beta; gamma: a requirement naming a pre-release; delta's
    metadata names one of epsilon's (transitive: never "explicit"); beta: pre-releases only."""
    index.add_wheel("alpha", "1.0")
    index.add_wheel("alpha", "2.0b1")
    index.add_wheel("gamma", "1.5")
    index.add_wheel("gamma", "2.0")
    index.add_wheel("gamma", "2.1b1")
    index.add_wheel("delta", "1.0", requires_dist=["epsilon>=1.0b1"])
    index.add_wheel("epsilon", "1.0")
    index.add_wheel("epsilon", "1.1b1")
    index.add_wheel("beta", "1.0b1")
    index.add_wheel("beta", "1.0b2")
    return index


MIXED = ["alpha", "gamma >=2.0a1", "delta"]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (
            PrereleaseMode.ALLOW,
            {"alpha": "2.0b1", "delta": "1.0", "epsilon": "1.1b1", "gamma": "2.1b1"},
        ),
        (
            PrereleaseMode.DISALLOW,
            {"alpha": "1.0", "delta": "1.0", "epsilon": "1.0", "gamma": "2.0"},
        ),
        (
            PrereleaseMode.IF_NECESSARY,
            {"alpha": "1.0", "delta": "1.0", "epsilon": "1.0", "gamma": "2.0"},
        ),
        (
            PrereleaseMode.EXPLICIT,
            {"alpha": "1.0", "delta": "1.0", "epsilon": "1.0", "gamma": "2.1b1"},
        ),
        (
            PrereleaseMode.IF_NECESSARY_OR_EXPLICIT,
            {"alpha": "1.0", "delta": "1.0", "epsilon": "1.0", "gamma": "2.1b1"},
        ),
    ],
)
def test_prerelease_modes_with_finals_available(
    prereleases: PackageIndex, tmp_path: Path, mode: PrereleaseMode, expected: dict[str, str]
) -> None:
    assert resolve(prereleases, tmp_path, MIXED, prerelease=mode) == expected


def test_the_default_mode_is_if_necessary_or_explicit(
    prereleases: PackageIndex, tmp_path: Path
) -> None:
    assert resolve(prereleases, tmp_path, [*MIXED, "beta"]) == {
        "alpha": "1.0",
        "beta": "1.0b2",
        "delta": "1.0",
        "epsilon": "1.0",
        "gamma": "2.1b1",
    }


def test_pip_pre_flag_means_allow(prereleases: PackageIndex, tmp_path: Path) -> None:
    pins = resolve(
        prereleases, tmp_path, ["alpha"], allow_prereleases=True, prerelease=PrereleaseMode.DISALLOW
    )

    assert pins == {"alpha": "2.0b1"}


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (PrereleaseMode.ALLOW, "1.0b2"),
        (PrereleaseMode.DISALLOW, None),
        (PrereleaseMode.IF_NECESSARY, "1.0b2"),
        (PrereleaseMode.EXPLICIT, None),
        (PrereleaseMode.IF_NECESSARY_OR_EXPLICIT, "1.0b2"),
    ],
)
def test_prerelease_modes_for_a_project_with_only_prereleases(
    prereleases: PackageIndex, tmp_path: Path, mode: PrereleaseMode, expected: str | None
) -> None:
    if expected is None:
        with pytest.raises(NoSolution):
            resolve(prereleases, tmp_path, ["beta"], prerelease=mode)
    else:
        assert resolve(prereleases, tmp_path, ["beta"], prerelease=mode) == {"beta": expected}


def test_explicit_counts_a_constraint_naming_a_prerelease(
    prereleases: PackageIndex, tmp_path: Path
) -> None:
    pins = resolve(
        prereleases,
        tmp_path,
        ["beta"],
        constraints={"beta": "<=1.0b1"},
        prerelease=PrereleaseMode.EXPLICIT,
    )

    assert pins == {"beta": "1.0b1"}


def test_explicit_ignores_a_dependency_naming_a_prerelease(
    index: PackageIndex, tmp_path: Path
) -> None:
    index.add_wheel("delta", "1.0", requires_dist=["epsilon>=1.0b1"])
    index.add_wheel("epsilon", "1.0b1")

    with pytest.raises(NoSolution):
        resolve(index, tmp_path, ["delta"], prerelease=PrereleaseMode.EXPLICIT)
    assert resolve(index, tmp_path, ["delta"]) == {"delta": "1.0", "epsilon": "1.0b1"}


def test_if_necessary_when_a_dependency_excludes_every_final(
    prereleases: PackageIndex, tmp_path: Path
) -> None:
    prereleases.add_wheel("zeta", "1.0", requires_dist=["alpha>1.0"])

    pins = resolve(prereleases, tmp_path, ["zeta"], prerelease=PrereleaseMode.IF_NECESSARY)

    assert pins == {"alpha": "2.0b1", "zeta": "1.0"}
    with pytest.raises(NoSolution):
        resolve(prereleases, tmp_path, ["zeta"], prerelease=PrereleaseMode.DISALLOW)


def test_if_necessary_when_the_final_has_no_usable_wheel(
    index: PackageIndex, tmp_path: Path
) -> None:
    index.add_wheel("alpha", "1.0", tag="py3-none-unknown_platform")
    index.add_wheel("alpha", "1.1b1")

    pins = resolve(index, tmp_path, ["alpha"], prerelease=PrereleaseMode.IF_NECESSARY)

    assert pins == {"alpha": "1.1b1"}


# -- resolution strategy ---------------------------------------------------------------------


@pytest.fixture
def ranged(index: PackageIndex) -> PackageIndex:
    """app (direct) needs util; lib (direct) stands alone; util is only transitive."""
    index.add_wheel("app", "0.9")
    index.add_wheel("app", "1.0", requires_dist=["util>=1.0"])
    index.add_wheel("app", "2.0", requires_dist=["util>=1.5"])
    index.add_wheel("lib", "1.0")
    index.add_wheel("lib", "2.0")
    index.add_wheel("lib", "1.5rc1")
    index.add_wheel("util", "0.5")
    index.add_wheel("util", "1.0")
    index.add_wheel("util", "1.5")
    index.add_wheel("util", "2.0")
    return index


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (ResolutionMode.HIGHEST, {"app": "2.0", "lib": "2.0", "util": "2.0"}),
        (ResolutionMode.LOWEST, {"app": "1.0", "lib": "1.0", "util": "1.0"}),
        (ResolutionMode.LOWEST_DIRECT, {"app": "1.0", "lib": "1.0", "util": "2.0"}),
    ],
)
def test_resolution_modes(
    ranged: PackageIndex, tmp_path: Path, mode: ResolutionMode, expected: dict[str, str]
) -> None:
    assert resolve(ranged, tmp_path, ["app >=1.0", "lib"], resolution=mode) == expected


def test_lowest_with_prereleases_allowed_takes_the_lowest_of_all(
    ranged: PackageIndex, tmp_path: Path
) -> None:
    pins = resolve(
        ranged,
        tmp_path,
        ["lib >1.0"],
        resolution=ResolutionMode.LOWEST,
        prerelease=PrereleaseMode.ALLOW,
    )

    assert pins == {"lib": "1.5rc1"}
    assert resolve(ranged, tmp_path, ["lib >1.0"], resolution=ResolutionMode.LOWEST) == {
        "lib": "2.0"
    }


# -- the command-line value ------------------------------------------------------------------


def test_exclude_newer_accepts_rfc3339_timestamps_and_local_dates() -> None:
    assert parse_exclude_newer("2024-03-01T12:30:00Z") == datetime(
        2024, 3, 1, 12, 30, tzinfo=timezone.utc
    )
    assert parse_exclude_newer("2024-03-01T12:30:00.5+02:00") == datetime(
        2024, 3, 1, 10, 30, 0, 500000, tzinfo=timezone.utc
    )
    assert parse_exclude_newer("2024-03-01") == datetime(2024, 3, 1).astimezone()
    # RFC 3339 allows any number of fraction digits; Python keeps microseconds.
    assert parse_exclude_newer("2024-03-01T12:30:00.1234567z") == datetime(
        2024, 3, 1, 12, 30, 0, 123456, tzinfo=timezone.utc
    )


@pytest.mark.parametrize("text", ["2024-03-01T12:30:00", "yesterday", "2024-13-01", ""])
def test_exclude_newer_refuses_values_without_a_definite_instant(text: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_exclude_newer(text)

    assert str(raised.value) == (
        f"Invalid --exclude-newer value {text!r}: expected an RFC 3339 timestamp"
        " (2024-03-01T12:00:00Z) or a date (2024-03-01)"
    )
