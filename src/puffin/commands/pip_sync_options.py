"""The settings of a pip-sync run, as the command line and config give them."""

from __future__ import annotations

from dataclasses import dataclass, field

from puffin.commands.index_options import IndexOptions
from puffin.installer.link_mode import LinkMode
from puffin.names import PackageName


@dataclass(frozen=True)
class SyncOptions:
    requirement_files: tuple[str, ...]
    python: str | None = None
    index: IndexOptions = field(default_factory=IndexOptions)
    offline: bool = False
    refresh: bool = False
    refresh_packages: frozenset[PackageName] = frozenset()
    link_mode: LinkMode | None = None
    reinstall: bool = False
    reinstall_packages: frozenset[PackageName] = frozenset()
    dry_run: bool = False
    require_hashes: bool = False
    compile_bytecode: bool = False
    no_binary: tuple[str, ...] = ()
    only_binary: tuple[str, ...] = ()
    prerelease: bool = False
    no_build: bool = False  # never build: sdists and source trees are errors
    no_build_isolation: bool = False  # build in the target environment, installing nothing

    @property
    def refresh_scope(self) -> bool | frozenset[PackageName]:
        """--refresh (everything) or --refresh-package (those names)."""
        return self.refresh or self.refresh_packages
