"""A JSON page's file entries, each turned into a FileRecord only when it is asked for."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, overload

from puffin.pypi_types.file_record import FileRecord, InvalidField
from puffin.pypi_types.simple_json import parse_file


class PageRecords(Sequence[FileRecord]):
    """The `files` of a PEP 691 page as decoded JSON, parsed entry by entry on first access.

    A resolver reads a few versions of each project, while pages list every file ever
    uploaded: parsing all 30,636 entries of jupyter.in's 96 pages took 0.116 s of each run's
    event-loop thread. Grouping by version needs only the file names, which `filename` reads
    without building the record.
    """

    __slots__ = ("_base_url", "_entries", "_names", "_records")

    def __init__(
        self, entries: Sequence[Any], base_url: str, names: Sequence[str] | None = None
    ) -> None:
        """`names`, when given, are the entries' `filename` strings, already known (a
        scanned page's, json_page_scan.py): reading them then decodes no entry."""
        self._entries = entries
        self._base_url = base_url
        self._names = names
        self._records: list[FileRecord | None] = [None] * len(entries)

    def __len__(self) -> int:
        return len(self._entries)

    @overload
    def __getitem__(self, position: int) -> FileRecord: ...

    @overload
    def __getitem__(self, position: slice) -> Sequence[FileRecord]: ...

    def __getitem__(self, position: int | slice) -> FileRecord | Sequence[FileRecord]:
        if isinstance(position, slice):
            return tuple(self[i] for i in range(len(self))[position])
        record = self._records[position]
        if record is None:
            record = self._records[position] = parse_file(self._entries[position], self._base_url)
        return record

    def __iter__(self) -> Iterator[FileRecord]:
        return (self[i] for i in range(len(self._entries)))

    def filename(self, position: int) -> str | InvalidField:
        """The entry's file name as `self[position].filename` would give it, without
        parsing the rest of the entry."""
        if self._names is not None:
            return self._names[position]
        entry = self._entries[position]
        name = entry.get("filename") if type(entry) is dict else None
        if type(name) is str:
            return name
        return self[position].filename

    def filenames(self) -> list[str | InvalidField]:
        """Every entry's `filename`, as the records would give them."""
        if self._names is not None:
            return list(self._names)
        return [
            name
            if type(entry) is dict and type(name := entry.get("filename")) is str
            else self[position].filename
            for position, entry in enumerate(self._entries)
        ]

    def urls_contain(self, text: str) -> bool:
        """Whether any entry's URL (as sent) contains `text`: a `@` may spell credentials."""
        return any(
            type(entry) is dict and type(url := entry.get("url")) is str and text in url
            for entry in self._entries
        )
