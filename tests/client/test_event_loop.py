"""The event loop of networked commands: one DNS lookup per host however many connections."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from puffin.client import event_loop


class CountingExecutor(ThreadPoolExecutor):
    """A real thread pool that counts the blocking calls handed to it (getaddrinfo's)."""

    def __init__(self) -> None:
        super().__init__(max_workers=4)
        self.submitted = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.submitted += 1
        return super().submit(fn, *args, **kwargs)


def test_concurrent_connections_to_one_host_share_one_lookup() -> None:
    executor = CountingExecutor()

    async def main() -> list[Any]:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(executor)
        return await asyncio.gather(
            *(loop.getaddrinfo("localhost", 80, type=socket.SOCK_STREAM) for _ in range(16))
        )

    answers = event_loop.run(main())
    assert executor.submitted == 1
    assert all(answer == answers[0] for answer in answers)
    assert answers[0]


def test_a_failed_lookup_is_asked_again() -> None:
    executor = CountingExecutor()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(executor)
        for _ in range(2):
            with pytest.raises(socket.gaierror):
                await loop.getaddrinfo("localhost", "no-such-service", type=socket.SOCK_STREAM)

    event_loop.run(main())
    assert executor.submitted == 2


def test_a_cancelled_caller_does_not_cancel_the_lookup_others_wait_for() -> None:
    async def main() -> list[Any]:
        loop = asyncio.get_running_loop()
        first = asyncio.ensure_future(loop.getaddrinfo("localhost", 80))
        second = asyncio.ensure_future(loop.getaddrinfo("localhost", 80))
        await asyncio.sleep(0)
        first.cancel()
        return await second

    assert event_loop.run(main())
