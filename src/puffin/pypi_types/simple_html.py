"""PEP 503 HTML project pages and find-links pages, parsed leniently with the stdlib parser."""

from __future__ import annotations

import hashlib
from urllib.parse import unquote, urljoin

from puffin.filenames import SDIST_SUFFIXES
from puffin.pypi_types.file_record import FileRecord, InvalidField, ProjectPage
from puffin.pypi_types.simple_json import ABSOLUTE_PREFIXES, check_api_version

ARCHIVE_SUFFIXES = (".whl", *SDIST_SUFFIXES)


def parse_project_html(text: str, page_url: str) -> ProjectPage:
    """Parse a PEP 503 project page: every anchor is a file; `<base href>` is honoured.

    `page_url` is the URL the page was served from (after redirects) and carries no
    credentials. Raises IndexError_ only for a page from an API version we do not know.
    """
    from puffin.pypi_types.html_anchors import collect

    collector = collect(text)
    check_api_version({"api-version": collector.api_version}, page_url)
    base_url = collector.base_url(page_url)
    return ProjectPage(
        files=tuple(
            record
            for attrs in collector.anchors
            if (record := _record_from_anchor(attrs, base_url)) is not None
        )
    )


def parse_find_links_html(text: str, page_url: str) -> tuple[FileRecord, ...]:
    """The archives a find-links page links to; links to anything else are ignored."""
    from puffin.pypi_types.html_anchors import collect

    collector = collect(text)
    base_url = collector.base_url(page_url)
    records = (_record_from_anchor(attrs, base_url) for attrs in collector.anchors)
    return tuple(
        record
        for record in records
        if record is not None
        and isinstance(record.filename, str)
        and record.filename.lower().endswith(ARCHIVE_SUFFIXES)
    )


def _record_from_anchor(attrs: dict[str, str | None], base_url: str) -> FileRecord | None:
    href = attrs.get("href")
    if not href:
        return None
    url, _, fragment = href.strip().partition("#")
    if not url.startswith(ABSOLUTE_PREFIXES):
        url = urljoin(base_url, url)
    filename = unquote(url.partition("?")[0].rpartition("/")[2])
    requires_python = attrs.get("data-requires-python") or None
    if "data-yanked" in attrs:
        yanked: bool | str = attrs["data-yanked"] or True  # PEP 592: an empty reason is allowed
    else:
        yanked = False
    # PEP 714 renamed the attribute; older servers only send the PEP 658 spelling.
    if "data-core-metadata" in attrs:
        core_metadata = _core_metadata(attrs["data-core-metadata"])
    elif "data-dist-info-metadata" in attrs:
        core_metadata = _core_metadata(attrs["data-dist-info-metadata"])
    else:
        core_metadata = False
    return FileRecord(
        filename=filename,
        url=url,
        hashes=_hash_fragment(fragment),
        requires_python=requires_python,
        yanked=yanked,
        core_metadata=core_metadata,
    )


def _hash_fragment(fragment: str) -> dict[str, str]:
    # PEP 503: a `#<hashname>=<hexdigest>` fragment; other fragments (`#egg=`) are not hashes.
    name, found, value = fragment.partition("=")
    if found and value and name.lower() in hashlib.algorithms_guaranteed:
        return {name.lower(): value}
    return {}


def _core_metadata(value: str | None) -> bool | dict[str, str] | InvalidField:
    if value is None or value.strip().lower() == "true":
        return True
    name, found, digest = value.strip().partition("=")
    if found and name and digest:
        return {name.lower(): digest}
    return InvalidField(value, "expected `true` or `<hashname>=<hexdigest>`")
