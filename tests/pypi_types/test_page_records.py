"""A JSON page's entries parsed one at a time, as the resolver reads versions."""

from __future__ import annotations

from puffin.pypi_types.file_record import InvalidField
from puffin.pypi_types.page_records import PageRecords
from puffin.pypi_types.simple_json import parse_file

PAGE_URL = "https://example.org/simple/foo/"
ENTRIES = [
    {"filename": "foo-1.0.tar.gz", "url": "../../files/foo-1.0.tar.gz", "hashes": {}},
    {"filename": "foo-2.0-py3-none-any.whl", "url": "https://files.example.org/f.whl"},
    {"filename": 7, "url": "https://files.example.org/seven"},
    "not an object",
]


def test_records_equal_what_parse_file_gives_entry_by_entry() -> None:
    records = PageRecords(list(ENTRIES), PAGE_URL)
    expected = [parse_file(entry, PAGE_URL) for entry in ENTRIES]
    assert len(records) == 4
    assert list(records) == expected
    assert records[1] == expected[1] and records[-1] == expected[-1]
    assert records[1:3] == tuple(expected[1:3])
    assert records[0].url == "https://example.org/files/foo-1.0.tar.gz"


def test_a_record_is_built_once_and_only_when_read() -> None:
    entries = list(ENTRIES)
    records = PageRecords(entries, PAGE_URL)
    assert records.filename(1) == "foo-2.0-py3-none-any.whl"
    entries[1] = {"filename": "changed-after.whl", "url": "x"}  # not parsed yet: reads the new
    first = records[1]
    assert first.filename == "changed-after.whl"
    entries[1] = {"filename": "ignored.whl", "url": "y"}
    assert records[1] is first


def test_filename_of_a_bad_entry_is_the_invalid_field_parse_file_gives() -> None:
    records = PageRecords(list(ENTRIES), PAGE_URL)
    assert records.filename(2) == InvalidField(7, "not a string")
    assert records.filename(3) == InvalidField("not an object", "file entry is not a JSON object")


def test_urls_contain_looks_at_the_urls_as_sent() -> None:
    assert not PageRecords(list(ENTRIES), PAGE_URL).urls_contain("@")
    secret = [{"filename": "foo-1.0.tar.gz", "url": "https://u:p@files.example.org/f"}]
    assert PageRecords(secret, PAGE_URL).urls_contain("@")
