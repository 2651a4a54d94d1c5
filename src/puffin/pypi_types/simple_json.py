"""PEP 691 JSON project pages (with PEP 592, 658/714 and 700 fields), parsed leniently."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin

from puffin.errors import IndexError_
from puffin.pypi_types.file_record import FileRecord, InvalidField, ProjectPage

# PEP 629: a client must refuse a page whose major API version it does not know.
SUPPORTED_MAJOR_VERSION = 1

# Most indexes (PyPI included) send absolute file URLs; skipping urljoin for them is a
# measurable part of parsing a page with thousands of files.
ABSOLUTE_PREFIXES = ("https://", "http://", "file://")


def parse_project_json(body: bytes | str, page_url: str) -> ProjectPage:
    """Parse a PEP 691 project page; raise IndexError_ only when the page as a whole is unusable.

    `page_url` is the URL the page was served from (after redirects), used to resolve relative
    file URLs and to name the page in errors; it must carry no credentials.
    """
    data = project_document(body, page_url)
    versions = data.get("versions")
    return ProjectPage(
        files=tuple([parse_file(entry, page_url) for entry in data["files"]]),
        versions=tuple(v for v in versions if type(v) is str) if type(versions) is list else (),
    )


def project_document(body: bytes | str, page_url: str) -> dict[str, Any]:
    """The decoded page, checked to be an object of a known API version with a `files`
    list (IndexError_ otherwise); its entries are not looked at."""
    try:
        data = json.loads(body)
    except ValueError as error:
        raise IndexError_(f"Index page {page_url} is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise IndexError_(f"Index page {page_url} is not a JSON object")
    check_api_version(data.get("meta"), page_url)
    if not isinstance(data.get("files"), list):
        raise IndexError_(f"Index page {page_url} has no `files` list")
    return data


def check_api_version(meta: object, page_url: str) -> None:
    """Refuse a page from an API major version we do not understand (PEP 629)."""
    version = meta.get("api-version") if isinstance(meta, dict) else None
    if type(version) is not str:
        return  # lenient: pages without the (required) meta block are read as version 1
    major, _, _ = version.partition(".")
    if major.isdigit() and int(major) > SUPPORTED_MAJOR_VERSION:
        raise IndexError_(
            f"Index page {page_url} uses repository API version {version}; "
            f"puffin understands version {SUPPORTED_MAJOR_VERSION}.x"
        )


def parse_file(entry: object, base_url: str) -> FileRecord:
    """One entry of a page's `files` list; bad fields become InvalidField values."""
    if type(entry) is not dict:
        invalid = InvalidField(entry, "file entry is not a JSON object")
        return FileRecord(filename=invalid, url=invalid, hashes=invalid)
    get = entry.get
    filename = get("filename")
    url = get("url")
    if type(url) is str:
        if not url.startswith(ABSOLUTE_PREFIXES):
            url = urljoin(base_url, url)
    else:
        url = InvalidField(url, "url is not a string")
    return FileRecord(
        filename=filename if type(filename) is str else InvalidField(filename, "not a string"),
        url=url,
        hashes=_hashes(get("hashes", {})),
        requires_python=_optional_str(get("requires-python")),
        yanked=_yanked(get("yanked", False)),
        size=_size(get("size")),
        upload_time=_optional_str(get("upload-time")),
        # PEP 714 renamed the key; older servers only send the PEP 658 spelling.
        core_metadata=_core_metadata(
            get("core-metadata") if "core-metadata" in entry else get("dist-info-metadata", False)
        ),
    )


def _hashes(value: object) -> dict[str, str] | InvalidField:
    if type(value) is dict and all(type(v) is str for v in value.values()):
        return value
    return InvalidField(value, "hashes is not an object of strings")


def _optional_str(value: object) -> str | InvalidField | None:
    if value is None or type(value) is str:
        return value
    return InvalidField(value, "not a string")


def _yanked(value: object) -> bool | str | InvalidField:
    if type(value) is bool or type(value) is str:
        return value
    return InvalidField(value, "yanked is neither a boolean nor a reason string")


def _size(value: object) -> int | InvalidField | None:
    if value is None or (type(value) is int and value >= 0):
        return value
    return InvalidField(value, "size is not a non-negative integer")


def _core_metadata(value: Any) -> bool | dict[str, str] | InvalidField:
    if type(value) is bool:
        return value
    if type(value) is dict and all(type(v) is str for v in value.values()):
        return value
    return InvalidField(value, "core-metadata is neither a boolean nor an object of hashes")
