"""`puffin pip-uninstall`: options, then what was removed in pip-sync's words."""

from __future__ import annotations

from typing import Any

import click

from puffin.cli.common import (
    common_options,
    run_command,
    shared_cache,
    target_python_option,
)
from puffin.cli.output import Printer, format_duration, plural


@click.command("pip-uninstall")
@click.argument("packages", nargs=-1)
@click.option(
    "-r",
    "--requirement",
    "requirement_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Uninstall the packages this file names (repeatable).",
)
@target_python_option
@click.option("-n", "--dry-run", is_flag=True, help="Show what would be removed; remove nothing.")
@common_options
@run_command
def pip_uninstall_command(packages: tuple[str, ...], **options: Any) -> None:
    """Uninstall packages from an environment.

    Their dependencies stay. A package that is not installed is skipped with a warning.

    \b
    Examples:
      puffin pip-uninstall requests
      puffin pip-uninstall -r requirements.txt
    """
    from puffin.commands.pip_uninstall import UninstallOptions, pip_uninstall
    from puffin.errors import UsageError

    if not (packages or options["requirement_files"]):
        raise UsageError("Nothing to uninstall: name a package or -r FILE")
    printer = Printer(options["quiet"])
    uninstall_options = UninstallOptions(
        packages=packages,
        requirement_files=tuple(options["requirement_files"]),
        python=options["python"],
        dry_run=options["dry_run"],
    )
    with shared_cache(options, printer) as cache:
        result = pip_uninstall(uninstall_options, cache)
    for warning in result.warnings:
        printer.warning(warning)
    for name in result.not_installed:
        printer.warning(f"Skipping {name} as it is not installed")
    if not result.uninstalled:
        printer.warning("No packages to uninstall")
        return
    count = plural(len(result.uninstalled), "package")
    if result.dry_run:
        printer.info(f"Would uninstall {count}")
    else:
        printer.info(f"Uninstalled {count} in {format_duration(result.elapsed_seconds)}")
    for change in result.uninstalled:
        printer.info(printer.removed(f" - {change.name}=={change.version}"))
