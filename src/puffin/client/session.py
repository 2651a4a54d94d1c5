"""`Session`: one run's network access (lazy httpx client, credentials, retries, --offline)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from puffin.client.auth import CredentialStore
from puffin.client.keyring import KeyringProvider
from puffin.client.retry import DEFAULT_RETRIES
from puffin.client.urls import redact_url
from puffin.errors import OfflineError
from puffin.pypi_types.file_record import FileRecord

if TYPE_CHECKING:  # httpx costs ~0.1s to import: a run served from the cache never pays it
    import httpx


def offline_error(what: str) -> OfflineError:
    return OfflineError(f"{what} is not in the cache and --offline forbids network access")


class Session:
    """What every request of a run shares. The httpx client (~0.07s to build, TLS context
    included) is created on the first request, so a run served from a fresh cache skips it."""

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
        self._transport: httpx.AsyncBaseTransport | None = None
        self._proxied: bool | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            from puffin.client.http import create_client, create_transport

            self._transport = create_transport()
            self._client = create_client(transport=self._transport)
        return self._client

    def direct_allowed(self, url: str) -> bool:
        """Whether a GET of `url` may skip the client's layers (http.open_direct): this
        session made the client, the environment names no proxy, and neither the URL nor its
        origin has credentials."""
        self.client  # noqa: B018  (made now if not yet: the transport comes with it)
        if self._transport is None:
            return False
        if self._proxied is None:
            import urllib.request

            # Any proxy at all sends everything through httpx, which knows NO_PROXY's rules;
            # "no" is NO_PROXY itself, not a proxy.
            self._proxied = any(key != "no" for key in urllib.request.getproxies())
        if self._proxied or "@" in url.partition("://")[2].partition("/")[0]:
            return False
        return self.credentials.credentials_for(url) is None

    async def open_direct(
        self, url: str, headers: dict[str, str] | None = None
    ) -> httpx.Response | None:
        """http.open_direct through this session's transport, or None when not allowed
        here (see direct_allowed) or when the answer needs the client after all."""
        if not self.direct_allowed(url):
            return None
        from puffin.client.http import open_direct

        assert self._transport is not None
        return await open_direct(self._transport, self.client, url, headers)

    async def aclose(self) -> None:
        """Close the HTTP client if this session created it."""
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None
            self._transport = None

    async def get(self, url: str, *, headers: dict[str, str] | None = None) -> httpx.Response:
        """GET with retries and the credentials of `url`'s origin; any status but 401 is
        returned (a 401 that the keyring cannot cure raises NetworkError, see StoreAuth).

        Callers check --offline first to say what is missing; this is the last guard.
        """
        if self.offline:
            raise offline_error(redact_url(url))
        from puffin.client.http import RetryableStatus, request_with_retries, with_retries
        from puffin.client.retry import is_retryable_status

        if not self.direct_allowed(url):
            return await request_with_retries(
                self.client,
                "GET",
                url,
                headers=headers,
                retries=self.retries,
                auth=self.credentials.auth_for(url),
            )

        async def attempt() -> httpx.Response:
            response = await self.open_direct(url, headers)
            if response is None:  # a redirect or a 401: the client's layers take it
                response = await self.client.request(
                    "GET", url, headers=headers, auth=self.credentials.auth_for(url)
                )
            else:
                try:
                    await response.aread()
                finally:
                    await response.aclose()
            if is_retryable_status(response.status_code):
                raise RetryableStatus(response)
            return response

        return await with_retries(self.client, url, attempt, retries=self.retries)

    def strip_credentials(self, records: tuple[FileRecord, ...]) -> tuple[FileRecord, ...]:
        """File URLs a page spells with credentials lose them before anything stores them;
        requests to that origin still get them, from the credential store."""
        return tuple(
            dataclasses.replace(record, url=self.credentials.strip_url(record.url))
            if isinstance(record.url, str) and "@" in record.url
            else record
            for record in records
        )
