"""Fixtures for the client tests: a per-test cache and a one-call way to ask a fresh client."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from puffin.cache.cache import Cache
from puffin.client.registry import IndexSettings, RegistryClient
from puffin.dist_types import File
from puffin.names import normalize_name


@pytest.fixture
def cache(tmp_path: Path) -> Cache:
    return Cache(tmp_path / "cache")


@pytest.fixture
def fetch_files(cache: Cache) -> Callable[..., list[File]]:
    """`fetch_files(name, index_url=..., extra_index_urls=..., find_links=..., no_index=...,
    offline=..., refresh=..., retries=...)`: the files a new RegistryClient (its own run, as a
    new puffin process would have) finds for `name`, with the test's cache."""

    def fetch(name: str, **options: Any) -> list[File]:
        client_options = {
            key: options.pop(key) for key in ("offline", "refresh", "retries") if key in options
        }
        indexes = IndexSettings(**options)

        async def run() -> list[File]:
            async with RegistryClient(cache=cache, indexes=indexes, **client_options) as registry:
                return await registry.project_files(normalize_name(name))

        return asyncio.run(run())

    return fetch
