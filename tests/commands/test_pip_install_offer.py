"""What pip-install lets the resolver keep: installed versions first, asked of no index."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.specifiers import SpecifierSet
from packaging.tags import sys_tags
from packaging.version import Version

from puffin.cache import Cache
from puffin.client.registry import IndexSettings, RegistryClient
from puffin.commands.install_offer import installed_offer, installed_preferences
from puffin.installer.site_packages import InstalledDistribution, scan_site_packages
from puffin.interpreter import Scheme
from puffin.names import PackageName, normalize_name
from puffin.resolver.candidate_selector import SelectorSettings
from puffin.resolver.pubgrub import NoSolution
from puffin.resolver.python_provider import (
    PythonPackage,
    PythonProvider,
    RootRequirement,
)
from tests.support.index_server import PackageIndex

MARKERS = {key: str(value) for key, value in default_environment().items()}


class Site:
    def __init__(self, root: Path) -> None:
        self.path = root / "site-packages"
        self.path.mkdir(parents=True)

    def add(self, name: str, version: str, *requires: str, metadata: bool = True) -> Path:
        dist_info = self.path / f"{name}-{version}.dist-info"
        dist_info.mkdir()
        if metadata:
            lines = [f"Name: {name}", f"Version: {version}"]
            lines += [f"Requires-Dist: {requirement}" for requirement in requires]
            (dist_info / "METADATA").write_text("\n".join(lines) + "\n")
        return dist_info

    def scan(self) -> dict[PackageName, InstalledDistribution]:
        root = self.path.parent
        return scan_site_packages(Scheme(self.path, self.path, root / "bin", root, root / "inc"))


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site(tmp_path)


def test_the_offer_reads_metadata_only_when_asked_and_leaves_out_what_must_change(
    site: Site,
) -> None:
    site.add("alpha", "1.5", "gamma")
    beta = site.add("beta", "2.0")
    site.add("broken", "1.0", metadata=False)  # an install cut short
    site.add("odd", "not.a.version")
    installed = site.scan()
    assert list(installed_offer(installed, excluded=frozenset({"alpha"}))) == ["beta"]
    assert list(installed_offer(installed, excluded=True)) == []
    assert installed_preferences(installed, excluded=frozenset({"alpha"})) == {
        "beta": Version("2.0"),
        "broken": Version("1.0"),
    }
    assert installed_preferences(installed, excluded=True) == {}

    offer = installed_offer(installed, excluded=frozenset())
    assert sorted(offer) == ["alpha", "beta"]
    (beta / "METADATA").unlink()  # not read yet: from now on it counts as absent
    assert offer.get(PackageName("beta")) is None
    alpha = offer[PackageName("alpha")]
    assert (alpha.version, alpha.metadata) == (
        Version("1.5"),
        b"Name: alpha\nVersion: 1.5\nRequires-Dist: gamma\n",
    )


def resolve(
    index: PackageIndex,
    tmp_path: Path,
    site: Site,
    requirements: list[str],
    *,
    no_dependencies: bool = False,
) -> dict[str, str]:
    """Solve as pip-install does, with `site`'s distributions offered."""
    settings = SelectorSettings.from_tags(
        [str(tag) for tag in sys_tags()],
        Version(MARKERS["python_full_version"]),
        allows_wheel=lambda name: True,
        allows_sdist=lambda name: False,
    )
    roots = []
    for text in requirements:
        name, _, specifier = text.partition(" ")
        roots.append(RootRequirement(normalize_name(name), frozenset(), SpecifierSet(specifier)))

    async def run() -> dict[str, str]:
        cache = Cache(tmp_path / "cache")
        async with RegistryClient(cache=cache, indexes=IndexSettings(index.url)) as client:
            provider = PythonProvider(
                client,
                settings,
                MARKERS,
                roots,
                installed=installed_offer(site.scan(), excluded=frozenset()),
                no_dependencies=no_dependencies,
            )
            solution = await provider.solve()
        return {
            package.name: str(version)
            for package, version in solution.items()
            if isinstance(package, PythonPackage) and package.extra is None
        }

    return asyncio.run(run())


@pytest.fixture
def listed(index: PackageIndex, site: Site) -> PackageIndex:
    """The index has alpha 1.0 and 2.0, beta needing alpha, and gamma; alpha 1.5 (which the
    index does not list) and gamma are installed."""
    index.add_wheel("alpha", "1.0")
    index.add_wheel("alpha", "2.0", requires_dist=["gamma"])
    index.add_wheel("beta", "1.0", requires_dist=["alpha"])
    index.add_wheel("gamma", "1.0")
    site.add("alpha", "1.5", "gamma>=1")
    site.add("gamma", "1.0")
    return index


def test_an_installed_version_in_range_is_kept_without_asking_the_index(
    listed: PackageIndex, site: Site, tmp_path: Path
) -> None:
    pins = resolve(listed, tmp_path, site, ["beta"])
    assert pins == {"alpha": "1.5", "beta": "1.0", "gamma": "1.0"}
    assert sorted(set(listed.request_paths("/simple/"))) == ["/simple/beta/"]


def test_a_range_the_installed_version_misses_goes_to_the_index(
    listed: PackageIndex, site: Site, tmp_path: Path
) -> None:
    assert resolve(listed, tmp_path, site, ["alpha >=2"]) == {"alpha": "2.0", "gamma": "1.0"}
    with pytest.raises(NoSolution) as caught:
        resolve(listed, tmp_path, site, ["alpha >1.5,<2"])
    assert str(caught.value) == (
        "Because there is no version of alpha>1.5,<2 and you require alpha>1.5,<2,"
        " no solution is possible."
    )


def test_without_dependencies_each_requirement_stands_alone(
    listed: PackageIndex, site: Site, tmp_path: Path
) -> None:
    assert resolve(listed, tmp_path, site, ["beta"], no_dependencies=True) == {"beta": "1.0"}
    assert listed.request_paths("/simple/") == ["/simple/beta/"]
