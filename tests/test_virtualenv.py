"""Virtualenvs made without running Python work like those `python -m venv` makes."""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from puffin import __version__
from puffin.errors import InstallError
from puffin.interpreter import Interpreter, query_interpreter
from puffin.virtualenv import create_virtualenv
from tests.support.pythons import python_params

ACTIVATION_SCRIPTS = ["activate", "activate.csh", "activate.fish", "Activate.ps1"]

INSPECT = """
import json, site, sys
print(json.dumps({"prefix": sys.prefix, "base_prefix": sys.base_prefix, "path": sys.path}))
"""


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("interpreter-v0")


def base_of(python: Path, cache_dir: Path) -> Interpreter:
    return query_interpreter(python, cache_dir=cache_dir)


def inspect(python: Path) -> dict[str, object]:
    done = subprocess.run([str(python), "-c", INSPECT], capture_output=True, text=True, check=True)
    result: dict[str, object] = json.loads(done.stdout)
    return result


def source_activate(venv: Path, commands: str) -> list[str]:
    activate = shlex.quote(str(venv / "bin" / "activate"))
    script = f'PATH=/usr/bin:/bin; PS1="$ "; . {activate}; {commands}'
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    return done.stdout.splitlines()


@pytest.mark.parametrize("python", python_params())
def test_venv_python_runs_inside_the_venv(python: Path, cache_dir: Path, tmp_path: Path) -> None:
    base = base_of(python, cache_dir)
    venv = tmp_path / "venv"
    venv_python = create_virtualenv(venv, base)
    assert venv_python == venv / "bin" / "python"
    seen = inspect(venv_python)
    site_packages = venv / "lib" / f"python{base.python_version}" / "site-packages"
    assert seen["prefix"] == str(venv)
    assert seen["base_prefix"] == str(base.sys_prefix)
    assert str(site_packages) in seen["path"]  # type: ignore[operator]
    for alias in ("python3", f"python{base.python_version}"):
        assert inspect(venv / "bin" / alias)["prefix"] == str(venv)
    assert (venv / "lib64").resolve() == (venv / "lib").resolve()


@pytest.mark.parametrize("python", python_params())
def test_query_of_the_new_venv(python: Path, cache_dir: Path, tmp_path: Path) -> None:
    base = base_of(python, cache_dir)
    venv = tmp_path / "venv"
    interpreter = query_interpreter(create_virtualenv(venv, base), cache_dir=cache_dir)
    version = base.python_version
    assert interpreter.is_virtualenv
    assert interpreter.sys_base_prefix == base.sys_prefix
    assert interpreter.scheme.purelib == venv / "lib" / f"python{version}" / "site-packages"
    assert interpreter.scheme.platlib == interpreter.scheme.purelib
    assert interpreter.scheme.scripts == venv / "bin"
    assert interpreter.scheme.data == venv
    assert interpreter.scheme.include == venv / "include" / "site" / f"python{version}"
    assert interpreter.tags == base.tags


@pytest.mark.parametrize("python", python_params())
def test_activation_scripts_equal_what_venv_writes(
    python: Path, cache_dir: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "my env"
    subprocess.run([str(python), "-m", "venv", "--without-pip", str(venv)], check=True)
    expected = {name: (venv / "bin" / name).read_bytes() for name in ACTIVATION_SCRIPTS}
    create_virtualenv(venv, base_of(python, cache_dir))
    assert {name: (venv / "bin" / name).read_bytes() for name in ACTIVATION_SCRIPTS} == expected


@pytest.mark.parametrize("python", python_params())
def test_sourcing_activate_puts_the_venv_first_on_path(
    python: Path, cache_dir: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    create_virtualenv(venv, base_of(python, cache_dir), prompt="work")
    path, which, virtual_env, prompt, restored = source_activate(
        venv,
        'echo "$PATH"; command -v python; echo "$VIRTUAL_ENV"; echo "$PS1"; '
        'deactivate; echo "$PATH"',
    )
    assert path.split(":")[0] == str(venv / "bin")
    assert which == str(venv / "bin" / "python")
    assert virtual_env == str(venv)
    assert prompt == "(work) $ "
    assert restored == "/usr/bin:/bin"


def test_pyvenv_cfg(cache_dir: Path, tmp_path: Path) -> None:
    base = base_of(Path(sys.executable), cache_dir)
    assert base.base_executable is not None
    real = base.base_executable
    venv = tmp_path / "venv"
    create_virtualenv(venv, base, prompt="my project", system_site_packages=True)
    assert (venv / "pyvenv.cfg").read_text() == (
        f"home = {real.parent}\n"
        "include-system-site-packages = true\n"
        "version = {}.{}.{}\n".format(*base.version)
        + "prompt = 'my project'\n"
        f"executable = {real}\n"
        f"puffin = {__version__}\n"
    )
    assert (venv / ".gitignore").read_text() == "# Created by puffin venv\n*\n"


def test_system_site_packages_are_visible_when_asked(cache_dir: Path, tmp_path: Path) -> None:
    base = base_of(Path(sys.executable), cache_dir)
    base_site = str(
        query_interpreter(base.base_executable or base.executable, cache_dir=None).scheme.purelib
    )
    with_system = inspect(create_virtualenv(tmp_path / "a", base, system_site_packages=True))
    without = inspect(create_virtualenv(tmp_path / "b", base))
    assert base_site in with_system["path"]  # type: ignore[operator]
    assert base_site not in without["path"]  # type: ignore[operator]


def test_venv_made_from_a_venv_links_the_real_interpreter(cache_dir: Path, tmp_path: Path) -> None:
    base = base_of(Path(sys.executable), cache_dir)
    first = create_virtualenv(tmp_path / "first", base)
    second = create_virtualenv(tmp_path / "second", query_interpreter(first, cache_dir=cache_dir))
    assert os.readlink(second) == str(base.base_executable)
    assert inspect(second)["base_prefix"] == str(base.sys_base_prefix)


def test_an_existing_venv_is_replaced(cache_dir: Path, tmp_path: Path) -> None:
    base = base_of(Path(sys.executable), cache_dir)
    venv = tmp_path / "venv"
    create_virtualenv(venv, base)
    (venv / "lib" / f"python{base.python_version}" / "site-packages" / "old.py").write_text("")
    create_virtualenv(venv, base)
    assert list((venv / "lib" / f"python{base.python_version}" / "site-packages").iterdir()) == []
    assert inspect(venv / "bin" / "python")["prefix"] == str(venv)


def test_an_existing_venv_is_kept_without_clear(cache_dir: Path, tmp_path: Path) -> None:
    base = base_of(Path(sys.executable), cache_dir)
    venv = tmp_path / "venv"
    create_virtualenv(venv, base)
    with pytest.raises(InstallError) as raised:
        create_virtualenv(venv, base, clear=False)
    assert str(raised.value) == (
        f"Cannot create a virtual environment at {venv}: one exists there already"
    )


def test_a_non_empty_directory_that_is_not_a_venv_is_refused(
    cache_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("precious")
    with pytest.raises(InstallError) as raised:
        create_virtualenv(tmp_path, base_of(Path(sys.executable), cache_dir))
    assert str(raised.value) == (
        f"Cannot create a virtual environment at {tmp_path}: "
        "the directory is not empty and is not a virtual environment"
    )
    assert (tmp_path / "notes.txt").read_text() == "precious"


def test_a_file_in_the_way_is_refused(cache_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "venv").write_text("")
    with pytest.raises(InstallError) as raised:
        create_virtualenv(tmp_path / "venv", base_of(Path(sys.executable), cache_dir))
    assert str(raised.value) == (
        f"Cannot create a virtual environment at {tmp_path / 'venv'}: "
        "it exists and is not a directory"
    )


def test_an_empty_directory_is_used(cache_dir: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    venv.mkdir()
    python = create_virtualenv(venv, base_of(Path(sys.executable), cache_dir))
    assert inspect(python)["prefix"] == str(venv)


def test_templates_written_for_quoted_values_get_them_quoted(
    cache_dir: Path, tmp_path: Path
) -> None:
    """Templates fixed for gh-124651 leave placeholders bare: each value must arrive quoted."""
    stdlib = tmp_path / "stdlib"
    (stdlib / "venv" / "scripts" / "common").mkdir(parents=True)
    (stdlib / "venv" / "scripts" / "common" / "activate").write_text(
        "VIRTUAL_ENV=__VENV_DIR__\nexport VIRTUAL_ENV\n"
        'PATH="$VIRTUAL_ENV/"__VENV_BIN_NAME__":$PATH"\nexport PATH\n'
        "VIRTUAL_ENV_PROMPT=__VENV_PROMPT__\n"
    )
    base = dataclasses.replace(base_of(Path(sys.executable), cache_dir), stdlib=stdlib)
    venv = tmp_path / 'it\'s a $HOME "venv"'
    create_virtualenv(venv, base, prompt="x; y")
    virtual_env, first_on_path, prompt = source_activate(
        venv, 'echo "$VIRTUAL_ENV"; echo "${PATH%%:*}"; echo "$VIRTUAL_ENV_PROMPT"'
    )
    assert virtual_env == str(venv)
    assert first_on_path == str(venv / "bin")
    assert prompt == ("x; y" if base.version >= (3, 13) else "(x; y) ")


def test_a_base_without_activation_templates_still_makes_a_venv(
    cache_dir: Path, tmp_path: Path
) -> None:
    base = dataclasses.replace(base_of(Path(sys.executable), cache_dir), stdlib=tmp_path / "none")
    python = create_virtualenv(tmp_path / "venv", base)
    assert inspect(python)["prefix"] == str(tmp_path / "venv")
    assert sorted(p.name for p in python.parent.iterdir()) == sorted(
        ["python", "python3", f"python{base.python_version}"]
    )


def test_a_filesystem_failure_is_an_install_error(cache_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    venv = tmp_path / "file" / "venv"
    with pytest.raises(InstallError) as raised:
        create_virtualenv(venv, base_of(Path(sys.executable), cache_dir))
    assert str(raised.value) == f"Cannot create a virtual environment at {venv}: Not a directory"
