"""Large JSON pages read by scanning for their entries: the same records as a whole decode,
and a whole decode whenever the page is not laid out as the scan expects."""

from __future__ import annotations

import json
from typing import Any

import pytest

from puffin.errors import IndexError_
from puffin.pypi_types.file_record import InvalidField
from puffin.pypi_types.json_page_scan import MIN_SCANNED_SIZE, scan_json_page
from puffin.pypi_types.page_records import PageRecords
from puffin.pypi_types.simple_json import project_document

PAGE_URL = "https://example.org/simple/foo/"


def entry(number: int) -> dict[str, Any]:
    filename = f"foo-{number}.0-cp312-cp312-manylinux_2_17_x86_64.whl"
    return {
        "filename": filename,
        "core-metadata": {"sha256": f"{number:064x}"},
        "hashes": {"sha256": f"{number + 1:064x}"},
        "requires-python": ">=3.8",
        "size": 1000 + number,
        "upload-time": "2025-01-01T00:00:00.000000Z",
        "url": f"https://files.example.org/{filename}",
        "yanked": 'broken {build}, see "notes"' if number % 7 == 0 else False,
    }


def page(entries: list[Any], **top: Any) -> bytes:
    # The layout PyPI sends: files first, then meta, name and versions.
    document = {"files": entries, "meta": {"api-version": "1.4"}, "name": "foo", **top}
    return json.dumps(document).encode()


ENTRIES = [entry(number) for number in range(2000)]
BODY = page(ENTRIES)


def whole(body: bytes) -> PageRecords:
    return PageRecords(project_document(body, PAGE_URL)["files"], PAGE_URL)


def test_a_large_page_gives_the_records_a_whole_decode_gives() -> None:
    assert len(BODY) >= MIN_SCANNED_SIZE
    scanned = scan_json_page(BODY, PAGE_URL)
    assert scanned is not None
    assert scanned.filenames() == [item["filename"] for item in ENTRIES]
    assert list(scanned) == list(whole(BODY))
    assert (
        scanned[1999].url
        == "https://files.example.org/foo-1999.0-cp312-cp312-manylinux_2_17_x86_64.whl"
    )


def test_one_broken_entry_costs_only_that_record() -> None:
    # A whole decode would refuse the page; scanned, the broken entry alone is unusable.
    body = BODY.replace(b'"size": 1500,', b'"size": 1500,,', 1)  # entry 500's size
    scanned = scan_json_page(body, PAGE_URL)
    assert scanned is not None
    broken = scanned[500].filename
    assert isinstance(broken, InvalidField)
    assert broken.reason == "file entry is not a JSON object"
    assert scanned[499] == whole(BODY)[499]
    assert scanned[501] == whole(BODY)[501]
    assert scanned.filename(500) == "foo-500.0-cp312-cp312-manylinux_2_17_x86_64.whl"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(page(ENTRIES[:10]), id="small"),
        pytest.param(page([{"url": item["url"], **item} for item in ENTRIES]), id="url-first"),
        pytest.param(
            page([*ENTRIES, {**ENTRIES[0], "filename": 'foo-9.0-"odd".tar.gz'}]),
            id="escaped-name",
        ),
        pytest.param(BODY[: len(BODY) // 2], id="cut-short"),
        pytest.param(BODY[:-1], id="no-closing-brace"),
        pytest.param(json.dumps({"meta": {}, "files": ENTRIES}).encode(), id="meta-first"),
        pytest.param(BODY.replace(b"foo-3.0-", b"\xff-3.0-", 1), id="not-utf-8"),
        pytest.param(
            page([*ENTRIES[:-1], {**ENTRIES[-1], "yanked": "filename"}]), id="name-as-value"
        ),
    ],
)
def test_a_page_the_scan_does_not_expect_is_left_to_a_whole_decode(body: bytes) -> None:
    assert scan_json_page(body, PAGE_URL) is None


def test_an_unknown_api_version_is_refused_as_a_whole_decode_refuses_it() -> None:
    body = page(ENTRIES).replace(b'"api-version": "1.4"', b'"api-version": "2.0"')
    with pytest.raises(IndexError_) as scanned:
        scan_json_page(body, PAGE_URL)
    with pytest.raises(IndexError_) as decoded:
        whole(body)
    assert (
        str(scanned.value)
        == str(decoded.value)
        == (
            f"Index page {PAGE_URL} uses repository API version 2.0; puffin understands version 1.x"
        )
    )
