"""Render a resolution as a requirements file, byte for byte as pip-compile 7.6 writes it."""

from __future__ import annotations

import enum
import re
import shlex
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from packaging.markers import InvalidMarker, Marker

from puffin.errors import UsageError
from puffin.names import PackageName, normalize_name

DEFAULT_INDEX_URL = "https://pypi.org/simple"
# pip-tools pads the requirement to this column before a line-style annotation.
ANNOTATION_COLUMN = 24
ALL_BINARIES = ":all:"

UNHASHED_WARNING = (
    "# WARNING: pip install will require the following package to be hashed.\n"
    "# Consider using a hashable URL like "
    "https://github.com/jazzband/pip-tools/archive/SOMECOMMIT.zip"
)
UNSAFE_HEADING = "# The following packages are considered to be unsafe in a requirements file:"
UNSAFE_UNPINNED_WARNING = (
    "# WARNING: The following packages were not pinned, but pip requires them to be\n"
    "# pinned when the requirements file includes hashes and the requirement is not\n"
    "# satisfied by a package already installed. Consider using the --allow-unsafe flag."
)
DEFAULT_UNSAFE_PACKAGES = frozenset(
    {PackageName("pip"), PackageName("setuptools"), PackageName("distribute")}
)

# Fragments pip-compile keeps on a direct URL: `subdirectory=` and a hash (pip's Link.hash names).
_HASH_FRAGMENT = re.compile(r"^(sha1|sha224|sha256|sha384|sha512|md5)=[0-9a-fA-F]+$")
_EXTRAS_IN_TEXT = re.compile(r"\[.+?\]")
# The userinfo of a URL: everything up to the last `@` before the host part ends.
_URL_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#\s]*)@")


class AnnotationStyle(enum.Enum):
    """Where the `# via` sources go: on lines below the pin, or on the pin's own line."""

    SPLIT = "split"
    LINE = "line"


@dataclass(frozen=True)
class PinnedEntry:
    """One resolved requirement, as the output file names it.

    Exactly one of `version` (a `name==version` pin), `url` (`name @ url`) and `editable`
    (`-e target`, the target as the user wrote it, without extras) is set.
    """

    name: PackageName
    version: str | None
    extras: tuple[str, ...] = ()
    marker: str | None = None
    url: str | None = None
    editable: str | None = None
    hashes: tuple[str, ...] = ()
    via: tuple[str, ...] = ()
    hashable: bool = True

    def __post_init__(self) -> None:
        kinds = [kind for kind in (self.version, self.url, self.editable) if kind is not None]
        if len(kinds) != 1:
            raise ValueError(
                f"PinnedEntry {self.name}: exactly one of version, url and editable must be set"
            )
        if not self.hashable and self.hashes:
            raise ValueError(f"PinnedEntry {self.name}: an unhashable entry cannot carry hashes")


@dataclass(frozen=True)
class OutputOptions:
    """The pip-compile flags that shape the written file."""

    header: bool = True
    command: str = "puffin pip-compile requirements.in"
    python_version: str = "3.12"
    tool_name: str = "puffin"
    annotate: bool = True
    annotation_style: AnnotationStyle = AnnotationStyle.SPLIT
    generate_hashes: bool = False
    allow_unsafe: bool = False
    strip_extras: bool = False
    emit_options: bool = True
    emit_index_options: bool = True
    emit_find_links: bool = True
    emit_trusted_host: bool = True
    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    trusted_hosts: tuple[str, ...] = ()
    no_binary: tuple[str, ...] = ()
    only_binary: tuple[str, ...] = ()
    unsafe_packages: frozenset[PackageName] = DEFAULT_UNSAFE_PACKAGES


def format_requirements(entries: Sequence[PinnedEntry], options: OutputOptions) -> str:
    """Return the whole output file's text, ending with a newline.

    `find_links` must already be absolute where pip-compile would make them so: this
    function does no file-system work.
    """
    # With nothing to say the text is "", which still becomes one blank line: pip-compile
    # writes the file even then.
    text = "\n".join(_file_lines(entries, options))
    return "".join(line.rstrip() + "\n" for line in text.split("\n"))


def redact_command(argv: Sequence[str]) -> str:
    """Join a command line for the header, hiding URL credentials and shell-quoting each part.

    `--opt=value` arguments keep the option bare and quote only the value, as pip-compile does.
    """
    parts: list[str] = []
    for argument in argv:
        option, equals, value = argument.partition("=")
        if argument.startswith("--") and equals:
            parts.append(f"{option}={shlex.quote(redact_url_credentials(value))}")
        else:
            parts.append(shlex.quote(redact_url_credentials(argument)))
    return " ".join(parts)


def redact_url_credentials(text: str) -> str:
    """Replace the password of every URL in `text` by `****`; a lone user name is the secret."""

    def hide(match: re.Match[str]) -> str:
        user, colon, _secret = match["userinfo"].partition(":")
        shown = f"{user}:****" if colon else "****"
        return f"{match['scheme']}{shown}@"

    return _URL_USERINFO.sub(hide, text)


def _file_lines(entries: Sequence[PinnedEntry], options: OutputOptions) -> Iterator[str]:
    yield from _header_lines(options)
    option_lines = list(_option_lines(options)) if options.emit_options else []
    if option_lines:
        yield from option_lines
        yield ""
    unsafe = sorted((e for e in entries if e.name in options.unsafe_packages), key=_sort_key)
    safe = sorted((e for e in entries if e.name not in options.unsafe_packages), key=_sort_key)
    # pip refuses a file that mixes hashed and unhashed pins, hence the warnings below; they
    # only apply once some entry actually carries hashes.
    hashing = options.generate_hashes and any(e.hashes for e in entries)
    for entry in safe:
        if hashing and not entry.hashes:
            yield UNHASHED_WARNING
        yield _entry_text(entry, options)
    if unsafe:
        yield ""
        if hashing and not options.allow_unsafe:
            yield UNSAFE_UNPINNED_WARNING
        else:
            yield UNSAFE_HEADING
        for entry in unsafe:
            yield _entry_text(entry, options) if options.allow_unsafe else f"# {entry.name}"


def _header_lines(options: OutputOptions) -> Iterator[str]:
    if not options.header:
        return
    yield "#"
    tool, python = options.tool_name, options.python_version
    yield f"# This file is autogenerated by {tool} with Python {python}"
    yield "# by the following command:"
    yield "#"
    yield f"#    {options.command}"
    yield "#"


def _option_lines(options: OutputOptions) -> Iterator[str]:
    if options.emit_index_options:
        indexes = _unique((options.index_url or DEFAULT_INDEX_URL, *options.extra_index_urls))
        for position, url in enumerate(indexes):
            if position == 0:
                if url.rstrip("/") != DEFAULT_INDEX_URL:
                    yield f"--index-url {url}"
            else:
                yield f"--extra-index-url {url}"
    if options.emit_find_links:
        yield from (f"--find-links {link}" for link in _unique(options.find_links))
    if options.emit_trusted_host:
        yield from (f"--trusted-host {host}" for host in _unique(options.trusted_hosts))
    no_binary = _binary_targets(options.no_binary)
    only_binary = _binary_targets(options.only_binary)
    # `:all:` first: it is the broad switch the per-package lines refine.
    yield from (f"--no-binary {t}" for t in no_binary if t == ALL_BINARIES)
    yield from (f"--only-binary {t}" for t in only_binary if t == ALL_BINARIES)
    yield from (f"--no-binary {t}" for t in no_binary if t != ALL_BINARIES)
    yield from (f"--only-binary {t}" for t in only_binary if t != ALL_BINARIES)


def _binary_targets(targets: Iterable[str]) -> list[str]:
    names = {target if target == ALL_BINARIES else normalize_name(target) for target in targets}
    return sorted(names, key=lambda target: (target != ALL_BINARIES, target))


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _sort_key(entry: PinnedEntry) -> tuple[bool, str]:
    return (entry.editable is None, entry.name)


def _entry_text(entry: PinnedEntry, options: OutputOptions) -> str:
    text = _requirement_text(entry, options.strip_extras)
    hashes = sorted(entry.hashes) if options.generate_hashes else []
    text += "".join(f" \\\n    --hash={digest}" for digest in hashes)
    if not options.annotate or not entry.via:
        return text
    sources = sorted(set(entry.via))
    if options.strip_extras:
        sources = [_EXTRAS_IN_TEXT.sub("", source) for source in sources]
    if options.annotation_style is AnnotationStyle.LINE:
        annotation = f"# via {', '.join(sources)}"
        if hashes:
            return f"{text}\n    {annotation}"
        return f"{text.ljust(ANNOTATION_COLUMN)}  {annotation}"
    if len(sources) == 1:
        return f"{text}\n    # via {sources[0]}"
    return "\n    #   ".join([f"{text}\n    # via", *sources])


def _requirement_text(entry: PinnedEntry, strip_extras: bool) -> str:
    extras = "" if strip_extras or not entry.extras else f"[{','.join(sorted(entry.extras))}]"
    if entry.editable is not None:
        text = f"-e {entry.editable}{extras}"
    elif entry.url is not None:
        text = f"{entry.name}{extras} @ {_direct_url(entry.url)}"
    else:
        text = f"{entry.name}{extras}=={entry.version}"
    if entry.marker:
        text += f" ; {_normalized_marker(entry.name, entry.marker)}"
    return text


def _direct_url(url: str) -> str:
    """Keep a URL's `subdirectory=` and hash fragments (in that order); drop `egg=` and the rest."""
    base, hash_sign, fragment = url.partition("#")
    if not hash_sign:
        return url
    parts = fragment.split("&")
    kept = [p for p in parts if p.startswith("subdirectory=")]
    kept += [p for p in parts if _HASH_FRAGMENT.match(p)][:1]
    return f"{base}#{'&'.join(kept)}" if kept else base


def _normalized_marker(name: PackageName, marker: str) -> str:
    """Re-serialise as pip-compile does: `python_version >= '3.8'` gets double quotes."""
    try:
        return str(Marker(marker))
    except InvalidMarker as error:
        raise UsageError(f"Invalid marker for {name}: {marker!r}: {error}") from None
