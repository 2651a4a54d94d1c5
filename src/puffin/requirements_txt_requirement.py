"""The requirement part of a line -> name, extras, specifier, marker and URL, by pip's rules."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from puffin.filenames import WheelFilename
from puffin.hashes import HashAlgorithm, HashDigest
from puffin.names import ExtraName, PackageName, normalize_extra, normalize_name

if TYPE_CHECKING:
    from packaging.markers import Marker

_VCS = ("git", "hg", "svn", "bzr")
_VCS_PREFIXES = tuple(f"{vcs}+" for vcs in _VCS)
_PLAIN_SCHEMES = frozenset({"http", "https", "file", "ftp"})
_ARCHIVE_SUFFIXES = (
    ".whl",
    ".zip",
    ".tar.gz",
    ".tgz",
    ".tar.bz2",
    ".tbz",
    ".tar.xz",
    ".txz",
    ".tlz",
    ".tar.lz",
    ".tar.lzma",
    ".tar",
)
_OPERATORS = ("~=", "==", "!=", "<=", ">=", "<", ">", "===")
_WEAK_HASHES = frozenset({"md5", "sha1", "sha224"})
_STRONG_HASHES = frozenset(algorithm.value for algorithm in HashAlgorithm)
# Names are ASCII, as packaging reads them. Both cases are spelled out: re.IGNORECASE, which
# over Unicode also matches the Kelvin sign to `k`, made each pattern ~0.4 ms to compile.
_PROJECT_NAME = re.compile(r"[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]")
# `name==version`, the shape of nearly every line of a compiled file: parsed without
# packaging's full PEP 508 parser, which is ~5x slower per line.
_PINNED = re.compile(
    r"([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*==\s*([A-Za-z0-9][A-Za-z0-9.+!_-]*)"
)
_NAMED_URL = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*@\s*(\S.*)")
_TRAILING_EXTRAS = re.compile(r"(.+)(\[[^\]]+\])")


class RequirementError(Exception):
    """The requirement text is invalid; `reason` says why, without the file location."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ParsedRequirement:
    """What the requirement part of one line says, before options and origin are added."""

    name: PackageName | None
    extras: frozenset[ExtraName]
    specifier: SpecifierSet
    marker: Marker | None
    url: str | None
    given: str | None
    hashes: tuple[HashDigest, ...]


Warn = Callable[[str], None]


def parse_requirement(
    text: str, *, base_dir: Path, as_written: str, warn: Warn
) -> ParsedRequirement:
    """A specifier, `name @ url`, bare URL or local path, with an optional `; marker`."""
    is_url = looks_like_url(text)
    # pip splits a bare URL's marker only at "; " so that a `;` inside the URL survives.
    location, _, marker_text = text.partition("; " if is_url else ";")
    location = location.strip()
    marker = _parse_marker(marker_text.strip())
    if is_url:
        return _from_url(location, marker, base_dir, _given(as_written), warn)
    if _looks_like_path(location):
        found = _from_path(location, marker, base_dir, _given(as_written), warn)
        if found is not None:
            return found
    return _from_specifier(location, marker, base_dir, as_written, warn)


def parse_editable(text: str, *, base_dir: Path, as_written: str) -> ParsedRequirement:
    """The value of `-e`: a local project directory (extras allowed) or a VCS URL."""
    name: PackageName | None = None
    extras: frozenset[ExtraName] = frozenset()
    named = _NAMED_URL.fullmatch(text)
    if named:
        name = normalize_name(named[1])
        extras = _parse_extras(named[2]) if named[2] else frozenset()
        location = named[3].strip()
    else:
        location, extras_text = _strip_extras(text)
        extras = _parse_extras(extras_text) if extras_text else frozenset()
    lowered = location.lower()
    for vcs in _VCS:
        if lowered.startswith(f"{vcs}:"):
            location, lowered = f"{vcs}+{location}", f"{vcs}+{lowered}"
    if lowered.startswith(_VCS_PREFIXES):
        name = name or _egg_name(location)
        if name is None:
            raise RequirementError(
                f"Could not detect requirement name for {text!r}, "
                "please specify one with #egg=your_package_name"
            )
        return ParsedRequirement(
            name, extras, SpecifierSet(), None, location, _given(as_written), ()
        )
    if looks_like_url(location) and not lowered.startswith("file:"):
        raise RequirementError(
            f"Invalid editable requirement {text!r}: only a local project directory or "
            "a VCS URL (git+, hg+, svn+ or bzr+) can be editable"
        )
    if lowered.startswith("file:"):
        path = _file_url_path(location, base_dir) or location
    else:
        path = os.path.normpath(os.path.join(base_dir, location))
    if not os.path.isdir(path):
        raise RequirementError(
            f"Invalid editable requirement {text!r}: {path} is not a directory "
            "(an editable must be a local project directory or a VCS URL such as git+https://...)"
        )
    _check_installable(path, location)
    if lowered.startswith("file:"):
        name = name or _egg_name(location)
    url = Path(path).as_uri()
    return ParsedRequirement(name, extras, SpecifierSet(), None, url, _given(as_written), ())


def looks_like_url(text: str) -> bool:
    """pip's test: a scheme it knows (http, https, file, ftp or a VCS one) before a colon."""
    scheme, colon, _ = text.partition(":")
    if not colon:
        return False
    scheme = scheme.lower()
    return scheme in _PLAIN_SCHEMES or scheme.startswith(_VCS_PREFIXES)


def _looks_like_path(text: str) -> bool:
    return os.sep in text or (os.altsep is not None and os.altsep in text) or text.startswith(".")


def _given(as_written: str) -> str:
    """The location exactly as the user wrote it (`${VAR}` unexpanded), for pip-compile output."""
    is_url = looks_like_url(as_written)
    location = as_written.partition("; " if is_url else ";")[0].strip()
    named = _NAMED_URL.fullmatch(location)
    if named:
        return named[3].strip()
    return location if is_url else _strip_extras(location)[0]


def _from_url(
    location: str, marker: Marker | None, base_dir: Path, given: str, warn: Warn
) -> ParsedRequirement:
    url = _absolute_url(location, base_dir)
    hashes = _fragment_hashes(url, warn)
    name: PackageName | None
    specifier = SpecifierSet()
    filename = unquote(urlsplit(url).path.rpartition("/")[2])
    if filename.endswith(".whl") and not url.lower().startswith(_VCS_PREFIXES):
        wheel = _wheel_filename(filename)
        name = wheel.name
        specifier = SpecifierSet(f"=={wheel.version}")
    else:
        name = _egg_name(url)
    return ParsedRequirement(name, frozenset(), specifier, marker, url, given, hashes)


def _from_path(
    location: str, marker: Marker | None, base_dir: Path, given: str, warn: Warn
) -> ParsedRequirement | None:
    path_text, extras_text = _strip_extras(location)
    path = os.path.normpath(os.path.join(base_dir, path_text))
    extras = _parse_extras(extras_text) if extras_text else frozenset()
    if os.path.isdir(path):
        _check_installable(path, path_text)
        url = Path(path).as_uri()
        return ParsedRequirement(None, extras, SpecifierSet(), marker, url, given, ())
    if not path.lower().endswith(_ARCHIVE_SUFFIXES):
        return None
    if not os.path.isfile(path):
        before, at, _ = location.partition("@")
        if at and not _looks_like_path(before):
            return None  # `name @ ../x.whl`-like: a PEP 508 requirement, not a path
        warn(f"requirement {location!r} looks like a file name, but {path} does not exist")
    name: PackageName | None = None
    specifier = SpecifierSet()
    if path.lower().endswith(".whl"):
        wheel = _wheel_filename(os.path.basename(path))
        name, specifier = wheel.name, SpecifierSet(f"=={wheel.version}")
    return ParsedRequirement(name, extras, specifier, marker, Path(path).as_uri(), given, ())


def _from_specifier(
    text: str, marker: Marker | None, base_dir: Path, as_written: str, warn: Warn
) -> ParsedRequirement:
    pinned = _PINNED.fullmatch(text)
    if pinned:
        try:
            specifier = SpecifierSet(f"=={pinned[2]}")
        except InvalidSpecifier:
            pass  # packaging's parser below explains what is wrong
        else:
            return ParsedRequirement(
                normalize_name(pinned[1]), frozenset(), specifier, marker, None, None, ()
            )
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        requirement = Requirement(text)
    except InvalidRequirement as error:
        raise RequirementError(_invalid_requirement(text, error, base_dir)) from None
    extras = frozenset(normalize_extra(extra) for extra in requirement.extras)
    name = normalize_name(requirement.name)
    if requirement.url is None:
        return ParsedRequirement(name, extras, requirement.specifier, marker, None, None, ())
    url = requirement.url
    if looks_like_url(url):
        url = _absolute_url(url, base_dir)
        hashes = _fragment_hashes(url, warn)
    else:
        # `name @ ./path`: not PEP 508, but unambiguous, so read it as a local path.
        path = os.path.normpath(os.path.join(base_dir, url))
        if os.path.isdir(path):
            _check_installable(path, url)
        elif not os.path.isfile(path):
            raise RequirementError(
                f"Invalid requirement {text!r}: {url!r} is neither a URL nor an existing path"
            )
        url, hashes = Path(path).as_uri(), ()
    return ParsedRequirement(name, extras, SpecifierSet(), marker, url, _given(as_written), hashes)


def _invalid_requirement(text: str, error: Exception, base_dir: Path) -> str:
    if (os.sep in text or (os.altsep and os.altsep in text)) and "://" not in text:
        path = os.path.normpath(os.path.join(base_dir, text))
        if not os.path.exists(path):
            hint = f"It looks like a path. File '{path}' does not exist."
        else:
            hint = (
                f"It looks like a path. '{path}' exists but is neither a project directory "
                "nor a distribution archive (use -r to include a requirements file)."
            )
    elif "=" in text and not any(operator in text for operator in _OPERATORS):
        hint = "= is not a valid operator. Did you mean == ?"
    else:
        hint = str(error).splitlines()[0]
    return f"Invalid requirement {text!r}: {hint}"


@functools.lru_cache(maxsize=256)
def _parse_marker(text: str) -> Marker | None:
    # Compiled files repeat the same few markers; Marker values are never mutated.
    if not text:
        return None
    from packaging.markers import InvalidMarker, Marker

    try:
        return Marker(text)
    except InvalidMarker as error:
        raise RequirementError(f"Invalid marker {text!r}: {str(error).splitlines()[0]}") from None


def _parse_extras(text: str) -> frozenset[ExtraName]:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        extras = Requirement(f"placeholder{text}").extras
    except InvalidRequirement as error:
        raise RequirementError(f"Invalid extras {text!r}: {str(error).splitlines()[0]}") from None
    return frozenset(normalize_extra(extra) for extra in extras)


def _strip_extras(text: str) -> tuple[str, str | None]:
    found = _TRAILING_EXTRAS.fullmatch(text)
    return (found[1], found[2]) if found else (text, None)


def _check_installable(path: str, as_written: str) -> None:
    if not (
        os.path.isfile(os.path.join(path, "pyproject.toml"))
        or os.path.isfile(os.path.join(path, "setup.py"))
    ):
        raise RequirementError(
            f"Directory {as_written!r} is not installable. "
            "Neither 'setup.py' nor 'pyproject.toml' found."
        )


def _wheel_filename(filename: str) -> WheelFilename:
    try:
        return WheelFilename.parse(filename)
    except ValueError as error:
        raise RequirementError(f"Invalid wheel filename {filename!r}: {error}") from None


def _absolute_url(url: str, base_dir: Path) -> str:
    """A relative `file:` URL (`file:../pkg`) made absolute against the file's directory."""
    if url[:5].lower() != "file:" or url[5:6] == "/":
        return url
    path, _, fragment = url[5:].partition("#")
    absolute = Path(os.path.normpath(os.path.join(base_dir, unquote(path)))).as_uri()
    return f"{absolute}#{fragment}" if fragment else absolute


def _file_url_path(url: str, base_dir: Path) -> str | None:
    """The local path a `file:` URL names, or None when it names another host."""
    rest = unquote(url[5:].partition("#")[0])
    if rest.startswith("//") and not rest.startswith("///"):
        host, slash, path = rest[2:].partition("/")
        if host.lower() != "localhost":
            return None
        rest = slash + path
    return os.path.normpath(os.path.join(base_dir, rest))


def _fragment(url: str) -> dict[str, str]:
    fragment = url.partition("#")[2]
    if not fragment:
        return {}
    pairs = (item.partition("=") for item in fragment.split("&"))
    return {key: value for key, _, value in pairs}


def _egg_name(url: str) -> PackageName | None:
    egg = _fragment(url).get("egg")
    if not egg:
        return None
    if not _PROJECT_NAME.fullmatch(egg):
        raise RequirementError(f"Invalid #egg={egg} in {url!r}: it must be a project name")
    return normalize_name(egg)


def _fragment_hashes(url: str, warn: Warn) -> tuple[HashDigest, ...]:
    hashes: list[HashDigest] = []
    for key, value in _fragment(url).items():
        algorithm = key.lower()
        if algorithm in _WEAK_HASHES:
            warn(f"the #{key}= fragment of {url} is ignored: {algorithm} is too weak to check")
        elif algorithm in _STRONG_HASHES:
            try:
                hashes.append(HashDigest.parse(f"{algorithm}:{value}"))
            except ValueError as error:
                raise RequirementError(f"Invalid #{key}= fragment in {url!r}: {error}") from None
    return tuple(hashes)
