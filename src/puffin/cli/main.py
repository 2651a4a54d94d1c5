"""The `puffin` command line: click commands that call `commands/` and render the results."""

from __future__ import annotations

import gc
import importlib

import click

from puffin import __version__
from puffin.cli.settings import install_settings

# Each command's module and attribute. A module is imported when its command is looked up (to
# run it, or for --help and completion), so a run pays only for its own command's imports.
_COMMANDS = {
    "cache": ("puffin.cli.clean", "cache_group"),
    "clean": ("puffin.cli.clean", "clean_command"),
    "generate-shell-completion": ("puffin.cli.completion", "completion_command"),
    "pip-check": ("puffin.cli.inspect", "pip_check_command"),
    "pip-compile": ("puffin.cli.pip_compile", "pip_compile_command"),
    "pip-freeze": ("puffin.cli.inspect", "pip_freeze_command"),
    "pip-install": ("puffin.cli.pip_install", "pip_install_command"),
    "pip-list": ("puffin.cli.inspect", "pip_list_command"),
    "pip-show": ("puffin.cli.inspect", "pip_show_command"),
    "pip-sync": ("puffin.cli.pip_sync", "pip_sync_command"),
    "pip-tree": ("puffin.cli.inspect", "pip_tree_command"),
    "pip-uninstall": ("puffin.cli.pip_uninstall", "pip_uninstall_command"),
    "venv": ("puffin.cli.venv", "venv_command"),
}


class _LazyGroup(click.Group):
    """A group whose commands are imported from `_COMMANDS` when first looked up."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            # An unknown name loads every command: click's "Did you mean ...?" looks for close
            # names in self.commands.
            for name in [cmd_name] if cmd_name in _COMMANDS else _COMMANDS:
                self._load(name)
        return self.commands.get(cmd_name)

    def _load(self, name: str) -> None:
        if name in self.commands:
            return
        module, attribute = _COMMANDS[name]
        command: click.Command = getattr(importlib.import_module(module), attribute)
        install_settings(command)  # its PUFFIN_* variables, as the group's own got theirs below
        self.add_command(command, name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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


# The group's own options; a command's get theirs when it is loaded (_LazyGroup._load).
install_settings(cli)


def main() -> None:
    # A run is seconds long and frees nearly everything it makes at exit: collecting cycles
    # as it goes cost 6-7% of a cold resolve (~100 ms of slow.in's, 300 ms of boto3.in's)
    # for a few MB at most. mypy sets the same thresholds for the same reason.
    gc.set_threshold(200_000, 30, 30)
    cli.main(prog_name="puffin")
