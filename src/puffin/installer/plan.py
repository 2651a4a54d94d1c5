"""Compare what should be installed with what is: keep, install, reinstall, remove. No I/O."""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from puffin.installer.site_packages import InstalledDistribution
from puffin.names import PackageName


@dataclass(frozen=True)
class Desired:
    """One distribution the environment must hold after a sync."""

    name: PackageName
    version: str
    source_key: str | None  # None: a registry; else source_key_of_url / source_key_of_direct_url
    editable: bool = False


class ReinstallReason(enum.Enum):
    """Why an installed distribution is replaced although its name stays."""

    VERSION_CHANGE = "version change"
    SOURCE_CHANGE = "source change"
    REQUESTED = "requested"
    INCOMPLETE = "incomplete"  # an install or uninstall was stopped part-way


@dataclass(frozen=True)
class Reinstall:
    """An installed distribution to remove and install again."""

    desired: Desired
    installed: InstalledDistribution
    reason: ReinstallReason


@dataclass(frozen=True)
class Plan:
    """What a sync does; every list is sorted by name."""

    keep: tuple[InstalledDistribution, ...]
    install: tuple[Desired, ...]
    reinstall: tuple[Reinstall, ...]
    remove: tuple[InstalledDistribution, ...]

    @property
    def is_empty(self) -> bool:
        """Nothing to change: the environment already matches."""
        return not (self.install or self.reinstall or self.remove)


def plan_sync(
    desired: Sequence[Desired],
    installed: Mapping[PackageName, InstalledDistribution],
    *,
    reinstall_all: bool,
    reinstall: frozenset[PackageName],
) -> Plan:
    """The changes that make `installed` hold exactly `desired`.

    A distribution is kept only when it is complete (see InstalledDistribution), its version
    is equal (as versions: 1.0 == 1.0.0), its source is the same (`same_source`) and so is
    its editable flag, and no reinstall was asked for it. Every installed distribution not
    desired is removed; a caller that protects some (pip itself) leaves them out of
    `installed`. A name desired twice is a programming error (ValueError).
    """
    wanted: dict[PackageName, Desired] = {}
    keep: list[InstalledDistribution] = []
    install: list[Desired] = []
    replace: list[Reinstall] = []
    for item in desired:
        if item.name in wanted:
            raise ValueError(f"{item.name} is desired twice")
        wanted[item.name] = item
        current = installed.get(item.name)
        if current is None:
            install.append(item)
            continue
        reason = _reinstall_reason(item, current, reinstall_all or item.name in reinstall)
        if reason is None:
            keep.append(current)
        else:
            replace.append(Reinstall(item, current, reason))
    remove = [dist for name, dist in installed.items() if name not in wanted]
    return Plan(
        keep=tuple(sorted(keep, key=lambda dist: dist.name)),
        install=tuple(sorted(install, key=lambda item: item.name)),
        reinstall=tuple(sorted(replace, key=lambda change: change.desired.name)),
        remove=tuple(sorted(remove, key=lambda dist: dist.name)),
    )


def _reinstall_reason(
    desired: Desired, installed: InstalledDistribution, forced: bool
) -> ReinstallReason | None:
    if not installed.complete:
        return ReinstallReason.INCOMPLETE
    if not _same_version(desired.version, installed.version):
        return ReinstallReason.VERSION_CHANGE
    if (
        not same_source(desired.source_key, source_key_of_installed(installed))
        or desired.editable != installed.editable
    ):
        return ReinstallReason.SOURCE_CHANGE
    if forced:
        return ReinstallReason.REQUESTED
    return None


def _same_version(left: str, right: str) -> bool:
    if left == right:
        return True
    try:
        return Version(left) == Version(right)
    except InvalidVersion:
        return False


def source_key_of_installed(dist: InstalledDistribution) -> str | None:
    """The source key of an installed distribution: None when it came from a registry."""
    if dist.direct_url is None:
        return None
    return source_key_of_direct_url(dist.direct_url)


def source_key_of_direct_url(direct_url: str) -> str:
    """The source key of a PEP 610 direct_url.json text.

    Text that is not a PEP 610 record gets a key of its own, which matches no desired source,
    so that distribution is reinstalled rather than trusted.
    """
    try:
        data = json.loads(direct_url)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("url"), str):
        return "invalid direct_url.json: " + " ".join(direct_url.split())
    url = _canonical_url(data["url"].partition("#")[0])
    subdirectory = data.get("subdirectory")
    vcs_info, archive_info, dir_info = (
        data.get(k) for k in ("vcs_info", "archive_info", "dir_info")
    )
    digest = None
    if isinstance(vcs_info, dict):
        url = f"{vcs_info.get('vcs', '')}+{url}@{vcs_info.get('commit_id', '')}"
    elif isinstance(archive_info, dict):
        digest = _archive_digest(archive_info)
    editable = isinstance(dir_info, dict) and dir_info.get("editable") is True
    return _compose(url, subdirectory if isinstance(subdirectory, str) else None, digest, editable)


def source_key_of_url(url: str, *, editable: bool = False) -> str:
    """The source key of a requirement's URL, comparable with `source_key_of_installed`.

    `https://host/x.whl#sha256=…`, `file:///dir`, `git+https://host/repo@<commit>#subdirectory=…`:
    the fragment's `subdirectory` and hash are kept, `egg=` dropped; a VCS revision counts as
    the commit (a branch name therefore never matches an installed commit: reinstalled).
    """
    base, _, fragment = url.partition("#")
    subdirectory = None
    digest = None
    for parameter in fragment.split("&"):
        key, equals, value = parameter.partition("=")
        key = key.strip().lower()
        if not equals:
            continue
        if key == "subdirectory":
            subdirectory = value
        elif key in _HASH_ALGORITHMS and digest is None:
            digest = f"{key}={value.strip().lower()}"
    scheme, separator, rest = base.partition("://")
    vcs, plus, transport = scheme.partition("+")
    if separator and plus:
        path_start = rest.find("/")
        at = rest.rfind("@")
        repository, revision = (rest[:at], rest[at + 1 :]) if at > path_start >= 0 else (rest, "")
        base = f"{vcs.lower()}+{_canonical_url(f'{transport}://{repository}')}@{revision}"
        digest = None
    else:
        base = _canonical_url(base)
    return _compose(base, subdirectory, digest, editable)


def same_source(desired: str | None, installed: str | None) -> bool:
    """Whether two source keys name the same source.

    Archive hashes are compared only when both keys carry one of the same algorithm: a
    requirement URL rarely states the hash that the installed direct_url.json records.
    """
    if desired is None or installed is None:
        return desired == installed
    desired_base, desired_qualifiers = _split(desired)
    installed_base, installed_qualifiers = _split(installed)
    if desired_base != installed_base:
        return False
    desired_digests = {k: v for k, v in desired_qualifiers.items() if k in _HASH_ALGORITHMS}
    installed_digests = {k: v for k, v in installed_qualifiers.items() if k in _HASH_ALGORITHMS}
    for algorithm in desired_digests.keys() & installed_digests.keys():
        if desired_digests[algorithm] != installed_digests[algorithm]:
            return False
    others = ("subdirectory", "editable")
    return all(desired_qualifiers.get(k) == installed_qualifiers.get(k) for k in others)


# `<base>#subdirectory=…&<algorithm>=<hex>&editable`, each qualifier only where it applies.
def _compose(base: str, subdirectory: str | None, digest: str | None, editable: bool) -> str:
    qualifiers = []
    if subdirectory and subdirectory.strip("/"):
        qualifiers.append(f"subdirectory={subdirectory.strip('/')}")
    if digest:
        qualifiers.append(digest)
    if editable:
        qualifiers.append("editable")
    return base + ("#" + "&".join(qualifiers) if qualifiers else "")


def _split(key: str) -> tuple[str, dict[str, str]]:
    base, _, tail = key.partition("#")
    qualifiers = {}
    for qualifier in tail.split("&") if tail else ():
        name, _, value = qualifier.partition("=")
        qualifiers[name] = value
    return base, qualifiers


_HASH_ALGORITHMS = frozenset({"md5", "sha1", "sha224", "sha256", "sha384", "sha512"})


def _canonical_url(url: str) -> str:
    """Scheme and host lowercased, credentials dropped (PEP 610 never stores them), and no
    trailing slash on a `file:` path."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        return url.rstrip("/")
    authority, slash, path = rest.partition("/")
    host = authority.rpartition("@")[2].lower()
    if scheme.lower() == "file":
        path = path.rstrip("/")
    return f"{scheme.lower()}://{host}{slash}{path}"


def _archive_digest(archive_info: Mapping[str, object]) -> str | None:
    """`sha256=<hex>` preferred; PEP 610's `hashes` dict first, the legacy `hash` field next."""
    hashes = archive_info.get("hashes")
    if isinstance(hashes, dict) and hashes:
        algorithm = "sha256" if "sha256" in hashes else min(hashes)
        value = hashes[algorithm]
        if isinstance(value, str):
            return f"{algorithm.lower()}={value.lower()}"
    legacy = archive_info.get("hash")
    if isinstance(legacy, str) and "=" in legacy:
        algorithm, _, value = legacy.partition("=")
        return f"{algorithm.lower()}={value.lower()}"
    return None
