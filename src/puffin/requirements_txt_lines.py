"""A requirements file's bytes -> numbered logical lines: decode, join, drop comments, expand."""

from __future__ import annotations

import codecs
import locale
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

# UTF-32-LE's BOM starts with UTF-16-LE's, so the 32-bit marks are tried first.
_BOMS = (
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
_CODING = re.compile(rb"coding[:=]\s*([-\w.]+)")
# pip's rule: `#` starts a comment at the start of a line or after whitespace only,
# which is what lets `https://host/pkg.zip#egg=pkg` keep its fragment.
_COMMENT = re.compile(r"(^|\s+)#.*$")
_ENV_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")


class DecodeError(Exception):
    """The bytes cannot be turned into text; carries the line where decoding failed."""

    def __init__(self, line: int | None, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class LogicalLine:
    """One line after joining continuations; `raw` is the text before `${VAR}` expansion."""

    number: int
    text: str
    raw: str


def decode(data: bytes) -> tuple[str, str | None]:
    """Decode a requirements file: BOM, else a PEP 263 coding line, else UTF-8.

    Returns the text and a warning when the locale's encoding had to be used instead.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode_as(data[len(bom) :], encoding), None
    for line in data.split(b"\n", 2)[:2]:
        if line[:1] == b"#":
            found = _CODING.search(line)
            if found:
                return _decode_as(data, found.group(1).decode("ascii")), None
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        fallback = locale.getpreferredencoding(False)
        if codecs.lookup(fallback).name == "utf-8":
            raise _decode_error(data, "utf-8", error) from None
    text = _decode_as(data, fallback)
    return text, f"the file is not valid UTF-8; it was decoded as {fallback}, the locale's encoding"


def _decode_as(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except LookupError:
        raise DecodeError(None, f"unknown encoding {encoding!r} in the coding line") from None
    except UnicodeDecodeError as error:
        raise _decode_error(data, encoding, error) from None


def _decode_error(data: bytes, encoding: str, error: UnicodeDecodeError) -> DecodeError:
    line = data.count(b"\n", 0, error.start) + 1
    bad = data[error.start : error.end].hex(" ")
    return DecodeError(
        line, f"could not decode the file as {encoding}: {error.reason} (bytes {bad})"
    )


def logical_lines(text: str, environ: Mapping[str, str]) -> Iterator[LogicalLine]:
    """Yield the non-empty lines pip would see, numbered by their first physical line."""
    for number, line in _joined(text.splitlines()):
        if "#" in line:
            line = _COMMENT.sub("", line)
        line = line.strip()
        if not line:
            continue
        expanded = line
        if "${" in line:
            expanded = _ENV_VAR.sub(lambda match: environ.get(match[1]) or match[0], line)
        yield LogicalLine(number, expanded, line)


def _joined(lines: list[str]) -> Iterator[tuple[int, str]]:
    # pip's join: a trailing backslash glues the next line on with nothing in between;
    # a comment line never continues and ends a pending join (prefixed by a space so the
    # comment rule still removes it from the joined text).
    pending: list[str] = []
    first = 0
    for number, line in enumerate(lines, 1):
        is_comment = line.lstrip().startswith("#")
        if is_comment or not line.endswith("\\"):
            if is_comment:
                line = " " + line
            if pending:
                pending.append(line)
                yield first, "".join(pending)
                pending = []
            else:
                yield number, line
        else:
            if not pending:
                first = number
            pending.append(line.strip("\\"))
    if pending:
        yield first, "".join(pending)


def split_requirement_and_options(line: str) -> tuple[str, str]:
    """Split at the first space-separated token that starts with `-` (pip's rule).

    The requirement part is never shell-split, so quotes inside markers survive.
    """
    if "-" not in line:
        return line, ""
    if line.startswith("-"):
        return "", line
    tokens = line.split(" ")
    for index, token in enumerate(tokens):
        if token.startswith("-"):
            return " ".join(tokens[:index]).strip(), " ".join(tokens[index:])
    return line, ""
