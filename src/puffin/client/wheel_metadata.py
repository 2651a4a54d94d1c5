"""Reading a wheel's `*.dist-info/METADATA` out of a downloaded archive."""

from __future__ import annotations

import zipfile
from pathlib import Path

from puffin.errors import InvalidWheel
from puffin.filenames import WheelFilename
from puffin.names import normalize_name


def read_wheel_metadata(path: Path, wheel: WheelFilename) -> bytes:
    """The METADATA of the wheel at `path` (blocking); InvalidWheel if it has none.

    The dist-info directory must sit at the archive root; when several do, the one whose
    name matches the wheel's project is taken.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            candidates = [
                name
                for name in archive.namelist()
                if name.count("/") == 1 and name.endswith(".dist-info/METADATA")
            ]
            for name in candidates:
                project = name.split("/")[0][: -len(".dist-info")].rpartition("-")[0]
                if normalize_name(project) == wheel.name:
                    return archive.read(name)
    except (OSError, zipfile.BadZipFile) as error:
        raise InvalidWheel(wheel.filename, f"not a readable zip archive ({error})") from None
    raise InvalidWheel(
        wheel.filename, f"no {wheel.name}-*.dist-info/METADATA file at the archive root"
    )
