"""Create a virtualenv from a queried base interpreter, without running any Python."""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

from puffin import __version__
from puffin.errors import InstallError
from puffin.interpreter import Interpreter

_PLACEHOLDERS = (
    "__VENV_DIR__",
    "__VENV_NAME__",
    "__VENV_PROMPT__",
    "__VENV_BIN_NAME__",
    "__VENV_PYTHON__",
)


def create_virtualenv(
    path: Path,
    base: Interpreter,
    *,
    prompt: str | None = None,
    system_site_packages: bool = False,
    clear: bool = True,
) -> Path:
    """Make `path` a virtualenv of `base` (as `python -m venv --without-pip` would); its python.

    Everything comes from the queried `base`, so no interpreter runs (python -m venv spends
    most of its time starting one). An existing virtualenv at `path` is replaced when `clear`;
    any other non-empty directory is refused. Activation scripts are the base's own templates
    from its stdlib's `venv/scripts`, filled in as that version's venv fills them; a Python
    installed without them gets a venv without activation scripts. POSIX layout only.
    """
    if os.name == "nt":
        raise InstallError("Creating virtual environments on Windows is not supported yet")
    path = Path(os.path.abspath(path))
    real_python = _real_executable(base)
    try:
        _prepare_directory(path, clear=clear)
        return _populate(path, base, real_python, prompt, system_site_packages)
    except OSError as error:
        reason = error.strerror or str(error)
        named = error.filename and os.fspath(error.filename) != str(path)
        where = f" ({error.filename})" if named else ""
        raise InstallError(
            f"Cannot create a virtual environment at {path}: {reason}{where}"
        ) from None


def _populate(
    path: Path, base: Interpreter, real_python: Path, prompt: str | None, system_site: bool
) -> Path:

    # sysconfig names the free-threaded build's directory "python3.13t".
    lib_name = "pypy" if base.implementation_name == "pypy" else "python"
    lib_name += base.python_version + ("t" if base.gil_disabled else "")
    path.mkdir(parents=True, exist_ok=True)
    bin_dir = path / "bin"
    lib = path / "lib"
    # One mkdir per level, parents first: `parents=True` would first fail on every level.
    for directory in (bin_dir, lib, lib / lib_name, lib / lib_name / "site-packages"):
        directory.mkdir()
    # venv adds lib64 -> lib on 64-bit POSIX except macOS (bpo-21197); some tools look there.
    if base.pointer_size == 8 and not base.sysconfig_platform.startswith("macosx"):
        os.symlink("lib", path / "lib64")

    python = bin_dir / "python"
    os.symlink(real_python, python)
    for alias in (f"python{base.version[0]}", f"python{base.python_version}"):
        os.symlink("python", bin_dir / alias)

    _write_text(path / "pyvenv.cfg", _pyvenv_cfg(path, base, real_python, prompt, system_site))
    if base.stdlib is not None:
        _install_activation_scripts(path, base, base.stdlib, prompt or path.name)
    _write_text(path / ".gitignore", "# Created by puffin venv\n*\n")
    return python


def _real_executable(base: Interpreter) -> Path:
    """The real interpreter binary: a venv made from a venv must not depend on the first one."""
    real = base.base_executable or Path(os.path.realpath(base.executable))
    if not real.is_file():
        raise InstallError(f"The base interpreter {real} of {base.executable} does not exist")
    return real


def _prepare_directory(path: Path, *, clear: bool) -> None:
    if not path.exists() and not path.is_symlink():
        return
    if not path.is_dir():
        raise InstallError(
            f"Cannot create a virtual environment at {path}: it exists and is not a directory"
        )
    entries = list(path.iterdir())
    if not entries:
        return
    if not (path / "pyvenv.cfg").is_file():
        raise InstallError(
            f"Cannot create a virtual environment at {path}: "
            "the directory is not empty and is not a virtual environment"
        )
    if not clear:
        raise InstallError(
            f"Cannot create a virtual environment at {path}: one exists there already"
        )
    # Empty the directory rather than replace it: it may be a mount point or someone's cwd.
    for entry in entries:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def _pyvenv_cfg(
    path: Path, base: Interpreter, real_python: Path, prompt: str | None, system_site: bool
) -> str:
    lines = [
        f"home = {real_python.parent}",
        f"include-system-site-packages = {'true' if system_site else 'false'}",
        "version = {}.{}.{}".format(*base.version),
    ]
    if prompt is not None:
        lines.append(f"prompt = {prompt!r}")  # venv writes the repr; keep its format
    lines.append(f"executable = {real_python}")
    # Marks the venv as puffin's own: pip-sync then manages pip and setuptools like any other
    # package, while in a venv someone else made it leaves those seed packages alone.
    lines.append(f"puffin = {__version__}")
    return "\n".join(lines) + "\n"


def created_by_puffin(prefix: Path) -> bool:
    """Whether the environment at `prefix` was made by `puffin venv` (its pyvenv.cfg says so)."""
    try:
        with open(prefix / "pyvenv.cfg", encoding="utf-8") as config:
            return any(line.partition("=")[0].strip() == "puffin" for line in config)
    except OSError:
        return False


def _install_activation_scripts(path: Path, base: Interpreter, stdlib: Path, prompt: str) -> None:
    templates = stdlib / "venv" / "scripts"
    # Before 3.13 the templates wrap the prompt themselves only partly: venv hands them
    # "(name) " with the parentheses and the trailing space; from 3.13 on, the bare name.
    prompt_value = prompt if base.version[:2] >= (3, 13) else f"({prompt}) "
    values = {
        "__VENV_DIR__": str(path),
        "__VENV_NAME__": path.name,
        "__VENV_PROMPT__": prompt_value,
        "__VENV_BIN_NAME__": "bin",
        "__VENV_PYTHON__": str(path / "bin" / "python"),
    }
    for group in ("common", "posix"):
        try:
            sources = sorted(entry for entry in (templates / group).iterdir() if entry.is_file())
        except OSError:
            continue  # e.g. Debian ships venv's scripts in a separate package
        for source in sources:
            # Bytes in, bytes out: Activate.ps1 carries a signature that any rewrite breaks.
            data = source.read_bytes()
            target = path / "bin" / source.name
            with open(target, "wb") as file:
                file.write(_fill_template(data.decode("utf-8"), source.name, values).encode())
            os.chmod(target, source.stat().st_mode & 0o777)


def _fill_template(text: str, name: str, values: dict[str, str]) -> str:
    """Substitute venv's placeholders the way the template expects.

    Older templates put each placeholder inside double quotes themselves. Templates fixed for
    gh-124651 leave them bare and expect venv to quote every value for the script's shell
    (POSIX quoting for everything but PowerShell), so a path holding `"` or `$` stays inert.
    """
    if "__VENV_DIR__" in text and '"__VENV_DIR__"' not in text:
        quote = _quote_powershell if name.endswith(".ps1") else shlex.quote
        values = {key: quote(value) for key, value in values.items()}
    for placeholder in _PLACEHOLDERS:
        text = text.replace(placeholder, values[placeholder])
    return text


def _quote_powershell(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _write_text(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as file:
        file.write(text)
