"""The event loop every networked command runs on: one DNS lookup per host and run."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_AddressInfo = list[tuple[Any, ...]]


class ResolveOnceLoop(asyncio.SelectorEventLoop):
    """Shares one getaddrinfo call between every connection to a host.

    Each new HTTP connection resolves its host in a worker thread. Sixteen connections opened
    at once made sixteen concurrent lookups, and on this machine's resolver about one burst in
    five lost a query and waited out the 5 s resolver timeout (a cold jupyter.in resolve took
    6-7 s instead of 2 s; 16 threaded getaddrinfo calls reproduce it without puffin). Answers
    are kept for the run, which lasts seconds; a failed lookup is forgotten so a retry asks
    again.
    """

    def __init__(self) -> None:
        super().__init__()
        self._lookups: dict[tuple[Any, ...], asyncio.Future[_AddressInfo]] = {}

    async def getaddrinfo(
        self,
        host: bytes | str | None,
        port: bytes | str | int | None,
        *,
        family: int = 0,
        type: int = 0,
        proto: int = 0,
        flags: int = 0,
    ) -> _AddressInfo:
        key = (host, port, family, type, proto, flags)
        lookup = self._lookups.get(key)
        if lookup is None:
            lookup = asyncio.ensure_future(
                super().getaddrinfo(host, port, family=family, type=type, proto=proto, flags=flags),
                loop=self,
            )
            self._lookups[key] = lookup
            lookup.add_done_callback(lambda done: self._forget_failure(key, done))
        # A cancelled caller (a timed-out connect) must not cancel the lookup others await.
        return await asyncio.shield(lookup)

    def _forget_failure(self, key: tuple[Any, ...], done: asyncio.Future[_AddressInfo]) -> None:
        if (done.cancelled() or done.exception() is not None) and self._lookups.get(key) is done:
            del self._lookups[key]


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` on a ResolveOnceLoop."""
    if sys.version_info >= (3, 11):
        with asyncio.Runner(loop_factory=ResolveOnceLoop) as runner:
            return runner.run(coroutine)
    return _run_without_runner(coroutine)


def _run_without_runner(coroutine: Coroutine[Any, Any, T]) -> T:
    loop = ResolveOnceLoop()
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(coroutine)
    finally:
        try:
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            asyncio.set_event_loop(None)
            loop.close()
