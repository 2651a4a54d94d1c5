"""Every option's other sources: a PUFFIN_* environment variable, then the settings files.

Precedence, highest first: the command line, the environment, the project file, the user file,
the built-in default. click gives the first two and the last; the files reach each command as
its context's `default_map`, which click consults after the environment and before the default.
`--no-config` and `--config-file` are eager options on the group and on every command, so the
files are chosen before any other option takes its value.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple

import click
from click.core import ParameterSource

if TYPE_CHECKING:
    from puffin.config_file import CommandSchema, ConfigFile, SettingSpec

ENV_PREFIX = "PUFFIN_"
NO_CONFIG = "no-config"
CONFIG_FILE = "config-file"

# Long option names that take paths without saying so in their click type.
_PATH_SETTINGS = frozenset(
    {"cache-dir", "constraint", "editable", "find-links", "output-file", "override", "requirement"}
)
_PATH_WITH_SEPARATOR_SETTINGS = frozenset({"python"})

# click >= 8.3 marks a parameter without a value by this sentinel (older versions by None).
_UNSET = getattr(click.core, "UNSET", None)

# ctx.meta is shared by a context and its parents; these keys hold per-context records.
_CHOICE = "puffin.settings.choice"
_LOADED = "puffin.settings.loaded"
_USED = "puffin.settings.used"


class FileChoice(NamedTuple):
    """Which settings files a command reads: none, one named file, or the ones found."""

    no_config: bool
    config_file: str | None


class SettingsError(click.ClickException):
    """A settings file that cannot be used: shown as puffin's one-line `error:`, exit code 2."""

    exit_code = 2

    def show(self, file: IO[Any] | None = None) -> None:
        from puffin.cli.output import Printer

        Printer(quiet=0).error(self.message)


def install_settings(command: click.Command) -> None:
    """Give each option of `command` and of the commands under it its PUFFIN_* variable (shown
    in --help), and each of these commands `--no-config` and `--config-file`.

    puffin's group loads its commands when they are looked up, and installs each then."""
    for each in _commands(command):
        for param in each.params:
            if isinstance(param, click.Option) and param.expose_value:
                _add_envvar(param)
        each.params.extend(_config_options())


def setting_name(option: click.Option) -> str | None:
    """The option's first long name without its dashes: its key in a file (`index-url`)."""
    return next((opt[2:] for opt in option.opts if opt.startswith("--")), None)


def envvar_name(setting: str) -> str:
    """`index-url` -> `PUFFIN_INDEX_URL`."""
    return ENV_PREFIX + setting.upper().replace("-", "_")


def _commands(command: click.Command) -> Iterator[click.Command]:
    yield command
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            yield from _commands(sub)


def _add_envvar(option: click.Option) -> None:
    name = setting_name(option)
    if name is None:
        return
    if option.envvar is None:
        option.envvar = envvar_name(name)
    option.show_envvar = True
    if option.multiple and option.type.envvar_list_splitter is not None:
        # click splits a path list on os.pathsep; every PUFFIN_* list splits on whitespace, as
        # PUFFIN_EXTRA_INDEX_URL always has.
        setattr(option.type, "envvar_list_splitter", None)  # noqa: B010


@functools.cache
def _config_options() -> tuple[click.Option, ...]:
    # One pair for every command: an Option keeps no state of the command it belongs to.
    return (
        click.Option(
            [f"--{NO_CONFIG}"],
            is_flag=True,
            is_eager=True,
            expose_value=False,
            envvar=envvar_name(NO_CONFIG),
            show_envvar=True,
            callback=_remember_choice,
            help="Read no settings file (puffin.toml, pyproject.toml, the user file).",
        ),
        click.Option(
            [f"--{CONFIG_FILE}"],
            metavar="PATH",
            type=click.Path(dir_okay=False),
            is_eager=True,
            expose_value=False,
            envvar=envvar_name(CONFIG_FILE),
            show_envvar=True,
            callback=_remember_choice,
            help="Read settings from this file only, instead of searching for them.",
        ),
    )


def _remember_choice(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """Record --no-config or --config-file; once both are known, apply the files to `ctx`.

    click calls an option's callback even when it was not given, and runs eager options first,
    so both are recorded before any other option of the command looks at `ctx.default_map`.
    """
    if ctx.resilient_parsing:  # shell completion: read no file, fail on nothing
        return
    choices: dict[int, dict[str, Any]] = ctx.meta.setdefault(_CHOICE, {})
    choice = choices.setdefault(id(ctx), {})
    choice[str(param.name)] = value
    if len(choice) == 2:
        _apply(ctx)


def _request(ctx: click.Context) -> FileChoice:
    """--no-config given at any level of `ctx`'s chain; its innermost --config-file. Like uv,
    a named file is read even with --no-config."""
    choices: dict[int, dict[str, Any]] = ctx.meta[_CHOICE]
    no_config = False
    config_file = None
    for level in _chain(ctx):
        choice = choices.get(id(level), {})
        no_config = no_config or bool(choice.get("no_config"))
        config_file = choice.get("config_file") or config_file
    return FileChoice(no_config, config_file)


def _chain(ctx: click.Context) -> list[click.Context]:
    """The root context first, `ctx` last."""
    levels = []
    level: click.Context | None = ctx
    while level is not None:
        levels.append(level)
        level = level.parent
    return levels[::-1]


def _apply(ctx: click.Context) -> None:
    request = _request(ctx)
    used: dict[int, FileChoice] = ctx.meta.setdefault(_USED, {})
    is_group = isinstance(ctx.command, click.Group)
    try:
        files = _load(ctx, request)
        ctx.default_map = _defaults(ctx, files)
    except SettingsError:
        if not is_group:
            raise
        # `puffin pip-compile --help` must work beside a broken file: the group keeps its
        # defaults, and the sub-command, which reads the files again, reports the error.
        ctx.default_map = {}
        return
    used[id(ctx)] = request
    if is_group:
        return
    # `puffin pip-compile --no-config`: the group's options took their values from the files
    # before the sub-command's flag was read; give them the values they should have.
    for level in _chain(ctx)[:-1]:
        if used.get(id(level)) != request:
            level.default_map = _defaults(level, files)
            _refresh(level)
            used[id(level)] = request


def _load(ctx: click.Context, request: FileChoice) -> tuple[ConfigFile, ...]:
    """The files for `request`, read and checked once per run, highest precedence first."""
    loaded: dict[FileChoice, tuple[ConfigFile, ...]] = ctx.meta.setdefault(_LOADED, {})
    if request in loaded:
        return loaded[request]
    from puffin.errors import PuffinError

    try:
        files = _read_files(ctx, request)
    except PuffinError as error:
        raise SettingsError(str(error)) from None
    loaded[request] = files
    return files


def _read_files(ctx: click.Context, request: FileChoice) -> tuple[ConfigFile, ...]:
    from puffin import config_file

    cwd = Path(os.getcwd())
    named = request.config_file
    if named is not None:
        files: tuple[ConfigFile, ...] = (
            config_file.read_config_file(cwd / os.path.expanduser(named), named),
        )
    elif request.no_config:
        files = ()
    else:
        discovery = config_file.discover(cwd, config_file.user_config_dir())
        files = discovery.files
        if discovery.warnings:
            from puffin.cli.output import Printer

            for warning in discovery.warnings:
                Printer(quiet=0).warning(warning)
    if files:
        schema = _schema(ctx.find_root())
        for file in files:
            config_file.check_file(file, schema)
    return files


def _defaults(ctx: click.Context, files: tuple[ConfigFile, ...]) -> dict[str, Any]:
    """`ctx`'s default_map: each option's value from the files, checked by the option itself."""
    if not files:
        return {}
    from puffin import config_file
    from puffin.errors import PuffinError

    path = [level.info_name or "" for level in _chain(ctx)[1:]]
    schema = _schema(ctx.find_root())
    try:
        values = config_file.command_values(files, schema, path, Path(os.getcwd()))
    except PuffinError as error:
        raise SettingsError(str(error)) from None
    defaults: dict[str, Any] = {}
    for param in ctx.command.params:
        if not isinstance(param, click.Option) or param.name is None:
            continue
        name = setting_name(param)
        if name is None or name not in values:
            continue
        found = values[name]
        try:
            param.type_cast_value(ctx, found.value)
        except click.BadParameter as error:
            reason = f"invalid value for `{found.key}`: {error.message}"
            raise SettingsError(f"{found.file.label}: {reason}") from None
        defaults[param.name] = found.value
    return defaults


def _refresh(ctx: click.Context) -> None:
    """Re-take the values of `ctx`'s options that came from the files or defaults, and rerun
    its callback when one changed (a group's callback only records its options)."""
    changed = False
    for param in ctx.command.params:
        if not param.expose_value or param.name is None:
            continue
        source = ctx.get_parameter_source(param.name)
        if source not in (ParameterSource.DEFAULT_MAP, ParameterSource.DEFAULT):
            continue
        before = ctx.params.pop(param.name, None)
        param.handle_parse_result(ctx, {}, [])
        if ctx.params.get(param.name) is _UNSET:
            ctx.params[param.name] = None
        changed = changed or ctx.params.get(param.name) != before
    if changed and ctx.command.callback is not None:
        ctx.invoke(ctx.command.callback, **ctx.params)


def _schema(root: click.Context) -> CommandSchema:
    """The settings every command takes, read from the click commands (once per run)."""
    cached = _SCHEMAS.get(id(root.command))
    if cached is None:
        cached = _SCHEMAS[id(root.command)] = _command_schema(root.command, root)
    return cached


_SCHEMAS: dict[int, CommandSchema] = {}


def _command_schema(command: click.Command, ctx: click.Context) -> CommandSchema:
    from puffin.config_file import CommandSchema

    settings: dict[str, SettingSpec] = {}
    for param in command.params:
        if isinstance(param, click.Option) and param.expose_value:
            name = setting_name(param)
            if name is not None:
                settings[name] = _spec(name, param)
    commands = {}
    if isinstance(command, click.Group):
        # Through get_command, which loads the commands puffin's group has not loaded yet.
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None:
                commands[name] = _command_schema(sub, ctx)
    return CommandSchema(settings, commands)


def _spec(name: str, option: click.Option) -> SettingSpec:
    from puffin.config_file import PathRule, SettingSpec, ValueKind

    if option.count:
        kind = ValueKind.INTEGER
    elif option.is_flag:
        kind = ValueKind.BOOLEAN
    elif option.multiple or option.nargs != 1:
        kind = ValueKind.STRING_LIST
    elif isinstance(option.type, click.types.IntParamType):
        kind = ValueKind.INTEGER
    elif isinstance(option.type, click.types.FloatParamType):
        kind = ValueKind.NUMBER
    else:
        kind = ValueKind.STRING
    if name in _PATH_WITH_SEPARATOR_SETTINGS:
        rule = PathRule.PATH_WITH_SEPARATOR
    elif name in _PATH_SETTINGS or isinstance(option.type, click.Path):
        rule = PathRule.PATH
    else:
        rule = PathRule.NOT_A_PATH
    return SettingSpec(kind, rule)
