"""`--no-binary` / `--only-binary` folded into one policy: may a package use wheels, sdists?"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from puffin.names import normalize_name

ALL = ":all:"
NONE = ":none:"


class BinaryOption(enum.Enum):
    """The two options that restrict which distribution formats may be used."""

    NO_BINARY = "--no-binary"
    ONLY_BINARY = "--only-binary"


@dataclass(frozen=True)
class BinaryPolicy:
    """The state left by a sequence of `--no-binary` / `--only-binary` values, in pip's order.

    The directives are kept so that `then()` can replay a later file's options on top of an
    earlier one exactly as pip would have read them one after the other (`:none:` and
    `:all:` clear what came before, so the final sets alone cannot be merged).
    """

    directives: tuple[tuple[BinaryOption, str], ...] = field(default=(), compare=False)
    no_binary: frozenset[str] = field(init=False)
    only_binary: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        no_binary: set[str] = set()
        only_binary: set[str] = set()
        for option, value in self.directives:
            if option is BinaryOption.NO_BINARY:
                _apply(value, no_binary, only_binary)
            else:
                _apply(value, only_binary, no_binary)
        object.__setattr__(self, "no_binary", frozenset(no_binary))
        object.__setattr__(self, "only_binary", frozenset(only_binary))

    def with_option(self, option: BinaryOption, value: str) -> BinaryPolicy:
        """Add one option's value (a comma list of names, `:all:`, `:none:`); ValueError if bad."""
        if not value or value.startswith("-"):
            raise ValueError(f"{option.value} option requires 1 argument")
        return BinaryPolicy((*self.directives, (option, value)))

    def then(self, later: BinaryPolicy) -> BinaryPolicy:
        """This policy with a later one's options read after it (several `-r` files)."""
        if not later.directives:
            return self
        return BinaryPolicy(self.directives + later.directives)

    def allows_wheel(self, name: str) -> bool:
        """May a wheel be used for this package?"""
        return self._restriction(name) is not BinaryOption.NO_BINARY

    def allows_sdist(self, name: str) -> bool:
        """May a source distribution be used for this package?"""
        return self._restriction(name) is not BinaryOption.ONLY_BINARY

    def _restriction(self, name: str) -> BinaryOption | None:
        # pip's precedence: a named package beats `:all:`, and at the same level
        # --only-binary beats --no-binary.
        if not self.no_binary and not self.only_binary:
            return None
        key = normalize_name(name)
        if key in self.only_binary:
            return BinaryOption.ONLY_BINARY
        if key in self.no_binary:
            return BinaryOption.NO_BINARY
        if ALL in self.only_binary:
            return BinaryOption.ONLY_BINARY
        if ALL in self.no_binary:
            return BinaryOption.NO_BINARY
        return None


def _apply(value: str, target: set[str], other: set[str]) -> None:
    items = value.split(",")
    while ALL in items:
        # `:all:` replaces every earlier choice of both options; only a later `:none:`
        # lets the names after it count again.
        other.clear()
        target.clear()
        target.add(ALL)
        items = items[items.index(ALL) + 1 :]
        if NONE not in items:
            return
    for item in items:
        item = item.strip()
        if item == NONE:
            target.clear()
        elif item:
            name = normalize_name(item)
            other.discard(name)
            target.add(name)
