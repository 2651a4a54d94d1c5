"""The SSL context both HTTP clients share, loaded in a thread while the run starts."""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

from puffin.errors import UsageError

if TYPE_CHECKING:
    import ssl


def create_ssl_context() -> ssl.SSLContext:
    """The certificates httpx would trust, so either client trusts the same ones:
    `SSL_CERT_FILE`, else `SSL_CERT_DIR`, else certifi's bundle. UsageError when the
    variable names something that holds no certificates."""
    import ssl

    for variable in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        location = os.environ.get(variable)
        if location:
            try:
                if variable == "SSL_CERT_FILE":
                    return ssl.create_default_context(cafile=location)
                return ssl.create_default_context(capath=location)
            except (OSError, ssl.SSLError) as error:
                reason = error.strerror or str(error)
                raise UsageError(
                    f"{variable} is {location}, which holds no usable certificates: {reason}"
                ) from None
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


class BackgroundContext:
    """An SSL context whose certificates load on a thread from the moment it is made.

    Parsing certifi's ~150 certificates takes ~20 ms, and OpenSSL releases the GIL while it
    does: begun when a Session is made, the load overlaps the imports and input parsing that
    come before the first request. A failure (an unreadable SSL_CERT_FILE) is raised by `get`,
    where it would have been raised without the thread. The thread is not a daemon: a command
    that ends before the load does waits for it, since an interpreter torn down around
    OpenSSL's running load crashed the process (SIGSEGV at exit in 6 of 8 runs of
    tests/cli/test_index_strategy.py, whose pip-list --outdated makes no request).
    """

    def __init__(self) -> None:
        self._context: ssl.SSLContext | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._load, name="puffin-ssl-context")
        self._thread.start()

    def _load(self) -> None:
        try:
            self._context = create_ssl_context()
        except BaseException as error:  # handed to the caller of get()
            self._error = error

    def get(self) -> ssl.SSLContext:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._context is not None
        return self._context
