"""Credentials taken out of index URLs, so they reach requests but never pages, caches or logs."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit, urlunsplit


@dataclass(frozen=True)
class Credentials:
    """HTTP basic credentials for one origin; the password never shows in a repr."""

    username: str
    password: str = field(repr=False)


def split_credentials(url: str) -> tuple[str, Credentials | None]:
    """`https://u:p@host/x` -> (`https://host/x`, Credentials("u", "p"))."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, host = parts.netloc.rpartition("@")
    username, _, password = userinfo.partition(":")
    clean = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return clean, Credentials(unquote(username), unquote(password))


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.rpartition("@")[2].lower()


class CredentialStore:
    """Remembers credentials per origin (scheme, host, port).

    Index URLs are stored without their credentials, so file URLs resolved against a page,
    cache keys and the cached pages are credential-free; a request to an origin we hold
    credentials for gets them back as HTTP basic auth (as pip does for an index's host).
    """

    def __init__(self) -> None:
        self._by_origin: dict[tuple[str, str], Credentials] = {}

    def strip_url(self, url: str) -> str:
        """Return `url` without credentials, remembering them for its origin."""
        clean, credentials = split_credentials(url)
        if credentials is not None:
            self._by_origin[_origin(clean)] = credentials
        return clean

    def auth_for(self, url: str) -> tuple[str, str] | None:
        """The (username, password) to send with a request to `url`, if any."""
        if not self._by_origin:
            return None
        credentials = self._by_origin.get(_origin(url))
        return None if credentials is None else (credentials.username, credentials.password)
