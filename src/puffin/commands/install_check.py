"""pip-install's checks of an environment: is the request already met, and what did it break."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from puffin.commands.pip_sync import desired_for
from puffin.commands.wanted import Wanted
from puffin.installer.inspect import active_requirements, check_environment, requirements_of
from puffin.installer.plan import plan_sync
from puffin.installer.site_packages import InstalledDistribution
from puffin.names import ExtraName, PackageName, normalize_extra, normalize_name


def already_satisfied(
    wanted: Sequence[Wanted],
    extras: Mapping[PackageName, frozenset[ExtraName]],
    installed: Mapping[PackageName, InstalledDistribution],
    markers: Mapping[str, str],
    *,
    constraints: Mapping[PackageName, SpecifierSet],
    overrides: Mapping[PackageName, SpecifierSet],
    with_dependencies: bool,
) -> bool:
    """Whether every wanted distribution is installed as asked and, `with_dependencies`, every
    requirement below it too (markers evaluated, extras followed), so nothing needs resolving.

    A registry requirement is met by any installed distribution of a version it admits, as in
    uv and pip, even one installed from a path; a source (path, URL, git) only by that same
    source at the version its cached build gave (a source changed since is not met).
    """
    pending: list[tuple[PackageName, frozenset[ExtraName]]] = []
    for item in wanted:
        dist = installed.get(item.name)
        if dist is None or not _holds(item, dist, constraints, overrides):
            return False
        pending.append((item.name, extras.get(item.name, frozenset())))
    if not with_dependencies:
        return True
    seen: set[tuple[PackageName, ExtraName | None]] = set()
    while pending:
        name, wanted_extras = pending.pop()
        dist = installed[name]
        for extra in [None, *sorted(wanted_extras)]:
            if (name, extra) in seen:
                continue
            seen.add((name, extra))
            environment = {**markers, "extra": extra or ""}
            for requirement in requirements_of(dist):
                if requirement.marker is not None and not requirement.marker.evaluate(environment):
                    continue
                dependency = normalize_name(requirement.name)
                found = installed.get(dependency)
                specifier = overrides.get(dependency, requirement.specifier)
                specifier &= constraints.get(dependency, SpecifierSet())
                if found is None or not found.complete or not _admits(specifier, found.version):
                    return False
                pending.append(
                    (dependency, frozenset(normalize_extra(e) for e in requirement.extras))
                )
    return True


def _holds(
    item: Wanted,
    dist: InstalledDistribution,
    constraints: Mapping[PackageName, SpecifierSet],
    overrides: Mapping[PackageName, SpecifierSet],
) -> bool:
    if not dist.complete:
        return False
    if item.url is None:
        specifier = item.specifier
        if item.name in overrides:
            specifier = overrides[item.name] & constraints.get(item.name, SpecifierSet())
        return _admits(specifier, dist.version)
    version = item.pinned_version
    if version is None:  # a source never built, or changed since its last build
        return False
    plan = plan_sync(
        [desired_for(item, version)], {dist.name: dist}, reinstall_all=False, reinstall=frozenset()
    )
    return bool(plan.keep)


def _admits(specifier: SpecifierSet, version: str) -> bool:
    try:
        return specifier.contains(Version(version), prereleases=True)
    except InvalidVersion:
        return False


def broken_requirements(
    installed: Mapping[PackageName, InstalledDistribution],
    markers: Mapping[str, str],
    involving: Collection[PackageName],
    overrides: Mapping[PackageName, SpecifierSet] | None = None,
) -> list[str]:
    """uv's warnings for requirements the environment no longer meets, those of or on the
    packages an install just resolved only: a breakage it did not touch is not its news. A
    requirement on an overridden package is judged by the override, which replaced it."""
    overrides = overrides or {}
    check = check_environment(installed, markers)
    warnings = []
    for missing in check.missing:
        if missing.name not in involving and missing.dependency not in involving:
            continue
        requirement = next(
            (
                str(requirement)
                for requirement in active_requirements(installed[missing.name], markers)
                if normalize_name(requirement.name) == missing.dependency
            ),
            missing.dependency,
        )
        warnings.append(
            f"The package `{missing.name}` requires `{requirement}`, but it's not installed"
        )
    for conflict in check.conflicts:
        if conflict.name not in involving and conflict.dependency not in involving:
            continue
        override = overrides.get(conflict.dependency)
        if override is not None and _admits(override, conflict.installed_version):
            continue
        warnings.append(
            f"The package `{conflict.name}` requires `{conflict.requirement}`,"
            f" but `{conflict.installed_version}` is installed"
        )
    return warnings
