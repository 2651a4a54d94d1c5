"""A generic PubGrub version solver: packages are any hashable value, versions are PEP 440.

`report.py`, which explains a failure, is imported when NoSolution is raised, not from here.
"""

from __future__ import annotations

from puffin.resolver.pubgrub.incompatibility import (
    Cause,
    DependencyCause,
    DerivedCause,
    Incompatibility,
    NoVersionsCause,
    RootCause,
    UnavailableCause,
)
from puffin.resolver.pubgrub.provider import AsyncProvider, Provider, Unavailable
from puffin.resolver.pubgrub.solver import Cancelled, NoSolution, solve, solve_async
from puffin.resolver.pubgrub.term import Relation, Term

__all__ = [
    "AsyncProvider",
    "Cancelled",
    "Cause",
    "DependencyCause",
    "DerivedCause",
    "Incompatibility",
    "NoSolution",
    "NoVersionsCause",
    "Provider",
    "Relation",
    "RootCause",
    "Term",
    "Unavailable",
    "UnavailableCause",
    "solve",
    "solve_async",
]
