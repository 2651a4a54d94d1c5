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


def header_fields(metadata: bytes, wanted: frozenset[str]) -> dict[str, list[str]]:
    """The values of the header fields named in `wanted` (lower case), in file order."""
    text = metadata.decode("utf-8", errors="surrogateescape")
    return read_fields(text.splitlines(), wanted)


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
