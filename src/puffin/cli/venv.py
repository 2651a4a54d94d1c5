"""`puffin venv`: create a virtualenv fast."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from puffin.cli.common import (
    common_options,
    index_options,
    index_options_from,
    run_command,
    shared_cache,
)
from puffin.cli.output import Printer


@click.command("venv")
@click.argument("path", default=".venv", type=click.Path(file_okay=False))
@click.option("-p", "--python", help="Base interpreter: a path or X.Y (default: python3 on PATH).")
@click.option("--seed", is_flag=True, help="Install pip (and setuptools, wheel before 3.12).")
@click.option("--prompt", help="Prompt shown by the activation scripts.")
@click.option("--system-site-packages", is_flag=True, help="See the base's site-packages.")
@index_options
@common_options
@run_command
def venv_command(path: str, **options: Any) -> None:
    """Create a virtual environment.

    PATH defaults to .venv. Nothing is installed into it unless --seed asks for pip.

    \b
    Examples:
      puffin venv
      puffin venv .venv --python 3.12
      puffin venv --seed --prompt myproject
    """
    from puffin.commands.venv import venv
    from puffin.traits import SilentReporter

    printer = Printer(options["quiet"])
    with shared_cache(options, printer) as cache:
        result = venv(
            Path(path),
            python=options["python"],
            seed=options["seed"],
            prompt=options["prompt"],
            system_site_packages=options["system_site_packages"],
            cache=cache,
            reporter=SilentReporter(),
            index=index_options_from(options),
        )
    version = ".".join(str(part) for part in result.base.version)
    printer.info(f"Using CPython {version} interpreter at: {result.base.executable}")
    printer.info(f"Creating virtual environment at: {path}")
    for line in result.seeded:
        printer.info(printer.added(f" + {line}"))
    printer.info(printer.dim(f"Activate with: source {path}/bin/activate"))
