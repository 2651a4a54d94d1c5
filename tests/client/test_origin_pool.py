"""Connections are kept per origin and reused, and a dead one is never lent out."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from puffin.client.http import create_client


class _KeepAliveServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.client_ports: list[int] = []  # one entry per request: the connection it came on
        self.close_after_reply = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive unless told otherwise
    server: _KeepAliveServer

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.client_ports.append(self.client_address[1])
        body = self.path.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        if self.server.close_after_reply:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def servers() -> Iterator[tuple[_KeepAliveServer, _KeepAliveServer]]:
    pair = (_KeepAliveServer(), _KeepAliveServer())
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in pair]
    for thread in threads:
        thread.start()
    yield pair
    for server in pair:
        server.shutdown()
        server.server_close()


def test_sequential_requests_to_one_origin_share_one_connection(
    servers: tuple[_KeepAliveServer, _KeepAliveServer],
) -> None:
    server, _ = servers

    async def main() -> list[str]:
        async with create_client() as client:
            return [(await client.get(f"{server.url}/{n}")).text for n in range(5)]

    assert asyncio.run(main()) == [f"/{n}" for n in range(5)]
    assert len(set(server.client_ports)) == 1


def test_concurrent_requests_open_connections_then_reuse_them(
    servers: tuple[_KeepAliveServer, _KeepAliveServer],
) -> None:
    server, _ = servers

    async def main() -> None:
        async with create_client(max_connections=3) as client:
            for _ in range(4):
                await asyncio.gather(*(client.get(f"{server.url}/x") for _ in range(3)))

    asyncio.run(main())
    assert len(server.client_ports) == 12
    assert len(set(server.client_ports)) == 3


def test_a_connection_the_server_closed_is_not_reused(
    servers: tuple[_KeepAliveServer, _KeepAliveServer],
) -> None:
    server, _ = servers
    server.close_after_reply = True

    async def main() -> list[str]:
        async with create_client() as client:
            return [(await client.get(f"{server.url}/{n}")).text for n in range(3)]

    assert asyncio.run(main()) == ["/0", "/1", "/2"]
    assert len(set(server.client_ports)) == 3


def test_each_origin_keeps_its_own_connections_within_the_idle_limit(
    servers: tuple[_KeepAliveServer, _KeepAliveServer],
) -> None:
    first, second = servers

    async def main() -> None:
        async with create_client(max_connections=1) as client:
            for _ in range(2):
                await client.get(f"{first.url}/a")
                await client.get(f"{second.url}/b")
            await client.get(f"{second.url}/b")

    asyncio.run(main())
    # One idle connection may be kept in all: switching origins closes the other one's.
    assert len(set(first.client_ports)) == 2
    assert len(set(second.client_ports)) == 2
    assert len(second.client_ports) == 3
