"""Digests as users write them in requirement files and as indexes send them."""

from __future__ import annotations

import hashlib

import pytest

from puffin.hashes import HashAlgorithm, HashDigest, MultiHasher, first_mismatch

SHA256_EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_parse_accepts_both_separators_and_normalizes_case() -> None:
    assert HashDigest.parse(f"sha256:{SHA256_EMPTY.upper()}") == HashDigest(
        HashAlgorithm.SHA256, SHA256_EMPTY
    )
    assert str(HashDigest.parse(f"sha256={SHA256_EMPTY}")) == f"sha256:{SHA256_EMPTY}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("md5:abc", "unsupported hash algorithm 'md5' (allowed: sha256, sha384, sha512)"),
        ("sha256:abc", "'sha256:abc' is not a valid sha256 digest"),
        ("nohash", "expected ALGORITHM:HEX, got 'nohash'"),
    ],
)
def test_parse_rejects_with_reason(text: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        HashDigest.parse(text)
    assert str(info.value) == message


def test_multihasher_streams_every_algorithm() -> None:
    hasher = MultiHasher({HashAlgorithm.SHA256, HashAlgorithm.SHA512})
    hasher.update(b"")
    digests = hasher.digests()
    assert HashDigest(HashAlgorithm.SHA256, SHA256_EMPTY) in digests
    assert {d.algorithm for d in digests} == {HashAlgorithm.SHA256, HashAlgorithm.SHA512}


def test_first_mismatch_passes_when_any_allowed_digest_matches() -> None:
    good = HashDigest(HashAlgorithm.SHA256, SHA256_EMPTY)
    bad = HashDigest(HashAlgorithm.SHA256, "0" * 64)
    assert first_mismatch((bad, good), (good,)) is None
    assert first_mismatch((bad,), (good,)) == good
    assert first_mismatch((), (good,)) is None


@pytest.mark.parametrize("algorithm", ["sha256", "sha384", "sha512"])
def test_every_algorithm_takes_its_own_digest_length_and_no_other(algorithm: str) -> None:
    digest = hashlib.new(algorithm, b"puffin").hexdigest()
    assert str(HashDigest.parse(f"{algorithm}:{digest}")) == f"{algorithm}:{digest}"
    with pytest.raises(ValueError, match="is not a valid"):
        HashDigest.parse(f"{algorithm}:{digest[:-1]}")
