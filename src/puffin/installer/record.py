"""RECORD files: their rows, the wheel hash format, and atomic writing of installer files."""

from __future__ import annotations

import base64
import contextlib
import csv
import hashlib
import io
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RecordRow:
    """One RECORD line: a `/`-separated path relative to site-packages, its hash and size."""

    path: str
    hash: str  # "sha256=<urlsafe base64, no padding>", or "" (RECORD itself, pycs)
    size: int | None


def record_hash(data: bytes) -> str:
    """The RECORD form of a sha256 digest."""
    return _encode(hashlib.sha256(data).digest())


def hash_file(path: str) -> tuple[str, int]:
    """RECORD hash and size of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return _encode(digest.digest()), size


def _encode(digest: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def parse_record(text: str) -> list[RecordRow]:
    """Rows of a RECORD; a short or malformed row keeps its path with no hash or size."""
    rows = []
    for fields in csv.reader(io.StringIO(text)):
        if not fields or not fields[0]:
            continue
        digest = fields[1] if len(fields) > 1 else ""
        size_text = fields[2] if len(fields) > 2 else ""
        size = int(size_text) if size_text.isdigit() else None
        rows.append(RecordRow(fields[0], digest, size))
    return rows


def read_record(path: Path | str) -> list[RecordRow]:
    """Rows of the RECORD file at `path` (FileNotFoundError when there is none)."""
    with open(path, encoding="utf-8", newline="") as file:
        return parse_record(file.read())


def format_record(rows: Iterable[RecordRow]) -> bytes:
    """RECORD text, rows sorted by path, as `csv` writes them (quoting paths with commas)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in sorted(rows, key=lambda row: row.path):
        writer.writerow((row.path, row.hash, "" if row.size is None else row.size))
    return buffer.getvalue().encode("utf-8")


def write_new_file(path: str, data: bytes, mode: int) -> bool:
    """Write a file complete or not at all (temp file + rename); False if it replaced one.

    Never opens an existing file for writing: it may be a hardlink into the shared archive.
    """
    temporary = f"{path}.{os.getpid()}-{threading.get_ident()}.puffin-tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fchmod(fd, mode)
        finally:
            os.close(fd)
        existed = os.path.lexists(path)
        try:
            os.replace(temporary, path)
        except OSError as error:
            raise OSError(error.errno, error.strerror, path) from error  # name ours, not the temp
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return not existed
