"""The one conversion of a lenient wire `FileRecord` into a strict `File` (for registry.py)."""

from __future__ import annotations

import functools
import logging
from datetime import datetime

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from puffin.dist_types import File, IndexLocation
from puffin.filenames import SDIST_SUFFIXES, parse_dist_filename
from puffin.hashes import HashAlgorithm, HashDigest
from puffin.pypi_types.file_record import FileRecord, InvalidField

logger = logging.getLogger("puffin.client")

ARCHIVE_SUFFIXES = (".whl", *SDIST_SUFFIXES)
KEPT_ALGORITHMS = frozenset(algorithm.value for algorithm in HashAlgorithm)


def file_from_record(record: FileRecord, index: IndexLocation) -> File | None:
    """The File a record describes, or None (logged) when it cannot be used.

    Only the file name and URL are essential. A bad optional field is dropped with a log
    line: an invalid requires-python is treated as absent, unknown or malformed hashes are
    left out, so one odd upload never hides the rest of a project.
    """
    filename, url = record.filename, record.url
    if isinstance(filename, InvalidField) or isinstance(url, InvalidField):
        _skip_entry(index, filename, url)
        return None
    if not filename.lower().endswith(ARCHIVE_SUFFIXES):
        logger.debug("Skipping %s on %s: not a wheel or source distribution", filename, index.url)
        return None
    try:
        dist = parse_dist_filename(filename)
    except ValueError as error:
        logger.debug("Skipping %s on %s: %s", filename, index.url, error)
        return None
    has_metadata_file, metadata_hashes = _core_metadata(record.core_metadata, filename)
    return File(
        dist=dist,
        url=url,
        hashes=_hashes(record.hashes, filename),
        requires_python=_requires_python(record.requires_python, filename),
        yanked=_yanked(record.yanked, filename),
        size=_valid(record.size, filename, "size"),
        upload_time=_upload_time(record.upload_time, filename),
        has_metadata_file=has_metadata_file,
        metadata_hashes=metadata_hashes,
        index=index,
    )


def _skip_entry(index: IndexLocation, *fields: object) -> None:
    for bad in fields:
        if isinstance(bad, InvalidField):
            logger.debug("Skipping a file entry on %s: %s (%r)", index.url, bad.reason, bad.raw)
            return


def _valid(value: int | InvalidField | None, filename: str, field: str) -> int | None:
    if isinstance(value, InvalidField):
        logger.debug("Ignoring the %s of %s: %s (%r)", field, filename, value.reason, value.raw)
        return None
    return value


def _hashes(value: dict[str, str] | InvalidField, filename: str) -> tuple[HashDigest, ...]:
    if isinstance(value, InvalidField):
        logger.debug("Ignoring the hashes of %s: %s", filename, value.reason)
        return ()
    digests = []
    for algorithm, hex_digest in value.items():
        if algorithm not in KEPT_ALGORITHMS:
            continue  # md5, sha1 and blake2b are on the wire but not accepted for checking
        try:
            digests.append(HashDigest.parse(f"{algorithm}:{hex_digest}"))
        except ValueError as error:
            logger.debug("Ignoring a hash of %s: %s", filename, error)
    return tuple(digests)


@functools.lru_cache(maxsize=1024)
def _parse_specifier(text: str) -> SpecifierSet:
    # A page's thousands of files share a handful of requires-python strings.
    return SpecifierSet(text)


def _requires_python(value: str | InvalidField | None, filename: str) -> SpecifierSet | None:
    if value is None:
        return None
    if isinstance(value, InvalidField):
        logger.debug("Ignoring the requires-python of %s: %s", filename, value.reason)
        return None
    try:
        return _parse_specifier(value)
    except InvalidSpecifier:
        logger.debug("Ignoring the invalid requires-python %r of %s", value, filename)
        return None


def _yanked(value: bool | str | InvalidField, filename: str) -> str | None:
    if isinstance(value, InvalidField):
        logger.debug("Ignoring the yanked flag of %s: %s", filename, value.reason)
        return None
    if value is True:
        return ""
    if value is False:
        return None
    return value


def _upload_time(value: str | InvalidField | None, filename: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, InvalidField):
        logger.debug("Ignoring the upload time of %s: %s", filename, value.reason)
        return None
    try:
        # Python 3.10's fromisoformat does not accept the `Z` that PyPI sends.
        return datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    except ValueError:
        logger.debug("Ignoring the invalid upload time %r of %s", value, filename)
        return None


def _core_metadata(
    value: bool | dict[str, str] | InvalidField, filename: str
) -> tuple[bool, tuple[HashDigest, ...]]:
    if isinstance(value, InvalidField):
        logger.debug("Ignoring the core-metadata of %s: %s", filename, value.reason)
        return False, ()
    if isinstance(value, bool):
        return value, ()
    return True, _hashes(value, filename)
