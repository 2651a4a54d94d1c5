"""Options from PUFFIN_* variables and settings files, through the real command line."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest

from puffin.cli.main import cli
from tests.support.run import Result, run_puffin

NO_INPUT = "No input file given, and no requirements.in in this directory"


@pytest.fixture(autouse=True)
def settings_environment(isolated_environment: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No PUFFIN_CACHE_DIR (these tests set the cache dir in files) and no PUFFIN_NO_CONFIG;
    returns the user settings directory ($XDG_CONFIG_HOME/puffin), not created."""
    monkeypatch.delenv("PUFFIN_CACHE_DIR")
    monkeypatch.delenv("PUFFIN_NO_CONFIG", raising=False)
    return isolated_environment / ".config" / "puffin"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def cache_dir(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    """What `puffin cache dir` prints: the cache directory every command would use."""
    result = run_puffin(*args, cwd=cwd, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_each_source_beats_the_next_cli_env_project_user_default(
    tmp_path: Path, settings_environment: Path, isolated_environment: Path
) -> None:
    project = tmp_path / "project"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    default = str(isolated_environment / ".cache" / "puffin")
    assert cache_dir("cache", "dir", cwd=elsewhere) == default

    write(settings_environment / "puffin.toml", f'cache-dir = "{tmp_path / "user-cache"}"\n')
    assert cache_dir("cache", "dir", cwd=elsewhere) == str(tmp_path / "user-cache")

    write(project / "puffin.toml", 'cache-dir = "project-cache"\n')
    assert cache_dir("cache", "dir", cwd=project) == str(project / "project-cache")

    env = {"PUFFIN_CACHE_DIR": "env-cache"}
    assert cache_dir("cache", "dir", cwd=project, env=env) == str(project / "env-cache")

    cli_value = cache_dir("cache", "dir", "--cache-dir", "cli-cache", cwd=project, env=env)
    assert cli_value == str(project / "cli-cache")


def test_relative_paths_in_a_file_are_relative_to_its_directory(tmp_path: Path) -> None:
    write(tmp_path / "puffin.toml", 'cache-dir = "build/cache"\n')
    below = tmp_path / "src" / "pkg"
    below.mkdir(parents=True)

    assert cache_dir("cache", "dir", cwd=below) == str(tmp_path / "build" / "cache")


def test_no_config_on_the_group_on_the_command_or_in_the_environment(
    tmp_path: Path, isolated_environment: Path
) -> None:
    write(tmp_path / "puffin.toml", 'cache-dir = "project-cache"\n')
    default = str(isolated_environment / ".cache" / "puffin")

    assert cache_dir("--no-config", "cache", "dir", cwd=tmp_path) == default
    assert cache_dir("cache", "--no-config", "dir", cwd=tmp_path) == default
    assert cache_dir("cache", "dir", "--no-config", cwd=tmp_path) == default
    assert cache_dir("cache", "dir", cwd=tmp_path, env={"PUFFIN_NO_CONFIG": "1"}) == default
    on = cache_dir("cache", "dir", cwd=tmp_path, env={"PUFFIN_NO_CONFIG": "0"})
    assert on == str(tmp_path / "project-cache")


def test_a_group_option_from_a_file_yields_to_no_config_on_the_command(tmp_path: Path) -> None:
    write(tmp_path / "puffin.toml", 'color = "always"\n')

    painted = run_puffin("pip-compile", cwd=tmp_path)
    plain = run_puffin("pip-compile", "--no-config", cwd=tmp_path)
    overridden = run_puffin("--color", "never", "pip-compile", cwd=tmp_path)

    assert (painted.returncode, painted.stderr) == (2, f"\x1b[1;31merror\x1b[0m: {NO_INPUT}\n")
    assert (plain.returncode, plain.stderr) == (2, f"error: {NO_INPUT}\n")
    assert overridden.stderr == f"error: {NO_INPUT}\n"


def test_config_file_replaces_discovery_and_the_user_file(
    tmp_path: Path, settings_environment: Path, isolated_environment: Path
) -> None:
    write(settings_environment / "puffin.toml", 'color = "always"\n')
    write(tmp_path / "puffin.toml", 'cache-dir = "project-cache"\n')
    chosen = write(tmp_path / "ci" / "settings.toml", 'cache-dir = "ci-cache"\n')
    default = str(isolated_environment / ".cache" / "puffin")

    by_option = cache_dir("--config-file", "ci/settings.toml", "cache", "dir", cwd=tmp_path)
    on_command = cache_dir("cache", "dir", "--config-file", str(chosen), cwd=tmp_path)
    by_env = cache_dir("cache", "dir", cwd=tmp_path, env={"PUFFIN_CONFIG_FILE": str(chosen)})
    with_no_config = cache_dir(
        "--no-config", "--config-file", str(chosen), "cache", "dir", cwd=tmp_path
    )
    empty = write(tmp_path / "empty.toml", "")
    colour = run_puffin("--config-file", empty, "pip-compile", cwd=tmp_path)

    assert by_option == on_command == by_env == with_no_config == str(tmp_path / "ci" / "ci-cache")
    assert cache_dir("--config-file", str(empty), "cache", "dir", cwd=tmp_path) == default
    assert colour.stderr == f"error: {NO_INPUT}\n"


def test_a_missing_config_file_is_a_usage_error(tmp_path: Path) -> None:
    result = run_puffin("cache", "dir", "--config-file", "nowhere.toml", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "error: nowhere.toml: No such file or directory\n"


def test_pyproject_tool_puffin_and_its_command_tables(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "demo"\n\n'
        '[tool.puffin]\ncache-dir = "top-cache"\n\n'
        '[tool.puffin.cache.dir]\ncache-dir = "dir-cache"\n',
    )

    assert cache_dir("cache", "dir", cwd=tmp_path) == str(tmp_path / "dir-cache")
    prune = run_puffin("cache", "prune", cwd=tmp_path)
    assert prune.stderr == f"No cache found at: {tmp_path / 'top-cache'}\n"


def test_puffin_toml_beats_pyproject_in_the_same_directory(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.puffin]\ncache-dir = "from-pyproject"\n')
    write(tmp_path / "puffin.toml", 'cache-dir = "from-puffin-toml"\n')

    assert cache_dir("cache", "dir", cwd=tmp_path) == str(tmp_path / "from-puffin-toml")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "puffin.toml",
            'indx-url = "https://example.com"\n',
            "puffin.toml: unknown setting `indx-url`",
        ),
        (
            "pyproject.toml",
            "[tool.puffin.pip-sync]\ngenerate-hashes = true\n",
            "pyproject.toml: unknown setting `tool.puffin.pip-sync.generate-hashes`",
        ),
        (
            "puffin.toml",
            '[pip-compile]\ngenerate-hashes = "yes"\n',
            'puffin.toml: `pip-compile.generate-hashes` must be true or false, not "yes"',
        ),
        (
            "puffin.toml",
            'color = "sometimes"\n',
            "puffin.toml: invalid value for `color`: "
            "'sometimes' is not one of 'auto', 'always', 'never'.",
        ),
        (
            "puffin.toml",
            'index-url = "https://example.com\n',
            "puffin.toml: invalid TOML: Illegal character '\\n' (at line 1, column 33)",
        ),
    ],
)
def test_a_bad_file_is_one_line_naming_the_file_and_key(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    write(tmp_path / name, text)

    result = run_puffin("cache", "dir", cwd=tmp_path)

    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"error: {message}\n")


def test_help_works_beside_a_broken_file(tmp_path: Path) -> None:
    write(tmp_path / "puffin.toml", "indx-url = 1\n")

    helped = run_puffin("pip-compile", "--help", cwd=tmp_path)
    failed = run_puffin("pip-compile", cwd=tmp_path)

    assert (helped.returncode, helped.stderr) == (0, "")
    assert helped.stdout.startswith("Usage: puffin pip-compile [OPTIONS] [SRC_FILES]...\n")
    assert (failed.returncode, failed.stderr) == (
        2,
        "error: puffin.toml: unknown setting `indx-url`\n",
    )


def test_a_value_that_only_the_running_command_rejects(tmp_path: Path) -> None:
    write(tmp_path / "puffin.toml", 'format = "json"\n')

    compiled = run_puffin("pip-compile", "x.in", cwd=tmp_path)
    listed = run_puffin("pip-list", "--python", sys.executable, cwd=tmp_path)

    assert (listed.returncode, listed.stdout[:2]) == (0, "[{"), listed.stderr
    assert compiled.returncode == 2
    assert compiled.stderr == (
        "error: puffin.toml: invalid value for `format`: "
        "'json' is not one of 'requirements.txt', 'pylock.toml'.\n"
    )


@pytest.fixture
def two_link_dirs(tmp_path: Path, make_wheel: Callable[..., Path]) -> Path:
    """`wheels/` holds alpha (needs beta); `more-wheels/` holds beta; returns the project dir."""
    make_wheel("alpha", "1.0", requires_dist=["beta"])
    from tests.support.wheels import build_wheel

    build_wheel(tmp_path / "more-wheels", "beta", "2.0")
    write(tmp_path / "requirements.in", "alpha\n")
    return tmp_path


PINS = "alpha==1.0\nbeta==2.0\n"


def compile_(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return run_puffin("pip-compile", "--python", sys.executable, "-o", "-", *args, cwd=cwd, env=env)


def test_pip_compile_takes_a_command_table_over_the_top_level(two_link_dirs: Path) -> None:
    write(
        two_link_dirs / "puffin.toml",
        'no-index = true\nfind-links = ["nowhere"]\nno-header = false\n\n'
        "[pip-compile]\n"
        'find-links = ["wheels", "more-wheels"]\n'
        "no-header = true\nno-annotate = true\nquiet = 1\n"
        "[pip-sync]\n"
        'find-links = ["elsewhere"]\n',
    )
    sub = two_link_dirs / "sub"
    sub.mkdir()

    result = compile_(sub, "../requirements.in")

    assert (result.returncode, result.stderr) == (0, "")
    links = (
        f"--find-links {two_link_dirs / 'wheels'}\n--find-links {two_link_dirs / 'more-wheels'}\n"
    )
    assert result.stdout == f"{links}\n{PINS}"


def test_environment_variables_beat_the_file_and_lists_split_on_whitespace(
    two_link_dirs: Path,
) -> None:
    write(
        two_link_dirs / "puffin.toml",
        '[pip-compile]\nfind-links = ["nowhere"]\nno-header = true\nno-annotate = true\n',
    )
    env = {
        "PUFFIN_NO_INDEX": "yes",
        "PUFFIN_FIND_LINKS": "wheels  more-wheels",
        "PUFFIN_NO_HEADER": "false",
        "PUFFIN_QUIET": "1",
    }

    result = compile_(two_link_dirs, env=env)

    assert (result.returncode, result.stderr) == (0, "")
    header = result.stdout.split("\n\n")[0]
    assert "#    puffin pip-compile --find-links=wheels --find-links=more-wheels" in header
    assert result.stdout.endswith(f"\n\n{PINS}")


def test_every_option_has_its_puffin_variable_in_help() -> None:
    # The names that existed before (PUFFIN_CACHE_DIR, PUFFIN_COLOR...) follow the rule too.
    checked = 0
    for command, ctx in _commands(cli, click.Context(cli, info_name="puffin")):
        for param in command.params:
            if not isinstance(param, click.Option) or not param.expose_value:
                continue
            long = next(opt for opt in param.opts if opt.startswith("--"))
            expected = "PUFFIN_" + long[2:].upper().replace("-", "_")
            assert param.envvar == expected, (command.name, long)
            record = param.get_help_record(ctx)
            assert record is not None and f"[env var: {expected}" in record[1], long
            checked += 1
        names = {opt for param in command.params for opt in param.opts}
        assert {"--no-config", "--config-file"} <= names, command.name
    assert checked > 100


def _commands(
    command: click.Command, ctx: click.Context
) -> list[tuple[click.Command, click.Context]]:
    found = [(command, ctx)]
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):  # get_command loads a lazily imported command
            sub = command.get_command(ctx, name)
            assert sub is not None
            found += _commands(sub, click.Context(sub, info_name=name, parent=ctx))
    return found
