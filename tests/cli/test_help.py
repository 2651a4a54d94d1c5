"""Every command's help shows an example of itself, and shell completion works in a real shell."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from puffin.cli.main import cli
from tests.support.run import run_puffin


def _commands(
    command: click.Command, path: tuple[str, ...], parent: click.Context | None
) -> Iterator[tuple[str, click.Command, click.Context]]:
    """Every registered command and group below the root, with the context `--help` uses."""
    # 80 columns: what click uses off a terminal, and a common terminal width.
    ctx = click.Context(
        command, parent=parent, info_name=path[-1], terminal_width=80, max_content_width=80
    )
    if parent is not None:
        yield " ".join(path[1:]), command, ctx
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None
            yield from _commands(sub, (*path, name), ctx)


COMMANDS = {name: (command, ctx) for name, command, ctx in _commands(cli, ("puffin",), None)}


def _example_lines(help_text: str) -> list[str]:
    """The lines of the `Example:`/`Examples:` block of a rendered help."""
    lines = help_text.splitlines()
    heads = [i for i, line in enumerate(lines) if line.strip() in ("Example:", "Examples:")]
    if not heads:
        return []
    block = []
    for line in lines[heads[0] + 1 :]:
        if not line.strip():
            break
        block.append(line.strip())
    return block


def test_the_walk_finds_nested_commands() -> None:
    assert {"pip-sync", "pip-compile", "cache", "cache prune", "cache dir"} <= set(COMMANDS)
    assert "generate-shell-completion" in COMMANDS


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_shows_an_example_of_itself(name: str) -> None:
    command, ctx = COMMANDS[name]
    examples = _example_lines(command.get_help(ctx))
    assert examples, f"`puffin {name} --help` has no Example: block"
    assert all(line.startswith("puffin ") for line in examples), examples
    assert any(line == f"puffin {name}" or line.startswith(f"puffin {name} ") for line in examples)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_summary_is_one_line_that_the_command_list_shows_whole(name: str) -> None:
    command, ctx = COMMANDS[name]
    summary = (command.help or "").split("\n\n")[0]
    assert summary and "\n" not in summary and summary.endswith(".")
    group_ctx = ctx.parent
    assert group_ctx is not None
    listing = group_ctx.command.get_help(group_ctx).splitlines()
    shown = next(line.split(None, 1)[1] for line in listing if line.split()[:1] == [ctx.info_name])
    assert shown == summary


def _puffin_on_path(tmp_path: Path) -> dict[str, str]:
    """An environment whose PATH starts with a `puffin` that runs this checkout's puffin, as
    the completion scripts call it by name."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "puffin"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m puffin "$@"\n')
    shim.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}


def _bash_complete(env: dict[str, str], script: Path, *words: str) -> list[str]:
    """What bash offers for TAB after `words` (the last one is being typed), through the
    function the generated script registered for `puffin`."""
    program = (
        f"source {script}\n"
        f"complete -p puffin >/dev/null || exit 3\n"
        f"COMP_WORDS=({' '.join(words)}); COMP_CWORD={len(words) - 1}\n"
        f'_puffin_completion puffin\nprintf "%s\\n" "${{COMPREPLY[@]}}"\n'
    )
    done = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", program],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return [line for line in done.stdout.splitlines() if line]


def test_bash_completes_commands_options_and_choices(tmp_path: Path) -> None:
    env = _puffin_on_path(tmp_path)
    generated = run_puffin("generate-shell-completion", "bash")
    assert generated.returncode == 0, generated.stderr
    script = tmp_path / "puffin.bash"
    script.write_text(generated.stdout)

    assert _bash_complete(env, script, "puffin", "pip-c") == ["pip-check", "pip-compile"]
    assert _bash_complete(env, script, "puffin", "pip-co") == ["pip-compile"]
    assert "--index-url" in _bash_complete(env, script, "puffin", "pip-sync", "--ind")
    assert _bash_complete(env, script, "puffin", "pip-sync", "--index-u") == ["--index-url"]
    assert _bash_complete(env, script, "puffin", "cache", "p") == ["prune"]
    assert _bash_complete(env, script, "puffin", "pip-sync", "--link-mode", "''") == [
        "clone",
        "hardlink",
        "copy",
        "symlink",
    ]


def test_zsh_and_fish_scripts_use_the_same_protocol(tmp_path: Path) -> None:
    zsh = run_puffin("generate-shell-completion", "zsh")
    fish = run_puffin("generate-shell-completion", "fish")
    assert (zsh.returncode, fish.returncode) == (0, 0)
    assert "_PUFFIN_COMPLETE=zsh_complete puffin" in zsh.stdout
    assert "compdef _puffin_completion puffin" in zsh.stdout
    assert "_PUFFIN_COMPLETE=fish_complete" in fish.stdout
    assert "complete --no-files --command puffin" in fish.stdout
    # What the scripts' calls get back from puffin (zsh and fish are not installed here).
    zsh_answer = run_puffin(
        env={"_PUFFIN_COMPLETE": "zsh_complete", "COMP_WORDS": "puffin pip-co", "COMP_CWORD": "1"}
    )
    fish_answer = run_puffin(
        env={
            "_PUFFIN_COMPLETE": "fish_complete",
            "COMP_WORDS": "puffin pip-sync --index-u",
            "COMP_CWORD": "--index-u",
        }
    )
    assert zsh_answer.stdout.splitlines()[:2] == ["plain", "pip-compile"]
    assert fish_answer.stdout.startswith("plain,--index-url\t")


def test_an_unknown_shell_is_a_usage_error() -> None:
    result = run_puffin("generate-shell-completion", "tcsh")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        "Error: Invalid value for 'SHELL': 'tcsh' is not one of 'bash', 'zsh', 'fish'."
    )
