"""Unpack an sdist (tar or zip) safely into a new directory: every member stays inside it."""

from __future__ import annotations

import os
import shutil
import stat
import tarfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from puffin.errors import BuildError, InvalidSdist
from puffin.fs import temp_dir_in


def extract_sdist(archive: Path, dest: Path) -> Path:
    """Unpack `archive` into `dest` (which must not exist); return the source tree inside it.

    The tree is the archive's single top-level directory (`foo-1.0/`), or `dest` itself when
    there is not exactly one. Members are written into a temp directory beside `dest` that is
    renamed into place at the end, so a hostile or broken archive leaves nothing behind. The
    kind is read from the bytes, not the name: a URL's `master.zip` may hold anything.
    """
    with temp_dir_in(dest.parent, prefix=f".tmp-{dest.name}-") as temp:
        tree = temp / "tree"
        tree.mkdir()
        if zipfile.is_zipfile(archive):
            _extract_zip(archive, tree)
        else:
            _extract_tar(archive, tree)
        top = _single_top_directory(tree)
        try:
            os.rename(tree, dest)
        except OSError as error:
            raise BuildError(
                f"Cannot move the extracted {archive.name} to {dest}: {error.strerror or error}"
            ) from None
    return dest / top if top is not None else dest


def _single_top_directory(tree: Path) -> str | None:
    entries = list(tree.iterdir())
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink():
        return entries[0].name
    return None


def _extract_tar(archive: Path, tree: Path) -> None:
    data_filter = getattr(tarfile, "data_filter", None)
    if data_filter is None:
        # The filter arrived in 3.10.12/3.11.4; extracting without it trusts the archive.
        raise BuildError(
            f"Cannot extract {archive.name} safely: this Python has no tarfile data filter "
            "(upgrade to Python 3.10.12, 3.11.4 or newer)"
        )

    def strict_filter(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo | None:
        # The data filter would quietly re-root `/etc/x` as `etc/x`; an sdist holding an
        # absolute path was made by something hostile or broken, so refuse it as wheels are.
        if member.name.startswith(("/", os.sep)):
            raise tarfile.AbsolutePathError(member)
        filtered: tarfile.TarInfo | None = data_filter(member, path)
        return filtered

    with _open_tar(archive) as tar:
        try:
            tar.extractall(tree, filter=strict_filter)
        except tarfile.FilterError as error:
            member = error.tarinfo.name
            raise InvalidSdist(archive.name, f"member {member!r} {_filter_reason(error)}") from None
        except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
            raise InvalidSdist(archive.name, f"cannot be extracted ({error})") from None


def _open_tar(archive: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(archive, "r:*")
    except tarfile.ReadError:
        raise InvalidSdist(archive.name, "it is neither a tar nor a zip archive") from None
    except OSError as error:
        raise InvalidSdist(archive.name, f"cannot be read ({error.strerror or error})") from None


def _filter_reason(error: tarfile.FilterError) -> str:
    if isinstance(error, tarfile.AbsolutePathError):
        return "has an absolute path"
    if isinstance(error, tarfile.OutsideDestinationError):
        return "would be written outside the source tree"
    if isinstance(error, tarfile.AbsoluteLinkError):
        return "is a link to an absolute path"
    if isinstance(error, tarfile.LinkOutsideDestinationError):
        return "is a link pointing outside the source tree"
    if isinstance(error, tarfile.SpecialFileError):
        return "is a device, FIFO or other special file"
    return f"is refused by the tar data filter ({error})"


def _extract_zip(archive: Path, tree: Path) -> None:
    try:
        with zipfile.ZipFile(archive) as zipped:
            for info in zipped.infolist():
                _extract_zip_member(archive, zipped, info, tree)
    except (zipfile.BadZipFile, OSError, zlib.error) as error:
        raise InvalidSdist(archive.name, f"cannot be extracted ({error})") from None


def _extract_zip_member(
    archive: Path, zipped: zipfile.ZipFile, info: zipfile.ZipInfo, tree: Path
) -> None:
    name = info.filename
    path = PurePosixPath(name)
    if not path.parts:
        return
    # A drive letter or UNC prefix is absolute for a reader on Windows, so refuse it everywhere.
    if path.is_absolute() or name.startswith("\\") or ":" in path.parts[0]:
        raise InvalidSdist(archive.name, f"member {name!r} has an absolute path")
    if ".." in path.parts:
        raise InvalidSdist(
            archive.name, f"member {name!r} would be written outside the source tree"
        )
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise InvalidSdist(archive.name, f"member {name!r} is a symlink")
    target = tree.joinpath(*path.parts)
    if info.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipped.open(info) as source, open(target, "wb") as sink:
        shutil.copyfileobj(source, sink)
    # Zip keeps Unix modes only when made on Unix; keep the executable bit for scripts.
    if mode & 0o111:
        target.chmod(0o755)
