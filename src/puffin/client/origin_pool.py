"""HTTP/1.1 connections kept per origin and lent to one request at a time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpcore

# Idle connections kept across both hosts of a resolve (the index and the file host).
DEFAULT_MAX_IDLE = 16
KEEPALIVE_SECONDS = 5.0


class OriginPool:
    """A stand-in for httpcore's AsyncConnectionPool, for HTTP/1.1 with an outside bound on
    concurrent requests (http.AdmissionTransport).

    httpcore's pool rescans every queued request against every connection, and checks each
    idle socket for a server close, whenever a request starts or ends: with 16 connections
    that was 12-17% of the event-loop thread of a cold resolve (py-spy, jupyter.in and
    boto3.in). Here a request takes the most recently used idle connection of its origin,
    checking only that one, or opens a new one; its connection comes back when the response
    body is closed. How many requests run at once is AdmissionTransport's business, so
    nothing waits in here.
    """

    def __init__(
        self,
        *,
        ssl_context: Any,
        max_idle: int = DEFAULT_MAX_IDLE,
        keepalive_expiry: float = KEEPALIVE_SECONDS,
    ) -> None:
        self._ssl_context = ssl_context
        self._max_idle = max_idle
        self._keepalive_expiry = keepalive_expiry
        # Keyed by (scheme, host, port): httpcore's Origin is not hashable.
        self._idle: dict[tuple[bytes, bytes, int], list[httpcore.AsyncHTTPConnection]] = {}
        self._idle_count = 0
        self._closed = False

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        origin = request.url.origin
        connection = await self._take_idle(origin)
        if connection is None:
            connection = httpcore.AsyncHTTPConnection(
                origin=origin,
                ssl_context=self._ssl_context,
                keepalive_expiry=self._keepalive_expiry,
                http1=True,
                http2=False,
            )
        try:
            response = await connection.handle_async_request(request)
        except BaseException:
            await connection.aclose()
            raise
        return httpcore.Response(
            status=response.status,
            headers=response.headers,
            content=_ReturningStream(response.stream, self, origin, connection),
            extensions=response.extensions,
        )

    async def _take_idle(self, origin: httpcore.Origin) -> httpcore.AsyncHTTPConnection | None:
        idle = self._idle.get(_key(origin))
        while idle:
            connection = idle.pop()
            self._idle_count -= 1
            if connection.is_idle() and not connection.has_expired():
                return connection
            await connection.aclose()  # the server closed it, or its keep-alive ran out
        return None

    async def give_back(
        self, origin: httpcore.Origin, connection: httpcore.AsyncHTTPConnection
    ) -> None:
        """A finished request's connection: kept for its origin while reusable."""
        if self._closed or not connection.is_idle():
            await connection.aclose()
            return
        if self._idle_count >= self._max_idle:
            await self._close_one_idle()
        self._idle.setdefault(_key(origin), []).append(connection)
        self._idle_count += 1

    async def _close_one_idle(self) -> None:
        # The origin with the most idle connections gives up its least recently used one.
        origin = max(self._idle, key=lambda key: len(self._idle[key]))
        connection = self._idle[origin].pop(0)
        self._idle_count -= 1
        await connection.aclose()

    async def aclose(self) -> None:
        self._closed = True
        idle = [connection for connections in self._idle.values() for connection in connections]
        self._idle.clear()
        self._idle_count = 0
        for connection in idle:
            await connection.aclose()

    async def __aenter__(self) -> OriginPool:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _key(origin: httpcore.Origin) -> tuple[bytes, bytes, int]:
    return (origin.scheme, origin.host, origin.port)


class _ReturningStream:
    """A response body that hands its connection back to the pool once, when closed."""

    def __init__(
        self,
        inner: Any,
        pool: OriginPool,
        origin: httpcore.Origin,
        connection: httpcore.AsyncHTTPConnection,
    ) -> None:
        self._inner = inner
        self._pool: OriginPool | None = pool
        self._origin = origin
        self._connection = connection

    def __aiter__(self) -> AsyncIterator[bytes]:
        iterator: AsyncIterator[bytes] = self._inner.__aiter__()
        return iterator

    async def aclose(self) -> None:
        try:
            if hasattr(self._inner, "aclose"):
                await self._inner.aclose()
        finally:
            pool, self._pool = self._pool, None
            if pool is not None:
                await pool.give_back(self._origin, self._connection)
