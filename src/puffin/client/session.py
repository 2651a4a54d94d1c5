"""`Session`: one run's network access (lazy clients, credentials, retries, --offline)."""

from __future__ import annotations

import dataclasses
import os
import sys
from typing import TYPE_CHECKING

from puffin import __version__
from puffin.client.auth import CredentialStore
from puffin.client.keyring import KeyringProvider
from puffin.client.retry import DEFAULT_RETRIES
from puffin.client.trust import BackgroundContext
from puffin.client.urls import redact_url
from puffin.errors import OfflineError
from puffin.pypi_types.file_record import FileRecord

if TYPE_CHECKING:  # httpx costs ~0.1s to import: a run served from the cache never pays it
    import asyncio
    import ssl

    import httpx

    from puffin.client.lean_http import HttpAnswer, LeanClient


def _proxy_configured() -> bool:
    """Whether any proxy is configured where httpx looks (urllib's getproxies): then every
    request goes through httpx, which knows NO_PROXY's rules ("no" is NO_PROXY itself).

    Off macOS, getproxies reads only `*_proxy` variables, which are read here without
    importing urllib.request (~5 ms of a resolve's imports: http.client, email)."""
    if sys.platform == "darwin":  # also the system's proxy settings
        import urllib.request

        return any(key != "no" for key in urllib.request.getproxies())
    return any(
        value and name.lower().endswith("_proxy") and name.lower() != "no_proxy"
        for name, value in os.environ.items()
    )


def offline_error(what: str) -> OfflineError:
    return OfflineError(f"{what} is not in the cache and --offline forbids network access")


class Session:
    """What every request of a run shares: one SSL context, one bound on requests in flight,
    and two clients made on first use. Plain GETs (index pages, metadata, range reads) go
    through LeanClient, a fifth of httpx's CPU per request; httpx's client takes whatever
    needs its layers (redirects, credentials, proxies) and the streamed downloads."""

    def __init__(
        self,
        client: httpx.AsyncClient | None = None,
        *,
        offline: bool = False,
        retries: int = DEFAULT_RETRIES,
        keyring: KeyringProvider = KeyringProvider.DISABLED,
    ) -> None:
        self.offline = offline
        self.retries = retries
        self.credentials = CredentialStore(keyring=keyring)
        self._client = client
        self._owns_client = client is None
        self._lean: LeanClient | None = None
        self._ssl_context: BackgroundContext | None = None
        if not offline:
            self._ssl_context = BackgroundContext()
        self._slots: asyncio.Semaphore | None = None
        self._timeout: float | None = None
        self._proxied: bool | None = None

    @property
    def timeout(self) -> float:
        """Seconds a connect, read or write may take (PUFFIN_HTTP_TIMEOUT, else 30)."""
        if self._timeout is None:
            if self._client is not None and not self._owns_client:
                self._timeout = self._client.timeout.read
            if self._timeout is None:
                from puffin.client.attempts import timeout_from_env

                self._timeout = timeout_from_env()
        return self._timeout

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            from puffin.client.http import create_client, create_transport

            transport = create_transport(slots=self._shared_slots(), ssl_context=self._context())
            self._client = create_client(timeout=self.timeout, transport=transport)
        return self._client

    @property
    def lean(self) -> LeanClient:
        """The client of direct_allowed GETs (see lean_http.py)."""
        if self._lean is None:
            from puffin.client.attempts import MAX_CONNECTIONS
            from puffin.client.lean_http import LeanClient

            self._lean = LeanClient(
                ssl_context=self._context(),
                slots=self._shared_slots(),
                timeout=self.timeout,
                user_agent=f"puffin/{__version__}",
                max_idle=MAX_CONNECTIONS,
            )
        return self._lean

    def _context(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = BackgroundContext()
        return self._ssl_context.get()

    def _shared_slots(self) -> asyncio.Semaphore:
        if self._slots is None:
            import asyncio

            from puffin.client.attempts import MAX_CONNECTIONS

            self._slots = asyncio.Semaphore(MAX_CONNECTIONS)
        return self._slots

    def direct_allowed(self, url: str) -> bool:
        """Whether a GET of `url` may go through LeanClient: this session makes its own
        clients, the environment names no proxy, and neither the URL nor its origin has
        credentials."""
        if not self._owns_client:
            return False
        if self._proxied is None:
            self._proxied = _proxy_configured()
        if self._proxied or "@" in url.partition("://")[2].partition("/")[0]:
            return False
        return self.credentials.credentials_for(url) is None

    async def aclose(self) -> None:
        """Close the clients this session created."""
        lean, self._lean = self._lean, None
        if lean is not None:
            await lean.aclose()
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    async def get(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        max_body: int | None = None,
        decode_content: bool = True,
    ) -> HttpAnswer:
        """GET with retries and the credentials of `url`'s origin; any status but 401 is
        returned (a 401 that the keyring cannot cure raises NetworkError, see StoreAuth).

        `max_body` and `decode_content` as LeanClient.get has them, whichever client answers
        (see direct_allowed). Callers check --offline first to say what is missing; this is
        the last guard.
        """
        if self.offline:
            raise offline_error(redact_url(url))
        from puffin.client.attempts import NEEDS_CLIENT, RetryableStatus, with_retries
        from puffin.client.retry import is_retryable_status

        if not self.direct_allowed(url):
            from puffin.client.http import get_with_retries

            return await get_with_retries(
                self.client,
                url,
                headers=headers,
                auth=self.credentials.auth_for(url),
                retries=self.retries,
                max_body=max_body,
                decode_content=decode_content,
            )
        lean = self.lean

        async def attempt() -> HttpAnswer:
            answer = await lean.get(url, headers, max_body=max_body, decode_content=decode_content)
            if answer.status in NEEDS_CLIENT:  # a redirect or a 401: the client's layers
                from puffin.client.http import get_capped

                answer = await get_capped(
                    self.client,
                    url,
                    headers=headers,
                    auth=self.credentials.auth_for(url),
                    max_body=max_body,
                    decode_content=decode_content,
                )
            if is_retryable_status(answer.status):
                raise RetryableStatus(answer)
            return answer

        return await with_retries(url, attempt, retries=self.retries, timeout=self.timeout)

    def strip_credentials(self, records: tuple[FileRecord, ...]) -> tuple[FileRecord, ...]:
        """File URLs a page spells with credentials lose them before anything stores them;
        requests to that origin still get them, from the credential store."""
        return tuple(
            dataclasses.replace(record, url=self.credentials.strip_url(record.url))
            if isinstance(record.url, str) and "@" in record.url
            else record
            for record in records
        )
