"""`puffin pip-freeze`, `pip-list`, `pip-show`, `pip-check`, `pip-tree`: pip's output formats."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from puffin.cli.common import common_options, index_options, index_options_from, run_command
from puffin.cli.output import Printer

if TYPE_CHECKING:
    from puffin.cache import Cache
    from puffin.commands.inspect import Environment, OutdatedDistribution
    from puffin.installer.inspect import ListedDistribution, ShownDistribution

F = TypeVar("F", bound=Callable[..., Any])


def _python_option(func: F) -> F:
    return click.option(
        "-p",
        "--python",
        "python",
        help="Target interpreter: a path or X.Y (default: $VIRTUAL_ENV, then ./.venv).",
    )(func)


def _exclude_option(func: F) -> F:
    return click.option(
        "--exclude", multiple=True, metavar="NAME", help="Leave this package out (repeatable)."
    )(func)


def _with_environment(
    options: dict[str, Any], action: Callable[[Environment, Cache], None]
) -> None:
    """Find the target environment (with the interpreter cache), then run `action` on it."""
    from puffin.cache import Cache
    from puffin.commands.inspect import find_environment

    cache = Cache.from_settings(options["cache_dir"], no_cache=options["no_cache"])
    try:
        cache.init()
        action(find_environment(options["python"], cache), cache)
    finally:
        cache.cleanup()


def _write(lines: Sequence[str]) -> None:
    if lines:
        sys.stdout.write("\n".join(lines) + "\n")


@click.command("pip-freeze")
@_python_option
@_exclude_option
@click.option(
    "--all",
    "include_all",
    is_flag=True,
    help="Include pip (and, before Python 3.12, setuptools, wheel).",
)
@common_options
@run_command
def pip_freeze_command(**options: Any) -> None:
    """Print installed packages as requirements.

    The lines are the ones pip-sync reads back to recreate the environment.

    \b
    Examples:
      puffin pip-freeze > requirements.txt
      puffin pip-freeze --python /path/to/venv/bin/python --exclude setuptools
    """
    from puffin.commands.inspect import pip_freeze

    def action(environment: Environment, cache: Cache) -> None:
        _write(
            pip_freeze(environment, exclude=options["exclude"], include_all=options["include_all"])
        )

    _with_environment(options, action)


@click.command("pip-list")
@_python_option
@click.option(
    "--format",
    "list_format",
    type=click.Choice(["columns", "json", "freeze"]),
    default="columns",
    show_default=True,
    help="Output format.",
)
@click.option(
    "-o", "--outdated", is_flag=True, help="Only packages with a newer release on the index."
)
@click.option("-e", "--editable", "editable_only", is_flag=True, help="Only editable installs.")
@click.option("--exclude-editable", is_flag=True, help="Leave editable installs out.")
@_exclude_option
@click.option("--pre", is_flag=True, help="With --outdated, count pre-releases as newer releases.")
@index_options
@common_options
@run_command
def pip_list_command(**options: Any) -> None:
    """List installed packages.

    In columns, JSON or requirement lines; --outdated asks the index for newer releases.

    \b
    Examples:
      puffin pip-list
      puffin pip-list --outdated
      puffin pip-list --format json
    """
    from puffin.commands.inspect import pip_list, pip_list_outdated

    if options["outdated"] and options["list_format"] == "freeze":
        raise click.UsageError("List format 'freeze' cannot be used with the --outdated option.")
    if options["editable_only"] and options["exclude_editable"]:
        raise click.UsageError("--editable and --exclude-editable cannot be used together.")
    editable = True if options["editable_only"] else False if options["exclude_editable"] else None

    def action(environment: Environment, cache: Cache) -> None:
        rows = pip_list(environment, exclude=options["exclude"], editable=editable)
        if not options["outdated"]:
            _write(_listing(rows, options["list_format"]))
            return
        index = index_options_from(options)
        outdated = pip_list_outdated(environment, rows, cache, index, prerelease=options["pre"])
        _write(_outdated_listing(outdated, options["list_format"]))

    _with_environment(options, action)


def _columns(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """pip's table: a header, dashes as wide as each column, cells left-aligned, one space."""
    if not rows:
        return []
    table = [list(header), *(list(row) for row in rows)]
    widths = [max(len(row[column]) for row in table) for column in range(len(header))]
    table.insert(1, ["-" * width for width in widths])
    return [
        " ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in table
    ]


def _listing(rows: Sequence[ListedDistribution], list_format: str) -> list[str]:
    if list_format == "freeze":
        return [f"{row.display_name}=={row.version}" for row in rows]
    if list_format == "json":
        return [json.dumps([_json_row(row) for row in rows])]
    editables = any(row.editable_location is not None for row in rows)
    header = ["Package", "Version", *(["Editable project location"] if editables else [])]
    return _columns(
        header,
        [
            [row.display_name, row.version, *([row.editable_location or ""] if editables else [])]
            for row in rows
        ],
    )


def _json_row(row: ListedDistribution, extra: dict[str, str] | None = None) -> dict[str, str]:
    data = {"name": row.display_name, "version": row.version, **(extra or {})}
    if row.editable_location is not None:
        data["editable_project_location"] = row.editable_location
    return data


def _outdated_listing(rows: Sequence[OutdatedDistribution], list_format: str) -> list[str]:
    if list_format == "json":
        return [
            json.dumps(
                [
                    _json_row(
                        row.listed,
                        {
                            "latest_version": str(row.latest_version),
                            "latest_filetype": row.latest_filetype,
                        },
                    )
                    for row in rows
                ]
            )
        ]
    editables = any(row.listed.editable_location is not None for row in rows)
    header = ["Package", "Version", "Latest", "Type"]
    header += ["Editable project location"] if editables else []
    return _columns(
        header,
        [
            [
                row.listed.display_name,
                row.listed.version,
                str(row.latest_version),
                row.latest_filetype,
                *([row.listed.editable_location or ""] if editables else []),
            ]
            for row in rows
        ],
    )


@click.command("pip-show")
@click.argument("packages", nargs=-1, required=True)
@_python_option
@common_options
@run_command
def pip_show_command(packages: tuple[str, ...], **options: Any) -> None:
    """Show details of installed packages.

    Their metadata, location, what they require and what requires them.

    \b
    Examples:
      puffin pip-show requests
      puffin pip-show requests urllib3
    """
    from puffin.commands.inspect import pip_show

    found: list[ShownDistribution] = []

    def action(environment: Environment, cache: Cache) -> None:
        shown, missing = pip_show(environment, packages)
        found.extend(shown)
        if missing:
            Printer(options["quiet"]).warning(f"Package(s) not found: {', '.join(missing)}")
        blocks = ["\n".join(_show_lines(dist)) for dist in shown]
        _write(["\n---\n".join(blocks)] if blocks else [])

    _with_environment(options, action)
    if not found:  # pip fails only when none of the names is installed
        sys.exit(1)


def _show_lines(dist: ShownDistribution) -> list[str]:
    lines = [
        f"Name: {dist.name}",
        f"Version: {dist.version}",
        f"Summary: {dist.summary}",
        f"Home-page: {dist.home_page}",
        f"Author: {dist.author}",
        f"Author-email: {dist.author_email}",
        f"{dist.license_field}: {dist.license}",
        f"Location: {dist.location}",
    ]
    if dist.editable_location is not None:
        lines.append(f"Editable project location: {dist.editable_location}")
    lines.append(f"Requires: {', '.join(dist.requires)}")
    lines.append(f"Required-by: {', '.join(dist.required_by)}")
    return lines


@click.command("pip-check")
@_python_option
@common_options
@run_command
def pip_check_command(**options: Any) -> None:
    """Check installed packages' requirements.

    Exits with 1 when a package needs another that is missing or at a version it excludes.

    \b
    Examples:
      puffin pip-check
      puffin pip-check --python .venv/bin/python
    """
    from puffin.commands.inspect import pip_check

    broken: list[bool] = []

    def action(environment: Environment, cache: Cache) -> None:
        result = pip_check(environment)
        lines = [
            f"{item.name} {item.version} requires {item.dependency}, which is not installed."
            for item in result.missing
        ]
        lines += [
            f"{item.name} {item.version} has requirement {item.requirement}, "
            f"but you have {item.dependency} {item.installed_version}."
            for item in result.conflicts
        ]
        _write(lines or ["No broken requirements found."])
        broken.append(not result.ok)

    _with_environment(options, action)
    if any(broken):
        sys.exit(1)


@click.command("pip-tree")
@_python_option
@click.option(
    "-d",
    "--depth",
    type=click.IntRange(min=0),
    default=255,
    show_default=True,
    help="How many levels of dependencies to show.",
)
@click.option("--invert", is_flag=True, help="Show who requires each package instead.")
@click.option(
    "--package",
    "packages",
    multiple=True,
    metavar="NAME",
    help="Start from this package only (repeatable).",
)
@common_options
@run_command
def pip_tree_command(**options: Any) -> None:
    """Show installed packages as a dependency tree.

    \b
    Examples:
      puffin pip-tree
      puffin pip-tree --depth 1
      puffin pip-tree --invert --package certifi
    """
    from puffin.commands.inspect import pip_tree

    def action(environment: Environment, cache: Cache) -> None:
        rows = pip_tree(
            environment,
            depth=options["depth"],
            invert=options["invert"],
            packages=options["packages"],
        )
        versions = {name: dist.version for name, dist in environment.installed.items()}
        lines = [
            f"{row.guides}{row.name} v{versions[row.name]}{' (*)' if row.repeated else ''}"
            for row in rows
        ]
        if any(row.repeated for row in rows):
            lines.append("(*) Package tree already displayed")
        _write(lines)

    _with_environment(options, action)
