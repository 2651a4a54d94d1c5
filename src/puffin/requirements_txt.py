"""Parse pip requirements files, following `-r` and `-c` includes, into RequirementsTxt values."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from puffin.errors import RequirementsFileError
from puffin.hashes import HashDigest
from puffin.requirements_txt_binary import BinaryOption, BinaryPolicy
from puffin.requirements_txt_lines import (
    DecodeError,
    LogicalLine,
    decode,
    logical_lines,
    split_requirement_and_options,
)
from puffin.requirements_txt_options import (
    NO_OPTIONS,
    Option,
    OptionError,
    ParsedOptions,
    parse_config_setting,
    parse_hash,
    parse_options,
)
from puffin.requirements_txt_requirement import (
    ParsedRequirement,
    RequirementError,
    parse_editable,
    parse_requirement,
)
from puffin.requirements_txt_sources import (
    Source,
    find_link,
    included_source,
    redact_text,
    top_source,
)
from puffin.requirements_txt_types import (
    Origin,
    OriginKind,
    RequirementLine,
    RequirementsTxt,
)

__all__ = [
    "BinaryOption",
    "BinaryPolicy",
    "Origin",
    "OriginKind",
    "RequirementLine",
    "RequirementsTxt",
    "merge",
    "parse_requirements_file",
    "parse_requirements_text",
]

FetchUrl = Callable[[str], str]
_BINARY_OPTIONS = {
    Option.NO_BINARY: BinaryOption.NO_BINARY,
    Option.ONLY_BINARY: BinaryOption.ONLY_BINARY,
}


def parse_requirements_file(
    path: str | Path,
    *,
    environ: Mapping[str, str] | None = None,
    fetch_url: FetchUrl | None = None,
    constraint: bool = False,
) -> RequirementsTxt:
    """Parse a requirements file (or, with `constraint`, a constraints file) and its includes.

    `path` may also be an http(s) URL, read through `fetch_url`.
    """
    kind = OriginKind.CONSTRAINT if constraint else OriginKind.REQUIREMENT
    parser = _Parser(os.environ if environ is None else environ, fetch_url)
    source = top_source(os.fspath(path), kind)
    parser.parse(source, parser.read(source, None, None))
    return parser.result()


def parse_requirements_text(
    text: str,
    *,
    path: str,
    base_dir: Path,
    environ: Mapping[str, str] | None = None,
    fetch_url: FetchUrl | None = None,
    constraint: bool = False,
) -> RequirementsTxt:
    """Parse already-read text as the file `path`; relative paths are taken from `base_dir`."""
    kind = OriginKind.CONSTRAINT if constraint else OriginKind.REQUIREMENT
    parser = _Parser(os.environ if environ is None else environ, fetch_url)
    base = Path(os.path.abspath(base_dir))
    identity = os.path.realpath(base / path)
    parser.parse(Source(path, identity, base, None, kind), text.removeprefix("\ufeff"))
    return parser.result()


def merge(files: Sequence[RequirementsTxt]) -> RequirementsTxt:
    """Combine files named one after the other on the command line, as pip reads them."""
    if len(files) == 1:
        return files[0]
    index_url = None
    policy = BinaryPolicy()
    for file in files:
        index_url = file.index_url if file.index_url is not None else index_url
        policy = policy.then(file.binary_policy)
    return RequirementsTxt(
        requirements=tuple(line for file in files for line in file.requirements),
        constraints=tuple(line for file in files for line in file.constraints),
        index_url=index_url,
        extra_index_urls=_unique(url for file in files for url in file.extra_index_urls),
        find_links=_unique(link for file in files for link in file.find_links),
        no_index=any(file.no_index for file in files),
        binary_policy=policy,
        prefer_binary=any(file.prefer_binary for file in files),
        pre=any(file.pre for file in files),
        require_hashes=any(file.require_hashes for file in files),
        trusted_hosts=_unique(host for file in files for host in file.trusted_hosts),
        warnings=tuple(warning for file in files for warning in file.warnings),
    )


class _Parser:
    """Accumulates requirements and global options over a file and everything it includes."""

    def __init__(self, environ: Mapping[str, str], fetch_url: FetchUrl | None) -> None:
        self._environ = environ
        self._fetch_url = fetch_url
        self._stack: list[str] = []
        self._requirements: list[RequirementLine] = []
        self._constraints: list[RequirementLine] = []
        self._index_url: str | None = None
        self._extra_index_urls: list[str] = []
        self._find_links: list[str] = []
        self._no_index = False
        self._binary_policy = BinaryPolicy()
        self._prefer_binary = False
        self._pre = False
        self._require_hashes = False
        self._trusted_hosts: list[str] = []
        self._warnings: list[str] = []

    def result(self) -> RequirementsTxt:
        return RequirementsTxt(
            requirements=tuple(self._requirements),
            constraints=tuple(self._constraints),
            index_url=self._index_url,
            extra_index_urls=_unique(self._extra_index_urls),
            find_links=_unique(self._find_links),
            no_index=self._no_index,
            binary_policy=self._binary_policy,
            prefer_binary=self._prefer_binary,
            pre=self._pre,
            require_hashes=self._require_hashes,
            trusted_hosts=_unique(self._trusted_hosts),
            warnings=tuple(self._warnings),
        )

    def read(self, source: Source, includer: Source | None, line: int | None) -> str:
        """The text of `source`; a failure is reported at the line that named it."""
        where = includer.display if includer is not None else source.display
        if source.remote is not None:
            if self._fetch_url is None:
                raise RequirementsFileError(
                    where,
                    line,
                    f"could not open requirements file: {source.display} is a URL, "
                    "and fetching URLs is not available here",
                )
            return self._fetch_url(source.remote).removeprefix("\ufeff")
        try:
            data = Path(source.identity).read_bytes()
        except OSError as error:
            raise RequirementsFileError(
                where,
                line,
                "could not open requirements file: "
                f"[Errno {error.errno}] {error.strerror}: {source.display!r}",
            ) from None
        try:
            text, warning = decode(data)
        except DecodeError as error:
            raise RequirementsFileError(source.display, error.line, error.reason) from None
        if warning is not None:
            self._warnings.append(f"{source.display}: {warning}")
        return text

    def parse(self, source: Source, text: str) -> None:
        self._stack.append(source.identity)
        for line in logical_lines(text, self._environ):
            try:
                self._line(source, line)
            except (OptionError, RequirementError) as error:
                reason = error.reason if isinstance(error, RequirementError) else str(error)
                raise RequirementsFileError(
                    source.display, line.number, redact_text(reason)
                ) from None
        self._stack.pop()

    def _line(self, source: Source, line: LogicalLine) -> None:
        requirement, options_text = split_requirement_and_options(line.text)
        options = parse_options(options_text) if options_text else NO_OPTIONS
        origin = Origin(source.display, line.number, source.kind)
        if requirement:
            written = requirement
            if line.raw != line.text:
                written = split_requirement_and_options(line.raw)[0] or requirement
            parsed = parse_requirement(
                requirement,
                base_dir=source.base_dir,
                as_written=written,
                warn=lambda message: self._warn(origin, message),
            )
            self._add(source, origin, parsed, options, editable=False)
            return
        editable = next(
            (value for option, value in options.items if option is Option.EDITABLE), None
        )
        if editable is not None:
            parsed = parse_editable(
                editable, base_dir=source.base_dir, as_written=self._raw_editable(line, editable)
            )
            self._add(source, origin, parsed, options, editable=True)
            return
        self._options(source, origin, options)

    def _raw_editable(self, line: LogicalLine, expanded: str) -> str:
        if line.raw == line.text:
            return expanded
        try:
            raw_options = parse_options(split_requirement_and_options(line.raw)[1])
        except OptionError:
            return expanded
        raw = (value for option, value in raw_options.items if option is Option.EDITABLE)
        return next(raw, None) or expanded

    def _add(
        self,
        source: Source,
        origin: Origin,
        parsed: ParsedRequirement,
        options: ParsedOptions,
        *,
        editable: bool,
    ) -> None:
        hashes: list[HashDigest] = list(parsed.hashes)
        config_settings: list[tuple[str, str]] = []
        first_editable = editable
        for option, value in options.items:
            if option is Option.HASH and value is not None:
                if editable:
                    self._warn(origin, "--hash is ignored on an editable requirement")
                    continue
                digest = parse_hash(value)
                self._require_hashes = True
                if digest not in hashes:
                    hashes.append(digest)
            elif option is Option.CONFIG_SETTINGS and value is not None:
                config_settings.append(parse_config_setting(value))
            elif option is Option.EDITABLE and first_editable:
                first_editable = False
            else:
                self._warn(
                    origin,
                    f"{option.value} is ignored on a requirement line; put it on a line of its own",
                )
        self._warn_positionals(origin, options)
        line = RequirementLine(
            origin=origin,
            name=parsed.name,
            extras=parsed.extras,
            specifier=parsed.specifier,
            marker=parsed.marker,
            url=parsed.url,
            given=parsed.given,
            editable=editable,
            hashes=tuple(hashes),
            config_settings=tuple(config_settings),
        )
        if source.kind is OriginKind.REQUIREMENT:
            self._requirements.append(line)
            return
        if line.name is None:
            raise RequirementError("Unnamed requirements are not allowed as constraints")
        if line.editable:
            raise RequirementError("Editable requirements are not allowed as constraints")
        if line.extras:
            raise RequirementError("Constraints cannot have extras")
        self._constraints.append(line)

    def _options(self, source: Source, origin: Origin, options: ParsedOptions) -> None:
        for option, value in options.items:
            if value is None:
                self._flag(option)
            elif option is Option.REQUIREMENT:
                self._include(source, origin.line, value, source.kind)
            elif option is Option.CONSTRAINT:
                self._include(source, origin.line, value, OriginKind.CONSTRAINT)
            elif option is Option.INDEX_URL:
                self._index_url = value
            elif option is Option.EXTRA_INDEX_URL:
                self._extra_index_urls.append(value)
            elif option is Option.FIND_LINKS:
                self._find_links.append(find_link(value, source))
            elif option in _BINARY_OPTIONS:
                self._binary_policy = _with_binary(self._binary_policy, option, value)
            elif option is Option.TRUSTED_HOST:
                self._trusted_hosts.append(value)
            elif option is Option.HASH:
                parse_hash(value)
                self._warn(origin, "--hash on a line without a requirement is ignored")
            elif option is Option.CONFIG_SETTINGS:
                parse_config_setting(value)
                self._warn(origin, "--config-settings on a line without a requirement is ignored")
            # --use-feature names pip's own feature flags: accepted and ignored.
        self._warn_positionals(origin, options)

    def _flag(self, option: Option) -> None:
        if option is Option.NO_INDEX:
            self._no_index = True
        elif option is Option.PREFER_BINARY:
            self._prefer_binary = True
        elif option is Option.PRE:
            self._pre = True
        elif option is Option.REQUIRE_HASHES:
            self._require_hashes = True

    def _include(self, parent: Source, line: int, target: str, kind: OriginKind) -> None:
        # Everything below a constraints file only constrains, whichever option includes it.
        if parent.kind is OriginKind.CONSTRAINT:
            kind = OriginKind.CONSTRAINT
        child = included_source(parent, target, kind)
        if child.identity in self._stack:
            raise RequirementsFileError(
                parent.display,
                line,
                f"{child.display} recursively references itself in {parent.display}",
            )
        self.parse(child, self.read(child, parent, line))

    def _warn(self, origin: Origin, message: str) -> None:
        self._warnings.append(f"{origin.path}:{origin.line}: {redact_text(message)}")

    def _warn_positionals(self, origin: Origin, options: ParsedOptions) -> None:
        if options.positionals:
            self._warn(origin, f"ignored unexpected argument(s): {' '.join(options.positionals)}")


def _with_binary(policy: BinaryPolicy, option: Option, value: str) -> BinaryPolicy:
    try:
        return policy.with_option(_BINARY_OPTIONS[option], value)
    except ValueError as error:
        raise RequirementError(str(error)) from None


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
