"""`RegistryClient`: project files from indexes and find-links, downloads, and wheel metadata."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from packaging.version import InvalidVersion, Version

from puffin.cache.cache import PYPI_URL, Cache
from puffin.cache.write_behind import WriteBehind
from puffin.client.file_conversion import file_from_record
from puffin.client.find_links import find_links_records, is_remote
from puffin.client.index_pages import index_page
from puffin.client.index_strategy import IndexStrategy
from puffin.client.keyring import KeyringProvider
from puffin.client.retry import DEFAULT_RETRIES
from puffin.client.session import Session
from puffin.client.urls import file_url_to_path, is_file_url
from puffin.client.wheel_metadata import WheelMetadataFetcher
from puffin.dist_types import File, IndexLocation
from puffin.filenames import SDIST_SUFFIXES, WheelFilename
from puffin.hashes import HashAlgorithm, HashDigest
from puffin.names import PackageName
from puffin.pypi_types.file_record import FileRecord, InvalidField
from puffin.pypi_types.page_records import PageRecords
from puffin.traits import ProgressReporter, SilentReporter

if TYPE_CHECKING:  # httpx costs ~0.1s to import: a run served from the cache never pays it
    import httpx

logger = logging.getLogger("puffin.client")

T = TypeVar("T")


@dataclass(frozen=True)
class IndexSettings:
    """Where to look for distributions (`--index-url`, `--extra-index-url`, `--find-links`),
    how several indexes combine, and whether a 401 may ask the keyring."""

    index_url: str = PYPI_URL
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    no_index: bool = False
    strategy: IndexStrategy = IndexStrategy.FIRST_INDEX
    keyring_provider: KeyringProvider = KeyringProvider.DISABLED

    @property
    def index_urls(self) -> tuple[str, ...]:
        return () if self.no_index else (self.index_url, *self.extra_index_urls)


class ProjectFiles:
    """One project's files, grouped by version: its index pages', then its find-links ones.

    A version's files come from one index, the first (in priority order) whose page lists
    that version; later indexes' files of the same version are never used, so a version
    cannot change under a user because another index also has it.

    A version's Files are built when that version is first asked for. A page can list
    thousands of files (numpy, boto3) while a resolver looks at a few versions, and building
    a File (tags, hashes, specifiers) costs several times more than reading its record:
    for a cached 2,500-file page, ~80 ms to build every File, ~17 ms for the newest version.
    """

    def __init__(self, name: PackageName, *, by_index_first: bool = False) -> None:
        self.name = name
        # unsafe-first-match: preferred_versions() lists an earlier index's versions first.
        self._by_index_first = by_index_first
        # Records by position in their page, so a lazy page (PageRecords) builds only the
        # records of the versions asked for.
        self._pending: dict[Version, tuple[IndexLocation, Sequence[FileRecord], list[int]]] = {}
        self._built: dict[Version, list[File]] = {}
        # Files of a pending version built by a filtered files() call, by position.
        self._converted: dict[Version, dict[int, File | None]] = {}
        self._rank: dict[Version, int] = {}  # the priority of the index a version comes from
        self._indexes = 0

    def add_index_records(self, index: IndexLocation, records: Sequence[FileRecord]) -> None:
        """Add one index's page, after the pages of every index before it in priority order:
        only versions no earlier index offered are taken from it."""
        rank = self._indexes
        self._indexes += 1
        taken = self._pending.keys() | self._rank.keys()
        # Grouped by the version as spelled first: hashing strings is far cheaper than
        # hashing Versions, and a release's files share one spelling (30,636 files of
        # jupyter.in's pages: 0.047 s grouped by Version).
        by_text: dict[str | None, list[int]] = {}
        filenames = (
            records.filenames()
            if isinstance(records, PageRecords)
            else [record.filename for record in records]
        )
        for position, filename in enumerate(filenames):
            by_text.setdefault(_version_text(filename), []).append(position)
        fresh: dict[Version, tuple[IndexLocation, Sequence[FileRecord], list[int]]] = {}
        for text, positions in by_text.items():
            version = None if text is None else _parse_version(text)
            if version is None:
                # Converted now, so the log says why a name without a version is unusable.
                for position in positions:
                    file = self._convert(records[position], index)
                    if file is not None and file.dist.version not in taken:
                        self._rank.setdefault(file.dist.version, rank)
                        self.add_files([file])
            elif version not in taken:
                fresh.setdefault(version, (index, records, []))[2].extend(positions)
        self._pending.update(fresh)
        for version in fresh:
            self._rank.setdefault(version, rank)

    def add_files(self, files: Iterable[File]) -> None:
        """Add already-built files (a find-links location's) after those already known."""
        for file in files:
            self._built.setdefault(file.dist.version, []).append(file)

    def versions(self) -> list[Version]:
        """Every version some file was offered for, newest first."""
        return sorted(self._pending.keys() | self._built.keys(), reverse=True)

    def preferred_versions(self) -> list[Version]:
        """The versions in the order the index strategy tries them: newest first, except that
        unsafe-first-match lists every version of an earlier index before a later one's
        (find-links versions count as the first index's)."""
        newest_first = self.versions()
        if not self.ranks_indexes:
            return newest_first
        return sorted(newest_first, key=self.index_rank)

    @property
    def ranks_indexes(self) -> bool:
        """Whether the strategy tries versions by index first (unsafe-first-match) and more
        than one index offered the project: then index_rank() orders candidates."""
        return self._by_index_first and self._indexes > 1

    def index_rank(self, version: Version) -> int:
        """0 for a version of the first index (or only of find-links), 1 for the next..."""
        return self._rank.get(version, 0)

    def files(self, version: Version, wanted: Callable[[str], bool] | None = None) -> list[File]:
        """The usable files of one version (maybe none: all of them may be unusable).

        With `wanted`, only the files whose name it accepts are built (others may be left
        out): a resolver that can take only wheels for its target skips building the rest,
        most of the files of a torch or numpy release."""
        pending = self._pending.get(version)
        if pending is None:
            return list(self._built.get(version, ()))
        index, records, positions = pending
        converted = self._converted.setdefault(version, {})
        chosen: list[File] = []
        for position in positions:
            if position in converted:
                file = converted[position]
            else:
                if wanted is not None:
                    name = _filename_at(records, position)
                    if isinstance(name, str) and not wanted(name):
                        continue
                file = converted[position] = self._convert(records[position], index)
            if file is not None:
                chosen.append(file)
        if wanted is None:
            del self._pending[version], self._converted[version]
            self._built[version] = chosen + self._built.get(version, [])
            return list(self._built[version])
        return chosen + self._built.get(version, [])

    def all_files(self) -> list[File]:
        return [file for version in self.versions() for file in self.files(version)]

    def _convert(self, record: FileRecord, index: IndexLocation) -> File | None:
        file = file_from_record(record, index)
        if file is not None and file.dist.name != self.name:
            logger.debug("Skipping %s on the page of %s: another project", file.filename, self.name)
            return None
        return file


def _filename_at(records: Sequence[FileRecord], position: int) -> str | InvalidField:
    if isinstance(records, PageRecords):
        return records.filename(position)  # without building the record
    return records[position].filename


def _version_text(filename: str | InvalidField) -> str | None:
    """The version a file name carries, as spelled, read without building the whole File.

    Splits as filenames.py does (wheel: second `-` field; sdist: after the last `-`), so
    a record lands under the version its File will have.
    """
    if isinstance(filename, InvalidField):
        return None
    if filename[-4:].lower() == ".whl":
        parts = filename.split("-")
        return parts[1] if len(parts) in (5, 6) else None
    lowered = filename.lower()
    for suffix in SDIST_SUFFIXES:
        if lowered.endswith(suffix):
            return filename[: -len(suffix)].rpartition("-")[2]
    return None


@functools.lru_cache(maxsize=4096)
def _parse_version(text: str) -> Version | None:
    # The files of a release share its version string: parsed once, not once per file.
    try:
        return Version(text)
    except InvalidVersion:
        return None


class RegistryClient:
    """Talks to package indexes for one run (one event loop); every page, metadata file and
    in-flight download is fetched once however many callers ask at the same time.

    Credentials in index and find-links URLs are taken out at once and sent only as HTTP
    basic auth to their origin: URLs that are logged, cached or put in errors have none.
    """

    def __init__(
        self,
        *,
        cache: Cache,
        indexes: IndexSettings | None = None,
        client: httpx.AsyncClient | None = None,
        offline: bool = False,
        refresh: bool | AbstractSet[PackageName] = False,
        retries: int = DEFAULT_RETRIES,
    ) -> None:
        indexes = IndexSettings() if indexes is None else indexes
        self.cache = cache
        self.refresh = refresh
        self.strategy = indexes.strategy
        self._session = Session(
            client, offline=offline, retries=retries, keyring=indexes.keyring_provider
        )
        strip = self._session.credentials.add_index
        self._index_urls = tuple(strip(url).rstrip("/") for url in indexes.index_urls)
        self._find_links = tuple(
            strip(location)
            if is_remote(location) or is_file_url(location)
            else str(Path(location).expanduser().absolute())  # immune to a later chdir
            for location in indexes.find_links
        )
        self._in_flight: dict[Hashable, asyncio.Future[Any]] = {}
        # Cache entries (METADATA, index pages) the run never waits for: one writer thread.
        self._writes = WriteBehind()
        self._metadata = WheelMetadataFetcher(self._session, cache, self._writes)

    async def __aenter__(self) -> RegistryClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop work nobody waits for any more, then close the HTTP client if this object
        created it.

        Shielded tasks outlive the callers that were cancelled (a resolver's look-ahead): left
        running, they would send on a closed client and asyncio would print their traceback.
        """
        pending = [future for future in self._in_flight.values() if not future.done()]
        for future in pending:
            future.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await asyncio.to_thread(self._writes.close)
        await self._session.aclose()

    # -- project pages ------------------------------------------------------------------

    async def project_files(self, name: PackageName) -> list[File]:
        """Every file offered for `name`: from the indexes the strategy reads (first-index:
        the first index that knows the project; later ones are not asked), plus every
        find-links location."""
        return (await self.project(name)).all_files()

    async def project(self, name: PackageName) -> ProjectFiles:
        """Like project_files, grouped by version and built lazily: the fast path for a
        caller that looks at a few versions of a project with many files."""
        return await self._once(("project", name), lambda: self._project(name))

    async def _project(self, name: PackageName) -> ProjectFiles:
        listings = [
            self._once(("find-links", location), functools.partial(self._flat_files, location))
            for location in self._find_links
        ]
        pages = (
            self._first_index(name)
            if self.strategy is IndexStrategy.FIRST_INDEX
            else self._every_index(name)
        )
        found, flat = await asyncio.gather(pages, asyncio.gather(*listings))
        by_index_first = self.strategy is IndexStrategy.UNSAFE_FIRST_MATCH
        project = ProjectFiles(name, by_index_first=by_index_first)
        for index, records in found:
            project.add_index_records(index, records)
        for listing in flat:
            project.add_files(listing.get(name, ()))
        return project

    def cached_wheels(self, name: PackageName) -> list[tuple[WheelFilename, Path]]:
        """Wheels of `name` from the first index whose METADATA the disk cache holds; no
        request, no check that the index still offers them (look-ahead only: a warm resolve
        walks the previous run's dependency graph to ask for every page at once, instead of
        one level of the graph per round trip)."""
        from puffin.cache import CacheBucket
        from puffin.cache.cache import index_key

        if not self._index_urls or is_file_url(self._index_urls[0]):
            return []
        bucket = self.cache.bucket(CacheBucket.WHEEL_METADATA)
        directory = bucket / index_key(self._index_urls[0]) / name
        try:
            entries = os.listdir(directory)
        except OSError:
            return []
        found = []
        for entry in entries:
            if not entry.endswith(".json"):
                continue
            try:
                wheel = WheelFilename.parse(entry.removesuffix(".json") + ".whl")
            except ValueError:
                continue
            found.append((wheel, directory / entry))
        return found

    async def _first_index(
        self, name: PackageName
    ) -> list[tuple[IndexLocation, Sequence[FileRecord]]]:
        """The page of the first index that has one, asking the indexes one after another."""
        for index_url in self._index_urls:
            records = await self._page(index_url, name)
            if records is not None:
                return [(IndexLocation(index_url), records)]
        return []

    async def _every_index(
        self, name: PackageName
    ) -> list[tuple[IndexLocation, Sequence[FileRecord]]]:
        """Every index's page, in priority order, asked all at once."""
        pages = await asyncio.gather(*(self._page(url, name) for url in self._index_urls))
        return [
            (IndexLocation(url), records)
            for url, records in zip(self._index_urls, pages, strict=True)
            if records is not None
        ]

    async def _page(self, index_url: str, name: PackageName) -> Sequence[FileRecord] | None:
        refresh = self.refresh if isinstance(self.refresh, bool) else name in self.refresh
        return await index_page(
            self._session,
            self.cache,
            index_url,
            name,
            force_revalidate=refresh,
            writes=self._writes,
        )

    async def _flat_files(self, location: str) -> dict[PackageName, list[File]]:
        """One find-links location's files by project: listed once per run for all projects."""
        index = IndexLocation(location, is_flat=True)
        by_name: dict[PackageName, list[File]] = {}
        for record in await find_links_records(self._session, location):
            file = file_from_record(record, index)
            if file is not None:
                by_name.setdefault(file.dist.name, []).append(file)
        return by_name

    # -- files ----------------------------------------------------------------------------

    async def download(
        self,
        file: File,
        dest: Path,
        *,
        reporter: ProgressReporter | None = None,
        algorithms: frozenset[HashAlgorithm] = frozenset({HashAlgorithm.SHA256}),
    ) -> tuple[HashDigest, ...]:
        """Write `file` to `dest`; return its digests for `algorithms`, computed while the
        bytes stream. The index's own hashes are checked (HashMismatch) before `dest` exists,
        and a failed transfer is retried from scratch and never leaves a partial `dest`."""
        return await self._once(
            ("download", file.url, dest, algorithms),
            lambda: self._download(file, dest, reporter or SilentReporter(), algorithms),
            keep=False,  # a later call must find the file at dest, not a remembered result
        )

    async def download_archive(
        self,
        url: str,
        filename: str,
        dest: Path,
        *,
        expected: tuple[HashDigest, ...] = (),
        reporter: ProgressReporter | None = None,
    ) -> tuple[HashDigest, ...]:
        """Like `download`, for a direct archive URL whose file name need not be a
        distribution's (`.../master.zip`); its sha256 is returned."""
        algorithms = frozenset({HashAlgorithm.SHA256, *(d.algorithm for d in expected)})
        return await self._once(
            ("download", url, dest, algorithms),
            lambda: self._fetch_to(
                url, filename, None, expected, dest, reporter or SilentReporter(), algorithms
            ),
            keep=False,
        )

    async def _download(
        self,
        file: File,
        dest: Path,
        reporter: ProgressReporter,
        algorithms: frozenset[HashAlgorithm],
    ) -> tuple[HashDigest, ...]:
        return await self._fetch_to(
            file.url, file.filename, file.size, file.hashes, dest, reporter, algorithms
        )

    async def _fetch_to(
        self,
        url: str,
        filename: str,
        size: int | None,
        expected: tuple[HashDigest, ...],
        dest: Path,
        reporter: ProgressReporter,
        algorithms: frozenset[HashAlgorithm],
    ) -> tuple[HashDigest, ...]:
        from puffin.client.download import copy_local, download_http

        if not is_file_url(url):
            return await download_http(
                self._session,
                url,
                filename,
                dest,
                algorithms=algorithms,
                expected=expected,
                size_hint=size,
                reporter=reporter,
            )
        task = reporter.on_download_start(filename, size)
        try:
            return await asyncio.to_thread(
                copy_local, file_url_to_path(url), dest, algorithms=algorithms, expected=expected
            )
        finally:
            reporter.on_download_complete(task)

    async def wheel_metadata(self, file: File) -> bytes:
        """A wheel's METADATA: the PEP 658 `.metadata` file when the index has one (its hash
        checked), else read from the downloaded wheel."""
        if not isinstance(file.dist, WheelFilename):
            raise ValueError(f"{file.filename} is not a wheel")
        wheel = file.dist
        return await self._once(("metadata", file.url), lambda: self._metadata.fetch(file, wheel))

    # -- plumbing -------------------------------------------------------------------------

    async def _once(
        self, key: Hashable, start: Callable[[], Awaitable[T]], *, keep: bool = True
    ) -> T:
        """Run `start()` once per key: concurrent callers share one task, and with `keep`
        later callers in the same run share its result too.

        Shielded, so one caller being cancelled does not cancel the work for the others.
        """
        future = self._in_flight.get(key)
        if future is None:
            future = self._in_flight[key] = asyncio.ensure_future(start())
            if not keep:
                future.add_done_callback(lambda _: self._in_flight.pop(key, None))
        return cast(T, await asyncio.shield(future))
