"""Install one unpacked wheel from the archive cache into an environment, all or nothing."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from puffin.errors import InstallError
from puffin.installer.link import Linker
from puffin.installer.link_mode import LinkMode
from puffin.installer.record import format_record, write_new_file
from puffin.installer.site_packages import InstalledDistribution, is_editable_direct_url
from puffin.installer.wheel_layout import plan_wheel_layout
from puffin.interpreter import Scheme
from puffin.names import PackageName


@dataclass(frozen=True)
class InstalledWheel(InstalledDistribution):
    """What `install_wheel` installed: the distribution, plus its modules to byte-compile."""

    python_sources: tuple[str, ...]  # every `.py` written, absolute

    @property
    def python_files(self) -> tuple[Path, ...]:
        """The `.py` files written, for `compile_bytecode` (made into Paths only if asked)."""
        return tuple(map(Path, self.python_sources))


def install_wheel(
    archive_dir: Path,
    *,
    name: PackageName,
    version: str,
    scheme: Scheme,
    python_executable: Path,
    link_mode: LinkMode,
    direct_url: str | None,
    requested: bool,
    installer: str = "puffin",
) -> InstalledWheel:
    """Install the unpacked wheel at `archive_dir`; on failure raise InstallError, leaving
    nothing behind.

    The archive tree is shared by every environment and never modified: a file that must
    differ (a `#!python` script) is written as a new file. The whole layout, RECORD included,
    is computed before the first write; writing starts with the dist-info directory and its
    RECORD, so even a process killed midway leaves something `uninstall` can remove, and
    ends with METADATA, so until then the install reads as incomplete.
    """
    archive = os.fspath(archive_dir)
    editable = _check_direct_url(direct_url, name, version)
    extra_dist_info = {"INSTALLER": f"{installer}\n".encode()}
    if requested:
        extra_dist_info["REQUESTED"] = b""
    if direct_url is not None:
        extra_dist_info["direct_url.json"] = direct_url.encode("utf-8")
    try:
        layout = plan_wheel_layout(
            archive,
            name=name,
            scheme=scheme,
            python=os.fspath(python_executable),
            extra_dist_info=extra_dist_info,
        )
    except OSError as error:  # the archive entry is unreadable: nothing was written yet
        raise InstallError(f"Cannot install {name} {version}: {_describe(error)}") from error

    lib_dir, dist_info = layout.lib_dir, layout.dist_info
    try:
        os.makedirs(lib_dir, exist_ok=True)
        os.mkdir(dist_info)
    except FileExistsError:
        raise InstallError(
            f"Cannot install {name} {version}: {dist_info} already exists"
            " (uninstall the installed copy first)"
        ) from None
    except OSError as error:
        raise InstallError(f"Failed to install {name} {version}: {_describe(error)}") from error

    created_files: list[str] = []
    created_dirs: list[str] = [dist_info]
    try:
        record_path = os.path.join(dist_info, "RECORD")
        write_new_file(record_path, format_record(layout.record_rows()), 0o644)
        created_files.append(record_path)
        known_dirs = {dist_info}
        for directory in layout.directories():
            _ensure_dir(directory, known_dirs, created_dirs)
        # METADATA comes last: a dist-info without it is what site_packages reports as
        # incomplete, so a process killed before this point is reinstalled by the next sync.
        metadata = os.path.join(dist_info, "METADATA")
        pairs = [(link.source, link.target) for link in layout.links if link.target != metadata]
        last = [(link.source, link.target) for link in layout.links if link.target == metadata]
        linker = Linker(link_mode, archive, lib_dir)
        linker.link_all(pairs, created_files)
        for generated in layout.generated:
            if write_new_file(generated.target, generated.data, generated.mode):
                created_files.append(generated.target)
        linker.link_all(last, created_files)
    except BaseException as error:
        _undo(created_files, created_dirs)
        if isinstance(error, Exception):
            raise InstallError(f"Failed to install {name} {version}: {_describe(error)}") from error
        raise
    return InstalledWheel(
        name=name,
        version=version,
        dist_info=Path(dist_info),
        direct_url=direct_url,
        editable=editable,
        python_sources=layout.python_sources(),
    )


def _describe(error: Exception) -> str:
    if isinstance(error, OSError) and error.strerror and error.filename:
        return f"{error.strerror} ({error.filename})"
    return str(error)


def _check_direct_url(direct_url: str | None, name: PackageName, version: str) -> bool:
    if direct_url is None:
        return False
    try:
        json.loads(direct_url)
    except ValueError as error:
        raise InstallError(
            f"Cannot install {name} {version}: direct_url.json is not JSON ({error})"
        ) from None
    return is_editable_direct_url(direct_url)


def _ensure_dir(path: str, known: set[str], created: list[str]) -> None:
    if path in known:
        return
    try:
        os.mkdir(path)
    except FileExistsError:
        known.add(path)
        return
    except FileNotFoundError:
        _ensure_dir(os.path.dirname(path), known, created)
        try:
            os.mkdir(path)
        except FileExistsError:
            # Wheels install in parallel threads; another one may have made it just now.
            known.add(path)
            return
    known.add(path)
    created.append(path)


def _undo(created_files: list[str], created_dirs: list[str]) -> None:
    """Remove what a failed install made: its files, then its directories, deepest first."""
    for path in created_files:
        with contextlib.suppress(OSError):
            os.unlink(path)
    for path in sorted(created_dirs, key=len, reverse=True):
        with contextlib.suppress(OSError):
            os.rmdir(path)
