"""pip-install's checks over site-packages written file by file: already met? what broke?"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from puffin.commands.install_check import already_satisfied, broken_requirements
from puffin.commands.wanted import Wanted
from puffin.installer.site_packages import InstalledDistribution, scan_site_packages
from puffin.interpreter import Scheme
from puffin.names import ExtraName, PackageName

MARKERS = {"python_version": "3.12", "python_full_version": "3.12.1", "sys_platform": "linux"}


class Site:
    """A site-packages directory holding dist-info directories with just a METADATA."""

    def __init__(self, root: Path) -> None:
        self.path = root / "site-packages"
        self.path.mkdir(parents=True)

    def add(self, name: str, version: str, *requires: str, direct_url: str | None = None) -> None:
        dist_info = self.path / f"{name.replace('-', '_')}-{version}.dist-info"
        dist_info.mkdir()
        lines = [f"Name: {name}", f"Version: {version}", *(f"Requires-Dist: {r}" for r in requires)]
        (dist_info / "METADATA").write_text("\n".join(lines) + "\n")
        if direct_url is not None:
            (dist_info / "direct_url.json").write_text(direct_url)

    def scan(self) -> dict[PackageName, InstalledDistribution]:
        root = self.path.parent
        return scan_site_packages(Scheme(self.path, self.path, root / "bin", root, root / "inc"))


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site(tmp_path)


def wanted(name: str, specifier: str = "") -> Wanted:
    return Wanted(PackageName(name), SpecifierSet(specifier), None, None, (), "-r r.txt (line 1)")


def satisfied(
    site: Site,
    *items: Wanted,
    extras: dict[str, set[str]] | None = None,
    constraints: dict[str, str] | None = None,
    overrides: dict[str, str] | None = None,
    with_dependencies: bool = True,
) -> bool:
    return already_satisfied(
        items,
        {
            PackageName(name): frozenset(ExtraName(e) for e in names)
            for name, names in (extras or {}).items()
        },
        site.scan(),
        MARKERS,
        constraints={PackageName(n): SpecifierSet(s) for n, s in (constraints or {}).items()},
        overrides={PackageName(n): SpecifierSet(s) for n, s in (overrides or {}).items()},
        with_dependencies=with_dependencies,
    )


def test_met_when_every_requirement_down_the_graph_is_installed_in_range(site: Site) -> None:
    site.add("app", "1.0", "web>=2", "winshim; sys_platform == 'win32'")
    site.add("web", "2.1", "text-utils")
    site.add("text-utils", "0.3")
    assert satisfied(site, wanted("app"), wanted("web", ">=2"))
    assert not satisfied(site, wanted("app", ">1.0"))
    assert not satisfied(site, wanted("absent"))


def test_a_dependency_missing_or_out_of_range_is_not_met_unless_dependencies_are_skipped(
    site: Site,
) -> None:
    site.add("app", "1.0", "web>=3", "missing")
    site.add("web", "2.1")
    assert not satisfied(site, wanted("app"))
    assert satisfied(site, wanted("app"), with_dependencies=False)


def test_requested_extras_are_followed(site: Site) -> None:
    site.add("web", "2.1", "fastparse<3; extra == 'speed'")
    assert satisfied(site, wanted("web"))
    assert not satisfied(site, wanted("web"), extras={"web": {"speed"}})
    site.add("fastparse", "2.0")
    assert satisfied(site, wanted("web"), extras={"web": {"speed"}})


def test_constraints_bind_dependencies_and_overrides_replace_their_requirements(
    site: Site,
) -> None:
    site.add("app", "1.0", "web<2")
    site.add("web", "2.1")
    assert not satisfied(site, wanted("app"))
    assert satisfied(site, wanted("app"), overrides={"web": ">=2"})
    assert not satisfied(site, wanted("app"), overrides={"web": ">=2"}, constraints={"web": "<2.1"})


def test_a_registry_requirement_is_met_by_an_editable_install_of_a_fitting_version(
    site: Site, tmp_path: Path
) -> None:
    url = json.dumps({"url": (tmp_path / "web").as_uri(), "dir_info": {"editable": True}})
    site.add("web", "2.1", direct_url=url)
    assert satisfied(site, wanted("web", ">=2"))


def test_broken_requirements_involving_the_resolution_are_reported_as_uv_words_them(
    site: Site,
) -> None:
    site.add("app", "1.0", "web>=3; python_version >= '3'", "missing-lib>1")
    site.add("web", "2.1")
    site.add("other", "1.0", "gone")
    installed = site.scan()

    assert broken_requirements(installed, MARKERS, {PackageName("web")}) == [
        'The package `app` requires `web>=3; python_version >= "3"`, but `2.1` is installed'
    ]
    assert broken_requirements(installed, MARKERS, {PackageName("app")}) == [
        "The package `app` requires `missing-lib>1`, but it's not installed",
        'The package `app` requires `web>=3; python_version >= "3"`, but `2.1` is installed',
    ]
    assert broken_requirements(installed, MARKERS, set()) == []
    overridden = {PackageName("web"): SpecifierSet(">=2")}
    assert broken_requirements(installed, MARKERS, {PackageName("web")}, overridden) == []
