"""`puffin generate-shell-completion SHELL`: print a script that completes puffin in that shell."""

from __future__ import annotations

import click

# The variable click's completion protocol reads: the script sets it and runs `puffin`, which
# answers with the completions for the words it is given instead of running a command.
COMPLETE_VARIABLE = "_PUFFIN_COMPLETE"
SHELLS = ("bash", "zsh", "fish")


@click.command("generate-shell-completion")
@click.argument("shell", type=click.Choice(SHELLS), metavar="SHELL")
def completion_command(shell: str) -> None:
    """Print a shell completion script.

    SHELL is bash, zsh or fish. The script asks `puffin` itself for the commands, options
    and choices that fit, so it stays right when puffin changes. Load it from your shell's
    start-up file (for zsh, after `compinit`).

    \b
    Examples:
      puffin generate-shell-completion bash >> ~/.bashrc
      puffin generate-shell-completion zsh >> ~/.zshrc
      puffin generate-shell-completion fish > ~/.config/fish/completions/puffin.fish
    """
    from click.shell_completion import BashComplete, FishComplete, ShellComplete, ZshComplete

    classes: dict[str, type[ShellComplete]] = {
        "bash": BashComplete,
        "zsh": ZshComplete,
        "fish": FishComplete,
    }
    root = click.get_current_context().find_root()
    script = classes[shell](root.command, {}, "puffin", COMPLETE_VARIABLE).source()
    click.echo(script, nl=not script.endswith("\n"))
