"""Wheels rebuilt from distributions installed beside the tests (build backends, for an index).

The hermetic suite serves real PEP 517 backends (setuptools, hatchling, flit-core) from its own
index without reaching PyPI: each installed distribution's RECORD names its files, which are
packed back into a pure wheel with the dist-info it came with (RECORD rewritten).
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import zipfile
from collections.abc import Iterable
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement


def wheel_from_installed(name: str, out_dir: Path) -> Path:
    """`<name>-<version>-py3-none-any.whl` holding the installed files of `name`."""
    distribution = importlib.metadata.distribution(name)
    files = [
        path
        for path in distribution.files or ()
        if path.parts[0] != ".."  # scripts installed outside site-packages
        and "__pycache__" not in path.parts
        and path.name != "RECORD"
    ]
    dist_info = next(path.parts[0] for path in files if path.parts[0].endswith(".dist-info"))
    stem = dist_info.removesuffix(".dist-info")
    target = out_dir / f"{stem}-py3-none-any.whl"
    out_dir.mkdir(parents=True, exist_ok=True)
    record = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            data = Path(str(distribution.locate_file(path))).read_bytes()
            archive.writestr(path.as_posix(), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append(f"{path.as_posix()},sha256={digest.decode()},{len(data)}")
        record.append(f"{dist_info}/RECORD,,")
        archive.writestr(f"{dist_info}/RECORD", "\n".join(record) + "\n")
    return target


def with_dependencies(names: Iterable[str]) -> list[str]:
    """`names` and every installed distribution they need (markers of this interpreter)."""
    environment = {key: str(value) for key, value in default_environment().items()}
    found: dict[str, None] = {}
    pending = list(names)
    while pending:
        name = pending.pop()
        key = name.lower().replace("_", "-")
        if key in found:
            continue
        found[key] = None
        for text in importlib.metadata.requires(name) or ():
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate(
                {**environment, "extra": ""}
            ):
                pending.append(requirement.name)
    return list(found)
