"""LeanClient against real local servers: framing, decoding, keep-alive, errors, slots, TLS."""

from __future__ import annotations

import asyncio
import gzip
import json
import shutil
import socket
import ssl
import struct
import subprocess
import threading
import time
import zlib
from collections.abc import Awaitable, Callable, Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import pytest

from puffin.client.lean_http import HttpAnswer, LeanClient
from puffin.client.request_failure import FailureKind, RequestFailure, describe_failure

T = TypeVar("T")

# -- an ordinary HTTP/1.1 server ----------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str = "127.0.0.1", family: int = socket.AF_INET) -> None:
        self.address_family = family
        super().__init__((host, 0), _Handler)
        self.lock = threading.Lock()
        self.client_ports: list[int] = []
        self.in_flight = 0
        self.most_in_flight = 0

    @property
    def base(self) -> str:
        host = str(self.server_address[0])
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.client_ports.append(self.client_address[1])
        path = self.path.partition("?")[0]
        if path == "/hello":
            self._answer(200, b"hello", [("Content-Type", "text/plain"), *_REPEATED])
        elif path == "/echo":
            seen = {"target": self.path, "headers": list(self.headers.items())}
            self._answer(200, json.dumps(seen).encode())
        elif path == "/gzip":
            self._answer(200, gzip.compress(b"gzipped text"), [("Content-Encoding", "gzip")])
        elif path == "/deflate":
            self._answer(200, zlib.compress(b"deflated text"), [("Content-Encoding", "deflate")])
        elif path == "/raw-deflate":
            raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
            body = raw.compress(b"raw deflated text") + raw.flush()
            self._answer(200, body, [("Content-Encoding", "deflate")])
        elif path == "/big":
            self._answer(200, b"x" * 1000)
        elif path == "/slow":
            with self.server.lock:
                self.server.in_flight += 1
                self.server.most_in_flight = max(self.server.most_in_flight, self.server.in_flight)
            time.sleep(0.1)
            with self.server.lock:
                self.server.in_flight -= 1
            self._answer(200, b"slow")
        else:
            self._answer(404, b"no such page")

    def _answer(self, status: int, body: bytes, headers: Sequence[tuple[str, str]] = ()) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


_REPEATED = [("X-Repeat", "a"), ("X-Repeat", "b")]


def _serve(server: _Server) -> Iterator[_Server]:
    # A short poll: shutdown() waits for it, and the default 0.5 s doubled this file's time.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def server() -> Iterator[_Server]:
    yield from _serve(_Server())


@pytest.fixture
def other_server() -> Iterator[_Server]:
    yield from _serve(_Server())


# -- a raw-socket server playing scripted bytes -------------------------------------------

CLOSE = "close"  # read the request, then close without answering
DROP = "drop"  # close at once, without waiting for another request (an idle keep-alive drop)
HANG = "hang"  # read the request and never answer; note when the client closes
RESET = "reset"  # reset the connection at once (TCP RST), without waiting for a request
Step = bytes | str


class _RawServer:
    """Connection n plays script[n]: each bytes step reads one request head, then sends."""

    def __init__(self, *script: list[Step]) -> None:
        self._script = list(script)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.connections = 0
        self.requests: list[bytes] = []
        self.client_closed = threading.Event()
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            steps = self._script[self.connections] if self.connections < len(self._script) else []
            self.connections += 1
            self._sockets.append(connection)
            threading.Thread(target=self._play, args=(connection, steps), daemon=True).start()

    def _play(self, connection: socket.socket, steps: list[Step]) -> None:
        with connection:
            for step in steps:
                if step == DROP:
                    return
                if step == RESET:
                    connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    return
                if not self._read_request(connection):
                    return
                if step == CLOSE:
                    return
                if step == HANG:
                    if not self._read_request(connection):
                        self.client_closed.set()
                    return
                assert isinstance(step, bytes)
                connection.sendall(step)
            self._read_request(connection)  # until the client leaves

    def _read_request(self, connection: socket.socket) -> bool:
        data = b""
        while b"\r\n\r\n" not in data:
            try:
                chunk = connection.recv(65536)
            except OSError:
                return False
            if not chunk:
                return False
            data += chunk
        self.requests.append(data)
        return True

    def close(self) -> None:
        self.listener.close()
        for connection in self._sockets:
            connection.close()


@pytest.fixture
def raw_server() -> Iterator[Callable[..., _RawServer]]:
    servers: list[_RawServer] = []

    def start(*script: list[Step]) -> _RawServer:
        servers.append(_RawServer(*script))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _response(body: bytes, *headers: str, status: str = "200 OK") -> bytes:
    head = "".join(f"{header}\r\n" for header in headers)
    return f"HTTP/1.1 {status}\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


# -- helpers --------------------------------------------------------------------------------


def _lean(
    *, slots: asyncio.Semaphore | None = None, timeout: float = 2.0, **options: Any
) -> LeanClient:
    options.setdefault("ssl_context", ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
    return LeanClient(
        slots=slots or asyncio.Semaphore(4), timeout=timeout, user_agent="puffin-test", **options
    )


def _run(body: Callable[[LeanClient], Awaitable[T]], **options: Any) -> T:
    async def main() -> T:
        client = _lean(**options)
        try:
            return await body(client)
        finally:
            await client.aclose()

    return asyncio.run(main())


def _get(url: str, **options: Any) -> HttpAnswer:
    return _run(lambda client: client.get(url), **options)


def _failure(url: str, **options: Any) -> RequestFailure:
    with pytest.raises(RequestFailure) as caught:
        _get(url, **options)
    return caught.value


def _described(error: RequestFailure, timeout: float = 2.0) -> str:
    return describe_failure(error, timeout)


def _causes(error: BaseException) -> list[type[BaseException]]:
    found: list[type[BaseException]] = []
    cause: BaseException | None = error
    while cause is not None:
        found.append(type(cause))
        cause = cause.__cause__ or cause.__context__
    return found


async def _free_slots(slots: asyncio.Semaphore) -> int:
    taken = 0
    while not slots.locked():
        await slots.acquire()
        taken += 1
    for _ in range(taken):
        slots.release()
    return taken


# -- answers --------------------------------------------------------------------------------


def test_a_200_and_a_404_give_status_reason_headers_and_body(server: _Server) -> None:
    async def both(client: LeanClient) -> list[HttpAnswer]:
        return [await client.get(f"{server.base}/hello"), await client.get(f"{server.base}/x")]

    found, missing = _run(both)
    assert (found.status, found.reason, found.body) == (200, "OK", b"hello")
    assert found.url == f"{server.base}/hello"
    assert found.headers["content-type"] == "text/plain"
    assert found.headers["x-repeat"] == "a, b"
    assert found.headers["content-length"] == "5"
    assert (missing.status, missing.reason, missing.body) == (404, "Not Found", b"no such page")


def test_the_request_carries_defaults_that_caller_headers_replace(server: _Server) -> None:
    plain = json.loads(_get(f"{server.base}/echo?a=1&b=%20").body or b"")
    assert plain["target"] == "/echo?a=1&b=%20"
    assert plain["headers"] == [
        ["Host", f"127.0.0.1:{server.server_address[1]}"],
        ["User-Agent", "puffin-test"],
        ["Accept-Encoding", "gzip, deflate"],
    ]

    async def custom(client: LeanClient) -> HttpAnswer:
        headers = {"user-agent": "other/1", "Accept-Encoding": "identity", "Range": "bytes=0-9"}
        return await client.get(f"{server.base}/echo", headers)

    replaced = json.loads(_run(custom).body or b"")
    assert replaced["headers"] == [
        ["Host", f"127.0.0.1:{server.server_address[1]}"],
        ["user-agent", "other/1"],
        ["Accept-Encoding", "identity"],
        ["Range", "bytes=0-9"],
    ]


def test_an_ipv6_literal_is_connected_to_without_brackets_and_named_with_them() -> None:
    for ipv6_server in _serve(_Server("::1", socket.AF_INET6)):
        seen = json.loads(_get(f"{ipv6_server.base}/echo").body or b"")
        assert seen["headers"][0] == ["Host", f"[::1]:{ipv6_server.server_address[1]}"]


def test_sequential_gets_share_one_keep_alive_connection(server: _Server) -> None:
    async def twice(client: LeanClient) -> None:
        await client.get(f"{server.base}/hello")
        await client.get(f"{server.base}/hello")

    _run(twice)
    assert len(server.client_ports) == 2
    assert server.client_ports[0] == server.client_ports[1]


def test_each_origin_keeps_its_own_connections(server: _Server, other_server: _Server) -> None:
    async def alternate(client: LeanClient) -> None:
        for _ in range(2):
            await client.get(f"{server.base}/hello")
            await client.get(f"{other_server.base}/hello")

    _run(alternate)
    assert len(set(server.client_ports)) == 1 and len(server.client_ports) == 2
    assert len(set(other_server.client_ports)) == 1 and len(other_server.client_ports) == 2


def test_a_connection_idle_beyond_keepalive_expiry_is_not_reused(server: _Server) -> None:
    async def apart(client: LeanClient) -> None:
        await client.get(f"{server.base}/hello")
        await asyncio.sleep(0.1)
        await client.get(f"{server.base}/hello")

    _run(apart, keepalive_expiry=0.05)
    assert len(set(server.client_ports)) == 2


def test_beyond_max_idle_the_oldest_idle_connection_is_closed(
    server: _Server, other_server: _Server
) -> None:
    async def sequence(client: LeanClient) -> None:
        await client.get(f"{server.base}/hello")
        await client.get(f"{other_server.base}/hello")  # pushes out server's connection
        await client.get(f"{other_server.base}/hello")
        await client.get(f"{server.base}/hello")

    _run(sequence, max_idle=1)
    assert len(set(server.client_ports)) == 2
    assert len(set(other_server.client_ports)) == 1


def test_a_chunked_body_with_extensions_and_a_trailer_is_joined(
    raw_server: Callable[..., _RawServer],
) -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;name=value\r\nhello\r\n7\r\n, world\r\n0\r\nX-Checksum: 1\r\n\r\n"
    )
    server = raw_server([chunked, _response(b"next")])

    async def twice(client: LeanClient) -> list[bytes | None]:
        return [(await client.get(f"{server.base}/{n}")).body for n in range(2)]

    assert _run(twice) == [b"hello, world", b"next"]
    assert server.connections == 1


def test_a_body_without_length_is_read_until_the_server_closes(
    raw_server: Callable[..., _RawServer],
) -> None:
    server = raw_server([b"HTTP/1.1 200 OK\r\n\r\nall of it", DROP], [_response(b"next")])

    async def twice(client: LeanClient) -> list[bytes | None]:
        return [(await client.get(f"{server.base}/{n}")).body for n in range(2)]

    assert _run(twice) == [b"all of it", b"next"]
    assert server.connections == 2


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/gzip", b"gzipped text"),
        ("/deflate", b"deflated text"),
        ("/raw-deflate", b"raw deflated text"),
    ],
)
def test_compressed_bodies_are_decoded(server: _Server, path: str, text: bytes) -> None:
    response = _get(f"{server.base}{path}")
    assert response.body == text
    assert response.headers["content-encoding"] == "gzip" if path == "/gzip" else "deflate"


def test_without_decoding_the_body_is_returned_as_sent(server: _Server) -> None:
    async def raw(client: LeanClient) -> HttpAnswer:
        return await client.get(f"{server.base}/gzip", decode_content=False)

    response = _run(raw)
    assert response.headers["content-encoding"] == "gzip"
    assert response.body is not None and gzip.decompress(response.body) == b"gzipped text"


def test_an_unknown_coding_is_returned_as_sent(raw_server: Callable[..., _RawServer]) -> None:
    server = raw_server([_response(b"\x01\x02", "Content-Encoding: br")])
    response = _get(server.base)
    assert (response.body, response.headers["content-encoding"]) == (b"\x01\x02", "br")


def test_a_corrupt_gzip_body_is_a_decoding_error(raw_server: Callable[..., _RawServer]) -> None:
    server = raw_server([_response(b"not gzip at all", "Content-Encoding: gzip")])
    error = _failure(server.base)
    assert error.kind is FailureKind.DECODING
    assert str(error).startswith("corrupt gzip body: ")


def test_interim_1xx_answers_are_skipped(raw_server: Callable[..., _RawServer]) -> None:
    interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
    server = raw_server([interim + _response(b"final", "X-Final: yes")])
    response = _get(server.base)
    assert (response.status, response.body) == (200, b"final")
    assert dict(response.headers) == {"x-final": "yes", "content-length": "5"}


def test_folded_header_lines_are_joined_with_a_space(
    raw_server: Callable[..., _RawServer],
) -> None:
    server = raw_server([_response(b"", "X-Folded: first", " \tsecond", "X-Plain: yes")])
    response = _get(server.base)
    assert response.headers["x-folded"] == "first second"
    assert response.headers["x-plain"] == "yes"


# -- max_body -------------------------------------------------------------------------------


def test_a_content_length_beyond_max_body_is_not_read(server: _Server) -> None:
    async def capped(client: LeanClient) -> list[HttpAnswer]:
        big = await client.get(f"{server.base}/big", max_body=100)
        return [big, await client.get(f"{server.base}/hello")]

    big, after = _run(capped)
    assert (big.status, big.headers["content-length"], big.body) == (200, "1000", None)
    assert after.body == b"hello"
    assert server.client_ports[0] != server.client_ports[1]


def test_a_chunked_body_growing_beyond_max_body_is_not_read(
    raw_server: Callable[..., _RawServer],
) -> None:
    chunk = b"64\r\n" + b"y" * 100 + b"\r\n"
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk * 3 + b"0\r\n\r\n"
    server = raw_server([chunked, _response(b"unused")], [_response(b"fresh")])

    async def capped(client: LeanClient) -> list[bytes | None]:
        first = await client.get(server.base, max_body=150)
        return [first.body, (await client.get(server.base)).body]

    assert _run(capped) == [None, b"fresh"]
    assert server.connections == 2


# -- malformed and broken answers -------------------------------------------------------------


def test_a_body_cut_short_is_a_protocol_error(raw_server: Callable[..., _RawServer]) -> None:
    server = raw_server([b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", DROP])
    error = _failure(server.base)
    assert error.kind is FailureKind.PROTOCOL
    assert str(error) == "received 3 of 10 bytes"
    assert _described(error) == "the server closed the connection before the response was complete"


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (b"HTTP/1.1 OK\r\n\r\n", "malformed status line 'HTTP/1.1 OK'"),
        (b"ICY 200 OK\r\n\r\n", "malformed status line 'ICY 200 OK'"),
        (b"HTTP/1.1 099 Early\r\n\r\n", "malformed status line 'HTTP/1.1 099 Early'"),
        (b"HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n", "malformed header line 'No colon here'"),
        (b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", "malformed header line 'Bad Name: x'"),
        (b"HTTP/1.1 200 OK\r\nA: 1\r\nB\n: 2\r\n\r\n", "malformed header line 'B\\n: 2'"),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
            "conflicting Content-Length values '3, 4'",
        ),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "malformed Content-Length '-1'"),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "malformed chunk size b'zz'",
        ),
        (b"HTTP/1.1 101 Switching Protocols\r\n\r\n", "unexpected 101 Switching Protocols"),
    ],
)
def test_a_malformed_answer_is_a_protocol_error(
    raw_server: Callable[..., _RawServer], answer: bytes, message: str
) -> None:
    error = _failure(raw_server([answer]).base)
    assert error.kind is FailureKind.PROTOCOL
    assert str(error) == message


def test_a_reset_in_the_middle_of_a_response_is_a_read_error(
    raw_server: Callable[..., _RawServer],
) -> None:
    server = raw_server([b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", RESET])
    error = _failure(server.base)
    assert error.kind is FailureKind.READ
    assert ConnectionResetError in _causes(error)
    assert _described(error).startswith("connection lost while reading the response: ")


def test_a_closed_fresh_connection_is_an_error_and_not_retried(
    raw_server: Callable[..., _RawServer],
) -> None:
    server = raw_server([CLOSE], [_response(b"unused")])
    error = _failure(server.base)
    assert error.kind is FailureKind.PROTOCOL
    assert str(error) == "Server disconnected without sending a response."
    assert server.connections == 1


# -- keep-alive connections the server drops -------------------------------------------------


def test_an_idle_connection_the_server_closed_is_replaced(
    raw_server: Callable[..., _RawServer],
) -> None:
    server = raw_server([_response(b"first"), DROP], [_response(b"second")])

    async def twice(client: LeanClient) -> list[bytes | None]:
        first = await client.get(server.base)
        await asyncio.sleep(0.05)  # the close arrives while the connection is idle
        return [first.body, (await client.get(server.base)).body]

    assert _run(twice) == [b"first", b"second"]
    assert server.connections == 2


def test_a_keep_alive_dropped_as_the_request_arrives_is_retried_once(
    raw_server: Callable[..., _RawServer],
) -> None:
    server = raw_server([_response(b"first"), CLOSE], [_response(b"second")])

    async def twice(client: LeanClient) -> list[bytes | None]:
        return [(await client.get(server.base)).body, (await client.get(server.base)).body]

    assert _run(twice) == [b"first", b"second"]
    assert (server.connections, len(server.requests)) == (2, 3)


# -- failures before an answer ------------------------------------------------------------------


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_refused_connection_is_a_connect_error() -> None:
    error = _failure(f"http://127.0.0.1:{_unused_port()}/")
    assert error.kind is FailureKind.CONNECT
    assert ConnectionRefusedError in _causes(error)
    assert _described(error) == "connection refused"


class _TwoAddressLoop(asyncio.SelectorEventLoop):
    """Resolves `twin.test` to ::1 and 127.0.0.1, as many systems resolve `localhost`."""

    async def getaddrinfo(self, host: Any, port: Any, **options: Any) -> list[Any]:
        if host != "twin.test":
            return await super().getaddrinfo(host, port, **options)
        stream = socket.SOCK_STREAM
        return [
            (socket.AF_INET6, stream, socket.IPPROTO_TCP, "", ("::1", port, 0, 0)),
            (socket.AF_INET, stream, socket.IPPROTO_TCP, "", ("127.0.0.1", port)),
        ]


class _SilentFirstLoop(asyncio.SelectorEventLoop):
    """Resolves `eyeballs.test` to 127.0.0.2, where nothing ever answers, then 127.0.0.1."""

    async def getaddrinfo(self, host: Any, port: Any, **options: Any) -> list[Any]:
        if host != "eyeballs.test":
            return await super().getaddrinfo(host, port, **options)
        stream = socket.SOCK_STREAM
        return [
            (socket.AF_INET, stream, socket.IPPROTO_TCP, "", ("127.0.0.2", port)),
            (socket.AF_INET, stream, socket.IPPROTO_TCP, "", ("127.0.0.1", port)),
        ]


def test_an_address_that_never_answers_does_not_hold_up_the_next(server: _Server) -> None:
    # A listener whose queue is full drops new SYNs: a connect there hangs, as to a host's
    # unreachable IPv6 address. Happy eyeballs tries the next address after 0.25 s.
    port = server.server_address[1]
    silent = socket.socket()
    try:
        silent.bind(("127.0.0.2", port))
    except OSError as error:
        silent.close()
        pytest.skip(f"127.0.0.2 is not usable here: {error}")
    silent.listen(0)
    fillers = [socket.socket() for _ in range(3)]
    for filler in fillers:
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.2", port))
    loop = _SilentFirstLoop()
    try:
        client = _lean(timeout=10)
        started = time.monotonic()
        answer = loop.run_until_complete(client.get(f"http://eyeballs.test:{port}/hello"))
        elapsed = time.monotonic() - started
        loop.run_until_complete(client.aclose())
    finally:
        loop.close()
        for each in [silent, *fillers]:
            each.close()
    assert (answer.status, answer.body) == (200, b"hello")
    assert elapsed < 3, f"waited {elapsed:.1f} s for the silent address"


def test_a_host_whose_every_address_refuses_is_a_refusal() -> None:
    loop = _TwoAddressLoop()
    try:
        client = _lean()
        with pytest.raises(RequestFailure) as caught:
            loop.run_until_complete(client.get(f"http://twin.test:{_unused_port()}/"))
        loop.run_until_complete(client.aclose())
    finally:
        loop.close()
    assert caught.value.kind is FailureKind.CONNECT
    assert _described(caught.value) == "connection refused"


def test_a_server_that_never_answers_is_a_read_timeout(
    raw_server: Callable[..., _RawServer],
) -> None:
    server = raw_server([HANG])
    started = time.monotonic()
    error = _failure(server.base, timeout=0.2)
    assert 0.2 <= time.monotonic() - started < 1.5
    assert error.kind is FailureKind.READ_TIMEOUT
    assert _described(error, timeout=0.2) == "timed out after 0.2s"


def test_a_tls_handshake_that_never_completes_is_a_connect_timeout(
    raw_server: Callable[..., _RawServer],
) -> None:
    server = raw_server([HANG])  # accepts the connection, never answers the TLS hello
    started = time.monotonic()
    error = _failure(f"https://127.0.0.1:{server.port}/", timeout=0.2)
    assert 0.2 <= time.monotonic() - started < 1.5
    assert error.kind is FailureKind.CONNECT_TIMEOUT
    assert _described(error, timeout=0.2) == "timed out after 0.2s"


# -- slots -----------------------------------------------------------------------------------


def test_no_more_requests_run_at_once_than_there_are_slots(server: _Server) -> None:
    async def five(client: LeanClient) -> list[bytes | None]:
        answers = await asyncio.gather(*(client.get(f"{server.base}/slow") for _ in range(5)))
        return [answer.body for answer in answers]

    async def main() -> list[bytes | None]:
        client = _lean(slots=asyncio.Semaphore(2))
        try:
            return await five(client)
        finally:
            await client.aclose()

    assert asyncio.run(main()) == [b"slow"] * 5
    assert server.most_in_flight == 2


def test_slots_come_back_after_errors_and_cancellation(
    raw_server: Callable[..., _RawServer],
) -> None:
    broken = raw_server([b"garbage\r\n\r\n"], [CLOSE], [HANG], [HANG])
    refused = f"http://127.0.0.1:{_unused_port()}/"

    async def main() -> tuple[list[FailureKind], int]:
        slots = asyncio.Semaphore(2)
        client = _lean(slots=slots, timeout=0.2)
        failures: list[FailureKind] = []
        for url in (broken.base, broken.base, broken.base, refused):
            try:
                await client.get(url)
            except RequestFailure as error:
                failures.append(error.kind)
        hanging = asyncio.ensure_future(client.get(broken.base))
        await asyncio.sleep(0.05)
        hanging.cancel()
        with pytest.raises(asyncio.CancelledError):
            await hanging
        free = await _free_slots(slots)
        await client.aclose()
        return failures, free

    failures, free = asyncio.run(main())
    assert failures == [
        FailureKind.PROTOCOL,
        FailureKind.PROTOCOL,
        FailureKind.READ_TIMEOUT,
        FailureKind.CONNECT,
    ]
    assert free == 2
    assert broken.client_closed.wait(1.0)  # the cancelled request's connection was closed


# -- TLS --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
            ),
            *("-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=test"),
            *("-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[str]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server = _Server()
    server.socket = context.wrap_socket(server.socket, server_side=True)
    for running in _serve(server):
        yield f"https://127.0.0.1:{running.server_address[1]}"


def test_https_with_a_trusted_certificate(tls_server: str, certificate: tuple[Path, Path]) -> None:
    trusting = ssl.create_default_context(cafile=str(certificate[0]))

    async def twice(client: LeanClient) -> list[bytes | None]:
        return [(await client.get(f"{tls_server}/hello")).body for _ in range(2)]

    assert _run(twice, ssl_context=trusting) == [b"hello", b"hello"]


def test_https_with_an_untrusted_certificate_is_a_connect_error(tls_server: str) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, and trusts nothing
    error = _failure(f"{tls_server}/hello", ssl_context=context)
    assert error.kind is FailureKind.CONNECT
    assert ssl.SSLCertVerificationError in _causes(error)
    assert _described(error).startswith("could not connect: [SSL: CERTIFICATE_VERIFY_FAILED]")


# -- the client's own rules ------------------------------------------------------------------


def test_a_closed_client_refuses_requests(server: _Server) -> None:
    async def after_close() -> None:
        client = _lean()
        await client.get(f"{server.base}/hello")
        await client.aclose()
        with pytest.raises(RuntimeError):
            await client.get(f"{server.base}/hello")

    asyncio.run(after_close())


@pytest.mark.parametrize(
    "url", ["http://user:secret@127.0.0.1/", "ftp://127.0.0.1/file", "not a url"]
)
def test_urls_it_does_not_handle_are_value_errors(url: str) -> None:
    with pytest.raises(ValueError):
        _get(url)
