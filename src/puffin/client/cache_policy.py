"""HTTP caching rules for index pages (RFC 9111, private cache): pure functions over headers."""

from __future__ import annotations

import email.utils
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CacheControl:
    """The Cache-Control directives that matter to a private cache."""

    max_age: int | None = None
    no_cache: bool = False
    no_store: bool = False
    # Forbids serving a stale entry. puffin never does, except under --offline, where the
    # user asked for exactly that; so it is parsed but changes no decision.
    must_revalidate: bool = False


def parse_cache_control(value: str | None) -> CacheControl:
    """Parse `max-age=600, public` and the like; unknown directives are ignored."""
    if not value:
        return CacheControl()
    max_age: int | None = None
    flags: set[str] = set()
    for directive in value.split(","):
        name, _, argument = directive.partition("=")
        name = name.strip().lower()
        if name == "max-age":
            argument = argument.strip().strip('"')
            # RFC 9111 4.2.1: an invalid max-age makes the response stale.
            max_age = int(argument) if argument.isdigit() else 0
        elif name:
            flags.add(name)
    return CacheControl(
        max_age=max_age,
        no_cache="no-cache" in flags,
        no_store="no-store" in flags,
        must_revalidate="must-revalidate" in flags,
    )


def parse_http_date(value: str | None) -> float | None:
    """An HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`) as Unix seconds, None if malformed."""
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


@dataclass(frozen=True)
class CachePolicy:
    """What a cached response's headers said: its validators and when it stops being fresh."""

    etag: str | None
    last_modified: str | None
    expires_at: float  # Unix seconds; at or after it, the entry must be revalidated
    lifetime: float = 0.0  # seconds of freshness the response granted; a bare 304 renews it

    def to_json(self) -> dict[str, Any]:
        return {
            "etag": self.etag,
            "last_modified": self.last_modified,
            "expires_at": self.expires_at,
            "lifetime": self.lifetime,
        }

    @classmethod
    def from_json(cls, data: object) -> CachePolicy | None:
        """Read back `to_json`; None if the stored value is not one we wrote."""
        if not isinstance(data, dict):
            return None
        etag, last_modified, expires_at, lifetime = (
            data.get("etag"),
            data.get("last_modified"),
            data.get("expires_at"),
            data.get("lifetime", 0.0),
        )
        if not (etag is None or isinstance(etag, str)):
            return None
        if not (last_modified is None or isinstance(last_modified, str)):
            return None
        if not isinstance(expires_at, int | float) or not isinstance(lifetime, int | float):
            return None
        return cls(etag, last_modified, float(expires_at), float(lifetime))


class Freshness(enum.Enum):
    """What to do with a cached entry."""

    FRESH = "fresh"  # use it without any request
    STALE = "stale"  # ask the server again, conditionally when there is a validator


def current_age(headers: Mapping[str, str], now: float) -> float:
    """Seconds the response had already spent in caches when we got it (RFC 9111 4.2.3)."""
    age_text = (headers.get("age") or "").strip()
    age = float(age_text) if age_text.isdigit() else 0.0
    date = parse_http_date(headers.get("date"))
    apparent_age = max(0.0, now - date) if date is not None else 0.0
    return max(age, apparent_age)


def freshness_lifetime(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds of freshness the headers grant, or None when they say nothing about it."""
    control = parse_cache_control(headers.get("cache-control"))
    if control.no_cache:
        return 0.0
    if control.max_age is not None:
        return float(control.max_age)
    expires_text = headers.get("expires")
    if expires_text is None:
        return None
    expires = parse_http_date(expires_text)
    if expires is None:  # RFC 9111 5.3: an invalid Expires means already expired
        return 0.0
    date = parse_http_date(headers.get("date"))
    return max(0.0, expires - (date if date is not None else now))


def policy_from_headers(headers: Mapping[str, str], now: float) -> CachePolicy | None:
    """The policy for a response received at `now`; None when it must not be stored."""
    control = parse_cache_control(headers.get("cache-control"))
    if control.no_store:
        return None
    # No heuristic freshness from Last-Modified: an index page changes at every release, so
    # without an explicit lifetime we revalidate (cheap with a validator) on every run.
    lifetime = freshness_lifetime(headers, now) or 0.0
    return CachePolicy(
        etag=headers.get("etag"),
        last_modified=headers.get("last-modified"),
        expires_at=now + lifetime - current_age(headers, now),
        lifetime=lifetime,
    )


def freshness(policy: CachePolicy, now: float, *, force_revalidate: bool = False) -> Freshness:
    """FRESH while the entry is within its lifetime and no refresh was asked for."""
    if force_revalidate or now >= policy.expires_at:
        return Freshness.STALE
    return Freshness.FRESH


def conditional_headers(policy: CachePolicy) -> dict[str, str]:
    """If-None-Match / If-Modified-Since for revalidating a stale entry."""
    headers: dict[str, str] = {}
    if policy.etag:
        headers["If-None-Match"] = policy.etag
    if policy.last_modified:
        headers["If-Modified-Since"] = policy.last_modified
    return headers


def after_not_modified(policy: CachePolicy, headers: Mapping[str, str], now: float) -> CachePolicy:
    """The entry's policy after a 304: a new expiry, and any validators the 304 carried.

    RFC 9111 4.3.4: the 304's headers update the stored ones; what it leaves out (often
    Cache-Control) keeps its stored value, so the stored lifetime starts again.
    """
    control = parse_cache_control(headers.get("cache-control"))
    lifetime = freshness_lifetime(headers, now)
    if control.no_store:  # keep the entry, but trust it no longer
        lifetime = 0.0
    elif lifetime is None:
        lifetime = policy.lifetime
    return CachePolicy(
        etag=headers.get("etag") or policy.etag,
        last_modified=headers.get("last-modified") or policy.last_modified,
        expires_at=now + lifetime - current_age(headers, now),
        lifetime=lifetime,
    )
