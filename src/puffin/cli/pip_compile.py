"""`puffin pip-compile`: options, the header's command line, and where the pins go."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from puffin.cli.common import (
    common_options,
    index_options,
    index_options_from,
    run_command,
    shared_cache,
)
from puffin.cli.output import Printer, format_duration, plural

# Options that shape how puffin runs, not what the file says: left out of the header.
_NOT_IN_HEADER = frozenset(
    {
        "python",
        "quiet",
        "verbose",
        "cache_dir",
        "no_cache",
        "refresh",
        "refresh_package",
        "keyring_provider",
    }
)


@click.command("pip-compile")
@click.argument("src_files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("-o", "--output-file", help="Where to write the pins; `-` for stdout.")
@click.option(
    "-c", "--constraint", multiple=True, help="Constrain versions with this file (repeatable)."
)
@click.option(
    "--override",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Replace every requirement on a package by this file's (repeatable).",
)
@click.option(
    "--extra", multiple=True, help="Include this optional-dependencies group of pyproject.toml."
)
@click.option("--all-extras", is_flag=True, help="Include every optional-dependencies group.")
@click.option(
    "-p",
    "--python",
    "--python-executable",
    "python",
    help="Resolve for this interpreter (default: $VIRTUAL_ENV, ./.venv, then puffin's own).",
)
@click.option(
    "--python-version",
    help="Resolve for this CPython version (3.12, 3.12.4) instead of the interpreter's.",
)
@click.option(
    "--python-platform",
    help="Resolve for this platform: linux, macos, windows, x86_64-manylinux_2_28, ...",
)
@index_options
@click.option("-U", "--upgrade", is_flag=True, help="Ignore the pins of the existing output file.")
@click.option(
    "-P", "--upgrade-package", multiple=True, help="Ignore the existing pin of this package."
)
@click.option(
    "--refresh", is_flag=True, help="Revalidate cached index pages and rebuild local projects."
)
@click.option("--refresh-package", multiple=True, help="Refresh one package only (repeatable).")
@click.option("--generate-hashes", is_flag=True, help="Add the hashes of every file of a pin.")
@click.option("--no-annotate", is_flag=True, help="Leave out the `# via` annotations.")
@click.option(
    "--annotation-style",
    type=click.Choice(["split", "line"]),
    default="split",
    help="Annotations below each pin (split) or on its line (line).",
)
@click.option("--no-header", is_flag=True, help="Leave out the header comment.")
@click.option("--strip-extras", is_flag=True, help="Write pins without their extras.")
@click.option("--allow-unsafe", is_flag=True, help="Pin pip, setuptools and distribute too.")
@click.option("--pre", is_flag=True, help="Allow pre-releases.")
@click.option(
    "--no-binary", multiple=True, help="Do not use wheels for these (names, :all:, :none:)."
)
@click.option(
    "--only-binary", multiple=True, help="Use only wheels for these (names, :all:, :none:)."
)
@click.option("--no-build", is_flag=True, help="Never build from source (--only-binary :all:).")
@click.option(
    "--no-build-isolation",
    is_flag=True,
    help="Build sources with the target interpreter's own packages, installing nothing.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["requirements.txt", "pylock.toml"]),
    default="requirements.txt",
    help="Write pip-compile's requirements.txt (default) or a PEP 751 pylock.toml.",
)
@click.option(
    "--prerelease",
    type=click.Choice(
        ["disallow", "allow", "if-necessary", "explicit", "if-necessary-or-explicit"]
    ),
    default=None,
    help="When pre-releases may be chosen (default: if-necessary-or-explicit).",
)
@click.option(
    "--resolution",
    type=click.Choice(["highest", "lowest", "lowest-direct"]),
    default=None,
    help="Prefer the highest versions (default), the lowest, or the lowest for direct ones.",
)
@click.option(
    "--exclude-newer",
    default=None,
    help="Ignore files uploaded at or after this RFC 3339 time or local date (YYYY-MM-DD).",
)
@common_options
@run_command
def pip_compile_command(src_files: tuple[str, ...], **options: Any) -> None:
    """Resolve requirements into a file of exact pins.

    Reads .in or .txt requirement files or a pyproject.toml and writes pip-compile's
    format. Pins already in the output file are kept while they still fit.

    \b
    Examples:
      puffin pip-compile requirements.in -o requirements.txt
      puffin pip-compile pyproject.toml --extra dev -o dev-requirements.txt
      puffin pip-compile --upgrade-package requests requirements.in
      puffin pip-compile --generate-hashes --python-version 3.12 requirements.in
    """
    from puffin.commands.pip_compile import CompileOptions, OutputFormat, pip_compile
    from puffin.compile_output import AnnotationStyle
    from puffin.errors import UsageError
    from puffin.names import normalize_name
    from puffin.resolver.candidate_selector import (
        PrereleaseMode,
        ResolutionMode,
        parse_exclude_newer,
    )

    printer = Printer(options["quiet"])
    files = src_files or _default_source()
    if not files:
        raise UsageError("No input file given, and no requirements.in in this directory")
    compile_options = CompileOptions(
        src_files=files,
        output_file=options["output_file"],
        constraint_files=tuple(options["constraint"]),
        override_files=tuple(options["override"]),
        extras=tuple(options["extra"]),
        all_extras=options["all_extras"],
        no_binary=tuple(options["no_binary"]),
        only_binary=tuple(options["only_binary"]),
        no_build=options["no_build"],
        no_build_isolation=options["no_build_isolation"],
        format=OutputFormat(options["output_format"]),
        python=options["python"],
        python_version=options["python_version"],
        python_platform=options["python_platform"],
        index=index_options_from(options),
        upgrade=options["upgrade"],
        refresh=options["refresh"],
        refresh_packages=frozenset(normalize_name(n) for n in options["refresh_package"]),
        upgrade_packages=frozenset(normalize_name(n) for n in options["upgrade_package"]),
        generate_hashes=options["generate_hashes"],
        annotate=not options["no_annotate"],
        annotation_style=AnnotationStyle(options["annotation_style"]),
        header=not options["no_header"],
        strip_extras=options["strip_extras"],
        allow_unsafe=options["allow_unsafe"],
        pre=options["pre"],
        exclude_newer=(
            parse_exclude_newer(options["exclude_newer"]) if options["exclude_newer"] else None
        ),
        prerelease=PrereleaseMode(options["prerelease"] or "if-necessary-or-explicit"),
        resolution=ResolutionMode(options["resolution"] or "highest"),
        command=_header_command(files, options),
    )
    with shared_cache(options, printer) as cache:
        result = pip_compile(compile_options, cache)
    for warning in result.warnings:
        printer.warning(warning)
    if result.output_file is None:
        sys.stdout.write(result.text)
    elapsed = format_duration(result.elapsed_seconds)
    printer.info(printer.dim(f"Resolved {plural(len(result.entries), 'package')} in {elapsed}"))


def _default_source() -> tuple[str, ...]:
    return ("requirements.in",) if os.path.exists("requirements.in") else ()


def _header_command(files: tuple[str, ...], options: dict[str, Any]) -> str:
    """pip-compile's normalised command: long options as `--name=value`, sorted, then files."""
    from puffin.compile_output import redact_command

    arguments: list[str] = []
    for key, value in sorted(options.items()):
        if key in _NOT_IN_HEADER or value in (None, False, ()):
            continue
        if key == "annotation_style" and value == "split":
            continue
        if key == "output_format":
            if value == "requirements.txt":
                continue
            key = "format"
        option = "--" + key.replace("_", "-")
        if value is True:
            arguments.append(option)
        elif isinstance(value, tuple):
            arguments.extend(f"{option}={item}" for item in value)
        else:
            arguments.append(f"{option}={value}")
    return redact_command(["puffin", "pip-compile", *arguments, *files])
