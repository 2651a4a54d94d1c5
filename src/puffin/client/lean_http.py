"""Plain HTTP/1.1 GETs on asyncio protocols: the lean path for puffin's many small requests."""

from __future__ import annotations

import asyncio
import enum
import errno
import re
import ssl
import sys
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from puffin.client.request_failure import FailureKind, RequestFailure

# RFC 9112 sets no limit on a response head; no index sends a tenth of this, and a server
# that talks something other than HTTP is caught before it fills memory.
MAX_HEAD = 64 * 1024
# A chunk-size line with its extensions, or one trailer line (counted against MAX_HEAD too).
_MAX_CHUNK_LINE = 4096
_DEFAULT_PORTS = {"http": 80, "https": 443}

_URL = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^/?#]*)([^#]*)")
# Anything outside visible ASCII would break the request line: percent-encoded before sending.
_UNSAFE_TARGET = re.compile(r"[^\x21-\x7e]")
_TARGET_SAFE = "!#$%&'()*+,/:;=?@[]~"
_STATUS_LINE = re.compile(r"HTTP/1\.([0-9]) ([1-9][0-9]{2})(?: (.*))?", re.ASCII | re.DOTALL)
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")
_ERRNO = re.compile(r"\[Errno (\d+)\]")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# Every lower-cased name of a head, joined with ":" (which no name can hold), checked at once.
_FIELD_NAMES = re.compile(r"[!#$%&'*+.^_`|~0-9a-z-]+(?::[!#$%&'*+.^_`|~0-9a-z-]+)*")

# (status, reason, headers, body): what a connection hands the request that waits on it.
_Answer = tuple[int, str, dict[str, str], bytes | None]


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    """A complete answer to a GET, whichever client fetched it. `headers` are as the server
    sent them (names lower-cased, repeated fields joined with ", "), Content-Encoding
    included even when `body` was decoded; `url` is where the answer came from (the last
    URL of a redirect)."""

    url: str
    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes | None  # None when the body was larger than max_body and was not read
    sent_authorization: bool = False  # credentials went with the request (only via httpx)

    @property
    def content(self) -> bytes:
        """The body; empty when it was not read."""
        return b"" if self.body is None else self.body

    @property
    def text(self) -> str:
        """The body decoded with the charset the Content-Type names, else UTF-8; bytes that
        do not decode are replaced rather than failing a page."""
        charset = "utf-8"
        for parameter in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "charset" and value.strip(' "'):
                charset = value.strip(' "')
        try:
            return self.content.decode(charset, errors="replace")
        except LookupError:  # a charset Python does not know
            return self.content.decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class _Origin:
    key: str  # "scheme://host:port": a str caches its hash, a tuple key would rehash per lookup
    host: str  # as connected to: lower-cased, IPv6 brackets stripped
    port: int
    tls: bool
    host_field: bytes  # the Host header line
    default_fields: bytes  # the head after the request target when the caller adds no header


class LeanClient:
    """GETs over pooled HTTP/1.1 connections, each an asyncio.Protocol parsing its responses.

    httpx costs about 1 ms of event-loop CPU per request (httpx, httpcore, h11, anyio TLS
    streams; py-spy on a cold boto3 resolve making ~6,100 requests). This does the same for
    a plain GET, whole body in memory, with one write, one bytearray, one Future and one timer
    per request. Failures are request_failure.RequestFailure, which attempts.with_retries and
    describe_failure treat as they treat httpx's errors. No proxies, credentials or redirects:
    those stay with httpx.
    """

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext,
        slots: asyncio.Semaphore,
        timeout: float,
        user_agent: str,
        max_idle: int = 16,
        keepalive_expiry: float = 5.0,
    ) -> None:
        if "\r" in user_agent or "\n" in user_agent:
            raise ValueError(f"a User-Agent cannot contain a line break: {user_agent!r}")
        self._ssl_context = ssl_context
        self._slots = slots
        self._timeout = timeout
        self._default_lines = (
            ("user-agent", f"User-Agent: {user_agent}\r\n".encode()),
            ("accept-encoding", b"Accept-Encoding: gzip, deflate\r\n"),
        )
        self._defaults = b"".join(line for _, line in self._default_lines)
        self._max_idle = max_idle
        self._keepalive_expiry = keepalive_expiry
        # Per origin, the most recently used connection last (LIFO: it is the least likely
        # to have been dropped by the server).
        self._idle: dict[str, list[_Connection]] = {}
        self._idle_count = 0
        self._origins: dict[str, _Origin] = {}
        self._closed = False

    async def get(
        self,
        url: str,
        headers: Mapping[str, str] | None = None,
        *,
        max_body: int | None = None,
        decode_content: bool = True,
    ) -> HttpAnswer:
        """GET `url` and read the whole answer, whatever its status.

        `headers` replace the defaults (User-Agent, Accept-Encoding) case-insensitively.
        A body above `max_body` bytes is not read: `body` is None and its connection closed.
        With `decode_content`, gzip and deflate bodies are decompressed (another coding is
        returned as sent). ValueError for a URL this client does not handle (not http(s),
        credentials in it); RequestFailure for everything the network does.
        """
        if self._closed:
            raise RuntimeError("LeanClient.get called after aclose")
        match = _URL.match(url)
        if match is None:
            raise ValueError(f"not an absolute http(s) URL: {url}")
        prefix, target = match.groups()
        origin = self._origins.get(prefix)
        if origin is None:
            origin = self._origin(prefix, url)
        request = self._request_bytes(origin, target, headers)
        await self._slots.acquire()
        try:
            status, reason, fields, body = await self._exchange(origin, request, max_body)
        finally:
            self._slots.release()
        if decode_content and body and "content-encoding" in fields:
            body = _decode(body, fields["content-encoding"])
        return HttpAnswer(url, status, reason, fields, body)

    async def aclose(self) -> None:
        """Close the idle connections; any later `get` raises RuntimeError."""
        self._closed = True
        idle = [connection for connections in self._idle.values() for connection in connections]
        self._idle.clear()
        self._idle_count = 0
        for connection in idle:
            connection.abort()
        if idle:
            await asyncio.sleep(0)  # the transports close their sockets in a loop callback

    async def _exchange(self, origin: _Origin, request: bytes, max_body: int | None) -> _Answer:
        connection = self._take_idle(origin)
        reused = connection is not None
        if connection is None:
            connection = await self._connect(origin)
        while True:
            try:
                answer = await connection.send(request, self._timeout, max_body)
            except RequestFailure as failure:
                connection.abort()
                if failure.kind not in (FailureKind.READ, FailureKind.PROTOCOL):
                    raise
                # A server may drop an idle keep-alive connection at any moment, and the
                # request then meets the close: a fresh connection is owed one try.
                if reused and not connection.response_started:
                    reused = False
                    connection = await self._connect(origin)
                    continue
                raise
            except BaseException:  # a timeout, or the caller cancelled: never reused
                connection.abort()
                raise
            if connection.reusable:
                self._give_back(origin, connection)
            else:
                connection.abort()
            return answer

    async def _connect(self, origin: _Origin) -> _Connection:
        loop = asyncio.get_running_loop()
        connection = _Connection(loop)
        # Happy eyeballs (RFC 8305), as httpx's anyio backend does: with a host's IPv6 address
        # unreachable, trying addresses one after another would wait out a whole connect
        # timeout before the IPv4 one.
        options: dict[str, Any] = {"happy_eyeballs_delay": 0.25, "interleave": 1}
        if origin.tls:
            options["ssl"] = self._ssl_context
            options["server_hostname"] = origin.host
        if sys.version_info >= (3, 12):
            options["all_errors"] = True
        try:
            await asyncio.wait_for(
                _create_connection(loop, connection, origin.host, origin.port, options),
                self._timeout,
            )
        except (TimeoutError, asyncio.TimeoutError):
            connection.abort()
            raise RequestFailure(
                FailureKind.CONNECT_TIMEOUT, f"connecting to {origin.host}:{origin.port} timed out"
            ) from None
        except OSError as error:  # refused, unreachable, unknown host, TLS certificate
            connection.abort()
            raise RequestFailure(FailureKind.CONNECT, str(error) or type(error).__name__) from error
        except BaseException:
            # Cancelled just as the connection was made, wait_for may drop it unseen.
            connection.abort()
            raise
        return connection

    def _take_idle(self, origin: _Origin) -> _Connection | None:
        idle = self._idle.get(origin.key)
        if not idle:
            return None
        oldest_usable = asyncio.get_running_loop().time() - self._keepalive_expiry
        while idle:
            connection = idle.pop()
            self._idle_count -= 1
            if not connection.closed and connection.idle_since >= oldest_usable:
                return connection
            connection.abort()
        return None

    def _give_back(self, origin: _Origin, connection: _Connection) -> None:
        if self._closed or self._max_idle <= 0:
            connection.abort()
            return
        connection.idle_since = asyncio.get_running_loop().time()
        idle = self._idle.get(origin.key)
        if idle is None:
            idle = self._idle[origin.key] = []
        idle.append(connection)
        self._idle_count += 1
        if self._idle_count > self._max_idle:
            self._close_oldest_idle()

    def _close_oldest_idle(self) -> None:
        oldest = min(
            (connections for connections in self._idle.values() if connections),
            key=lambda connections: connections[0].idle_since,
        )
        oldest.pop(0).abort()
        self._idle_count -= 1

    def _origin(self, prefix: str, url: str) -> _Origin:
        scheme, _, authority = prefix.partition("://")
        scheme = scheme.lower()
        default_port = _DEFAULT_PORTS.get(scheme)
        if default_port is None:
            raise ValueError(f"not an http(s) URL: {url}")
        if "@" in authority:
            raise ValueError(f"credentials in a URL are not supported here: {scheme}://****@...")
        if authority.startswith("["):
            end = authority.find("]")
            host, port_text = authority[1:end].lower(), authority[end + 1 :]
            if end < 0 or (port_text and not port_text.startswith(":")):
                raise ValueError(f"malformed IPv6 host in URL: {url}")
            port_text = port_text[1:]
            host_text = f"[{host}]"
        else:
            host, _, port_text = authority.partition(":")
            if not host.isascii():
                host = host.encode("idna").decode("ascii")
            host = host_text = host.lower()
        if not host or any(character in host for character in " \t\r\n/\\"):
            raise ValueError(f"no valid host in URL: {url}")
        port = default_port
        if port_text:
            if not (port_text.isascii() and port_text.isdigit()) or not 0 < int(port_text) < 65536:
                raise ValueError(f"malformed port in URL: {url}")
            port = int(port_text)
        if port != default_port:
            host_text = f"{host_text}:{port}"
        host_field = f"Host: {host_text}\r\n".encode()
        origin = _Origin(
            key=f"{scheme}://{host}:{port}",
            host=host,
            port=port,
            tls=scheme == "https",
            host_field=host_field,
            default_fields=b" HTTP/1.1\r\n" + host_field + self._defaults + b"\r\n",
        )
        if len(self._origins) < 1024:  # a run talks to a handful of hosts
            self._origins[prefix] = origin
        return origin

    def _request_bytes(
        self, origin: _Origin, target: str, headers: Mapping[str, str] | None
    ) -> bytes:
        if not target or target[0] != "/":
            target = "/" + target  # "http://host" and "http://host?query"
        if _UNSAFE_TARGET.search(target) is not None:
            from urllib.parse import quote

            target = quote(target, safe=_TARGET_SAFE)
        start = b"GET " + target.encode("ascii")
        if not headers:
            return start + origin.default_fields
        replaced = {name.lower() for name in headers}
        parts = [start, b" HTTP/1.1\r\n"]
        if "host" not in replaced:
            parts.append(origin.host_field)
        parts.extend(line for name, line in self._default_lines if name not in replaced)
        for name, value in headers.items():
            if _TOKEN.fullmatch(name) is None or "\r" in value or "\n" in value:
                raise ValueError(f"invalid request header {name!r}: {value!r}")
            parts.append(f"{name}: {value}\r\n".encode())
        parts.append(b"\r\n")
        return b"".join(parts)


async def _create_connection(
    loop: asyncio.AbstractEventLoop,
    connection: _Connection,
    host: str,
    port: int,
    options: dict[str, Any],
) -> None:
    # host and port, not a socket: the lookup goes through loop.getaddrinfo, which
    # event_loop.ResolveOnceLoop shares between connections.
    try:
        await loop.create_connection(lambda: connection, host, port, **options)
    except OSError as error:
        # Before 3.12, the failures of a host's several addresses (::1 and 127.0.0.1 for a
        # local index) come as one OSError naming each; all refused is still a refusal.
        codes = set(_ERRNO.findall(str(error))) if error.errno is None else ()
        if codes == {str(errno.ECONNREFUSED)}:
            raise ConnectionRefusedError(errno.ECONNREFUSED, str(error)) from error
        raise
    except Exception as error:
        # Python 3.12+ (all_errors=True) reports each address's failure; one of them becomes
        # the cause, a refusal first, so http._connect_failure can say what happened.
        failures = getattr(error, "exceptions", ())
        oserrors = [failure for failure in failures if isinstance(failure, OSError)]
        if not oserrors:
            raise
        refused = [failure for failure in oserrors if isinstance(failure, ConnectionRefusedError)]
        raise (refused or oserrors)[0] from None


class _Chunk(enum.Enum):
    """Where a chunked body's parser is (RFC 9112 §7.1)."""

    SIZE = enum.auto()
    DATA = enum.auto()
    DATA_END = enum.auto()
    TRAILER = enum.auto()


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: sends a request, parses its response, completes one Future."""

    __slots__ = (
        "_body",
        "_buffer",
        "_chunk_left",
        "_chunk_state",
        "_chunks",
        "_feed",
        "_fields",
        "_keep_alive",
        "_last_activity",
        "_length",
        "_loop",
        "_max_body",
        "_read_to_close",
        "_reason",
        "_received",
        "_scan_from",
        "_status",
        "_timeout",
        "_timer",
        "_trailer_bytes",
        "_transport",
        "_waiter",
        "closed",
        "idle_since",
        "response_started",
        "reusable",
    )

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._transport: asyncio.BaseTransport | None = None
        self._waiter: asyncio.Future[_Answer] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._timeout = 0.0
        self._last_activity = 0.0
        self._buffer = bytearray()
        self._feed: Callable[[bytes], None] = self._feed_head
        self._max_body: int | None = None
        self.closed = False  # the server closed it, or it failed: never sent on again
        self.reusable = False  # the last response ended cleanly and allows keep-alive
        self.response_started = False
        self.idle_since = 0.0
        self._reset_response()

    def _reset_response(self) -> None:
        self._scan_from = 0
        self._status = 0
        self._reason = ""
        self._fields: dict[str, str] = {}
        self._keep_alive = False
        self._read_to_close = False
        self._length = 0
        self._received = 0
        self._chunks: list[bytes] = []
        self._body = bytearray()
        self._chunk_state = _Chunk.SIZE
        self._chunk_left = 0
        self._trailer_bytes = 0

    # -- the request side --------------------------------------------------------------

    def send(self, request: bytes, timeout: float, max_body: int | None) -> asyncio.Future[_Answer]:
        """Write `request`; the Future completes with the response or a RequestFailure."""
        waiter: asyncio.Future[_Answer] = self._loop.create_future()
        if self.closed or self._transport is None:
            self.response_started = False
            waiter.set_exception(_protocol_error("Server disconnected without sending a response."))
            return waiter
        self._waiter = waiter
        self._max_body = max_body
        self._timeout = timeout
        self.reusable = False
        self.response_started = False
        self._reset_response()
        self._feed = self._feed_head
        now = self._loop.time()
        self._last_activity = now
        # One timer per request, re-armed from the last byte's time when it fires early:
        # a cancel and call_later per received chunk cost more than the parsing.
        self._timer = self._loop.call_at(now + timeout, self._check_timeout)
        self._transport.write(request)  # type: ignore[attr-defined]
        return waiter

    def abort(self) -> None:
        """Close at once, without a TLS close_notify (as httpcore does): never reused."""
        self.closed = True
        self._cancel_timer()
        if self._transport is not None:
            self._transport.abort()  # type: ignore[attr-defined]

    def _check_timeout(self) -> None:
        self._timer = None
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        deadline = self._last_activity + self._timeout
        if self._loop.time() >= deadline:
            self._fail(RequestFailure(FailureKind.READ_TIMEOUT, f"no data for {self._timeout:g}s"))
        else:
            self._timer = self._loop.call_at(deadline, self._check_timeout)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _finish(self, body: bytes | None, reusable: bool) -> None:
        self._cancel_timer()
        waiter, self._waiter = self._waiter, None
        self.reusable = reusable and not self.closed
        if waiter is not None and not waiter.done():
            waiter.set_result((self._status, self._reason, self._fields, body))

    def _fail(self, error: BaseException) -> None:
        self._cancel_timer()
        waiter, self._waiter = self._waiter, None
        self.reusable = False
        self.abort()
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)

    # -- asyncio.Protocol --------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        waiter = self._waiter
        if waiter is None or waiter.done():
            self.abort()  # bytes nobody asked for (a 408 before an idle close): unusable
            return
        self._last_activity = self._loop.time()
        self.response_started = True
        try:
            self._feed(data)
        except RequestFailure as error:
            self._fail(error)

    def eof_received(self) -> bool | None:
        self._ended(None)
        return None  # let the transport close itself

    def connection_lost(self, exc: Exception | None) -> None:
        self._ended(exc)
        self._transport = None

    def _ended(self, exc: Exception | None) -> None:
        self.closed = True
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        error: RequestFailure
        if self._read_to_close and exc is None:
            self._finish(b"".join(self._chunks), reusable=False)
            return
        if exc is not None:
            error = RequestFailure(FailureKind.READ, str(exc) or type(exc).__name__)
            error.__cause__ = exc
        elif not self.response_started:
            error = _protocol_error("Server disconnected without sending a response.")
        elif self._feed == self._feed_length:
            error = _protocol_error(f"received {self._received} of {self._length} bytes")
        elif self._feed == self._feed_head:
            error = _protocol_error("the connection closed inside the response head")
        else:
            error = _protocol_error("the connection closed inside the chunked body")
        self._fail(error)

    # -- parsing the response (RFC 9112) -----------------------------------------------

    def _feed_head(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        while True:
            end = buffer.find(b"\r\n\r\n", self._scan_from)
            if end < 0:
                if len(buffer) > MAX_HEAD:
                    raise _protocol_error("response head larger than 64 KiB")
                self._scan_from = max(len(buffer) - 3, 0)
                return
            if end > MAX_HEAD:
                raise _protocol_error("response head larger than 64 KiB")
            head = buffer[:end].decode("latin-1")
            del buffer[: end + 4]  # cheap: a bytearray drops a prefix by moving its start
            self._scan_from = 0
            self._parse_head(head)
            if self._status >= 200:
                break
            if self._status == 101:
                raise _protocol_error("unexpected 101 Switching Protocols")
            self._fields = {}  # a 1xx interim answer: the real one follows (§15.2 RFC 9110)
        self._start_body()

    def _parse_head(self, head: str) -> None:
        lines = head.split("\r\n")
        status = _STATUS_LINE.fullmatch(lines[0])
        if status is None:
            raise _protocol_error(f"malformed status line {lines[0][:80]!r}")
        minor, code, reason = status.groups()
        self._status = int(code)
        self._reason = reason or ""
        fields = self._fields
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if not colon:
                break
            name = name.lower()
            value = value.strip(" \t")
            if name in fields:
                fields[name] = f"{fields[name]}, {value}"
            else:
                fields[name] = value
        else:
            # One check of every name at once: a regex call per line was a third of the
            # parsing time. A folded line or a bad name lands in the careful parser below.
            if not fields or _FIELD_NAMES.fullmatch(":".join(fields)) is not None:
                self._keep_alive = _keeps_alive(minor, fields.get("connection"))
                return
        fields.clear()
        _parse_fields_carefully(lines[1:], fields)
        self._keep_alive = _keeps_alive(minor, fields.get("connection"))

    def _start_body(self) -> None:
        fields = self._fields
        status = self._status
        if status == 204 or status == 304:
            self._finish(b"", reusable=self._keep_alive and not self._buffer)
            return
        coding = fields.get("transfer-encoding")
        if coding is not None:
            if coding.rpartition(",")[2].strip(" \t").lower() == "chunked":
                if "content-length" in fields:  # §6.1: the server may be confused; close
                    self._keep_alive = False
                self._feed = self._feed_chunked
                self._parse_chunks()
                return
            self._read_to_close = True  # §6.3 item 4: a final coding other than chunked
        elif "content-length" in fields:
            self._length = _content_length(fields["content-length"])
            if self._max_body is not None and self._length > self._max_body:
                self._finish(None, reusable=False)
                return
            self._feed = self._feed_length
        else:
            self._read_to_close = True
        if self._read_to_close:
            self._feed = self._feed_until_close
        body = bytes(self._buffer)
        self._buffer.clear()
        self._feed(body)

    def _feed_length(self, data: bytes) -> None:
        # Chunks are counted and joined once at the end (one chunk: no copy at all).
        if data:
            self._chunks.append(data)
            self._received += len(data)
        if self._received < self._length:
            return
        body = self._chunks[0] if len(self._chunks) == 1 else b"".join(self._chunks)
        if len(body) == self._length:
            self._finish(body, reusable=self._keep_alive)
        else:  # bytes beyond the body: the server is out of step, the connection unusable
            self._finish(body[: self._length], reusable=False)

    def _feed_until_close(self, data: bytes) -> None:
        if data:
            self._chunks.append(data)
            self._received += len(data)
        if self._max_body is not None and self._received > self._max_body:
            self._finish(None, reusable=False)

    def _feed_chunked(self, data: bytes) -> None:
        self._buffer += data
        self._parse_chunks()

    def _parse_chunks(self) -> None:
        buffer = self._buffer
        end = len(buffer)
        position = 0
        state = self._chunk_state
        try:
            while position < end:
                if state is _Chunk.DATA:
                    take = min(self._chunk_left, end - position)
                    self._body += buffer[position : position + take]
                    position += take
                    self._chunk_left -= take
                    if self._chunk_left == 0:
                        state = _Chunk.DATA_END
                    continue
                if state is _Chunk.DATA_END:
                    if end - position < 2:
                        return
                    if buffer[position : position + 2] != b"\r\n":
                        raise _protocol_error("chunk data not followed by CRLF")
                    position += 2
                    state = _Chunk.SIZE
                    continue
                line_end = buffer.find(b"\r\n", position)
                if line_end < 0:
                    if end - position > _MAX_CHUNK_LINE:
                        raise _protocol_error("chunk header line too long")
                    return
                line = bytes(buffer[position:line_end])
                position = line_end + 2
                if state is _Chunk.TRAILER:
                    self._trailer_bytes += len(line) + 2
                    if self._trailer_bytes > MAX_HEAD:
                        raise _protocol_error("chunked trailer larger than 64 KiB")
                    if not line:
                        self._finish(bytes(self._body), self._keep_alive and position == end)
                        return
                    continue
                size = _chunk_size(line)
                if size == 0:
                    state = _Chunk.TRAILER
                elif self._max_body is not None and len(self._body) + size > self._max_body:
                    self._finish(None, reusable=False)
                    return
                else:
                    self._chunk_left = size
                    state = _Chunk.DATA
        finally:
            self._chunk_state = state
            del buffer[:position]


def _protocol_error(message: str) -> RequestFailure:
    return RequestFailure(FailureKind.PROTOCOL, message)


def _parse_fields_carefully(lines: list[str], fields: dict[str, str]) -> None:
    """Header lines one at a time: obsolete line folding joined (RFC 9112 §5.2), a malformed
    line named in the error."""
    name = ""
    for line in lines:
        if line[:1] in (" ", "\t") and name:
            fields[name] = fields[name] + " " + line.strip(" \t")
            continue
        name, colon, value = line.partition(":")
        if not colon or _TOKEN.fullmatch(name) is None:
            raise _protocol_error(f"malformed header line {line[:80]!r}")
        name = name.lower()
        value = value.strip(" \t")
        fields[name] = f"{fields[name]}, {value}" if name in fields else value


def _keeps_alive(minor_version: str, connection: str | None) -> bool:
    options = {token.strip(" \t") for token in connection.lower().split(",")} if connection else ()
    return "keep-alive" in options if minor_version == "0" else "close" not in options


def _content_length(text: str) -> int:
    # §6.3 item 5: a list of identical values is one length; anything else is an error.
    values = {value.strip(" \t") for value in text.split(",")}
    if len(values) != 1:
        raise _protocol_error(f"conflicting Content-Length values {text[:80]!r}")
    value = values.pop()
    if not (value.isascii() and value.isdigit()):
        raise _protocol_error(f"malformed Content-Length {text[:80]!r}")
    return int(value)


def _chunk_size(line: bytes) -> int:
    size = line.partition(b";")[0].strip(b" \t")  # chunk extensions are ignored (§7.1.1)
    if _CHUNK_SIZE.fullmatch(size) is None:
        raise _protocol_error(f"malformed chunk size {line[:40]!r}")
    return int(size, 16)


def _decode(body: bytes, coding: str) -> bytes:
    coding = coding.strip(" \t").lower()
    try:
        if coding in ("gzip", "x-gzip"):
            return _gunzip(body)
        if coding == "deflate":
            return _inflate(body)
    except zlib.error as error:
        raise RequestFailure(FailureKind.DECODING, f"corrupt {coding} body: {error}") from error
    return body


def _gunzip(body: bytes) -> bytes:
    # A gzip file may hold several members, one after another (RFC 1952 §2.2).
    parts = []
    while body:
        member = zlib.decompressobj(16 + zlib.MAX_WBITS)
        parts.append(member.decompress(body))
        if not member.eof:
            raise zlib.error("incomplete or truncated stream")
        body = member.unused_data
    return b"".join(parts)


def _inflate(body: bytes) -> bytes:
    # "deflate" means zlib-wrapped (RFC 9110 §8.4.1.2), but some servers send it raw.
    for wbits in (zlib.MAX_WBITS, -zlib.MAX_WBITS):
        stream = zlib.decompressobj(wbits)
        try:
            data = stream.decompress(body)
        except zlib.error:
            continue
        if stream.eof:
            return data
    raise zlib.error("neither a zlib nor a raw deflate stream")
