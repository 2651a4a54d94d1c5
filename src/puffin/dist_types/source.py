"""Direct sources (archive URLs, git repositories, local paths) parsed into values."""

from __future__ import annotations

import enum
import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

from puffin.errors import InvalidSource
from puffin.filenames import SDIST_SUFFIXES, SdistFilename, WheelFilename
from puffin.hashes import HashAlgorithm, HashDigest
from puffin.names import ExtraName, PackageName

if TYPE_CHECKING:
    from packaging.direct_url import DirectUrl

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+")
_UNSUPPORTED_VCS = {"hg": "Mercurial", "svn": "Subversion", "bzr": "Bazaar"}
_GIT_TRANSPORTS = ("https", "http", "ssh", "file", "git")
_COMMIT = re.compile(r"[0-9a-fA-F]{40}|[0-9a-fA-F]{64}")  # SHA-1 and SHA-256 repositories
_HASH_NAMES = frozenset(algorithm.value for algorithm in HashAlgorithm)
# Every archive format a build backend or pip accepts, not only today's sdist suffixes: a path
# ending in one of them is a file to unpack, never a project directory.
_ARCHIVE_SUFFIXES = (
    ".whl",
    *SDIST_SUFFIXES,
    ".tbz",
    ".txz",
    ".tlz",
    ".tar.lz",
    ".tar.lzma",
)


class ArchiveKind(enum.Enum):
    """What an archive URL's file name says it is."""

    WHEEL = "wheel"
    SDIST = "sdist"
    # A name that is not a valid sdist name (`.../master.zip`): the build layer tells the
    # format from the content, so such URLs still work.
    UNKNOWN_ARCHIVE = "unknown archive"


def digest(text: str) -> str:
    """The 16-hex sha256 digest that names cache entries; the same algorithm as
    `puffin.cache.cache.digest`, repeated here because dist_types (L0) cannot import cache (L1)."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class UrlSource:
    """An http(s) URL to a wheel or source archive."""

    url: str  # without its fragment; credentials kept, since the download needs them
    subdirectory: str | None
    filename: str
    kind: ArchiveKind
    hashes: tuple[HashDigest, ...] = ()  # from `#sha256=`-like fragments; `--hash` is separate

    @property
    def editable(self) -> bool:
        """Never: an archive has no source tree to point an editable install at."""
        return False

    def cache_key(self) -> str:
        """`url/<digest>` in built-wheels-v0; the subdirectory is part of the identity, since
        two projects of one archive are two sources."""
        return f"url/{digest(_identity(self.url, self.subdirectory))}"

    def direct_url(self, hashes: Iterable[HashDigest] = ()) -> str:
        """PEP 610 `direct_url.json`; `hashes` are those of the archive really installed,
        defaulting to the URL's own hash fragments."""
        from packaging.direct_url import ArchiveInfo, DirectUrl

        known = tuple(hashes) or self.hashes
        info = ArchiveInfo(hashes=_hash_map(known) if known else None)
        return _to_json(DirectUrl(url=self.url, archive_info=info, subdirectory=self.subdirectory))

    def requirement_text(self, name: PackageName, extras: Iterable[ExtraName] = ()) -> str:
        """`name[extras] @ url#sha256=...&subdirectory=x`, as pip-compile writes it (no egg)."""
        fragment = [f"{d.algorithm.value}={d.hex}" for d in self.hashes]
        if self.subdirectory:
            fragment.append(f"subdirectory={self.subdirectory}")
        suffix = f"#{'&'.join(fragment)}" if fragment else ""
        return f"{_named(name, extras)} @ {self.url}{suffix}"


@dataclass(frozen=True)
class GitSource:
    """A git repository at a reference, optionally a project in a subdirectory of it."""

    repository: str  # the URL git is given: no `git+`, no `@ref`, no fragment
    reference: str | None  # tag, branch or commit as written after the last `@`
    subdirectory: str | None
    editable: bool = False
    # The commit the reference resolved to; known at once when the reference is a full hash.
    commit: str | None = None

    def with_commit(self, commit: str) -> GitSource:
        """This source pinned to the commit its reference resolved to."""
        if not _COMMIT.fullmatch(commit):
            raise ValueError(f"{commit!r} is not a full git commit hash")
        return replace(self, commit=commit.lower())

    def cache_key(self) -> str:
        """`git/<digest(repository)>/<commit>` in built-wheels-v0 (the subdirectory, when set,
        is part of the digested identity)."""
        commit = self._resolved_commit()
        return f"git/{digest(_identity(self.repository, self.subdirectory))}/{commit}"

    def direct_url(self, *, checkout: Path | None = None) -> str:
        """PEP 610 `direct_url.json`: `vcs_info` with the resolved commit, or, for an editable
        install, `dir_info` naming the `checkout` directory the project was installed from
        (PEP 610 records where an editable VCS project lives, not where it came from)."""
        from packaging.direct_url import DirectUrl, DirInfo, VcsInfo

        if self.editable:
            if checkout is None:
                raise ValueError(f"the checkout of editable {_redact(self.repository)} is needed")
            return _to_json(
                DirectUrl(url=Path(checkout).absolute().as_uri(), dir_info=DirInfo(editable=True))
            )
        vcs = VcsInfo(
            vcs="git", commit_id=self._resolved_commit(), requested_revision=self.reference
        )
        return _to_json(
            DirectUrl(url=self.repository, vcs_info=vcs, subdirectory=self.subdirectory)
        )

    def requirement_text(self, name: PackageName, extras: Iterable[ExtraName] = ()) -> str:
        """Pinned to the resolved commit: `name @ git+https://host/repo@<commit>#subdirectory=x`,
        or for an editable `-e git+https://host/repo@<commit>#subdirectory=x&egg=name[extras]`
        (pip's `-e` takes no `name @`; egg comes last so that pip reads the trailing extras)."""
        parts = urlsplit(self.repository)
        pinned = urlunsplit(parts._replace(path=f"{parts.path}@{self._resolved_commit()}"))
        fragment = [f"subdirectory={self.subdirectory}"] if self.subdirectory else []
        if self.editable:
            fragment.append(f"egg={_named(name, extras)}")
            return f"-e git+{pinned}#{'&'.join(fragment)}"
        suffix = f"#{fragment[0]}" if fragment else ""
        return f"{_named(name, extras)} @ git+{pinned}{suffix}"

    def _resolved_commit(self) -> str:
        if self.commit is None:
            raise ValueError(
                f"git reference {self.reference or 'HEAD'} of {_redact(self.repository)} "
                "is not resolved to a commit yet"
            )
        return self.commit


@dataclass(frozen=True)
class PathSource:
    """A local project directory or a local archive file."""

    path: Path  # absolute; a relative one was resolved against the requirements file
    given: str  # as written, so pip-compile output can stay relative (`-e ./localpkg`)
    editable: bool
    is_archive: bool  # decided by the file name alone (this module does no I/O)
    subdirectory: str | None = None

    def cache_key(self) -> str:
        """`path/<digest(absolute path)>` in built-wheels-v0; an editable shares its entry
        with the regular build, whose record names the two wheels apart."""
        return f"path/{digest(_identity(str(self.path), self.subdirectory))}"

    def direct_url(self, hashes: Iterable[HashDigest] = ()) -> str:
        """PEP 610 `direct_url.json`: `dir_info` for a directory, `archive_info` (with the
        installed archive's `hashes`) for an archive file."""
        from packaging.direct_url import ArchiveInfo, DirectUrl, DirInfo

        url = self.path.as_uri()
        if self.is_archive:
            known = tuple(hashes)
            info = ArchiveInfo(hashes=_hash_map(known) if known else None)
            return _to_json(DirectUrl(url=url, archive_info=info, subdirectory=self.subdirectory))
        dir_info = DirInfo(editable=True if self.editable else None)
        return _to_json(DirectUrl(url=url, dir_info=dir_info, subdirectory=self.subdirectory))

    def requirement_text(self, name: PackageName, extras: Iterable[ExtraName] = ()) -> str:
        """`-e <as given>[extras]` for an editable; `name @ <file: URL as given>` when it was a
        relative `file:` URL; else `name @ file:///absolute/path`."""
        if self.editable:
            return f"-e {_without_egg(self.given)}{_extras(extras)}"
        if _is_relative_file_url(self.given):
            return f"{_named(name, extras)} @ {_without_egg(self.given)}"
        suffix = f"#subdirectory={self.subdirectory}" if self.subdirectory else ""
        return f"{_named(name, extras)} @ {self.path.as_uri()}{suffix}"


DirectSource = UrlSource | GitSource | PathSource


def parse_source(
    url_or_path: str, *, editable: bool, base_dir: Path, given: str | None = None
) -> DirectSource:
    """The direct source a requirement names: an http(s) archive URL, a git URL, a `file:` URL
    or a bare path (relative ones count from `base_dir`, the requirements file's directory).

    `url_or_path` carries no extras (`[cli]`) and no marker. `given` is the location as the
    user wrote it (`${VAR}` unexpanded) when it differs from `url_or_path`; it is what a local
    source is written back as. Raises InvalidSource with the reason.
    """
    as_written = url_or_path if given is None else given
    scheme = _scheme_of(url_or_path)
    if scheme is None:
        path = Path(os.path.normpath(os.path.join(base_dir, url_or_path)))
        return _path_source(path, as_written, editable, None, url_or_path)
    vcs, plus, transport = scheme.lower().partition("+")
    if vcs in _UNSUPPORTED_VCS:
        raise InvalidSource(
            f"{_UNSUPPORTED_VCS[vcs]} source {_redact(url_or_path)!r} is not supported: "
            "puffin installs from git only"
        )
    if vcs == "git" and (plus or "://" in url_or_path):
        return _git_source(url_or_path, transport or "git", editable)
    if vcs in ("http", "https") and not plus:
        return _url_source(url_or_path, editable)
    if vcs == "file" and not plus:
        return _file_url_source(url_or_path, as_written, editable, base_dir)
    raise InvalidSource(
        f"Unsupported URL scheme {scheme!r} in {_redact(url_or_path)!r}: puffin installs from "
        "http(s) and file: URLs, git+https, git+ssh, git+http, git+git and git+file URLs, "
        "and local paths"
    )


def _scheme_of(text: str) -> str | None:
    """The URL scheme, or None for a bare path (`C:\\x` and `pkg:1/` are paths, as for pip)."""
    lowered = text.lower()
    if lowered.startswith(("git+", *(f"{vcs}+" for vcs in _UNSUPPORTED_VCS))):
        # Even a malformed `git+git@host:path` is a git URL to explain, never a path.
        return text.partition(":")[0].partition("@")[0]
    scheme, colon, rest = text.partition(":")
    if not colon or not _SCHEME.fullmatch(scheme):
        return None
    if rest.startswith("//") or scheme.lower() in ("file", "http", "https"):
        return scheme
    return None


def _url_source(url: str, editable: bool) -> UrlSource:
    if editable:
        raise _not_editable(url)
    parts = urlsplit(url)
    filename = unquote(parts.path.rpartition("/")[2])
    if not filename:
        raise InvalidSource(f"Cannot install from {_redact(url)!r}: the URL names no archive file")
    fragment = _fragment(parts)
    hashes = tuple(_fragment_hash(url, key, value) for key, value in fragment if key in _HASH_NAMES)
    return UrlSource(
        url=urlunsplit(parts._replace(fragment="")),
        subdirectory=_subdirectory(fragment),
        filename=filename,
        kind=_archive_kind(url, filename),
        hashes=hashes,
    )


def _archive_kind(url: str, filename: str) -> ArchiveKind:
    if filename.lower().endswith(".whl"):
        try:
            WheelFilename.parse(filename)
        except ValueError as error:
            raise InvalidSource(
                f"Cannot install from {_redact(url)!r}: invalid wheel file name: {error}"
            ) from None
        return ArchiveKind.WHEEL
    try:
        SdistFilename.parse(filename)
    except ValueError:
        return ArchiveKind.UNKNOWN_ARCHIVE
    return ArchiveKind.SDIST


def _git_source(url: str, transport: str, editable: bool) -> GitSource:
    shown = _redact(url)
    location = url.partition("+")[2] if "+" in url.partition(":")[0] else url
    if transport not in _GIT_TRANSPORTS or "://" not in location:
        raise InvalidSource(
            f"Invalid git URL {shown!r}: write it as git+https://host/path, "
            "git+ssh://user@host/path, git+http://, git+git:// or git+file:///path "
            "(an scp-like user@host:path is not a URL)"
        )
    parts = urlsplit(location)
    # The reference follows the last `@` of the path only: `git@` in `ssh://git@host/...` is
    # user info in the netloc, which urlsplit has already set apart.
    path, at, reference = parts.path.rpartition("@")
    if not at:
        path, reference = parts.path, ""
    elif not reference:
        raise InvalidSource(
            f"Invalid git URL {shown!r}: nothing follows the '@'; name a tag, branch or "
            "commit after it, or remove it"
        )
    repository = urlunsplit(parts._replace(path=path, fragment=""))
    return GitSource(
        repository=repository,
        reference=reference or None,
        subdirectory=_subdirectory(_fragment(parts)),
        editable=editable,
        commit=reference.lower() if _COMMIT.fullmatch(reference) else None,
    )


def _file_url_source(url: str, as_written: str, editable: bool, base_dir: Path) -> PathSource:
    parts = urlsplit(url)
    if parts.netloc and parts.netloc.lower() != "localhost":
        raise InvalidSource(
            f"Cannot install from {_redact(url)!r}: a file: URL must name a local path, "
            f"and its host {parts.netloc!r} is not localhost"
        )
    # `file:../pkg` is relative to the requirements file, as pip reads it.
    path = Path(os.path.normpath(os.path.join(base_dir, unquote(parts.path))))
    return _path_source(path, as_written, editable, _subdirectory(_fragment(parts)), url)


def _path_source(
    path: Path, as_written: str, editable: bool, subdirectory: str | None, shown: str
) -> PathSource:
    is_archive = path.name.lower().endswith(_ARCHIVE_SUFFIXES)
    if editable and is_archive:
        raise _not_editable(shown)
    return PathSource(path, as_written, editable, is_archive, subdirectory)


def _not_editable(shown: str) -> InvalidSource:
    return InvalidSource(
        f"Cannot install {_redact(shown)!r} in editable mode: only a local project directory "
        "or a git URL can be editable"
    )


def _fragment(parts: SplitResult) -> list[tuple[str, str]]:
    if not parts.fragment:
        return []
    pairs = (item.partition("=") for item in parts.fragment.split("&"))
    return [(key.lower(), value) for key, _, value in pairs]


def _subdirectory(fragment: list[tuple[str, str]]) -> str | None:
    found = [value for key, value in fragment if key == "subdirectory"]
    return (found[-1] or None) if found else None


def _fragment_hash(url: str, key: str, value: str) -> HashDigest:
    try:
        return HashDigest.parse(f"{key}:{value}")
    except ValueError as error:
        raise InvalidSource(f"Invalid #{key}= fragment in {_redact(url)!r}: {error}") from None


def _identity(location: str, subdirectory: str | None) -> str:
    """What a cache key digests: the location without credentials (a rotated token must not
    orphan the cache) and, when set, the subdirectory."""
    parts = urlsplit(location)
    if "@" in parts.netloc:
        location = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    return f"{location}#subdirectory={subdirectory}" if subdirectory else location


def _redact(url: str) -> str:
    """`https://user:token@host/x` -> `https://****@host/x`: credentials never reach messages."""
    scheme, sep, rest = url.partition("://")
    netloc, slash, tail = rest.partition("/")
    if not sep or "@" not in netloc:
        return url
    return f"{scheme}://****@{netloc.rpartition('@')[2]}{slash}{tail}"


def _is_relative_file_url(text: str) -> bool:
    return text[:5].lower() == "file:" and text[5:6] != "/"


def _without_egg(text: str) -> str:
    location, hash_sign, fragment = text.partition("#")
    if not hash_sign:
        return text
    kept = [item for item in fragment.split("&") if item.partition("=")[0].lower() != "egg"]
    return f"{location}#{'&'.join(kept)}" if kept else location


def _extras(extras: Iterable[ExtraName]) -> str:
    ordered = sorted(extras)
    return f"[{','.join(ordered)}]" if ordered else ""


def _named(name: PackageName, extras: Iterable[ExtraName]) -> str:
    return f"{name}{_extras(extras)}"


def _hash_map(hashes: tuple[HashDigest, ...]) -> dict[str, str]:
    return {found.algorithm.value: found.hex for found in hashes}


def _to_json(direct: DirectUrl) -> str:
    import json

    # to_dict strips URL credentials (keeping `git@` and `${VAR}` forms, as PEP 610 allows).
    return json.dumps(direct.to_dict())
