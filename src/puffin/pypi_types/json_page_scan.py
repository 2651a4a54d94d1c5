"""A large PEP 691 page read without decoding every file entry: entries are found by their
file names and decoded one at a time when asked for.

A resolver looks at a few versions of each project, while pages list every file ever
uploaded: json.loads of slow.in's 130 pages (55 MB) was a fifth of a cold resolve, most of
it spent on entries nobody reads. PyPI lays a page out as `{"files": [{"filename": "...",
...}, ...], "meta": ...}`; a regular expression finds each entry's start and file name, and
the JSON decoder reads an entry from its start when that entry is wanted.

Why the matches are the entries: inside a JSON string every `"` is escaped, so the text
`{"filename": "` cannot occur within a string, only where an object begins whose first key
is "filename". Counting the `"filename"` tokens checks that no entry was missed (one whose
name holds an escape, or whose first key is another). Anything the scan does not expect
gives None, and the caller decodes the page whole, with json.loads' exact error messages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import Any, overload

from puffin.pypi_types.page_records import PageRecords
from puffin.pypi_types.simple_json import check_api_version

# Below this size a page is decoded whole: the saving is small, and an error then names the
# exact position of a broken small page.
MIN_SCANNED_SIZE = 256 * 1024

_PREFIX = re.compile(r'\s*\{\s*"files"\s*:\s*\[\s*')
_ENTRY = re.compile(r'\{\s*"filename"\s*:\s*"([^"\\]*)"')
_LIST_END = re.compile(r"\s*\]")
_API_VERSION = re.compile(r'"api-version"\s*:\s*"([^"\\]*)"')
_DECODER = json.JSONDecoder()


def scan_json_page(body: bytes, page_url: str) -> PageRecords | None:
    """The page's records, each entry decoded on first access; None when the page is small
    or not laid out as the scan expects (decode it whole then). Raises IndexError_ for an
    API version puffin does not know, as the whole decode does."""
    if len(body) < MIN_SCANNED_SIZE:
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _PREFIX.match(text) is None:
        return None
    starts: list[int] = []
    names: list[str] = []
    for match in _ENTRY.finditer(text):
        starts.append(match.start())
        names.append(match.group(1))
    if not starts or len(starts) != text.count('"filename"'):
        return None
    # The last entry must be a whole object closing the list, and the page must end as an
    # object does: a page cut short is decoded whole, and its error says where.
    try:
        _, end = _DECODER.raw_decode(text, starts[-1])
    except ValueError:
        return None
    if _LIST_END.match(text, end) is None or not text.rstrip().endswith("}"):
        return None
    version = _API_VERSION.search(text, end)
    if version is not None:
        check_api_version({"api-version": version.group(1)}, page_url)
    return PageRecords(_LazyEntries(text, starts), page_url, names)


class _LazyEntries(Sequence[Any]):
    """The file entries of a scanned page, each decoded from its start when first read; an
    entry that does not decode reads as None (the record says it is not a JSON object)."""

    __slots__ = ("_starts", "_text")

    def __init__(self, text: str, starts: list[int]) -> None:
        self._text = text
        self._starts = starts

    def __len__(self) -> int:
        return len(self._starts)

    @overload
    def __getitem__(self, position: int) -> Any: ...

    @overload
    def __getitem__(self, position: slice) -> Sequence[Any]: ...

    def __getitem__(self, position: int | slice) -> Any:
        if isinstance(position, slice):
            return [self[i] for i in range(len(self))[position]]
        try:
            entry, _ = _DECODER.raw_decode(self._text, self._starts[position])
        except ValueError:
            return None
        return entry

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(len(self)))
