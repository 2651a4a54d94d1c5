"""The values a requirements file parses into: requirement lines, their origins, the file."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from puffin.hashes import HashDigest
from puffin.names import ExtraName, PackageName
from puffin.requirements_txt_binary import BinaryPolicy

if TYPE_CHECKING:
    from packaging.markers import Marker
    from packaging.specifiers import SpecifierSet


class OriginKind(enum.Enum):
    """Whether a line came from a requirements file (`-r`) or a constraints file (`-c`)."""

    REQUIREMENT = "-r"
    CONSTRAINT = "-c"


@dataclass(frozen=True)
class Origin:
    """Where a requirement was written: `str()` gives pip's `-r req.txt (line 3)`."""

    path: str
    line: int
    kind: OriginKind

    def __str__(self) -> str:
        return f"{self.kind.value} {self.path} (line {self.line})"

    @property
    def via(self) -> str:
        """The `# via` source pip-compile writes for a line of this file: `-r req.in`."""
        return f"{self.kind.value} {self.path}"


@dataclass(frozen=True)
class RequirementLine:
    """One requirement (or constraint) line, parsed but with its marker not yet evaluated."""

    origin: Origin
    name: PackageName | None
    extras: frozenset[ExtraName]
    specifier: SpecifierSet
    marker: Marker | None
    url: str | None
    given: str | None
    editable: bool
    hashes: tuple[HashDigest, ...]
    config_settings: tuple[tuple[str, str], ...]

    def is_pinned(self) -> bool:
        """True when the specifier is exactly one `==`/`===` without a wildcard."""
        specifiers = list(self.specifier)
        if len(specifiers) != 1:
            return False
        only = specifiers[0]
        return only.operator in ("==", "===") and not only.version.endswith(".*")

    def applies_to(self, environment: Mapping[str, str]) -> bool:
        """Evaluate the marker; a requirements file has no extra, so `extra` is empty."""
        if self.marker is None:
            return True
        return self.marker.evaluate({**environment, "extra": ""})


@dataclass(frozen=True)
class RequirementsTxt:
    """A requirements file with everything it includes, and the options it sets."""

    requirements: tuple[RequirementLine, ...]
    constraints: tuple[RequirementLine, ...]
    index_url: str | None
    extra_index_urls: tuple[str, ...]
    find_links: tuple[str, ...]
    no_index: bool
    binary_policy: BinaryPolicy
    prefer_binary: bool
    pre: bool
    require_hashes: bool
    trusted_hosts: tuple[str, ...]
    warnings: tuple[str, ...]

    @classmethod
    def of_requirements(
        cls, requirements: Sequence[RequirementLine], warnings: Sequence[str] = ()
    ) -> RequirementsTxt:
        """Requirements that come with no file options (command-line arguments, pyproject)."""
        return cls(
            requirements=tuple(requirements),
            constraints=(),
            index_url=None,
            extra_index_urls=(),
            find_links=(),
            no_index=False,
            binary_policy=BinaryPolicy(),
            prefer_binary=False,
            pre=False,
            require_hashes=False,
            trusted_hosts=(),
            warnings=tuple(warnings),
        )
