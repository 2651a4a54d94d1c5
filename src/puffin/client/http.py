"""The run's one HTTP client, and requests with bounded retries, backoff and clear failure text."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import socket
import ssl
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Generator
from typing import TypeVar

from puffin import __version__
from puffin.client.auth import (
    Credentials,
    CredentialSource,
    CredentialStore,
    SentCredentials,
    split_credentials,
)
from puffin.client.httpx_import import httpx
from puffin.client.lean_http import HttpAnswer
from puffin.client.retry import (
    DEFAULT_RETRIES,
    backoff_delay,
    is_retryable_status,
    retry_after_seconds,
)
from puffin.client.urls import redact_text, redact_url
from puffin.errors import NetworkError, UsageError

logger = logging.getLogger("puffin.client")

T = TypeVar("T")

DEFAULT_TIMEOUT = 30.0
TIMEOUT_ENV = "PUFFIN_HTTP_TIMEOUT"
# Measured fetching jupyter's 93 project pages from this network: 4-20 connections take about
# 0.45 s, while 24 or more opened at once hit connect timeouts and take over 5 s. 16 keeps the
# pipe full with room to spare; the limit spans both hosts (index pages and file downloads).
MAX_CONNECTIONS = 16


def timeout_from_env() -> float:
    """`PUFFIN_HTTP_TIMEOUT` in seconds, else 30; a malformed value is a usage error."""
    text = os.environ.get(TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise UsageError(f"{TIMEOUT_ENV} must be a positive number of seconds, got {text!r}")
    return value


def create_client(
    *,
    timeout: float | None = None,
    max_connections: int = MAX_CONNECTIONS,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """The one client of a run: HTTP/1.1, pooled connections, redirects followed."""
    seconds = timeout_from_env() if timeout is None else timeout
    return httpx.AsyncClient(
        # No pool timeout: with hundreds of queued downloads, waiting for a free connection
        # is normal and must not fail a request that has not started.
        timeout=httpx.Timeout(seconds, pool=None),
        transport=create_transport(max_connections) if transport is None else transport,
        headers={"User-Agent": f"puffin/{__version__}"},
        follow_redirects=True,
    )


def create_transport(
    max_connections: int = MAX_CONNECTIONS,
    *,
    slots: asyncio.Semaphore | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> AdmissionTransport:
    """The transport under create_client's client (see AdmissionTransport, OriginPool).

    `slots` bounds the requests in flight (a new Semaphore(max_connections) by default): a
    Session hands the same one to its LeanClient, so both together stay within the bound.
    """
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections
    )
    inner = _transport(limits, max_connections, ssl_context)
    return AdmissionTransport(inner, slots or asyncio.Semaphore(max_connections))


# Answers only the client's own layers deal with: redirects to follow, a 401 for StoreAuth.
NEEDS_CLIENT = frozenset({301, 302, 303, 307, 308, 401})


def answer_from_httpx(response: httpx.Response) -> HttpAnswer:
    """The whole-body answer that Session.get returns, from a response httpx has read."""
    headers: dict[str, str] = {}
    for name, value in response.headers.multi_items():
        name = name.lower()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return HttpAnswer(
        url=str(response.url),
        status=response.status_code,
        reason=response.reason_phrase,
        headers=headers,
        body=response.content,
        sent_authorization="authorization" in response.request.headers,
    )


def _transport(
    limits: httpx.Limits, max_connections: int, ssl_context: ssl.SSLContext | None
) -> httpx.AsyncHTTPTransport:
    transport = httpx.AsyncHTTPTransport(
        verify=True if ssl_context is None else ssl_context, limits=limits, http1=True, http2=False
    )
    import httpcore

    from puffin.client.origin_pool import OriginPool

    pool = getattr(transport, "_pool", None)
    ssl_context = getattr(pool, "_ssl_context", None)
    if isinstance(pool, httpcore.AsyncConnectionPool) and ssl_context is not None:
        # httpx builds its transport around httpcore's pool; OriginPool does the same job
        # for puffin's bounded HTTP/1.1 traffic without rescanning every connection on each
        # request (see origin_pool.py). Any other httpx keeps its own pool.
        transport._pool = OriginPool(  # type: ignore[assignment]
            ssl_context=ssl_context, max_idle=max_connections
        )
    return transport


class AdmissionTransport(httpx.AsyncBaseTransport):
    """Lets at most `limit` requests into the connection pool at once; the rest wait here.

    A resolver asks for ~200 files at once. httpcore's pool re-examined every queued request
    against every connection each time one started or ended (a quarter of a cold jupyter.in
    resolve's event-loop time, py-spy); queued here, they cost nothing until a slot frees,
    which happens when a response body is closed. OriginPool relies on this bound: it opens
    a connection for any request that finds none idle.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, slots: asyncio.Semaphore) -> None:
        self._inner = inner
        self._slots = slots

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await self._slots.acquire()
        try:
            response = await self._inner.handle_async_request(request)
        except BaseException:
            self._slots.release()
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _SlotReleasingStream(response.stream, self._slots.release)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class _SlotReleasingStream(httpx.AsyncByteStream):
    """A response body that gives its admission slot back once, when closed."""

    def __init__(self, inner: httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._inner = inner
        self._release: Callable[[], None] | None = release

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._inner.__aiter__()  # no generator of our own between chunk and reader

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            release, self._release = self._release, None
            if release is not None:
                release()


class RetryableStatus(Exception):
    """An HTTP answer worth retrying (5xx, 429), raised inside one attempt."""

    def __init__(self, response: httpx.Response | HttpAnswer) -> None:
        super().__init__(status_reason(response))
        self.reason = status_reason(response)
        self.retry_after = retry_after_seconds(response.headers.get("retry-after"))


def status_reason(response: httpx.Response | HttpAnswer) -> str:
    """`HTTP 404 Not Found`."""
    if isinstance(response, HttpAnswer):
        code, phrase = response.status, response.reason
    else:
        code, phrase = response.status_code, response.reason_phrase
    if not phrase:
        phrase = httpx.codes.get_reason_phrase(code)
    return f"HTTP {code} {phrase}".rstrip()


def raise_for_status(response: httpx.Response | HttpAnswer, url: str) -> None:
    """Raise NetworkError naming the (redacted) URL for any 4xx/5xx answer."""
    if isinstance(response, HttpAnswer):
        code, sent_authorization = response.status, response.sent_authorization
    else:
        code = response.status_code
        sent_authorization = "authorization" in response.request.headers
    if code == 401:
        # Requests through StoreAuth never get here; a direct URL carrying its own
        # credentials does.
        if sent_authorization:
            why = "authentication failed with the credentials from the URL"
        else:
            why = "credentials are missing"
        raise NetworkError(redact_url(url), f"{status_reason(response)}: {why}")
    if code >= 400:
        raise NetworkError(redact_url(url), status_reason(response))


def basic_authorization(credentials: Credentials) -> str:
    """The `Authorization` header value for HTTP basic auth (RFC 7617, UTF-8)."""
    userpass = f"{credentials.username}:{credentials.password}".encode()
    return "Basic " + base64.b64encode(userpass).decode("ascii")


class StoreAuth(httpx.Auth):
    """Basic auth from a CredentialStore, for every request of a run.

    A 401 asks the keyring (when enabled, once per origin) and, given a password not tried
    yet, sends the request again; a 401 that remains raises NetworkError saying which
    credentials failed or what was missing, so no caller has to interpret a 401.
    """

    def __init__(self, store: CredentialStore) -> None:
        self._store = store

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        # A synchronous client: the credentials known now, without the keyring.
        sent = self._store.credentials_for(str(request.url))
        if sent is not None:
            request.headers["Authorization"] = basic_authorization(sent.credentials)
        yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        url = str(request.url)
        sent = self._store.credentials_for(url)
        if sent is not None:
            request.headers["Authorization"] = basic_authorization(sent.credentials)
        response = yield request
        if response.status_code != 401:
            return
        found = await self._store.keyring_credentials(url, sent)
        if found is not None and (sent is None or found != sent.credentials):
            request.headers["Authorization"] = basic_authorization(found)
            response = yield request
            if response.status_code != 401:
                return
            sent = SentCredentials(found, CredentialSource.KEYRING)
        reason = self._store.unauthorized_reason(url, sent)
        raise NetworkError(redact_url(url), f"{status_reason(response)}: {reason}")


def is_transient(error: httpx.RequestError) -> bool:
    """Connection failures, timeouts and truncated responses are worth another attempt."""
    return isinstance(
        error,
        httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError,
    )


def describe_error(error: httpx.RequestError, timeout: float | None) -> str:
    """A short reason a user understands: `connection refused`, `timed out after 30s`.

    `timeout` is the seconds every connect, read and write may take (create_client and
    LeanClient use one number for all three)."""
    if isinstance(error, httpx.TimeoutException):
        return f"timed out after {timeout:g}s" if timeout is not None else "timed out"
    text = redact_text(str(error))
    if isinstance(error, httpx.ConnectError):
        return _connect_failure(error, text)
    if isinstance(error, httpx.RemoteProtocolError):
        return "the server closed the connection before the response was complete"
    if isinstance(error, httpx.TooManyRedirects):
        return "too many redirects"
    if isinstance(error, httpx.ReadError):
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


async def with_retries(
    url: str,
    attempt: Callable[[], Awaitable[T]],
    *,
    retries: int = DEFAULT_RETRIES,
    timeout: float | None,
) -> T:
    """Run `attempt` until it succeeds, retrying transient failures at most `retries` times.

    `attempt` raises httpx request errors or RetryableStatus; anything else propagates.
    After the last attempt the failure becomes a NetworkError naming the redacted URL.
    """
    for number in range(retries + 1):
        try:
            return await attempt()
        except RetryableStatus as failure:
            reason, delay = failure.reason, failure.retry_after
        except httpx.RequestError as error:  # transport errors, redirect loops, bad encodings
            if not is_transient(error):
                raise NetworkError(redact_url(url), describe_error(error, timeout)) from None
            reason, delay = describe_error(error, timeout), None
        if number == retries:
            raise NetworkError(redact_url(url), reason)
        delay = backoff_delay(number) if delay is None else delay
        logger.debug("Retrying %s in %.2fs: %s", redact_url(url), delay, reason)
        await asyncio.sleep(delay)
    raise AssertionError("unreachable: the loop returns or raises")


def without_credentials(
    url: str, auth: httpx.Auth | None
) -> tuple[str, httpx.Auth | tuple[str, str] | None]:
    """Move credentials written in `url` into basic auth: httpx logs request URLs in full."""
    clean, credentials = split_credentials(url)
    if credentials is None:
        return url, auth
    return clean, (credentials.username, credentials.password)


async def request_with_retries(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    retries: int = DEFAULT_RETRIES,
    auth: httpx.Auth | None = None,
) -> httpx.Response:
    """Send a request and read its body, retrying connect errors, timeouts, 5xx, 429 and
    truncated bodies with backoff (honouring Retry-After). Other answers, 404 included, are
    returned for the caller to interpret; see raise_for_status."""

    target, credentials = without_credentials(url, auth)

    async def attempt() -> httpx.Response:
        response = await client.request(method, target, headers=headers, auth=credentials)
        if is_retryable_status(response.status_code):
            raise RetryableStatus(response)
        return response

    return await with_retries(url, attempt, retries=retries, timeout=client.timeout.read)
