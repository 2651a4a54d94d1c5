"""Where a requirements file, an included file or a find-links entry lives: path or URL."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

from puffin.requirements_txt_types import OriginKind

_REMOTE_SCHEMES = ("http://", "https://")
_CREDENTIALS = re.compile(r"(://)[^/@\s]+@")


@dataclass(frozen=True)
class Source:
    """One file being parsed: its name for messages, its identity for cycle detection."""

    display: str
    identity: str
    base_dir: Path
    remote: str | None
    kind: OriginKind


def local_source(display: str, location: str, kind: OriginKind) -> Source:
    """A file on disk; `display` is how the user (or the including file) named it."""
    absolute = os.path.abspath(location)
    # The real path, so that a loop through a symlinked directory is still seen as a cycle.
    return Source(display, os.path.realpath(absolute), Path(os.path.dirname(absolute)), None, kind)


def remote_source(url: str, kind: OriginKind) -> Source:
    """A file behind an http(s) URL; relative paths in it can only mean the working directory."""
    return Source(redact(url), url, Path.cwd(), url, kind)


def is_remote(target: str) -> bool:
    return target[:8].lower().startswith(_REMOTE_SCHEMES)


def top_source(named: str, kind: OriginKind) -> Source:
    """The file named on the command line: a path, a `file:` URL or an http(s) URL."""
    if is_remote(named):
        return remote_source(named, kind)
    if named[:5].lower() == "file:":
        return local_source(named, _local_file_url(named), kind)
    return local_source(named, named, kind)


def included_source(parent: Source, target: str, kind: OriginKind) -> Source:
    """The file named by `-r`/`-c target` inside `parent`: relative to it, or URL-joined."""
    if parent.remote is not None and not _has_scheme(target):
        return remote_source(urljoin(parent.remote, target), kind)
    if is_remote(target):
        return remote_source(target, kind)
    location = target
    if target[:5].lower() == "file:":
        location = _local_file_url(target)
    if os.path.isabs(location):
        return local_source(target, location, kind)
    display = os.path.normpath(os.path.join(os.path.dirname(parent.display), location))
    return local_source(display, str(parent.base_dir / location), kind)


def find_link(value: str, source: Source) -> str:
    """A `-f` value as an absolute path or URL.

    pip's rule: a relative path counts from the requirements file's directory when it
    exists there, and from the working directory otherwise.
    """
    if "://" in value or value[:5].lower() == "file:":
        return value
    if source.remote is not None:
        return urljoin(source.remote, value)
    beside_file = os.path.normpath(os.path.join(source.base_dir, value))
    if os.path.exists(beside_file):
        return beside_file
    return os.path.abspath(value)


def redact(url: str) -> str:
    """`https://user:secret@host/x` -> `https://****@host/x`: credentials never reach messages."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"****@{host}"))


def redact_text(text: str) -> str:
    """Hide the user-info of every URL inside a message."""
    return _CREDENTIALS.sub(r"\1****@", text) if "@" in text else text


def _local_file_url(url: str) -> str:
    from urllib.request import url2pathname

    parts = urlsplit(url)
    return url2pathname(parts.path) if parts.netloc in ("", "localhost") else url


def _has_scheme(target: str) -> bool:
    scheme, colon, _ = target.partition(":")
    return bool(colon) and scheme.isalpha() and len(scheme) > 1
