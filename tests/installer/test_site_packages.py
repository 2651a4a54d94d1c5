"""Scanning site-packages: names and versions from directory names, metadata as a fallback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from puffin.installer.site_packages import InstalledDistribution, scan_site_packages
from puffin.interpreter import Scheme
from puffin.names import PackageName
from tests.installer.conftest import Venv, install


def scheme_for(purelib: Path, platlib: Path | None = None) -> Scheme:
    root = purelib.parent
    return Scheme(purelib, platlib or purelib, root / "bin", root, root / "include")


def test_installed_wheels_are_found_with_their_direct_url(
    venv: Venv, archive: Callable[..., Path]
) -> None:
    direct_url = '{"dir_info": {"editable": true}, "url": "file:///src/mine"}'
    install(venv, archive("Foo.Bar", "2.0.post1"), "foo-bar", "2.0.post1")
    install(venv, archive("mine", "0.1"), "mine", "0.1", direct_url=direct_url)

    assert scan_site_packages(venv.scheme) == {
        "foo-bar": InstalledDistribution(
            PackageName("foo-bar"),
            "2.0.post1",
            venv.site_packages / "foo_bar-2.0.post1.dist-info",
            None,
            False,
        ),
        "mine": InstalledDistribution(
            PackageName("mine"), "0.1", venv.site_packages / "mine-0.1.dist-info", direct_url, True
        ),
    }


def test_an_unparsable_dist_info_name_falls_back_to_metadata(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    (site / "Odd-Name-2.0.dist-info").mkdir(parents=True)
    (site / "Odd-Name-2.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: Odd-Name\nVersion: 2.0\n\nName: not this\n"
    )
    (site / "nometadata.dist-info").mkdir()  # neither name nor METADATA: not a distribution

    found = scan_site_packages(scheme_for(site))

    assert list(found) == ["odd-name"]
    assert found[PackageName("odd-name")].version == "2.0"


def test_legacy_setuptools_installs_are_reported(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    (site / "eggdir-1.5-py3.12.egg-info").mkdir(parents=True)
    (site / "eggdir-1.5-py3.12.egg-info" / "PKG-INFO").write_text("Name: eggdir\nVersion: 1.5\n")
    (site / "eggfile-0.9.egg-info").write_text(
        "Metadata-Version: 1.0\nName: EggFile\nVersion: 0.9\n"
    )
    project = tmp_path / "project"
    (project / "devpkg.egg-info").mkdir(parents=True)
    (project / "devpkg.egg-info" / "PKG-INFO").write_text("Name: devpkg\nVersion: 3.0\n")
    (site / "devpkg.egg-link").write_text(f"{project}\n.")

    found = scan_site_packages(scheme_for(site))

    assert {name: (d.version, d.editable, d.is_legacy) for name, d in found.items()} == {
        "eggdir": ("1.5", False, True),
        "eggfile": ("0.9", False, True),
        "devpkg": ("3.0", True, True),
    }
    assert found[PackageName("devpkg")].dist_info == site / "devpkg.egg-link"


def test_dist_info_wins_over_a_stale_egg_info(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    (site / "both-1.0.dist-info").mkdir(parents=True)
    (site / "both-0.5.egg-info").write_text("Name: both\nVersion: 0.5\n")

    found = scan_site_packages(scheme_for(site))

    assert found[PackageName("both")].dist_info == site / "both-1.0.dist-info"


def test_purelib_and_platlib_are_both_scanned(tmp_path: Path) -> None:
    (tmp_path / "lib" / "pure-1.0.dist-info").mkdir(parents=True)
    (tmp_path / "lib64" / "plat-2.0.dist-info").mkdir(parents=True)

    found = scan_site_packages(scheme_for(tmp_path / "lib", tmp_path / "lib64"))

    assert {name: dist.version for name, dist in found.items()} == {"pure": "1.0", "plat": "2.0"}


def test_a_missing_site_packages_holds_nothing(tmp_path: Path) -> None:
    assert scan_site_packages(scheme_for(tmp_path / "nowhere")) == {}
