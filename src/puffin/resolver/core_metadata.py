"""The two METADATA fields the resolver reads, Requires-Dist and Requires-Python, parsed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from puffin.metadata_headers import header_fields as read_fields
from puffin.resolver.pubgrub import Unavailable

if TYPE_CHECKING:
    from packaging.requirements import Requirement


@dataclass(frozen=True)
class CoreMetadata:
    requires_dist: tuple[Requirement, ...]
    requires_python: SpecifierSet | None
    # As written: the same text is the same SpecifierSet object (parsed once per run), and
    # a key for remembering what it says about the target.
    requires_python_text: str | None = None


def header_fields(metadata: bytes, wanted: frozenset[str]) -> dict[str, list[str]]:
    """The values of the header fields named in `wanted` (lower case), in file order."""
    # Only the header block is read: decoding and splitting the long description after it
    # was most of this function's time for botocore's 1,500 releases.
    end = min(_found(metadata.find(b"\n\n")), _found(metadata.find(b"\n\r\n")))
    text = metadata[: end + 1].decode("utf-8", errors="surrogateescape")
    return read_fields(text.splitlines(), wanted)


def _found(index: int) -> int:
    return index if index >= 0 else 1 << 62


_FIELDS = frozenset({"requires-dist", "requires-python"})
# Successive releases repeat their requirement strings; parsing one costs 0.1 ms.
_parsed: dict[str, Requirement | Unavailable] = {}
_python_specifiers: dict[str, SpecifierSet | Unavailable] = {}


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
    for text in fields.get("requires-python", [])[:1]:
        specifier = _python_specifiers.get(text)
        if specifier is None:
            try:
                specifier = SpecifierSet(text)
            except InvalidSpecifier as error:
                specifier = Unavailable(f"invalid Requires-Python {text!r}: {error}")
            _python_specifiers[text] = specifier
        if isinstance(specifier, Unavailable):
            return specifier
        return CoreMetadata(tuple(requirements), specifier, text)
    return CoreMetadata(tuple(requirements), None)
