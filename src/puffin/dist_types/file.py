"""`File`: one installable archive offered by an index or a find-links location."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from packaging.specifiers import SpecifierSet

from puffin.filenames import DistFilename, SdistFilename, WheelFilename
from puffin.hashes import HashDigest


@dataclass(frozen=True)
class IndexLocation:
    """Where a file was found: an index (`simple` root URL) or a find-links location."""

    url: str
    is_flat: bool = False  # a find-links directory or page rather than a PEP 503 index


@dataclass(frozen=True)
class File:
    """A wheel or sdist with everything the selector and downloader need to know.

    Made only by `client/registry.py` from a lenient wire record; every field is validated.
    """

    dist: DistFilename
    url: str  # absolute; may be file:// for find-links directories
    hashes: tuple[HashDigest, ...]
    requires_python: SpecifierSet | None
    yanked: str | None  # None: not yanked; "" yanked without a reason
    size: int | None
    upload_time: datetime | None
    has_metadata_file: bool  # PEP 658/714: `<url>.metadata` exists
    metadata_hashes: tuple[HashDigest, ...]
    index: IndexLocation

    @classmethod
    def known_by_url(
        cls,
        dist: DistFilename,
        url: str,
        *,
        hashes: tuple[HashDigest, ...] = (),
        index: IndexLocation | None = None,
    ) -> File:
        """A file known by its URL alone: a direct reference, or a wheel found in the cache."""
        return cls(
            dist=dist,
            url=url,
            hashes=hashes,
            requires_python=None,
            yanked=None,
            size=None,
            upload_time=None,
            has_metadata_file=False,
            metadata_hashes=(),
            index=index or IndexLocation(url),
        )

    @property
    def filename(self) -> str:
        return self.dist.filename

    @property
    def is_wheel(self) -> bool:
        return isinstance(self.dist, WheelFilename)

    @property
    def is_sdist(self) -> bool:
        return isinstance(self.dist, SdistFilename)
