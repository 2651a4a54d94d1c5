"""--index-strategy in RegistryClient: which indexes are asked and where each version comes from."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from packaging.version import Version

from puffin.cache.cache import Cache
from puffin.client.index_strategy import IndexStrategy
from puffin.client.registry import IndexSettings, ProjectFiles, RegistryClient
from puffin.names import normalize_name
from tests.support.index_server import PackageIndex


@pytest.fixture
def extra() -> Iterator[PackageIndex]:
    with PackageIndex() as second:
        yield second


@pytest.fixture
def two_indexes(index: PackageIndex, extra: PackageIndex) -> tuple[PackageIndex, PackageIndex]:
    """foo 1.0 and 1.5 on the first index; 1.5 (as an sdist) and 2.0 on the second."""
    index.add_wheel("foo", "1.0")
    index.add_wheel("foo", "1.5")
    extra.add_sdist("foo", "1.5")
    extra.add_wheel("foo", "2.0")
    return index, extra


def project(
    cache: Cache, indexes: tuple[PackageIndex, PackageIndex], strategy: IndexStrategy
) -> ProjectFiles:
    first, second = indexes
    settings = IndexSettings(first.url, extra_index_urls=(second.url,), strategy=strategy)

    async def run() -> ProjectFiles:
        async with RegistryClient(cache=cache, indexes=settings) as registry:
            return await registry.project(normalize_name("foo"))

    return asyncio.run(run())


def sources(found: ProjectFiles, indexes: tuple[PackageIndex, PackageIndex]) -> dict[str, str]:
    """Version -> which index ("first" or "second") its files came from."""
    names = {indexes[0].url: "first", indexes[1].url: "second"}
    return {
        str(version): "/".join(sorted({names[f.index.url] for f in found.files(version)}))
        for version in found.versions()
    }


def test_first_index_never_asks_a_later_index_for_a_name_the_first_has(
    cache: Cache, two_indexes: tuple[PackageIndex, PackageIndex]
) -> None:
    found = project(cache, two_indexes, IndexStrategy.FIRST_INDEX)
    assert found.preferred_versions() == [Version("1.5"), Version("1.0")]
    assert sources(found, two_indexes) == {"1.5": "first", "1.0": "first"}
    assert two_indexes[1].request_paths() == []


@pytest.mark.parametrize(
    ("strategy", "order"),
    [
        (IndexStrategy.UNSAFE_BEST_MATCH, ["2.0", "1.5", "1.0"]),
        # The first index's versions, newest first, before any of the second's.
        (IndexStrategy.UNSAFE_FIRST_MATCH, ["1.5", "1.0", "2.0"]),
    ],
)
def test_unsafe_strategies_read_every_index_and_take_a_version_from_the_first_that_has_it(
    cache: Cache,
    two_indexes: tuple[PackageIndex, PackageIndex],
    strategy: IndexStrategy,
    order: list[str],
) -> None:
    found = project(cache, two_indexes, strategy)
    assert [str(v) for v in found.preferred_versions()] == order
    assert [str(v) for v in found.versions()] == ["2.0", "1.5", "1.0"]
    # 1.5 is on both: only the first index's wheel counts, the second's sdist is never offered.
    assert sources(found, two_indexes) == {"2.0": "second", "1.5": "first", "1.0": "first"}
    assert [f.filename for f in found.files(Version("1.5"))] == ["foo-1.5-py3-none-any.whl"]
    assert [found.index_rank(Version(v)) for v in ("2.0", "1.5", "1.0")] == [1, 0, 0]


def test_a_name_only_a_later_index_has_is_found_by_every_strategy(
    cache: Cache, index: PackageIndex, extra: PackageIndex
) -> None:
    extra.add_wheel("foo", "3.0")
    for strategy in IndexStrategy:
        found = project(cache, (index, extra), strategy)
        assert sources(found, (index, extra)) == {"3.0": "second"}, strategy
