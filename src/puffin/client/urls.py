"""URL helpers: credential redaction for messages and logs, and `file://` URL <-> path."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

# The userinfo part of any `scheme://user:pass@host` URL. Greedy up to the last `@` before the
# path, because users do write unencoded `@` in passwords and no part of one may leak.
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)[^/\s?#]*@")


def redact_url(url: str) -> str:
    """`https://user:secret@host/simple` -> `https://****@host/simple`; other URLs unchanged.

    The user name is hidden too: tokens are often passed as the user name alone.
    """
    return _USERINFO.sub(r"\g<scheme>****@", url, count=1)


def redact_text(text: str) -> str:
    """Redact the credentials of every URL inside a free-form text (an exception message)."""
    return _USERINFO.sub(r"\g<scheme>****@", text)


def is_file_url(url: str) -> bool:
    return url[:7].lower() == "file://"


def file_url_to_path(url: str) -> Path:
    """The local path a `file://` URL names."""
    # Lazy: urllib.request pulls in http.client and email, which a run without
    # find-links never needs.
    from urllib.request import url2pathname

    return Path(url2pathname(urlsplit(url).path))
