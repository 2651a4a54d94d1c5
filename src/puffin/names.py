"""Normalized package and extra names (PEP 503 / PEP 685)."""

from __future__ import annotations

from typing import NewType

from packaging.utils import canonicalize_name

PackageName = NewType("PackageName", str)
ExtraName = NewType("ExtraName", str)


def normalize_name(name: str) -> PackageName:
    """Return the PEP 503 normalized form of a distribution name."""
    return PackageName(canonicalize_name(name))


def normalize_extra(extra: str) -> ExtraName:
    """Return the PEP 685 normalized form of an extra name."""
    return ExtraName(canonicalize_name(extra))
