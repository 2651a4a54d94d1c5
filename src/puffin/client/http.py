"""httpx's client for what LeanClient does not do: redirects, credentials, proxies, streamed
downloads (see Session)."""

from __future__ import annotations

import asyncio
import base64
import ssl
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator

from puffin import __version__
from puffin.client.attempts import (
    MAX_CONNECTIONS,
    RetryableStatus,
    status_reason,
    timeout_from_env,
    with_retries,
)
from puffin.client.auth import (
    Credentials,
    CredentialSource,
    CredentialStore,
    SentCredentials,
    split_credentials,
)
from puffin.client.httpx_import import httpx
from puffin.client.lean_http import HttpAnswer
from puffin.client.retry import DEFAULT_RETRIES, is_retryable_status
from puffin.client.urls import redact_url
from puffin.errors import NetworkError


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


def _answer(response: httpx.Response, body: bytes | None) -> HttpAnswer:
    headers: dict[str, str] = {}
    for name, value in response.headers.multi_items():
        name = name.lower()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return HttpAnswer(
        url=str(response.url),
        status=response.status_code,
        reason=response.reason_phrase,
        headers=headers,
        body=body,
        sent_authorization="authorization" in response.request.headers,
    )


async def get_capped(
    client: httpx.AsyncClient,
    url: str,
    *,
    headers: dict[str, str] | None,
    auth: httpx.Auth | tuple[str, str] | None,
    max_body: int | None,
    decode_content: bool,
) -> HttpAnswer:
    """One GET through the client's layers (redirects, auth), reading at most `max_body`
    bytes of the body as LeanClient.get does: a larger body is left unread (body None)."""
    async with client.stream("GET", url, headers=headers, auth=auth) as response:
        length = response.headers.get("content-length", "")
        if max_body is not None and length.isdigit() and int(length) > max_body:
            return _answer(response, None)
        chunks = response.aiter_bytes() if decode_content else response.aiter_raw()
        body = bytearray()
        async for chunk in chunks:
            body += chunk
            if max_body is not None and len(body) > max_body:
                return _answer(response, None)
        return _answer(response, bytes(body))


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


def without_credentials(
    url: str, auth: httpx.Auth | None
) -> tuple[str, httpx.Auth | tuple[str, str] | None]:
    """Move credentials written in `url` into basic auth: httpx logs request URLs in full."""
    clean, credentials = split_credentials(url)
    if credentials is None:
        return url, auth
    return clean, (credentials.username, credentials.password)


async def get_with_retries(
    client: httpx.AsyncClient,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    auth: httpx.Auth | None = None,
    retries: int = DEFAULT_RETRIES,
    max_body: int | None = None,
    decode_content: bool = True,
) -> HttpAnswer:
    """get_capped, retrying connect errors, timeouts, 5xx, 429 and truncated bodies with
    backoff (honouring Retry-After). Other answers, 404 included, are returned for the caller
    to interpret; see attempts.raise_for_status."""
    target, credentials = without_credentials(url, auth)

    async def attempt() -> HttpAnswer:
        answer = await get_capped(
            client,
            target,
            headers=headers,
            auth=credentials,
            max_body=max_body,
            decode_content=decode_content,
        )
        if is_retryable_status(answer.status):
            raise RetryableStatus(answer)
        return answer

    return await with_retries(url, attempt, retries=retries, timeout=client.timeout.read)
