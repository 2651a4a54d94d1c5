"""`puffin pip-sync`: options, then the summary a user reads."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import click

from puffin.cli.common import (
    common_options,
    index_options,
    index_options_from,
    install_options,
    run_command,
    shared_cache,
    target_python_option,
)
from puffin.cli.output import Printer, format_duration, plural
from puffin.traits import SilentReporter

if TYPE_CHECKING:
    from puffin.commands.pip_sync_options import SyncOptions


@click.command("pip-sync")
@click.argument("src_files", nargs=-1, type=click.Path(dir_okay=False))
@target_python_option
@index_options
@install_options
@click.option("--reinstall", is_flag=True, help="Reinstall every listed package.")
@click.option("--reinstall-package", multiple=True, help="Reinstall this package (repeatable).")
@click.option("--pre", is_flag=True, help="Allow pre-releases for unpinned lines.")
@common_options
@run_command
def pip_sync_command(src_files: tuple[str, ...], **options: Any) -> None:
    """Make an environment match requirement files.

    Installs what is missing, reinstalls what is at another version or from another
    source, and uninstalls everything the files do not list. The files default to
    requirements.txt; the environment to $VIRTUAL_ENV, then ./.venv.

    \b
    Examples:
      puffin pip-sync requirements.txt
      puffin pip-sync requirements.txt dev-requirements.txt
      puffin pip-sync --dry-run --python .venv/bin/python requirements.txt
    """
    from puffin.commands.pip_sync import pip_sync

    printer = Printer(options["quiet"])
    files = src_files or ("requirements.txt",)
    sync_options = sync_options_from(options, files)
    reporter = progress_reporter(options["quiet"])
    try:
        with shared_cache(options, printer) as cache:
            result = pip_sync(sync_options, cache, reporter)
    finally:
        reporter.close()
    for warning in result.warnings:
        printer.warning(warning)
    print_sync_result(printer, result)


def sync_options_from(
    options: Mapping[str, Any], requirement_files: tuple[str, ...]
) -> SyncOptions:
    """The SyncOptions of pip-sync's options (pip-install shares them)."""
    from puffin.commands.pip_sync_options import SyncOptions
    from puffin.installer.link_mode import LinkMode
    from puffin.names import normalize_name

    return SyncOptions(
        requirement_files=requirement_files,
        python=options["python"],
        index=index_options_from(options),
        offline=options["offline"],
        refresh=options["refresh"],
        refresh_packages=frozenset(normalize_name(n) for n in options["refresh_package"]),
        link_mode=LinkMode(options["link_mode"]) if options["link_mode"] else None,
        reinstall=options["reinstall"],
        reinstall_packages=frozenset(normalize_name(n) for n in options["reinstall_package"]),
        dry_run=options["dry_run"],
        require_hashes=options["require_hashes"],
        compile_bytecode=options["compile_bytecode"],
        no_binary=split_commas(options["no_binary"]),
        only_binary=split_commas(options["only_binary"]),
        no_build=options["no_build"],
        no_build_isolation=options["no_build_isolation"],
        prerelease=options["pre"],
    )


def split_commas(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


class _QuietReporter(SilentReporter):
    def close(self) -> None:
        pass


def progress_reporter(quiet: int) -> Any:
    if quiet or not sys.stderr.isatty():
        return _QuietReporter()
    from puffin.cli.lazy_progress import LazyProgressReporter

    return LazyProgressReporter()


def print_sync_result(printer: Printer, result: Any) -> None:
    elapsed = format_duration(result.elapsed_seconds)
    if not result.installed and not result.uninstalled:
        printer.info(printer.dim(f"Audited {plural(result.audited, 'package')} in {elapsed}"))
        return
    verb = "Would " if result.dry_run else ""
    if result.uninstalled:
        word = "uninstall" if result.dry_run else "Uninstalled"
        printer.info(f"{verb}{word} {plural(len(result.uninstalled), 'package')}")
    if result.installed:
        word = "install" if result.dry_run else "Installed"
        suffix = "" if result.dry_run else f" in {elapsed}"
        printer.info(f"{verb}{word} {plural(len(result.installed), 'package')}{suffix}")
    lines = [(c.name, 0, printer.removed(f" - {c.name}=={c.version}")) for c in result.uninstalled]
    lines += [(c.name, 1, printer.added(f" + {c.name}=={c.version}")) for c in result.installed]
    for _name, _order, text in sorted(lines):
        printer.info(text)
