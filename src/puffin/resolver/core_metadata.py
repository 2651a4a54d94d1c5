"""The two METADATA fields the resolver reads, Requires-Dist and Requires-Python, read fast.

Only these fields are needed, so the header block is split by hand: the email parser behind
`packaging.metadata.parse_email` cost 1 ms per file, a third of a boto3 resolve that reads
3,000 of them. Continuation lines (RFC 822 folding) are joined with a space; the email
parser keeps the line break, which `Requirement` then fails to parse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from puffin.resolver.pubgrub import Unavailable

if TYPE_CHECKING:
    from packaging.requirements import Requirement


@dataclass(frozen=True)
class CoreMetadata:
    requires_dist: tuple[Requirement, ...]
    requires_python: SpecifierSet | None


def header_fields(metadata: bytes, wanted: frozenset[str]) -> dict[str, list[str]]:
    """The values of the header fields named in `wanted` (lower case), in file order."""
    text = metadata.decode("utf-8", errors="surrogateescape")
    values: dict[str, list[str]] = {}
    name: str | None = None
    current: list[str] = []
    for line in text.splitlines():
        if not line:
            break  # the body (the long description) starts after the first empty line
        if line[0] in " \t":  # folded: even a line of blanks continues (License texts)
            if name is not None:
                current.append(line.strip())
            continue
        if name is not None:
            values.setdefault(name, []).append(" ".join(current))
            name = None
        field, colon, value = line.partition(":")
        field = field.strip().lower()
        if colon and field in wanted:
            name, current = field, [value.strip()]
    if name is not None:
        values.setdefault(name, []).append(" ".join(current))
    return values


_FIELDS = frozenset({"requires-dist", "requires-python"})
# Successive releases repeat their requirement strings; parsing one costs 0.1 ms.
_parsed: dict[str, Requirement | Unavailable] = {}


def read_core_metadata(metadata: bytes) -> CoreMetadata | Unavailable:
    """Requires-Dist and Requires-Python of a METADATA file, or why they cannot be read."""
    from packaging.requirements import InvalidRequirement, Requirement

    fields = header_fields(metadata, _FIELDS)
    requirements = []
    for text in fields.get("requires-dist", []):
        parsed = _parsed.get(text)
        if parsed is None:
            try:
                parsed = Requirement(text)
            except (InvalidRequirement, InvalidSpecifier) as error:
                parsed = Unavailable(f"invalid Requires-Dist {text!r}: {error}")
            _parsed[text] = parsed
        if isinstance(parsed, Unavailable):
            return parsed
        requirements.append(parsed)
    requires_python = None
    for text in fields.get("requires-python", [])[:1]:
        try:
            requires_python = SpecifierSet(text)
        except InvalidSpecifier as error:
            return Unavailable(f"invalid Requires-Python {text!r}: {error}")
    return CoreMetadata(tuple(requirements), requires_python)
