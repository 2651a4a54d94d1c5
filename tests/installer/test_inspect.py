"""Read-only views of an environment, over site-packages directories written file by file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from puffin.installer.inspect import (
    ConflictingDependency,
    MissingDependency,
    ShownDistribution,
    TreeRow,
    check_environment,
    dependency_graph,
    display_name,
    freeze_lines,
    hidden_by_freeze,
    inverted,
    list_distributions,
    read_header_fields,
    render_tree,
    show_distributions,
    tree_roots,
)
from puffin.installer.site_packages import InstalledDistribution, scan_site_packages
from puffin.interpreter import Scheme
from puffin.names import PackageName

LINUX_311 = {
    "python_version": "3.11",
    "python_full_version": "3.11.7",
    "sys_platform": "linux",
    "os_name": "posix",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "platform_release": "",
    "platform_version": "",
    "implementation_version": "3.11.7",
}


class Site:
    """A site-packages directory that tests fill with dist-info directories."""

    def __init__(self, root: Path) -> None:
        self.path = root / "site-packages"
        self.path.mkdir(parents=True)

    def add(
        self,
        name: str,
        version: str,
        *headers: str,
        direct_url: dict[str, object] | None = None,
        body: str = "",
    ) -> Path:
        escaped = name.replace("-", "_").replace(".", "_")
        dist_info = self.path / f"{escaped}-{version}.dist-info"
        dist_info.mkdir()
        lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", *headers]
        (dist_info / "METADATA").write_text("\n".join(lines) + "\n" + (f"\n{body}" if body else ""))
        if direct_url is not None:
            (dist_info / "direct_url.json").write_text(json.dumps(direct_url))
        return dist_info

    def scan(self) -> dict[PackageName, InstalledDistribution]:
        root = self.path.parent
        scheme = Scheme(self.path, self.path, root / "bin", root, root / "include")
        return scan_site_packages(scheme)


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site(tmp_path)


def test_header_fields_stop_at_the_body_and_join_folded_lines(tmp_path: Path) -> None:
    path = tmp_path / "METADATA"
    path.write_text(
        "Name: x\nSummary: one\n  two\nRequires-Dist: a\nRequires-Dist: b\n\nSummary: body\n"
    )
    assert read_header_fields(path, ("summary", "requires-dist")) == {
        "summary": ["one two"],
        "requires-dist": ["a", "b"],
    }
    assert read_header_fields(tmp_path / "missing", ("name",)) == {}


def test_freeze_writes_each_kind_of_install_as_a_line_pip_sync_reads_back(site: Site) -> None:
    site.add("Foo.Bar", "1.0")
    site.add("zeta_pkg", "2.0")
    site.add("alpha", "0.1")
    site.add(
        "Url.Wheel",
        "2.5",
        direct_url={
            "url": "https://host/url_wheel-2.5-py3-none-any.whl",
            "archive_info": {"hash": "sha256=old", "hashes": {"md5": "m", "sha256": "abc"}},
        },
    )
    site.add(
        "from-git",
        "0.3",
        direct_url={
            "url": "https://host/repo.git",
            "vcs_info": {"vcs": "git", "commit_id": "deadbeef", "requested_revision": "main"},
            "subdirectory": "pkg",
        },
    )
    site.add("local", "1.0", direct_url={"url": "file:///src/local", "dir_info": {}})
    site.add("mine", "0.1", direct_url={"url": "file:///src/mine", "dir_info": {"editable": True}})

    assert freeze_lines(site.scan(), exclude={PackageName("alpha")}) == [
        "Foo.Bar==1.0",
        "from-git @ git+https://host/repo.git@deadbeef#subdirectory=pkg",
        "local @ file:///src/local",
        "-e file:///src/mine",
        "Url.Wheel @ https://host/url_wheel-2.5-py3-none-any.whl#sha256=abc",
        "zeta_pkg==2.0",
    ]


def test_freeze_hides_pips_own_tools_as_pip_does_for_that_python() -> None:
    assert hidden_by_freeze((3, 11)) == {"pip", "setuptools", "wheel", "distribute"}
    assert hidden_by_freeze((3, 12)) == {"pip"}


def test_legacy_installs_freeze_and_report_their_requirements(site: Site, tmp_path: Path) -> None:
    egg_info = site.path / "Old_Thing-1.5-py3.11.egg-info"
    egg_info.mkdir()
    (egg_info / "PKG-INFO").write_text("Metadata-Version: 1.1\nName: Old-Thing\nVersion: 1.5\n")
    (egg_info / "requires.txt").write_text(
        "needed>=1\n\n[:sys_platform == 'win32']\nwinonly\n\n[docs]\nsphinx\n\n"
        "[:os_name == 'posix']\nposixonly\n"
    )
    project = tmp_path / "develop"
    (project / "Dev.egg-info").mkdir(parents=True)
    (project / "Dev.egg-info" / "PKG-INFO").write_text("Name: Dev\nVersion: 0.2\n")
    (project / "Dev.egg-info" / "requires.txt").write_text("old-thing\n")
    (site.path / "Dev.egg-link").write_text(f"{project}\n.\n")
    site.add("needed", "0.5")
    installed = site.scan()

    assert freeze_lines(installed) == [
        f"-e {project.as_uri()}",
        "needed==0.5",
        "Old-Thing==1.5",
    ]
    assert check_environment(installed, LINUX_311).missing == (
        MissingDependency(PackageName("old-thing"), "1.5", PackageName("posixonly")),
    )
    assert [row.editable_location for row in list_distributions(installed)] == [
        str(project),
        None,
        None,
    ]


def test_list_sorts_by_normalized_name_and_filters_editables(site: Site) -> None:
    site.add("Foo.Bar", "1.0")
    site.add("foo-baz", "1.0")
    site.add(
        "mine", "0.1", direct_url={"url": "file:///src/my%20dir", "dir_info": {"editable": True}}
    )
    installed = site.scan()

    rows = list_distributions(installed)
    assert [(row.display_name, row.editable_location) for row in rows] == [
        ("Foo.Bar", None),
        ("foo-baz", None),
        ("mine", "/src/my dir"),
    ]
    assert [row.name for row in list_distributions(installed, editable=True)] == ["mine"]
    assert [
        row.name
        for row in list_distributions(installed, editable=False, exclude={PackageName("foo-baz")})
    ] == ["foo-bar"]


def test_show_reads_the_fields_pip_prints_and_who_requires_each(site: Site) -> None:
    site.add(
        "Modern",
        "1.0",
        "Summary: A modern",
        "  package",
        "Author: Jane",
        "Author-email: jane@example.org",
        "License: the old field",
        "License-Expression: MIT",
        "Project-URL: Source, https://src.example",
        "Project-URL: Home-Page, https://home.example",
        "Requires-Dist: Gamma (>=1)",
        "Requires-Dist: gamma; python_version < '3'",
        "Requires-Dist: absent; extra == 'docs'",
        "Requires-Dist: beta",
        body="Home-page: not a header\n",
    )
    site.add("beta", "2.0", "Home-page: https://beta.example", "Requires-Dist: gamma")
    site.add("gamma", "1.0")
    installed = site.scan()

    shown, missing = show_distributions(
        installed, ["GAMMA", "nothere", "modern", "gamma"], LINUX_311
    )

    assert missing == ["nothere"]
    assert shown == [
        ShownDistribution(
            name="gamma",
            version="1.0",
            summary="",
            home_page="",
            author="",
            author_email="",
            license_field="License",
            license="",
            location=str(site.path),
            editable_location=None,
            requires=(),
            required_by=("beta", "Modern"),
        ),
        ShownDistribution(
            name="Modern",
            version="1.0",
            summary="A modern package",
            home_page="https://home.example",
            author="Jane",
            author_email="jane@example.org",
            license_field="License-Expression",
            license="MIT",
            location=str(site.path),
            editable_location=None,
            requires=("beta", "Gamma"),
            required_by=(),
        ),
    ]


def test_check_finds_missing_and_conflicting_requirements_with_markers_evaluated(
    site: Site,
) -> None:
    site.add(
        "app",
        "1.0",
        "Requires-Dist: Lib[extra]<2,>=1.5; os_name == 'posix'",
        "Requires-Dist: Missing.Dep",
        "Requires-Dist: winonly; sys_platform == 'win32'",
        "Requires-Dist: docs-only; extra == 'docs'",
        "Requires-Dist: this is not a requirement",
    )
    site.add("lib", "1.0", "Requires-Dist: app>=1")
    site.add("odd", "not-a-version")
    site.add("user", "1.0", "Requires-Dist: odd>5")

    result = check_environment(site.scan(), LINUX_311)

    assert result.missing == (
        MissingDependency(PackageName("app"), "1.0", PackageName("missing-dep")),
    )
    assert result.conflicts == (
        ConflictingDependency(
            PackageName("app"),
            "1.0",
            'Lib[extra]<2,>=1.5; os_name == "posix"',
            PackageName("lib"),
            "1.0",
        ),
    )
    assert not result.ok


def test_check_of_a_sound_environment_is_ok(site: Site) -> None:
    site.add("app", "1.0", "Requires-Dist: lib>=1")
    site.add("lib", "1.0")
    assert check_environment(site.scan(), LINUX_311).ok


def graph_of(edges: dict[str, list[str]]) -> dict[PackageName, tuple[PackageName, ...]]:
    return {PackageName(k): tuple(PackageName(v) for v in vs) for k, vs in edges.items()}


def lines(rows: list[TreeRow]) -> list[str]:
    return [f"{row.guides}{row.name}{' (*)' if row.repeated else ''}" for row in rows]


def test_dependency_graph_keeps_installed_dependencies_whose_markers_apply(site: Site) -> None:
    site.add("app", "1.0", "Requires-Dist: Lib>=9", "Requires-Dist: gone", "Requires-Dist: app")
    site.add("lib", "1.0", "Requires-Dist: win; sys_platform == 'win32'")
    site.add("win", "1.0")
    assert dependency_graph(site.scan(), LINUX_311) == graph_of(
        {"app": ["lib"], "lib": [], "win": []}
    )


def test_tree_marks_subtrees_already_shown_and_stops_at_the_depth() -> None:
    graph = graph_of(
        {
            "app": ["lib-a", "lib-b"],
            "lib-a": ["core"],
            "lib-b": ["core", "lib-a"],
            "core": ["leaf"],
            "leaf": [],
            "lone": [],
        }
    )
    assert tree_roots(graph) == ["app", "lone"]
    assert lines(render_tree(graph, tree_roots(graph), depth=255)) == [
        "app",
        "├── lib-a",
        "│   └── core",
        "│       └── leaf",
        "└── lib-b",
        "    ├── core (*)",
        "    └── lib-a (*)",
        "lone",
    ]
    assert lines(render_tree(graph, [PackageName("app")], depth=1)) == [
        "app",
        "├── lib-a",
        "└── lib-b",
    ]

    reverse = inverted(graph)
    assert lines(render_tree(reverse, tree_roots(reverse), depth=255)) == [
        "leaf",
        "└── core",
        "    ├── lib-a",
        "    │   ├── app",
        "    │   └── lib-b",
        "    │       └── app",
        "    └── lib-b (*)",
        "lone",
    ]


def test_a_cycle_nothing_else_reaches_is_shown_from_its_first_name() -> None:
    graph = graph_of({"cyc-y": ["cyc-x"], "cyc-x": ["cyc-y"], "alpha": [], "zed": []})
    assert tree_roots(graph) == ["alpha", "cyc-x", "zed"]
    assert lines(render_tree(graph, tree_roots(graph), depth=255)) == [
        "alpha",
        "cyc-x",
        "└── cyc-y",
        "    └── cyc-x (*)",
        "zed",
    ]


def test_display_name_falls_back_to_the_normalized_name(site: Site) -> None:
    dist_info = site.add("Some.Thing", "1.0")
    (dist_info / "METADATA").unlink()
    assert display_name(site.scan()[PackageName("some-thing")]) == "some-thing"
