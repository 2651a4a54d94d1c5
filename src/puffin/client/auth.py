"""Credentials taken out of index URLs, so they reach requests but never pages, caches or logs."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

logger = logging.getLogger("puffin.client")


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

    def __init__(self, netrc_path: Path | None = None) -> None:
        self._by_origin: dict[tuple[str, str], Credentials] = {}
        # `.netrc` answers for hosts no URL gave credentials for ($NETRC, else ~/.netrc, as
        # pip and uv read it); parsed on the first request that needs it.
        self._netrc_path = netrc_path if netrc_path is not None else default_netrc_path()
        self._netrc: dict[str, Credentials] | None = None

    def strip_url(self, url: str) -> str:
        """Return `url` without credentials, remembering them for its origin."""
        clean, credentials = split_credentials(url)
        if credentials is not None:
            self._by_origin[_origin(clean)] = credentials
        return clean

    def auth_for(self, url: str) -> tuple[str, str] | None:
        """The (username, password) to send with a request to `url`, if any: the index URL's
        own, else the `.netrc` entry of its host."""
        credentials = self._by_origin.get(_origin(url)) if self._by_origin else None
        if credentials is None:
            credentials = self._from_netrc(urlsplit(url).hostname or "")
        return None if credentials is None else (credentials.username, credentials.password)

    def _from_netrc(self, host: str) -> Credentials | None:
        if self._netrc is None:
            self._netrc = _read_netrc(self._netrc_path)
        return self._netrc.get(host.lower())


def default_netrc_path() -> Path:
    configured = os.environ.get("NETRC")
    return Path(configured) if configured else Path.home() / ".netrc"


def _read_netrc(path: Path) -> dict[str, Credentials]:
    """Host -> credentials; a missing or malformed file gives none (pip's behaviour)."""
    import netrc

    try:
        parsed = netrc.netrc(os.fspath(path))
    except (OSError, netrc.NetrcParseError) as error:
        if not isinstance(error, FileNotFoundError):
            logger.debug("Ignoring %s: %s", path, error)
        return {}
    found: dict[str, Credentials] = {}
    for host, (login, _account, password) in parsed.hosts.items():
        if login and password is not None:
            found[host.lower()] = Credentials(login, password)
    return found
