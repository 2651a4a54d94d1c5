"""The CLI reference (docs/cli-reference.md), generated from the click commands themselves.

`python -m puffin.cli.reference > docs/cli-reference.md` rewrites it; a test fails when the file
and the commands disagree, so the reference never drifts from what `--help` says.
"""

from __future__ import annotations

import click

from puffin.cli.main import cli

_HEADER = """\
# puffin command-line reference

Generated from the commands' own help by `python -m puffin.cli.reference`; do not edit by hand.
"""


def render() -> str:
    """The whole reference: the top-level help, then each command (and subcommand) in turn."""
    sections = [_HEADER]
    sections += _sections(cli, ["puffin"])
    return "\n".join(sections)


def _sections(
    command: click.Command, path: list[str], parent: click.Context | None = None
) -> list[str]:
    name = " ".join(path)
    # As `puffin ... --help` builds it: the group's settings (`-h`) reach the subcommands.
    ctx = click.Context(
        command,
        parent=parent,
        info_name=path[-1],
        terminal_width=100,
        max_content_width=100,
        **command.context_settings,
    )
    help_text = command.get_help(ctx)
    title = "#" * min(len(path) + 1, 4)
    result = [f"{title} `{name}`\n\n```\n{help_text}\n```\n"]
    if isinstance(command, click.Group):
        for sub_name in sorted(command.list_commands(ctx)):
            sub = command.get_command(ctx, sub_name)
            if sub is not None and not sub.hidden:
                result += _sections(sub, [*path, sub_name], ctx)
    return result


if __name__ == "__main__":
    click.echo(render(), nl=False)
