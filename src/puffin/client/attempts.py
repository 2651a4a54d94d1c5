"""Retrying a request's attempts and reading its answer's status: shared by LeanClient's and
httpx's requests, and importing neither client (a run served by LeanClient never pays for
httpx's ~25 ms import)."""

from __future__ import annotations

import asyncio
import http
import logging
import os
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from puffin.client.lean_http import HttpAnswer
from puffin.client.request_failure import TRANSIENT, describe_failure, failure_kind
from puffin.client.retry import DEFAULT_RETRIES, backoff_delay, retry_after_seconds
from puffin.client.urls import redact_url
from puffin.errors import NetworkError, UsageError

if TYPE_CHECKING:
    import httpx

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


# Answers only the client's own layers deal with: redirects to follow, a 401 for StoreAuth.
NEEDS_CLIENT = frozenset({301, 302, 303, 307, 308, 401})


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
        phrase = _reason_phrase(code)
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


async def with_retries(
    url: str,
    attempt: Callable[[], Awaitable[T]],
    *,
    retries: int = DEFAULT_RETRIES,
    timeout: float | None,
) -> T:
    """Run `attempt` until it succeeds, retrying transient failures at most `retries` times.

    `attempt` raises request failures (RequestFailure, httpx's RequestError) or
    RetryableStatus; anything else propagates.
    After the last attempt the failure becomes a NetworkError naming the redacted URL.
    """
    for number in range(retries + 1):
        try:
            return await attempt()
        except RetryableStatus as failure:
            reason, delay = failure.reason, failure.retry_after
        except Exception as error:
            kind = failure_kind(error)
            if kind is None:  # not a request failure: a bug or the caller's own error
                raise
            if kind not in TRANSIENT:  # redirect loops, bad encodings
                raise NetworkError(redact_url(url), describe_failure(error, timeout)) from None
            reason, delay = describe_failure(error, timeout), None
        if number == retries:
            raise NetworkError(redact_url(url), reason)
        delay = backoff_delay(number) if delay is None else delay
        logger.debug("Retrying %s in %.2fs: %s", redact_url(url), delay, reason)
        await asyncio.sleep(delay)
    raise AssertionError("unreachable: the loop returns or raises")


def _reason_phrase(code: int) -> str:
    try:
        return http.HTTPStatus(code).phrase
    except ValueError:
        return ""
