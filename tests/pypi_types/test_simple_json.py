"""PEP 691 JSON project pages: every field read leniently, the page refused only as a whole."""

from __future__ import annotations

import json

import pytest

from puffin.errors import IndexError_
from puffin.pypi_types.file_record import FileRecord, InvalidField
from puffin.pypi_types.simple_json import parse_file, parse_project_json

PAGE_URL = "https://example.org/simple/foo/"
SHA = "a" * 64


def page(*files: object, **extra: object) -> bytes:
    document = {"meta": {"api-version": "1.1"}, "name": "foo", "files": list(files), **extra}
    return json.dumps(document).encode()


def test_reads_every_field_of_a_complete_entry() -> None:
    entry = {
        "filename": "foo-1.0-py3-none-any.whl",
        "url": "https://files.example.org/foo-1.0-py3-none-any.whl",
        "hashes": {"sha256": SHA, "md5": "b" * 32},
        "requires-python": ">=3.8",
        "yanked": "broken build",
        "size": 1234,
        "upload-time": "2024-01-02T03:04:05.000006Z",
        "core-metadata": {"sha256": "c" * 64},
    }
    result = parse_project_json(page(entry, versions=["1.0"]), PAGE_URL)
    assert result.versions == ("1.0",)
    assert result.files == (
        FileRecord(
            filename="foo-1.0-py3-none-any.whl",
            url="https://files.example.org/foo-1.0-py3-none-any.whl",
            hashes={"sha256": SHA, "md5": "b" * 32},
            requires_python=">=3.8",
            yanked="broken build",
            size=1234,
            upload_time="2024-01-02T03:04:05.000006Z",
            core_metadata={"sha256": "c" * 64},
        ),
    )


def test_minimal_entry_gets_the_defaults() -> None:
    record = parse_file({"filename": "foo-1.0.tar.gz", "url": "https://x/foo-1.0.tar.gz"}, PAGE_URL)
    assert record == FileRecord(
        filename="foo-1.0.tar.gz", url="https://x/foo-1.0.tar.gz", hashes={}
    )


def test_relative_urls_resolve_against_the_page_url() -> None:
    record = parse_file({"filename": "f.whl", "url": "../../files/f.whl", "hashes": {}}, PAGE_URL)
    assert record.url == "https://example.org/files/f.whl"


@pytest.mark.parametrize("yanked", [True, False, "reason"])
def test_yanked_is_a_boolean_or_a_reason(yanked: bool | str) -> None:
    record = parse_file({"filename": "f", "url": "https://x/f", "yanked": yanked}, PAGE_URL)
    assert record.yanked == yanked


def test_legacy_dist_info_metadata_key_is_read_when_core_metadata_is_absent() -> None:
    legacy = {"filename": "f", "url": "https://x/f", "dist-info-metadata": True}
    assert parse_file(legacy, PAGE_URL).core_metadata is True
    both = {**legacy, "core-metadata": {"sha256": SHA}}
    assert parse_file(both, PAGE_URL).core_metadata == {"sha256": SHA}


def test_bad_fields_become_error_values_and_the_page_survives() -> None:
    bad = {
        "filename": 7,
        "url": None,
        "hashes": ["sha256", SHA],
        "requires-python": 3.8,
        "yanked": 1,
        "size": "big",
        "upload-time": 2024,
        "core-metadata": "yes",
    }
    good = {"filename": "foo-1.0.tar.gz", "url": "https://x/foo-1.0.tar.gz", "hashes": {}}
    files = parse_project_json(page(bad, good, "not an object"), PAGE_URL).files
    record = files[0]
    assert record.filename == InvalidField(7, "not a string")
    assert record.url == InvalidField(None, "url is not a string")
    assert record.hashes == InvalidField(["sha256", SHA], "hashes is not an object of strings")
    assert record.requires_python == InvalidField(3.8, "not a string")
    assert record.yanked == InvalidField(1, "yanked is neither a boolean nor a reason string")
    assert record.size == InvalidField("big", "size is not a non-negative integer")
    assert record.upload_time == InvalidField(2024, "not a string")
    assert record.core_metadata == InvalidField(
        "yes", "core-metadata is neither a boolean nor an object of hashes"
    )
    assert files[1].filename == "foo-1.0.tar.gz"
    assert files[2].filename == InvalidField("not an object", "file entry is not a JSON object")


def test_negative_size_is_invalid() -> None:
    record = parse_file({"filename": "f", "url": "https://x/f", "size": -1}, PAGE_URL)
    assert record.size == InvalidField(-1, "size is not a non-negative integer")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>", "Index page https://example.org/simple/foo/ is not valid JSON: "),
        (b"[]", "Index page https://example.org/simple/foo/ is not a JSON object"),
        (b'{"meta": {}}', "Index page https://example.org/simple/foo/ has no `files` list"),
        (
            b'{"meta": {"api-version": "2.0"}, "files": []}',
            "Index page https://example.org/simple/foo/ uses repository API version 2.0; "
            "puffin understands version 1.x",
        ),
    ],
)
def test_an_unusable_page_is_refused_with_the_reason(body: bytes, message: str) -> None:
    with pytest.raises(IndexError_) as info:
        parse_project_json(body, PAGE_URL)
    assert str(info.value).startswith(message)


def test_a_newer_minor_api_version_is_accepted() -> None:
    body = b'{"meta": {"api-version": "1.4"}, "files": []}'
    assert parse_project_json(body, PAGE_URL).files == ()


def test_to_json_round_trips_records_including_error_values() -> None:
    entries = [
        {
            "filename": "foo-1.0-py3-none-any.whl",
            "url": "https://x/foo-1.0-py3-none-any.whl",
            "hashes": {"sha256": SHA},
            "requires-python": ">=3.8",
            "yanked": True,
            "size": 10,
            "upload-time": "2024-01-02T03:04:05Z",
            "core-metadata": {"sha256": SHA},
        },
        {"filename": "foo-1.0.tar.gz", "url": "https://x/foo-1.0.tar.gz", "hashes": {}},
        {"filename": "foo-2.0.tar.gz", "url": "https://x/foo-2.0.tar.gz", "size": "big"},
    ]
    records = parse_project_json(page(*entries), PAGE_URL).files
    again = tuple(parse_file(json.loads(json.dumps(r.to_json())), PAGE_URL) for r in records)
    assert again == records
    assert records[1].to_json() == entries[1]  # absent optional fields stay absent
