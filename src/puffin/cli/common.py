"""Options shared by every command, and the wrapper that turns errors into one clear message."""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import click

from puffin.cli.output import Printer
from puffin.errors import PuffinError

if TYPE_CHECKING:
    from puffin.cache import Cache
    from puffin.commands.index_options import IndexOptions

F = TypeVar("F", bound=Callable[..., Any])


def common_options(func: F) -> F:
    """Options every command takes, so they may follow the sub-command as uv and pip allow."""
    func = click.option("-q", "--quiet", count=True, help="Print less; -q shows only errors.")(func)
    func = click.option("-v", "--verbose", count=True, help="Print more, for debugging.")(func)
    func = click.option(
        "--cache-dir",
        envvar="PUFFIN_CACHE_DIR",
        type=click.Path(file_okay=False),
        help="Cache directory.",
    )(func)
    func = click.option(
        "--no-cache",
        is_flag=True,
        envvar="PUFFIN_NO_CACHE",
        help="Use a temporary cache, removed when the command ends.",
    )(func)
    return func


def index_options(func: F) -> F:
    """Where packages come from, and how indexes combine and authenticate: the same options
    on every command that fetches."""
    # Both default to None, not to their default value: pip-compile's header then names
    # --index-strategy only when the user gave it.
    func = click.option(
        "--keyring-provider",
        type=click.Choice(["disabled", "subprocess"]),
        envvar="PUFFIN_KEYRING_PROVIDER",
        help="subprocess: after a 401, ask the `keyring` command for the password of the user"
        " the index URL names (default: disabled).",
    )(func)
    func = click.option(
        "--index-strategy",
        type=click.Choice(["first-index", "unsafe-first-match", "unsafe-best-match"]),
        envvar="PUFFIN_INDEX_STRATEGY",
        help="How several indexes combine: first-index (the default) takes a package only from"
        " the first index that has it; unsafe-first-match tries an earlier index's versions"
        " first; unsafe-best-match takes the best version of any.",
    )(func)
    func = click.option("--no-index", is_flag=True, help="Ignore every index (only --find-links).")(
        func
    )
    func = click.option(
        "-f", "--find-links", multiple=True, help="Directories or pages of archives."
    )(func)
    func = click.option(
        "--extra-index-url", multiple=True, help="Further index URLs (repeatable)."
    )(func)
    func = click.option("-i", "--index-url", envvar="PUFFIN_INDEX_URL", help="Primary index URL.")(
        func
    )
    return func


def target_python_option(func: F) -> F:
    """`-p/--python`: the environment a command changes or reads."""
    return click.option(
        "-p",
        "--python",
        "--python-executable",
        "python",
        help="Target interpreter: a path or X.Y (default: $VIRTUAL_ENV, then ./.venv).",
    )(func)


def install_options(func: F) -> F:
    """How pip-sync and pip-install fetch, build and place what they install."""
    options = [
        click.option("--offline", is_flag=True, help="Use only cached data; no network access."),
        click.option(
            "--refresh",
            is_flag=True,
            help="Revalidate cached index pages and rebuild local projects.",
        ),
        click.option(
            "--refresh-package", multiple=True, help="Refresh one package only (repeatable)."
        ),
        click.option(
            "--link-mode",
            type=click.Choice(["clone", "hardlink", "copy", "symlink"]),
            help="How files get into the venv.",
        ),
        click.option(
            "-n", "--dry-run", is_flag=True, help="Show what would change; change nothing."
        ),
        click.option(
            "--require-hashes", is_flag=True, help="Every requirement must carry a --hash."
        ),
        click.option(
            "--compile", "compile_bytecode", is_flag=True, help="Byte-compile after install."
        ),
        click.option("--no-binary", multiple=True, help="Do not use wheels for these (or :all:)."),
        click.option("--only-binary", multiple=True, help="Use only wheels for these (or :all:)."),
        click.option(
            "--no-build", is_flag=True, help="Never build from source; sdists are errors."
        ),
        click.option(
            "--no-build-isolation",
            is_flag=True,
            help="Build in the target environment instead of a fresh one per build.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def index_options_from(options: Mapping[str, Any]) -> IndexOptions:
    """The IndexOptions of a command decorated with `index_options`."""
    from puffin.client.index_strategy import IndexStrategy
    from puffin.client.keyring import KeyringProvider
    from puffin.commands.index_options import IndexOptions

    return IndexOptions(
        index_url=options["index_url"],
        extra_index_urls=tuple(options["extra_index_url"]),
        find_links=tuple(options["find_links"]),
        no_index=options["no_index"],
        index_strategy=IndexStrategy(options["index_strategy"] or "first-index"),
        keyring_provider=KeyringProvider(options["keyring_provider"] or "disabled"),
    )


def run_command(func: F) -> F:
    """Render PuffinError as one clear message with its exit code; never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        verbose = kwargs.get("verbose", 0)
        if not verbose:
            _warnings_as_messages(Printer(kwargs.get("quiet", 0)))
        if verbose:
            import logging

            logging.basicConfig(
                level=logging.DEBUG, format="%(name)s: %(message)s", stream=sys.stderr
            )
            # httpx and httpcore log every request and socket event; -vv shows them.
            if verbose < 2:
                logging.getLogger("httpx").setLevel(logging.WARNING)
                logging.getLogger("httpcore").setLevel(logging.WARNING)
        try:
            return func(*args, **kwargs)
        except PuffinError as error:
            Printer(quiet=0).error(str(error))
            sys.exit(error.exit_code)
        except KeyboardInterrupt:
            Printer(quiet=0).error("Interrupted")
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def _warnings_as_messages(printer: Printer) -> None:
    """Library warnings (a cache entry that could not be written) read as puffin's own
    `warning: ...` lines instead of logging's bare default output."""
    import logging

    class _ToPrinter(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            printer.warning(record.getMessage())

    logger = logging.getLogger("puffin")
    logger.handlers = [_ToPrinter(logging.WARNING)]
    logger.propagate = False


@contextlib.contextmanager
def shared_cache(options: Mapping[str, Any], printer: Printer) -> Iterator[Cache]:
    """The command's cache (--cache-dir / --no-cache), held under the shared lock, with the
    scratch entries of dead processes removed; a --no-cache one is deleted afterwards."""
    from puffin.cache import Cache

    cache = Cache.from_settings(options["cache_dir"], no_cache=options["no_cache"])
    try:
        cache.init()
        with cache.shared_lock(on_wait=announce_wait(printer)):
            cache.remove_orphaned_temp()
            yield cache
    finally:
        cache.cleanup()


WAITING_FOR_CACHE = "Waiting for another puffin process to release the cache"


def announce_wait(printer: Printer) -> Callable[[], None]:
    """The `on_wait` callback for Cache.shared_lock / exclusive_lock: says why we stall."""
    return lambda: printer.info(WAITING_FOR_CACHE)
