"""`puffin clean [PKG...]`, `puffin cache clean|prune|dir`: empty, trim or locate the cache."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from puffin.cli.common import announce_wait, common_options, run_command
from puffin.cli.output import Printer, plural

if TYPE_CHECKING:
    from puffin.cache import Cache
    from puffin.cache.removal import Removal


def format_bytes(count: int) -> str:
    """`512B`, `3.4KiB`, `12.0MiB`: binary units, one decimal, as uv prints sizes."""
    if count < 1024:
        return f"{count}B"
    size = float(count)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        size /= 1024
        if size < 1024 or unit == "TiB":
            break
    return f"{size:.1f}{unit}"


def removal_summary(removal: Removal, *, suffix: str = "") -> str:
    """`Removed 12 files (3.4MiB)`: files when any went, else directories (`suffix` follows
    the count: ` for flask`)."""
    if removal.files:
        counted = plural(removal.files, "file")
    elif removal.directories == 1:
        counted = "1 directory"
    else:
        counted = f"{removal.directories} directories"
    size = f" ({format_bytes(removal.bytes)})" if removal.bytes else ""
    return f"Removed {counted}{suffix}{size}"


def _cache(options: dict[str, Any]) -> Cache:
    from puffin.cache import Cache

    return Cache.from_settings(options["cache_dir"], no_cache=options["no_cache"])


def _clean(packages: tuple[str, ...], options: dict[str, Any]) -> None:
    from puffin.commands.clean import clean_all, clean_packages
    from puffin.names import normalize_name

    printer = Printer(options["quiet"])
    cache = _cache(options)
    try:
        if packages:
            names = [normalize_name(package) for package in packages]
            results = clean_packages(cache, names, on_wait=announce_wait(printer))
            if results is None:
                printer.info(f"No cache found at: {cache.root}")
                return
            for result in results:
                if result.removal.empty:
                    printer.info(f"No cache entries found for {result.name}")
                else:
                    printer.info(removal_summary(result.removal, suffix=f" for {result.name}"))
            return
        removed = clean_all(cache, on_wait=announce_wait(printer))
    finally:
        cache.cleanup()
    if removed is None:
        printer.info(f"No cache found at: {cache.root}")
        return
    printer.info(f"Clearing cache at: {cache.root}")
    printer.info("No cache entries found" if removed.empty else removal_summary(removed))


_CLEAN_HELP = """Empty the cache, or only named packages.

\b
PKG entries are removed from every bucket: index pages, metadata, wheels (and the
unpacked trees only they use), and wheels built from sdists, URLs, git and paths.
Git clones and build environments are not one package's: plain `clean` removes them.

\b
Examples:
  puffin clean
  puffin clean flask requests
"""
_CACHE_CLEAN_HELP = _CLEAN_HELP.replace("  puffin clean", "  puffin cache clean")


@click.command("clean", help=_CLEAN_HELP)
@click.argument("packages", nargs=-1, metavar="[PKG]...")
@common_options
@run_command
def clean_command(packages: tuple[str, ...], **options: Any) -> None:
    _clean(packages, options)


@click.group("cache")
def cache_group() -> None:
    """Manage the cache: clean, prune, or locate it.

    \b
    Examples:
      puffin cache dir
      puffin cache prune
      puffin cache clean flask
    """


@cache_group.command("clean", help=_CACHE_CLEAN_HELP)
@click.argument("packages", nargs=-1, metavar="[PKG]...")
@common_options
@run_command
def cache_clean_command(packages: tuple[str, ...], **options: Any) -> None:
    _clean(packages, options)


@cache_group.command("prune")
@common_options
@run_command
def cache_prune_command(**options: Any) -> None:
    """Remove cache entries nothing uses.

    Unpacked wheels no link points to, replaced builds, interrupted build environments,
    other format versions' buckets, and temp directories over an hour old. Entries that a
    later run would use again stay.

    \b
    Example:
      puffin cache prune
    """
    from puffin.commands.clean import prune

    printer = Printer(options["quiet"])
    cache = _cache(options)
    try:
        removed = prune(cache, on_wait=announce_wait(printer))
    finally:
        cache.cleanup()
    if removed is None:
        printer.info(f"No cache found at: {cache.root}")
        return
    printer.info(f"Pruning cache at: {cache.root}")
    printer.info("No unused entries found" if removed.empty else removal_summary(removed))


@cache_group.command("dir")
@common_options
@run_command
def cache_dir_command(**options: Any) -> None:
    """Print the cache directory's absolute path.

    \b
    Examples:
      puffin cache dir
      puffin cache dir --cache-dir ./build-cache
    """
    cache = _cache(options)
    try:
        click.echo(str(cache.root))
    finally:
        cache.cleanup()
