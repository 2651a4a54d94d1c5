"""The `puffin` command line: click commands that call `commands/` and render the results."""

from __future__ import annotations

import click

from puffin import __version__
from puffin.cli.settings import install_settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="puffin")
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    envvar="PUFFIN_COLOR",
    show_envvar=True,
    help="Colour output: auto (a terminal, unless NO_COLOR), always or never.",
)
def cli(color: str) -> None:
    """A fast Python package installer and resolver with pip-tools' interface."""
    from puffin.cli.output import set_color_choice

    set_color_choice(color)


def _register() -> None:
    from puffin.cli.clean import cache_group, clean_command
    from puffin.cli.completion import completion_command
    from puffin.cli.inspect import (
        pip_check_command,
        pip_freeze_command,
        pip_list_command,
        pip_show_command,
        pip_tree_command,
    )
    from puffin.cli.pip_compile import pip_compile_command
    from puffin.cli.pip_install import pip_install_command
    from puffin.cli.pip_sync import pip_sync_command
    from puffin.cli.pip_uninstall import pip_uninstall_command
    from puffin.cli.venv import venv_command

    cli.add_command(cache_group)
    cli.add_command(clean_command)
    cli.add_command(completion_command)
    cli.add_command(pip_check_command)
    cli.add_command(pip_compile_command)
    cli.add_command(pip_freeze_command)
    cli.add_command(pip_install_command)
    cli.add_command(pip_list_command)
    cli.add_command(pip_show_command)
    cli.add_command(pip_sync_command)
    cli.add_command(pip_tree_command)
    cli.add_command(pip_uninstall_command)
    cli.add_command(venv_command)


_register()
# After registration, so every command's options get their PUFFIN_* variable and file key.
install_settings(cli)


def main() -> None:
    cli.main(prog_name="puffin")
