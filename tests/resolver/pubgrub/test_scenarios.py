"""Every scenario file resolves to its expected pins, or fails with its exact explanation."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from packaging.ranges import VersionRange
from packaging.version import Version

from puffin.resolver.pubgrub import NoSolution, Unavailable, solve, solve_async
from tests.resolver.pubgrub.memory_index import ROOT, ROOT_VERSION, MemoryIndex

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.toml"))


def load(path: Path) -> dict[str, Any]:
    with path.open("rb") as file:
        data: dict[str, Any] = tomllib.load(file)
    return data


def test_there_are_enough_scenarios() -> None:
    assert len(SCENARIOS) >= 25


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path) -> None:
    scenario = load(path)
    assert ("solution" in scenario) != ("error" in scenario), "a scenario expects one outcome"
    index = MemoryIndex.from_scenario(scenario)
    started = time.perf_counter()
    if "solution" in scenario:
        solution = solve(ROOT, ROOT_VERSION, index)
        expected = {name: Version(v) for name, v in scenario["solution"].items()}
        assert solution == {ROOT: ROOT_VERSION, **expected}
    else:
        with pytest.raises(NoSolution) as caught:
            solve(ROOT, ROOT_VERSION, index)
        assert str(caught.value) == scenario["error"].strip("\n")
    elapsed = time.perf_counter() - started
    if "max_seconds" in scenario:
        assert elapsed < scenario["max_seconds"]


class _AsyncMemoryIndex:
    """The same index behind coroutines that suspend before each answer, as a provider
    waiting for the network does."""

    def __init__(self, index: MemoryIndex) -> None:
        self.index = index
        self.questions = 0

    def prioritize(self, package: str, range: VersionRange) -> tuple[int, str]:
        return self.index.prioritize(package, range)

    def span(self, package: str, version: Version) -> VersionRange:
        return self.index.span(package, version)

    def simplify_range(self, package: str, range: VersionRange) -> VersionRange:
        return self.index.simplify_range(package, range)

    async def choose_version(self, package: str, range: VersionRange) -> Version | None:
        self.questions += 1
        await asyncio.sleep(0)
        return self.index.choose_version(package, range)

    async def get_dependencies(
        self, package: str, version: Version
    ) -> Mapping[str, VersionRange] | Unavailable:
        self.questions += 1
        await asyncio.sleep(0)
        return self.index.get_dependencies(package, version)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_the_async_driver_reaches_the_same_outcome(path: Path) -> None:
    scenario = load(path)
    provider = _AsyncMemoryIndex(MemoryIndex.from_scenario(scenario))
    if "solution" in scenario:
        solution = asyncio.run(solve_async(ROOT, ROOT_VERSION, provider))
        expected = {name: Version(v) for name, v in scenario["solution"].items()}
        assert solution == {ROOT: ROOT_VERSION, **expected}
    else:
        with pytest.raises(NoSolution) as caught:
            asyncio.run(solve_async(ROOT, ROOT_VERSION, provider))
        assert str(caught.value) == scenario["error"].strip("\n")
    assert provider.questions > 0
