"""What is installed in an environment, read from directory names in one scan."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from puffin.interpreter import Scheme
from puffin.names import PackageName, normalize_name

# `<escaped name>-<version>.dist-info` as every modern installer writes it (the name's runs of
# `-_.` become `_`, so the first `-` ends the name). Anything else: read METADATA.
_DIST_INFO_STEM = re.compile(
    r"(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._]*[A-Za-z0-9])?)-(?P<version>[0-9][A-Za-z0-9.+!_]*)"
)


@dataclass(frozen=True)
class InstalledDistribution:
    """One distribution found in site-packages."""

    name: PackageName
    version: str
    dist_info: Path  # the `.dist-info` dir; for legacy installs the `.egg-info` or `.egg-link`
    direct_url: str | None  # raw text of direct_url.json (PEP 610), None for registry installs
    editable: bool
    # False for a dist-info without METADATA: an install or uninstall that was stopped
    # part-way (puffin writes METADATA last and removes it first); a sync reinstalls it.
    complete: bool = field(default=True, kw_only=True)

    @property
    def is_legacy(self) -> bool:
        """Installed by setuptools without a dist-info (`.egg-info`, `setup.py develop`)."""
        return self.dist_info.suffix != ".dist-info"


def scan_site_packages(scheme: Scheme) -> dict[PackageName, InstalledDistribution]:
    """Every distribution in purelib and platlib, by normalized name.

    Runs on every sync, so it costs one directory listing, plus a read of METADATA only for a
    dist-info whose name does not parse, and an attempt to open direct_url.json. When one name
    is installed twice (a broken environment), a `.dist-info` wins over legacy metadata, then
    the lexically first directory.
    """
    found: dict[PackageName, InstalledDistribution] = {}
    directories = [scheme.purelib]
    if scheme.platlib != scheme.purelib:
        directories.append(scheme.platlib)
    for directory in directories:
        try:
            with os.scandir(directory) as entries:
                names = sorted(entry.name for entry in entries)
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry_name in names:
            path = os.path.join(directory, entry_name)
            dist = _read_entry(path, entry_name)
            if dist is None:
                continue
            previous = found.get(dist.name)
            if previous is None or (previous.is_legacy and not dist.is_legacy):
                found[dist.name] = dist
    return found


def _read_entry(path: str, entry_name: str) -> InstalledDistribution | None:
    if entry_name.endswith(".dist-info"):
        return _from_dist_info(path, entry_name[: -len(".dist-info")])
    if entry_name.endswith(".egg-info"):
        return _from_egg_info(path)
    if entry_name.endswith(".egg-link"):
        return _from_egg_link(path, entry_name[: -len(".egg-link")])
    return None


def _from_dist_info(path: str, stem: str) -> InstalledDistribution | None:
    match = _DIST_INFO_STEM.fullmatch(stem)
    if match:
        name, version = match["name"], match["version"]
        # One stat, the price of noticing an install that a kill -9 cut short.
        complete = os.path.exists(os.path.join(path, "METADATA"))
    else:
        headers = read_metadata_headers(os.path.join(path, "METADATA"))
        if headers is None or "name" not in headers or "version" not in headers:
            return None
        name, version = headers["name"], headers["version"]
        complete = True
    direct_url = _read_optional(os.path.join(path, "direct_url.json"))
    return InstalledDistribution(
        name=normalize_name(name),
        version=version,
        dist_info=Path(path),
        direct_url=direct_url,
        editable=is_editable_direct_url(direct_url),
        complete=complete,
    )


def _from_egg_info(path: str) -> InstalledDistribution | None:
    # A directory holds PKG-INFO; distutils wrote the PKG-INFO content as the `.egg-info` file.
    pkg_info = os.path.join(path, "PKG-INFO") if os.path.isdir(path) else path
    headers = read_metadata_headers(pkg_info)
    if headers is None or "name" not in headers or "version" not in headers:
        return None
    return InstalledDistribution(
        name=normalize_name(headers["name"]),
        version=headers["version"],
        dist_info=Path(path),
        direct_url=None,
        editable=False,
    )


def _from_egg_link(path: str, stem: str) -> InstalledDistribution | None:
    """`setup.py develop`: the link file names the project dir, which holds the `.egg-info`."""
    text = _read_optional(path)
    if text is None or not text.strip():
        return None
    project = text.splitlines()[0].strip()
    version = "unknown"
    try:
        with os.scandir(project) as entries:
            egg_infos = sorted(e.path for e in entries if e.name.endswith(".egg-info"))
    except OSError:
        egg_infos = []
    for egg_info in egg_infos:
        headers = read_metadata_headers(os.path.join(egg_info, "PKG-INFO"))
        if headers and normalize_name(headers.get("name", "")) == normalize_name(stem):
            version = headers.get("version", version)
            break
    return InstalledDistribution(
        name=normalize_name(stem),
        version=version,
        dist_info=Path(path),
        direct_url=None,
        editable=True,
    )


def read_metadata_headers(path: str) -> dict[str, str] | None:
    """The first value of each header of a METADATA/PKG-INFO file (keys lowercased)."""
    text = _read_optional(path)
    if text is None:
        return None
    headers: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break  # the body (long description) starts here
        key, colon, value = line.partition(":")
        if colon and not line[0].isspace():
            headers.setdefault(key.strip().lower(), value.strip())
    return headers


def is_editable_direct_url(direct_url: str | None) -> bool:
    """Whether direct_url.json text describes an editable install (`dir_info.editable`)."""
    if direct_url is None:
        return False
    try:
        data = json.loads(direct_url)
    except ValueError:
        return False
    dir_info = data.get("dir_info") if isinstance(data, dict) else None
    return isinstance(dir_info, dict) and dir_info.get("editable") is True


def _read_optional(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            return file.read()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
