"""The index options every resolving command takes, and how they combine with the files' own.

Apart from pip_sync_options.py, so that pip-compile does not import pip-sync's settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from puffin.client.index_strategy import IndexStrategy
from puffin.client.keyring import KeyringProvider

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
