"""What can go wrong below HTTP status codes, from either client, and how a user is told.

LeanClient raises RequestFailure; httpx raises its own RequestError tree. `failure_kind`
reads both into one FailureKind, so retries and messages treat them alike, and this module
never imports httpx: an httpx error can only exist once httpx is imported.
"""

from __future__ import annotations

import enum
import socket
import sys

from puffin.client.urls import redact_text


class FailureKind(enum.Enum):
    CONNECT = "connect"  # refused, unreachable, unknown host, a rejected certificate
    CONNECT_TIMEOUT = "connect timeout"
    READ_TIMEOUT = "read timeout"
    WRITE_TIMEOUT = "write timeout"
    POOL_TIMEOUT = "pool timeout"
    READ = "read"  # the connection failed while the response was read
    NETWORK = "network"  # another socket failure (writing, closing)
    PROTOCOL = "protocol"  # the server closed early or broke HTTP/1.1
    DECODING = "decoding"  # a body whose Content-Encoding does not decode
    TOO_MANY_REDIRECTS = "too many redirects"
    OTHER = "other"


# Worth another attempt: the next connection or the next second may do better.
TRANSIENT = frozenset(
    {
        FailureKind.CONNECT,
        FailureKind.CONNECT_TIMEOUT,
        FailureKind.READ_TIMEOUT,
        FailureKind.WRITE_TIMEOUT,
        FailureKind.POOL_TIMEOUT,
        FailureKind.READ,
        FailureKind.NETWORK,
        FailureKind.PROTOCOL,
    }
)
_TIMEOUTS = frozenset(
    {
        FailureKind.CONNECT_TIMEOUT,
        FailureKind.READ_TIMEOUT,
        FailureKind.WRITE_TIMEOUT,
        FailureKind.POOL_TIMEOUT,
    }
)


class RequestFailure(Exception):
    """A request that got no complete HTTP answer (LeanClient's failures)."""

    def __init__(self, kind: FailureKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def failure_kind(error: BaseException) -> FailureKind | None:
    """The kind of a failed request from LeanClient or httpx; None for any other error."""
    if isinstance(error, RequestFailure):
        return error.kind
    httpx = sys.modules.get("httpx")
    if httpx is None or not isinstance(error, httpx.RequestError):
        return None
    for cls, kind in (
        (httpx.ConnectTimeout, FailureKind.CONNECT_TIMEOUT),
        (httpx.ReadTimeout, FailureKind.READ_TIMEOUT),
        (httpx.WriteTimeout, FailureKind.WRITE_TIMEOUT),
        (httpx.PoolTimeout, FailureKind.POOL_TIMEOUT),
        (httpx.ConnectError, FailureKind.CONNECT),
        (httpx.ReadError, FailureKind.READ),
        (httpx.NetworkError, FailureKind.NETWORK),
        (httpx.RemoteProtocolError, FailureKind.PROTOCOL),
        (httpx.DecodingError, FailureKind.DECODING),
        (httpx.TooManyRedirects, FailureKind.TOO_MANY_REDIRECTS),
    ):
        if isinstance(error, cls):
            return kind
    return FailureKind.OTHER


def is_transient(error: BaseException) -> bool:
    """Connection failures, timeouts and truncated responses are worth another attempt."""
    return failure_kind(error) in TRANSIENT


def describe_failure(error: BaseException, timeout: float | None) -> str:
    """A short reason a user understands: `connection refused`, `timed out after 30s`.

    `timeout` is the seconds every connect, read and write may take (both clients use one
    number for all three)."""
    kind = failure_kind(error)
    if kind in _TIMEOUTS:
        return f"timed out after {timeout:g}s" if timeout is not None else "timed out"
    text = redact_text(str(error))
    if kind is FailureKind.CONNECT:
        return _connect_failure(error, text)
    if kind is FailureKind.PROTOCOL:
        return "the server closed the connection before the response was complete"
    if kind is FailureKind.TOO_MANY_REDIRECTS:
        return "too many redirects"
    if kind is FailureKind.READ:
        return f"connection lost while reading the response: {text}".rstrip(": ")
    return text or type(error).__name__


def _connect_failure(error: BaseException, text: str) -> str:
    # httpx reports every failed connect as "All connection attempts failed"; the OS error
    # that says why (refused, unknown host) is further down the exception chain.
    cause: BaseException | None = error
    seen: set[int] = set()
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "could not resolve the host name"
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return f"could not connect: {text}" if text else "could not connect"
