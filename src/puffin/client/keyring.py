"""Passwords from the `keyring` command (`--keyring-provider subprocess`), as pip and uv ask it."""

from __future__ import annotations

import enum
import functools
import logging
import os

logger = logging.getLogger("puffin.client")

KEYRING_COMMAND = "keyring"


class KeyringProvider(enum.Enum):
    """Whether a 401 from an index may ask the keyring for a password."""

    DISABLED = "disabled"
    SUBPROCESS = "subprocess"  # run `keyring get SERVICE USERNAME`


class KeyringNotFound(Exception):
    """No `keyring` command on PATH: asking again for another service cannot help."""


# Remembered for the process, which is one command's run: a run that opens the index from two
# clients (building a source, then installing) still asks the keyring once per question.
@functools.cache
def keyring_password(service: str, username: str) -> str | None:
    """The password `keyring get SERVICE USERNAME` prints, or None when it has none.

    Blocking: run it in a thread. The command's stderr is logged at debug level only (shown
    with -v), with the password cut out should a backend echo it; stdin is closed, so a
    backend cannot wait on a terminal prompt the user never sees.
    """
    import subprocess

    # keyring is a Python program: without this its output follows the locale, and a
    # non-ASCII password would arrive mangled (pip sets the same variable).
    environment = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    try:
        done = subprocess.run(
            [KEYRING_COMMAND, "get", service, username],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env=environment,
            check=False,
        )
    except FileNotFoundError:
        raise KeyringNotFound from None
    except OSError as error:
        logger.debug("Could not run `%s`: %s", KEYRING_COMMAND, error.strerror or error)
        return None
    # The password is the whole of stdout but for the line end `print` adds.
    password = done.stdout.decode("utf-8", errors="replace").removesuffix("\n").removesuffix("\r")
    errors = done.stderr.decode("utf-8", errors="replace").strip()
    if errors:
        if password:
            errors = errors.replace(password, "****")
        logger.debug("`%s get %s` said: %s", KEYRING_COMMAND, service, errors)
    if done.returncode != 0 or not password:
        logger.debug("The keyring has no password for %s", service)
        return None
    return password
