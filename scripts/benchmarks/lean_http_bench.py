"""Time sequential keep-alive GETs through LeanClient and through httpx against a local server."""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

# Headers like a CDN's answer to a wheel range request, so header parsing costs what it does
# against the real index.
_HEADERS = [
    "Connection: keep-alive",
    "Content-Type: binary/octet-stream",
    "Accept-Ranges: bytes",
    "Age: 1234",
    "Date: Wed, 01 Jan 2025 00:00:00 GMT",
    'ETag: "0123456789abcdef0123456789abcdef"',
    "Last-Modified: Tue, 31 Dec 2024 00:00:00 GMT",
    "Server: nginx",
    "Strict-Transport-Security: max-age=31536000; includeSubDomains; preload",
    "Via: 1.1 varnish, 1.1 varnish",
    "X-Cache: HIT, HIT",
    "X-Cache-Hits: 1, 10",
    "X-Served-By: cache-iad-1, cache-fra-2",
    "X-Timer: S1735689600.000000,VS0,VE1",
    "Cache-Control: max-age=365000000, immutable, public",
]


def _serve(port_file: Path, body_size: int, cert: str | None, key: str | None) -> None:
    body = b"m" * body_size
    head = "HTTP/1.1 200 OK\r\n" + "".join(f"{line}\r\n" for line in _HEADERS)
    response = f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body

    class Answer(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport
            self.pending = b""

        def data_received(self, data: bytes) -> None:
            self.pending += data
            count = self.pending.count(b"\r\n\r\n")
            if count:
                self.pending = self.pending.rpartition(b"\r\n\r\n")[2]
                self.transport.write(response * count)  # type: ignore[attr-defined]

    async def main() -> None:
        context = None
        if cert is not None and key is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
        server = await asyncio.get_running_loop().create_server(Answer, "127.0.0.1", 0, ssl=context)
        port_file.write_text(str(server.sockets[0].getsockname()[1]))
        await asyncio.sleep(600)  # bounded: the parent kills it long before

    asyncio.run(main())


def _timed(
    name: str,
    make: Callable[
        [], Awaitable[tuple[Callable[[], Awaitable[object]], Callable[[], Awaitable[None]]]]
    ],
    count: int,
    rounds: int,
) -> None:
    from puffin.client.event_loop import run

    async def measure() -> tuple[float, float, float]:
        get, close = await make()
        try:
            for _ in range(min(200, count)):  # warm up: connection, imports, caches
                await get()
            best_wall = best_user = best_system = float("inf")
            for _ in range(rounds):
                wall, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
                for _ in range(count):
                    await get()
                after = resource.getrusage(resource.RUSAGE_SELF)
                best_wall = min(best_wall, time.perf_counter() - wall)
                best_user = min(best_user, after.ru_utime - before.ru_utime)
                best_system = min(best_system, after.ru_stime - before.ru_stime)
            return best_wall, best_user, best_system
        finally:
            await close()

    wall, user, system = (seconds / count * 1e6 for seconds in run(measure()))
    print(f"{name:<28} {wall:7.1f} µs wall {user:7.1f} µs user CPU {system:7.1f} µs system CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3, help="best of this many loops")
    parser.add_argument("--body-size", type=int, default=1024)
    parser.add_argument("--tls", action="store_true", help="HTTPS with a throwaway certificate")
    parser.add_argument("--serve", nargs=4, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        port_file, size, cert, key = options.serve
        _serve(Path(port_file), int(size), cert or None, key or None)
        return

    from puffin.client.http import create_client, create_transport
    from puffin.client.httpx_import import httpx
    from puffin.client.lean_http import LeanClient

    with tempfile.TemporaryDirectory() as folder:
        cert = key = ""
        client_context = ssl.create_default_context()
        if options.tls:
            if shutil.which("openssl") is None:
                sys.exit("--tls needs the openssl command")
            cert, key = f"{folder}/cert.pem", f"{folder}/key.pem"
            subprocess.run(
                [
                    *("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt"),
                    *("ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert),
                    *("-days", "1", "-subj", "/CN=bench", "-addext", "subjectAltName=IP:127.0.0.1"),
                ],
                check=True,
                capture_output=True,
            )
            client_context = ssl.create_default_context(cafile=cert)
        port_file = Path(folder) / "port"
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(port_file), str(options.body_size), cert, key]
        )
        try:
            deadline = time.monotonic() + 10
            while not port_file.exists() or not port_file.read_text():
                if time.monotonic() > deadline or server.poll() is not None:
                    sys.exit("the benchmark server did not start")
                time.sleep(0.02)
            scheme = "https" if options.tls else "http"
            url = f"{scheme}://127.0.0.1:{port_file.read_text()}/file.whl"
            print(
                f"{options.requests} sequential GETs of {url} ({options.body_size}-byte body), "
                f"best of {options.rounds}; python {sys.version.split()[0]}, pid {os.getpid()}"
            )

            async def lean() -> tuple[
                Callable[[], Awaitable[object]], Callable[[], Awaitable[None]]
            ]:
                client = LeanClient(
                    ssl_context=client_context,
                    slots=asyncio.Semaphore(16),
                    timeout=30,
                    user_agent="puffin-bench",
                )
                return lambda: client.get(url), client.aclose

            async def plain_httpx() -> tuple[
                Callable[[], Awaitable[object]], Callable[[], Awaitable[None]]
            ]:
                client = httpx.AsyncClient(verify=client_context)

                async def get() -> object:
                    return (await client.get(url)).content

                return get, client.aclose

            async def puffin_client() -> tuple[
                Callable[[], Awaitable[object]], Callable[[], Awaitable[None]]
            ]:
                client = create_client(transport=create_transport())
                client._transport._inner._pool._ssl_context = client_context  # type: ignore[attr-defined]

                async def get() -> object:
                    return (await client.get(url)).content

                return get, client.aclose

            _timed("LeanClient.get", lean, options.requests, options.rounds)
            _timed("httpx.AsyncClient.get", plain_httpx, options.requests, options.rounds)
            _timed("puffin create_client().get", puffin_client, options.requests, options.rounds)
        finally:
            server.kill()
            server.wait()


if __name__ == "__main__":
    main()
