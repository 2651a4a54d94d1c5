"""The settings of a pip-sync run, as the command line and config give them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from puffin.client.index_strategy import IndexStrategy
from puffin.client.keyring import KeyringProvider
from puffin.installer.link_mode import LinkMode
from puffin.names import PackageName

if TYPE_CHECKING:
    from puffin.client.registry import IndexSettings
    from puffin.requirements_txt import RequirementsTxt

DEFAULT_INDEX_URL = "https://pypi.org/simple"


@dataclass(frozen=True)
class IndexOptions:
    """Index settings from the command line; they override or extend the files' own."""

    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    no_index: bool = False
    index_strategy: IndexStrategy = IndexStrategy.FIRST_INDEX
    keyring_provider: KeyringProvider = KeyringProvider.DISABLED


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


def index_settings(options: IndexOptions, requirements: RequirementsTxt) -> IndexSettings:
    """Command-line index options win over the files' `-i`; extra indexes and links add up."""
    # Here, not at the top: a no-op pip-sync imports this module but never the client.
    from puffin.client.registry import IndexSettings

    return IndexSettings(
        index_url=options.index_url or requirements.index_url or DEFAULT_INDEX_URL,
        extra_index_urls=tuple(
            dict.fromkeys((*requirements.extra_index_urls, *options.extra_index_urls))
        ),
        find_links=tuple(dict.fromkeys((*requirements.find_links, *options.find_links))),
        no_index=options.no_index or requirements.no_index,
        strategy=options.index_strategy,
        keyring_provider=options.keyring_provider,
    )
