"""The options part of a requirements-file line, read the way pip's optparse parser reads it."""

from __future__ import annotations

import enum
import hashlib
import re
import shlex
from dataclasses import dataclass

from puffin.hashes import HashAlgorithm, HashDigest


class Option(enum.Enum):
    """Every option pip accepts in a requirements file; the value is its long spelling."""

    INDEX_URL = "--index-url"
    EXTRA_INDEX_URL = "--extra-index-url"
    NO_INDEX = "--no-index"
    CONSTRAINT = "--constraint"
    REQUIREMENT = "--requirement"
    EDITABLE = "--editable"
    FIND_LINKS = "--find-links"
    NO_BINARY = "--no-binary"
    ONLY_BINARY = "--only-binary"
    PREFER_BINARY = "--prefer-binary"
    REQUIRE_HASHES = "--require-hashes"
    PRE = "--pre"
    TRUSTED_HOST = "--trusted-host"
    USE_FEATURE = "--use-feature"
    HASH = "--hash"
    CONFIG_SETTINGS = "--config-settings"


_FLAGS = frozenset({Option.NO_INDEX, Option.PREFER_BINARY, Option.REQUIRE_HASHES, Option.PRE})
_LONG = {option.value: option for option in Option}
_SHORT = {
    "-i": Option.INDEX_URL,
    "-c": Option.CONSTRAINT,
    "-r": Option.REQUIREMENT,
    "-e": Option.EDITABLE,
    "-f": Option.FIND_LINKS,
    "-C": Option.CONFIG_SETTINGS,
}
_HASH_ALGORITHMS = {algorithm.value: algorithm for algorithm in HashAlgorithm}
_HEX_LENGTHS = {
    algorithm: hashlib.new(algorithm.value).digest_size * 2 for algorithm in HashAlgorithm
}
_HEX = re.compile("[0-9a-f]+")


class OptionError(Exception):
    """An option pip's parser would refuse; the message is optparse's wording."""


@dataclass(frozen=True)
class ParsedOptions:
    """The options of one line in the order written, and any stray non-option words."""

    items: tuple[tuple[Option, str | None], ...]
    positionals: tuple[str, ...]


NO_OPTIONS = ParsedOptions((), ())


def parse_options(text: str) -> ParsedOptions:
    """Parse `--opt value --flag -xVALUE ...`; raise OptionError with optparse's message."""
    if "'" not in text and '"' not in text and "\\" not in text and text.isascii():
        # Without quotes or escapes shlex would split exactly on whitespace; it is ~20x slower.
        words = text.split()
    else:
        try:
            words = shlex.split(text)
        except ValueError as error:
            raise OptionError(f"could not split options {text!r}: {error}") from None
    items: list[tuple[Option, str | None]] = []
    positionals: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word == "--":
            positionals.extend(words[index:])
            break
        if word.startswith("--"):
            name, has_value, value = word.partition("=")
            option = _match_long(name)
            if option in _FLAGS:
                if has_value:
                    raise OptionError(f"{option.value} option does not take a value")
                items.append((option, None))
                continue
            if not has_value:
                if index >= len(words):
                    raise OptionError(f"{option.value} option requires 1 argument")
                value = words[index]
                index += 1
            if option is Option.EDITABLE:
                value, index = _editable_direct_reference(value, words, index)
            items.append((option, value))
        elif word.startswith("-") and len(word) > 1:
            spelled = word[:2]
            short = _SHORT.get(spelled)
            if short is None:
                raise OptionError(f"no such option: {spelled}")
            value = word[2:]
            if not value:
                if index >= len(words):
                    raise OptionError(f"{spelled} option requires 1 argument")
                value = words[index]
                index += 1
            if short is Option.EDITABLE:
                value, index = _editable_direct_reference(value, words, index)
            items.append((short, value))
        else:
            positionals.append(word)
    return ParsedOptions(tuple(items), tuple(positionals))


def _editable_direct_reference(value: str, words: list[str], index: int) -> tuple[str, int]:
    """`-e name @ git+https://...` unquoted: shell splitting cut it into three words."""
    if value.endswith("@") and index < len(words):
        return f"{value} {words[index]}", index + 1
    if index < len(words) and words[index].startswith("@"):
        if words[index] == "@" and index + 1 < len(words):
            return f"{value} @ {words[index + 1]}", index + 2
        return f"{value} {words[index]}", index + 1
    return value, index


def _match_long(name: str) -> Option:
    exact = _LONG.get(name)
    if exact is not None:
        return exact
    # optparse accepts any unambiguous prefix of a long option.
    candidates = sorted(spelling for spelling in _LONG if spelling.startswith(name))
    if len(candidates) == 1:
        return _LONG[candidates[0]]
    if not candidates:
        raise OptionError(f"no such option: {name}")
    raise OptionError(f"ambiguous option: {name} ({', '.join(candidates)}?)")


def parse_hash(value: str) -> HashDigest:
    """A `--hash` value, `algorithm:hexdigest`; md5 and sha1 are refused as pip does."""
    algorithm, colon, digest = value.partition(":")
    if not colon:
        raise OptionError(
            f"Invalid --hash {value!r}: expected ALGORITHM:DIGEST, like --hash=sha256:abcde..."
        )
    chosen = _HASH_ALGORITHMS.get(algorithm.lower())
    if chosen is None:
        raise OptionError(
            f"Invalid --hash {value!r}: {algorithm} is not allowed; use sha256, sha384 or sha512"
        )
    length = _HEX_LENGTHS[chosen]
    digest = digest.lower()
    if len(digest) != length or not _HEX.fullmatch(digest):
        raise OptionError(
            f"Invalid --hash {value!r}: a {chosen.value} digest is {length} hexadecimal digits"
        )
    return HashDigest(chosen, digest)


def parse_config_setting(value: str) -> tuple[str, str]:
    """A `--config-settings` / `-C` value, `KEY=VAL`."""
    key, equals, setting = value.partition("=")
    if not equals:
        raise OptionError(
            f"Arguments to --config-settings must be of the form KEY=VAL, got {value!r}"
        )
    return key, setting
