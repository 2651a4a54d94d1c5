"""Streaming a file to disk while hashing it; a failed transfer never leaves a file at `dest`."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from puffin.client.attempts import RetryableStatus, raise_for_status, with_retries
from puffin.client.http import without_credentials
from puffin.client.httpx_import import httpx
from puffin.client.retry import is_retryable_status
from puffin.client.session import Session, offline_error
from puffin.errors import CacheError, HashMismatch, IndexError_
from puffin.hashes import HashAlgorithm, HashDigest, MultiHasher, first_mismatch
from puffin.traits import ProgressReporter

CHUNK_SIZE = 256 * 1024  # bytes; big enough that per-chunk hashing and callbacks cost little


@contextlib.contextmanager
def partial_file(dest: Path) -> Iterator[tuple[Path, BinaryIO]]:
    """A temp file beside `dest`, removed unless the caller renamed it into place."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield temp, handle
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def check_hashes(
    what: str, expected: tuple[HashDigest, ...], actual: tuple[HashDigest, ...]
) -> None:
    """Raise HashMismatch when the index's hashes are known and none matches."""
    wrong = first_mismatch(expected, actual)
    if wrong is not None:
        raise HashMismatch(what, [str(digest) for digest in expected], str(wrong))


async def download_http(
    session: Session,
    url: str,
    filename: str,
    dest: Path,
    *,
    algorithms: frozenset[HashAlgorithm],
    expected: tuple[HashDigest, ...],
    size_hint: int | None,
    reporter: ProgressReporter,
) -> tuple[HashDigest, ...]:
    """Stream `url` into `dest`, hashing every chunk as it arrives.

    A connection error, 5xx or short body restarts the transfer from scratch (bounded);
    the body length is checked against Content-Length. The bytes are hashed exactly as
    served (`Accept-Encoding: identity`), and checked against `expected` before `dest`
    appears.
    """
    if session.offline:
        raise offline_error(filename)
    client = session.client
    wanted = algorithms | {digest.algorithm for digest in expected}
    headers = {"Accept-Encoding": "identity"}
    target, auth = without_credentials(url, session.credentials.auth_for(url))

    async def attempt() -> tuple[HashDigest, ...]:
        hasher = MultiHasher(wanted)
        task: int | None = None
        try:
            with partial_file(dest) as (temp, handle):
                async with client.stream("GET", target, headers=headers, auth=auth) as response:
                    if is_retryable_status(response.status_code):
                        raise RetryableStatus(response)
                    raise_for_status(response, url)
                    length = _content_length(response)
                    task = reporter.on_download_start(filename, length or size_hint)
                    received = 0
                    async for chunk in response.aiter_raw(CHUNK_SIZE):
                        handle.write(chunk)
                        hasher.update(chunk)
                        received += len(chunk)
                        reporter.on_download_progress(task, len(chunk))
                    if length is not None and received != length:
                        raise httpx.RemoteProtocolError(
                            f"received {received} of {length} bytes", request=response.request
                        )
                handle.close()
                digests = hasher.digests()
                check_hashes(filename, expected, digests)
                os.replace(temp, dest)
        finally:
            if task is not None:
                reporter.on_download_complete(task)
        return digests

    try:
        digests = await with_retries(url, attempt, retries=session.retries, timeout=session.timeout)
    except OSError as error:  # the local side: a full disk, a read-only directory
        raise CacheError(f"Cannot write {dest}: {error.strerror or error}") from None
    return tuple(digest for digest in digests if digest.algorithm in algorithms)


def copy_local(
    source: Path,
    dest: Path,
    *,
    algorithms: frozenset[HashAlgorithm],
    expected: tuple[HashDigest, ...],
) -> tuple[HashDigest, ...]:
    """Copy a local archive (a `file://` URL) to `dest`, hashing it on the way (blocking)."""
    hasher = MultiHasher(algorithms | {digest.algorithm for digest in expected})
    try:
        with open(source, "rb") as reader, partial_file(dest) as (temp, handle):
            while chunk := reader.read(CHUNK_SIZE):
                handle.write(chunk)
                hasher.update(chunk)
            handle.close()
            digests = hasher.digests()
            check_hashes(source.name, expected, digests)
            os.replace(temp, dest)
    except OSError as error:
        raise IndexError_(f"Cannot copy {source} to {dest}: {error.strerror or error}") from None
    return tuple(digest for digest in digests if digest.algorithm in algorithms)


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("Content-Length", "")
    return int(value) if value.isdigit() else None
