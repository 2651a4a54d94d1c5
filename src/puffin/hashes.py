"""File digests as users write them (`sha256:hex`) and as indexes send them."""

from __future__ import annotations

import enum
import hashlib
import re
from dataclasses import dataclass

_HEX = re.compile("[0-9a-f]+")


class HashAlgorithm(enum.Enum):
    """The digest algorithms pip accepts in hash-checking mode (md5 and sha1 are refused)."""

    SHA256 = "sha256"
    SHA384 = "sha384"
    SHA512 = "sha512"


_BY_NAME = {algorithm.value: algorithm for algorithm in HashAlgorithm}
# Hex digits per digest; asking hashlib for a hasher's digest_size cost a hasher per parse.
_HEX_LENGTHS = {HashAlgorithm.SHA256: 64, HashAlgorithm.SHA384: 96, HashAlgorithm.SHA512: 128}


@dataclass(frozen=True)
class HashDigest:
    """One digest of a file: an algorithm and its lowercase hex value."""

    algorithm: HashAlgorithm
    hex: str

    @classmethod
    def parse(cls, text: str) -> HashDigest:
        """Parse `sha256:abc…` or `sha256=abc…`; raise ValueError with the reason."""
        for separator in (":", "="):
            algorithm, found, value = text.partition(separator)
            if found:
                break
        else:
            raise ValueError(f"expected ALGORITHM:HEX, got {text!r}")
        algo = _BY_NAME.get(algorithm.strip().lower())
        if algo is None:
            allowed = ", ".join(a.value for a in HashAlgorithm)
            raise ValueError(f"unsupported hash algorithm {algorithm!r} (allowed: {allowed})")
        value = value.strip().lower()
        if len(value) != _HEX_LENGTHS[algo] or not _HEX.fullmatch(value):
            raise ValueError(f"{text!r} is not a valid {algo.value} digest")
        return cls(algo, value)

    def __str__(self) -> str:
        return f"{self.algorithm.value}:{self.hex}"


class MultiHasher:
    """Feeds the same bytes to several algorithms, so a download is hashed while it streams."""

    def __init__(self, algorithms: frozenset[HashAlgorithm] | set[HashAlgorithm]) -> None:
        self._hashers = {algo: hashlib.new(algo.value) for algo in algorithms}

    def update(self, data: bytes) -> None:
        for hasher in self._hashers.values():
            hasher.update(data)

    def digests(self) -> tuple[HashDigest, ...]:
        return tuple(
            HashDigest(algo, self._hashers[algo].hexdigest())
            for algo in sorted(self._hashers, key=lambda a: a.value)
        )


def first_mismatch(
    allowed: tuple[HashDigest, ...], actual: tuple[HashDigest, ...]
) -> HashDigest | None:
    """Return None if any actual digest is allowed, else the digest to report as wrong.

    The allowed set is grouped by algorithm; a file passes when one of its digests appears
    among the allowed ones (pip's rule: any allowed hash of any algorithm matches).
    """
    if not allowed:
        return None
    allowed_set = set(allowed)
    if any(digest in allowed_set for digest in actual):
        return None
    wanted = {d.algorithm for d in allowed}
    for digest in actual:
        if digest.algorithm in wanted:
            return digest
    return actual[0] if actual else None
