"""`FileRecord`: one file entry of an index page exactly as sent, each bad field kept as a value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class InvalidField:
    """A field the index sent in a shape the spec does not allow; the page is still usable."""

    raw: Any  # the value as received, kept so the page cache can store it unchanged
    reason: str


@dataclass(frozen=True, slots=True)
class FileRecord:
    """A file entry of a PEP 691 JSON or PEP 503 HTML page (or a find-links listing).

    Lenient on purpose: only `client/` turns it into a strict `dist_types.File`, and skips
    the records it cannot use. `url` is absolute (resolved against the page's base URL).
    """

    filename: str | InvalidField
    url: str | InvalidField
    hashes: dict[str, str] | InvalidField  # algorithm name -> hex digest, any algorithm
    requires_python: str | InvalidField | None = None
    yanked: bool | str | InvalidField = False  # PEP 592: a reason string means yanked too
    size: int | InvalidField | None = None  # PEP 700
    upload_time: str | InvalidField | None = None  # PEP 700, ISO 8601 text
    core_metadata: bool | dict[str, str] | InvalidField = False  # PEP 658 / PEP 714

    def to_json(self) -> dict[str, Any]:
        """The record in PEP 691 shape, so `simple_json.parse_file` reads it back unchanged."""
        entry: dict[str, Any] = {
            "filename": _raw(self.filename),
            "url": _raw(self.url),
            "hashes": _raw(self.hashes),
        }
        # Absent keys keep cached pages compact: most files lack most optional fields.
        if self.requires_python is not None:
            entry["requires-python"] = _raw(self.requires_python)
        if self.yanked is not False:
            entry["yanked"] = _raw(self.yanked)
        if self.size is not None:
            entry["size"] = _raw(self.size)
        if self.upload_time is not None:
            entry["upload-time"] = _raw(self.upload_time)
        if self.core_metadata is not False:
            entry["core-metadata"] = _raw(self.core_metadata)
        return entry


def _raw(value: object) -> object:
    return value.raw if isinstance(value, InvalidField) else value


@dataclass(frozen=True, slots=True)
class ProjectPage:
    """A project's page on a simple index: its files and, when sent, its versions (PEP 700)."""

    files: tuple[FileRecord, ...]
    versions: tuple[str, ...] = ()
