"""At most max_connections requests enter the connection pool at once; the rest queue cheaply."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from puffin.client.http import create_client


class _CountingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SlowHandler)
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0


class _SlowHandler(BaseHTTPRequestHandler):
    server: _CountingServer

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.in_flight += 1
            self.server.most_in_flight = max(self.server.most_in_flight, self.server.in_flight)
        time.sleep(0.05)
        with self.server.lock:
            self.server.in_flight -= 1
        body = self.path.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[_CountingServer]:
    server = _CountingServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_requests_beyond_the_limit_wait_and_all_complete(server: _CountingServer) -> None:
    base = f"http://127.0.0.1:{server.server_address[1]}"

    async def main() -> list[str]:
        async with create_client(max_connections=3) as client:
            answers = await asyncio.gather(*(client.get(f"{base}/{n}") for n in range(12)))
            return [answer.text for answer in answers]

    assert asyncio.run(main()) == [f"/{n}" for n in range(12)]
    assert server.most_in_flight == 3


def test_a_streamed_body_holds_its_slot_until_closed(server: _CountingServer) -> None:
    base = f"http://127.0.0.1:{server.server_address[1]}"

    async def main() -> tuple[bool, str]:
        async with create_client(max_connections=1) as client:
            async with client.stream("GET", f"{base}/held") as held:
                waiting = asyncio.ensure_future(client.get(f"{base}/next"))
                await asyncio.sleep(0.2)
                blocked = not waiting.done()
                await held.aread()
            return blocked, (await waiting).text

    assert asyncio.run(main()) == (True, "/next")


def test_a_failed_request_gives_its_slot_back(server: _CountingServer) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{server.server_address[1]}"

    async def main() -> str:
        async with create_client(max_connections=1) as client:
            for _ in range(3):
                with pytest.raises(httpx.ConnectError):
                    await client.get(f"http://127.0.0.1:{closed_port}/")
            answer = await client.get(f"{base}/after")
            return answer.text

    assert asyncio.run(main()) == "/after"
