"""`puffin pip-install`: options, then pip-sync's summary with the resolution's line first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from puffin.cli.common import (
    common_options,
    index_options,
    install_options,
    run_command,
    shared_cache,
    target_python_option,
)
from puffin.cli.output import Printer, format_duration, plural
from puffin.cli.pip_sync import (
    print_sync_result,
    progress_reporter,
    sync_options_from,
)

if TYPE_CHECKING:
    pass


@click.command("pip-install")
@click.argument("packages", nargs=-1)
@click.option(
    "-r",
    "--requirement",
    "requirement_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Install the requirements of this file (repeatable).",
)
@click.option(
    "-e",
    "--editable",
    "editables",
    multiple=True,
    help="Install this project directory (or VCS URL) in editable mode (repeatable).",
)
@click.option(
    "-c",
    "--constraint",
    "constraint_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Constrain versions with this file (repeatable).",
)
@click.option(
    "--override",
    "override_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Replace every requirement on a package by this file's (repeatable).",
)
@target_python_option
@index_options
@click.option(
    "-U", "--upgrade", is_flag=True, help="Upgrade every package to the newest allowed version."
)
@click.option(
    "-P", "--upgrade-package", multiple=True, help="Upgrade this package only (repeatable)."
)
@click.option("--reinstall", is_flag=True, help="Reinstall every package of the resolution.")
@click.option("--reinstall-package", multiple=True, help="Reinstall this package (repeatable).")
@click.option("--no-deps", is_flag=True, help="Install the requirements alone, no dependencies.")
@install_options
@click.option("--pre", is_flag=True, help="Allow pre-releases.")
@click.option(
    "--prerelease",
    type=click.Choice(
        ["disallow", "allow", "if-necessary", "explicit", "if-necessary-or-explicit"]
    ),
    default=None,
    help="When pre-releases may be chosen (default: if-necessary-or-explicit).",
)
@common_options
@run_command
def pip_install_command(packages: tuple[str, ...], **options: Any) -> None:
    """Install packages into an environment.

    Changes only what the request needs: installed packages that fit are kept, and nothing
    is uninstalled except to be replaced. Takes package requirements, -r files and -e
    projects; the environment is $VIRTUAL_ENV, then ./.venv.

    \b
    Examples:
      puffin pip-install requests 'flask>=3'
      puffin pip-install -r requirements.txt -c constraints.txt
      puffin pip-install -e ./my-project
      puffin pip-install --upgrade-package requests requests
    """
    from puffin.commands.pip_install import InstallOptions, pip_install
    from puffin.errors import UsageError
    from puffin.names import normalize_name
    from puffin.resolver.candidate_selector import PrereleaseMode

    if not (packages or options["requirement_files"] or options["editables"]):
        raise UsageError("Nothing to install: name a package, -r FILE or -e PATH")
    printer = Printer(options["quiet"])
    install_options = InstallOptions(
        sync=sync_options_from(options, tuple(options["requirement_files"])),
        packages=packages,
        editables=tuple(options["editables"]),
        constraint_files=tuple(options["constraint_files"]),
        override_files=tuple(options["override_files"]),
        upgrade=options["upgrade"],
        upgrade_packages=frozenset(normalize_name(n) for n in options["upgrade_package"]),
        no_deps=options["no_deps"],
        prerelease=PrereleaseMode(options["prerelease"]) if options["prerelease"] else None,
    )
    reporter = progress_reporter(options["quiet"])
    try:
        with shared_cache(options, printer) as cache:
            result = pip_install(install_options, cache, reporter)
    finally:
        reporter.close()
    for warning in result.warnings:
        printer.warning(warning)
    if result.resolved is not None:
        elapsed = format_duration(result.resolve_seconds)
        printer.info(printer.dim(f"Resolved {plural(result.resolved, 'package')} in {elapsed}"))
    print_sync_result(printer, result)
    for broken in result.broken:
        printer.warning(broken)
