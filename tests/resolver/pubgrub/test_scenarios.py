"""Every scenario file resolves to its expected pins, or fails with its exact explanation."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import tomllib
from packaging.version import Version

from puffin.resolver.pubgrub import NoSolution, solve
from tests.resolver.pubgrub.memory_index import ROOT, ROOT_VERSION, MemoryIndex

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
