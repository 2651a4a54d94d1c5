"""The installed distributions pip-install's resolver may keep, and the versions it prefers."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from packaging.version import InvalidVersion, Version

from puffin.installer.site_packages import InstalledDistribution
from puffin.names import PackageName
from puffin.resolver.python_provider import DirectPackage


class InstalledOffer(Mapping[PackageName, DirectPackage]):
    """Installed distributions as the resolver's `installed`: version now, METADATA on first
    use, so a large environment costs one read per package the resolution reaches, not one
    per package installed. A distribution whose METADATA cannot be read counts as absent."""

    def __init__(self, versions: Mapping[PackageName, tuple[Version, Path]]) -> None:
        self._versions = dict(versions)
        self._read: dict[PackageName, DirectPackage] = {}

    def __getitem__(self, name: PackageName) -> DirectPackage:
        found = self._read.get(name)
        if found is None:
            version, metadata_path = self._versions[name]
            try:
                metadata = metadata_path.read_bytes()
            except OSError:
                raise KeyError(name) from None
            found = self._read[name] = DirectPackage(version, metadata)
        return found

    def __iter__(self) -> Iterator[PackageName]:
        return iter(self._versions)

    def __len__(self) -> int:
        return len(self._versions)


def installed_offer(
    installed: Mapping[PackageName, InstalledDistribution],
    *,
    excluded: frozenset[PackageName] | bool,
) -> InstalledOffer:
    """Every complete dist-info install of a PEP 440 version, from any source (a registry
    requirement is met by an editable of a fitting version, as in uv), less `excluded`
    (True: all) — the packages to upgrade or reinstall, which must come from the index."""
    if excluded is True:
        return InstalledOffer({})
    versions: dict[PackageName, tuple[Version, Path]] = {}
    for name, dist in installed.items():
        if (excluded and name in excluded) or not dist.complete or dist.is_legacy:
            continue
        version = parse_version(dist.version)
        if version is not None:
            versions[name] = (version, dist.dist_info / "METADATA")
    return InstalledOffer(versions)


def installed_preferences(
    installed: Mapping[PackageName, InstalledDistribution],
    *,
    excluded: frozenset[PackageName] | bool,
) -> dict[PackageName, Version]:
    """The installed versions, tried first for packages the offer leaves out (a reinstall
    keeps its version when the index still has it); none for the packages to upgrade."""
    if excluded is True:
        return {}
    preferences = {}
    for name, dist in installed.items():
        version = parse_version(dist.version)
        if version is not None and not (excluded and name in excluded):
            preferences[name] = version
    return preferences


def parse_version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None
