"""Credentials for index requests: from the URL, then `.netrc`, then the keyring; never stored."""

from __future__ import annotations

import asyncio
import enum
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit, urlunsplit

from puffin.client.keyring import KeyringNotFound, KeyringProvider, keyring_password

if TYPE_CHECKING:
    from puffin.client.http import StoreAuth

logger = logging.getLogger("puffin.client")

Origin = tuple[str, str]  # (scheme, host[:port]), lower-cased

# What a compiled requirements file shows in place of a user name or password
# (compile_output.redact_url_credentials): read back by pip-sync, it means "not given here".
REDACTED = "****"


@dataclass(frozen=True)
class Credentials:
    """HTTP basic credentials for one origin; the password never shows in a repr."""

    username: str
    password: str = field(repr=False)


class CredentialSource(enum.Enum):
    """Where the credentials sent to an origin came from, in the order they are looked for."""

    URL = "the URL"
    NETRC = ".netrc"
    KEYRING = "the keyring"


@dataclass(frozen=True)
class SentCredentials:
    credentials: Credentials
    source: CredentialSource


class KeyringOutcome(enum.Enum):
    """What asking the keyring for an origin's password gave."""

    NOT_ASKED = "not asked"
    NO_USERNAME = "no user name"
    NO_COMMAND = "no keyring command"
    NO_PASSWORD = "no password"
    FOUND = "found"


def split_credentials(url: str) -> tuple[str, Credentials | None]:
    """`https://u:p@host/x` -> (`https://host/x`, Credentials("u", "p"))."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, host = parts.netloc.rpartition("@")
    username, _, password = userinfo.partition(":")
    clean = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return clean, Credentials(unquote(username), unquote(password))


def origin_of(url: str) -> Origin:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.rpartition("@")[2].lower()


class CredentialStore:
    """One run's credentials, by origin: the URL's own (a password given there always wins),
    else what the keyring answered after a 401, else the `.netrc` entry of the host, else a
    user name alone from the URL (a token many private indexes take without a password).

    Index URLs lose their credentials at once, so file URLs resolved against a page, cache
    keys and cached pages are credential-free; a request to an origin (scheme, host, port) we
    hold credentials for gets them back as HTTP basic auth (as pip does for an index's host).

    The keyring (`--keyring-provider subprocess`) is asked only after a 401, only when the
    index URL names the user and gives no password (as pip and uv do), and at most once per
    origin: concurrent requests that all got a 401 wait for the same answer.
    """

    def __init__(
        self,
        netrc_path: Path | None = None,
        *,
        keyring: KeyringProvider = KeyringProvider.DISABLED,
    ) -> None:
        self.keyring = keyring
        self._by_origin: dict[Origin, Credentials] = {}
        self._index_urls: dict[Origin, str] = {}  # the keyring's service name for an origin
        # `.netrc` answers for hosts no URL gave credentials for ($NETRC, else ~/.netrc, as
        # pip and uv read it); parsed on the first request that needs it.
        self._netrc_path = netrc_path if netrc_path is not None else default_netrc_path()
        self._netrc: dict[str, Credentials] | None = None
        self._keyring_lookups: dict[Origin, asyncio.Future[Credentials | None]] = {}
        self._keyring_outcomes: dict[Origin, KeyringOutcome] = {}
        self._keyring_found: dict[Origin, Credentials] = {}
        self._auth: StoreAuth | None = None

    def add_index(self, url: str) -> str:
        """Like strip_url, for an index or find-links URL: the first one of an origin is the
        service name the keyring is asked under."""
        clean = self.strip_url(url)
        self._index_urls.setdefault(origin_of(clean), clean)
        return clean

    def strip_url(self, url: str) -> str:
        """Return `url` without credentials, remembering them for its origin."""
        clean, credentials = split_credentials(url)
        if credentials is not None:
            username = "" if credentials.username == REDACTED else credentials.username
            password = "" if credentials.password == REDACTED else credentials.password
            if username or password:
                self._by_origin[origin_of(clean)] = Credentials(username, password)
        return clean

    def credentials_for(self, url: str) -> SentCredentials | None:
        """The credentials to send with a request to `url` now, and where they came from."""
        origin = origin_of(url)
        given = self._by_origin.get(origin) if self._by_origin else None
        if given is not None and given.password:
            return SentCredentials(given, CredentialSource.URL)
        found = self._keyring_found.get(origin) if self._keyring_found else None
        if found is not None:
            return SentCredentials(found, CredentialSource.KEYRING)
        from_netrc = self._from_netrc(urlsplit(url).hostname or "")
        if from_netrc is not None and (given is None or given.username == from_netrc.username):
            return SentCredentials(from_netrc, CredentialSource.NETRC)
        if given is not None:
            return SentCredentials(given, CredentialSource.URL)
        return None

    def auth_for(self, url: str) -> StoreAuth:
        """The httpx auth for a request to `url`: sends credentials_for(url), and on a 401
        asks the keyring (when enabled) or raises NetworkError saying what was missing."""
        if self._auth is None:
            from puffin.client.http import StoreAuth

            self._auth = StoreAuth(self)
        return self._auth

    async def keyring_credentials(
        self, url: str, sent: SentCredentials | None
    ) -> Credentials | None:
        """What the keyring holds for `url`'s origin, asked once per origin; None when it is
        disabled, may not be asked, or has nothing."""
        if self.keyring is KeyringProvider.DISABLED:
            return None
        if sent is not None and sent.source is CredentialSource.URL and sent.credentials.password:
            return None  # a password the user wrote is not second-guessed
        origin = origin_of(url)
        lookup = self._keyring_lookups.get(origin)
        if lookup is None:
            lookup = asyncio.ensure_future(self._ask_keyring(origin))
            self._keyring_lookups[origin] = lookup
        return await asyncio.shield(lookup)

    async def _ask_keyring(self, origin: Origin) -> Credentials | None:
        given = self._by_origin.get(origin)
        if given is None or not given.username:
            self._keyring_outcomes[origin] = KeyringOutcome.NO_USERNAME
            return None
        # The index URL first, then the bare host, as pip and uv ask: keyring backends differ
        # in which of the two they file a password under.
        services = dict.fromkeys(s for s in (self._index_urls.get(origin), origin[1]) if s)
        for service in services:
            try:
                password = await asyncio.to_thread(keyring_password, service, given.username)
            except KeyringNotFound:
                self._keyring_outcomes[origin] = KeyringOutcome.NO_COMMAND
                return None
            if password is not None:
                found = Credentials(given.username, password)
                self._keyring_found[origin] = found
                self._keyring_outcomes[origin] = KeyringOutcome.FOUND
                return found
        self._keyring_outcomes[origin] = KeyringOutcome.NO_PASSWORD
        return None

    def unauthorized_reason(self, url: str, sent: SentCredentials | None) -> str:
        """Why the index refused `url` with a 401, for the one error the user reads."""
        if sent is not None and (
            sent.credentials.password or sent.source is not CredentialSource.URL
        ):
            return f"authentication failed with the credentials from {sent.source.value}"
        origin = origin_of(url)
        outcome = self._keyring_outcomes.get(origin, KeyringOutcome.NOT_ASKED)
        if self.keyring is KeyringProvider.DISABLED:
            keyring = "keyring lookup is disabled (--keyring-provider subprocess enables it)"
        elif outcome is KeyringOutcome.NO_USERNAME:
            example = self._index_urls.get(origin, f"{origin[0]}://{origin[1]}/")
            user_url = example.replace("://", "://USER@", 1)
            keyring = f"the keyring is asked only when the index URL names the user ({user_url})"
        elif outcome is KeyringOutcome.NO_COMMAND:
            keyring = "the keyring could not be asked: no `keyring` command on PATH"
        else:
            keyring = "the keyring has no password for this index"
        return f"credentials are missing: no password in the URL or .netrc, and {keyring}"

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
