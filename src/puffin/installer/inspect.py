"""Read-only views of a scanned environment: freeze lines, list rows, show fields, checks, trees."""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from puffin.installer.site_packages import InstalledDistribution
from puffin.metadata_headers import header_fields
from puffin.names import PackageName, normalize_name

if TYPE_CHECKING:
    from packaging.requirements import Requirement


# -- reading metadata ------------------------------------------------------------------------


def metadata_file(dist: InstalledDistribution) -> Path | None:
    """The METADATA (or legacy PKG-INFO) file of an installed distribution, if there is one."""
    path = dist.dist_info
    if path.suffix == ".dist-info":
        return path / "METADATA"
    if path.suffix == ".egg-info":
        return path / "PKG-INFO" if path.is_dir() else path
    egg_info = _egg_link_egg_info(dist)
    return None if egg_info is None else egg_info / "PKG-INFO"


def read_header_fields(path: Path, wanted: Collection[str]) -> dict[str, list[str]]:
    """The header fields of a METADATA file (see metadata_headers.py); none when unreadable."""
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            return header_fields(file, wanted)
    except OSError:
        return {}


def display_name(dist: InstalledDistribution) -> str:
    """The project name as its METADATA writes it (`Foo.Bar`), as pip prints it."""
    path = metadata_file(dist)
    if path is None:
        return dist.name
    names = read_header_fields(path, ("name",)).get("name")
    return names[0] if names else dist.name


def requirements_of(dist: InstalledDistribution) -> tuple[Requirement, ...]:
    """Every Requires-Dist of a distribution (legacy installs: requires.txt), markers unevaluated.

    A line that is not a valid PEP 508 requirement is left out, as pip leaves it out.
    """
    if dist.is_legacy:
        return tuple(_parse_requirements(_legacy_requirement_lines(dist)))
    fields = read_header_fields(dist.dist_info / "METADATA", ("requires-dist",))
    return tuple(_parse_requirements(fields.get("requires-dist", ())))


def active_requirements(
    dist: InstalledDistribution, markers: Mapping[str, str]
) -> tuple[Requirement, ...]:
    """The requirements that apply in this environment when no extra is requested."""
    environment = {**markers, "extra": ""}
    return tuple(
        requirement
        for requirement in requirements_of(dist)
        if requirement.marker is None or requirement.marker.evaluate(environment)
    )


def editable_location(dist: InstalledDistribution) -> str | None:
    """The project directory of an editable install (its direct_url.json, or the egg-link)."""
    if not dist.editable:
        return None
    if dist.dist_info.suffix == ".egg-link":
        return _egg_link_project(dist)
    record = _direct_url_record(dist)
    url = record.get("url") if record is not None else None
    return _file_url_path(url) if isinstance(url, str) else None


def _parse_requirements(lines: Iterable[str]) -> Iterator[Requirement]:
    from packaging.requirements import InvalidRequirement, Requirement

    for line in lines:
        try:
            yield Requirement(line)
        except InvalidRequirement:
            continue


def _legacy_requirement_lines(dist: InstalledDistribution) -> Iterator[str]:
    """requires.txt lines outside extra sections; a `[:marker]` section's marker put on each.

    Extras are never requested here, so `[extra]` and `[extra:marker]` sections are skipped.
    """
    if dist.dist_info.suffix == ".egg-link":
        directory = _egg_link_egg_info(dist)
    elif dist.dist_info.is_dir():
        directory = dist.dist_info
    else:
        directory = None
    if directory is None:
        return
    try:
        text = (directory / "requires.txt").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    marker: str | None = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            extra, _, section_marker = line[1:-1].partition(":")
            marker = None if extra.strip() else section_marker.strip()
            continue
        if marker is None:
            continue
        yield f"{line} ; {marker}" if marker and ";" not in line else line


def _egg_link_project(dist: InstalledDistribution) -> str | None:
    try:
        text = dist.dist_info.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    lines = text.splitlines()
    return lines[0].strip() if lines and lines[0].strip() else None


def _egg_link_egg_info(dist: InstalledDistribution) -> Path | None:
    project = _egg_link_project(dist)
    if project is None:
        return None
    try:
        with os.scandir(project) as entries:
            candidates = sorted(entry.path for entry in entries if entry.name.endswith(".egg-info"))
    except OSError:
        return None
    for candidate in candidates:
        names = read_header_fields(Path(candidate) / "PKG-INFO", ("name",)).get("name", [])
        if names and normalize_name(names[0]) == dist.name:
            return Path(candidate)
    return None


def _direct_url_record(dist: InstalledDistribution) -> dict[str, object] | None:
    if dist.direct_url is None:
        return None
    try:
        record = json.loads(dist.direct_url)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _file_url_path(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "file":
        return url
    return unquote(parts.path)


# -- freeze ------------------------------------------------------------------------------------

# pip hides the tools it manages itself unless `--all`. On Python 3.12+ it hides only pip:
# from 3.12 on, venv no longer seeds setuptools and wheel, so an installed one was asked for.
_ALWAYS_HIDDEN = frozenset({PackageName("pip")})
_HIDDEN_BEFORE_312 = frozenset(
    {PackageName("pip"), PackageName("setuptools"), PackageName("wheel"), PackageName("distribute")}
)


def hidden_by_freeze(python_version: tuple[int, int]) -> frozenset[PackageName]:
    """The distributions `pip freeze` leaves out without `--all`, for this Python version."""
    return _ALWAYS_HIDDEN if python_version >= (3, 12) else _HIDDEN_BEFORE_312


def freeze_lines(
    installed: Mapping[PackageName, InstalledDistribution],
    *,
    exclude: Collection[PackageName] = (),
) -> list[str]:
    """One requirement line per distribution, sorted case-insensitively by name as pip sorts.

    Each line is one pip-sync reads back to the same installation: `Name==1.0`, `Name @ url`
    (with the archive hash, or `@commit` for a VCS checkout), or `-e file:///project`.
    """
    named = [(display_name(dist), dist) for name, dist in installed.items() if name not in exclude]
    named.sort(key=lambda pair: (pair[0].lower(), pair[1].name))
    return [freeze_line(dist, name) for name, dist in named]


def freeze_line(dist: InstalledDistribution, name: str) -> str:
    """The requirement line that reinstalls exactly this distribution; see freeze_lines."""
    if dist.dist_info.suffix == ".egg-link":
        project = _egg_link_project(dist)
        if project is not None:
            return f"-e {Path(project).absolute().as_uri()}"
    record = _direct_url_record(dist)
    url = record.get("url") if record is not None else None
    if record is None or not isinstance(url, str):
        return f"{name}=={dist.version}"
    fragments: list[str] = []
    vcs_info = record.get("vcs_info")
    archive_info = record.get("archive_info")
    if isinstance(vcs_info, dict) and isinstance(vcs_info.get("vcs"), str):
        reference = f"{vcs_info['vcs']}+{url}@{vcs_info.get('commit_id', '')}"
    else:
        reference = url
        if isinstance(archive_info, dict):
            fragments.extend(_archive_hash(archive_info))
    subdirectory = record.get("subdirectory")
    if isinstance(subdirectory, str) and subdirectory:
        fragments.append(f"subdirectory={subdirectory}")
    if fragments:
        reference += "#" + "&".join(fragments)
    if dist.editable:
        return f"-e {reference}"
    return f"{name} @ {reference}"


def _archive_hash(archive_info: Mapping[str, object]) -> list[str]:
    """`sha256=<hex>` from PEP 610's `hashes` (sha256 first), else its older `hash` key."""
    hashes = archive_info.get("hashes")
    if isinstance(hashes, dict) and hashes:
        algorithm = "sha256" if "sha256" in hashes else sorted(hashes)[0]
        return [f"{algorithm}={hashes[algorithm]}"]
    single = archive_info.get("hash")
    return [single] if isinstance(single, str) and "=" in single else []


# -- list --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListedDistribution:
    """One row of `pip-list`."""

    name: PackageName
    display_name: str  # as METADATA writes it
    version: str
    editable_location: str | None  # the project directory of an editable install
    from_direct_url: bool  # installed from a URL or path, not from an index


def list_distributions(
    installed: Mapping[PackageName, InstalledDistribution],
    *,
    exclude: Collection[PackageName] = (),
    editable: bool | None = None,
) -> list[ListedDistribution]:
    """The rows of `pip-list`, sorted by normalized name as pip sorts them.

    `editable`: True keeps only editable installs, False leaves them out, None keeps all.
    """
    rows = []
    for name in sorted(installed):
        dist = installed[name]
        if name in exclude or (editable is not None and dist.editable != editable):
            continue
        rows.append(
            ListedDistribution(
                name=name,
                display_name=display_name(dist),
                version=dist.version,
                editable_location=editable_location(dist),
                from_direct_url=dist.direct_url is not None or dist.editable,
            )
        )
    return rows


# -- show --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownDistribution:
    """The fields `pip-show` prints for one distribution."""

    name: str  # as METADATA writes it
    version: str
    summary: str
    home_page: str
    author: str
    author_email: str
    license_field: str  # "License", or "License-Expression" when the metadata has one
    license: str
    location: str  # the site-packages directory holding it
    editable_location: str | None
    requires: tuple[str, ...]  # names as the requirements write them
    required_by: tuple[str, ...]  # names as the requirers' METADATA write them


_SHOW_FIELDS = frozenset(
    {
        "name",
        "summary",
        "home-page",
        "project-url",
        "author",
        "author-email",
        "license",
        "license-expression",
    }
)


def show_distributions(
    installed: Mapping[PackageName, InstalledDistribution],
    queries: Sequence[str],
    markers: Mapping[str, str],
) -> tuple[list[ShownDistribution], list[str]]:
    """The distributions named by `queries` (any spelling), in the order asked, each once;
    and the queries that name nothing installed, sorted, spelt as given."""
    wanted = list(dict.fromkeys(normalize_name(query) for query in queries))
    missing = sorted(query for query in queries if normalize_name(query) not in installed)
    found = [name for name in wanted if name in installed]
    if not found:
        return [], missing
    requirers: dict[PackageName, list[str]] = {}
    for dist in installed.values():
        for dependency in {normalize_name(r.name) for r in active_requirements(dist, markers)}:
            if dependency in found:
                requirers.setdefault(dependency, []).append(display_name(dist))
    return [_shown(installed[name], markers, requirers.get(name, [])) for name in found], missing


def _shown(
    dist: InstalledDistribution, markers: Mapping[str, str], required_by: list[str]
) -> ShownDistribution:
    path = metadata_file(dist)
    fields = read_header_fields(path, _SHOW_FIELDS) if path is not None else {}

    def first(field: str) -> str:
        values = fields.get(field)
        return values[0] if values else ""

    requires: dict[PackageName, str] = {}
    for requirement in active_requirements(dist, markers):
        requires.setdefault(normalize_name(requirement.name), requirement.name)
    license_field, license_value = ("License", first("license"))
    if first("license-expression"):
        license_field, license_value = ("License-Expression", first("license-expression"))
    return ShownDistribution(
        name=first("name") or dist.name,
        version=dist.version,
        summary=first("summary"),
        home_page=first("home-page") or _home_page_url(fields.get("project-url", [])),
        author=first("author"),
        author_email=first("author-email"),
        license_field=license_field,
        license=license_value,
        location=str(dist.dist_info.parent),
        editable_location=editable_location(dist),
        requires=tuple(sorted(requires.values(), key=str.lower)),
        required_by=tuple(sorted(required_by, key=str.lower)),
    )


def _home_page_url(project_urls: Iterable[str]) -> str:
    """The `Project-URL: Homepage, <url>` entry (any case and punctuation of the label)."""
    for entry in project_urls:
        label, comma, url = entry.partition(",")
        if comma and "".join(c for c in label.lower() if c.isalnum()) == "homepage":
            return url.strip()
    return ""


# -- check -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MissingDependency:
    """`name version` requires `dependency`, and nothing of that name is installed."""

    name: PackageName
    version: str
    dependency: PackageName


@dataclass(frozen=True)
class ConflictingDependency:
    """`name version` has `requirement`, and the installed `dependency` version is outside it."""

    name: PackageName
    version: str
    requirement: str  # as packaging writes it: `beta[z]<0.1; os_name == "posix"`
    dependency: PackageName
    installed_version: str


@dataclass(frozen=True)
class CheckResult:
    missing: tuple[MissingDependency, ...]  # sorted by requirer, then dependency
    conflicts: tuple[ConflictingDependency, ...]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.conflicts


def check_environment(
    installed: Mapping[PackageName, InstalledDistribution], markers: Mapping[str, str]
) -> CheckResult:
    """Whether every distribution's requirements (markers evaluated, no extras) are installed
    in a version they allow. A version that is not PEP 440 is never called a conflict."""
    from packaging.version import InvalidVersion, Version

    missing: list[MissingDependency] = []
    conflicts: list[ConflictingDependency] = []
    for name in sorted(installed):
        dist = installed[name]
        for requirement in sorted(active_requirements(dist, markers), key=str):
            dependency = normalize_name(requirement.name)
            present = installed.get(dependency)
            if present is None:
                missing.append(MissingDependency(name, dist.version, dependency))
                continue
            try:
                version = Version(present.version)
            except InvalidVersion:
                continue
            if not requirement.specifier.contains(version, prereleases=True):
                conflicts.append(
                    ConflictingDependency(
                        name, dist.version, str(requirement), dependency, present.version
                    )
                )
    return CheckResult(tuple(dict.fromkeys(missing)), tuple(conflicts))


# -- tree --------------------------------------------------------------------------------------


def dependency_graph(
    installed: Mapping[PackageName, InstalledDistribution], markers: Mapping[str, str]
) -> dict[PackageName, tuple[PackageName, ...]]:
    """Each distribution's installed dependencies, sorted (markers evaluated, no extras).

    A dependency whose installed version is outside the requirement is still an edge: the
    tree shows who needs what; pip-check says which versions are wrong.
    """
    graph: dict[PackageName, tuple[PackageName, ...]] = {}
    for name, dist in installed.items():
        dependencies = {normalize_name(r.name) for r in active_requirements(dist, markers)}
        graph[name] = tuple(sorted(d for d in dependencies if d in installed and d != name))
    return graph


def inverted(
    graph: Mapping[PackageName, Sequence[PackageName]],
) -> dict[PackageName, tuple[PackageName, ...]]:
    """The same edges pointing the other way: each distribution's requirers, sorted."""
    requirers: dict[PackageName, list[PackageName]] = {name: [] for name in graph}
    for name, dependencies in graph.items():
        for dependency in dependencies:
            requirers[dependency].append(name)
    return {name: tuple(sorted(names)) for name, names in requirers.items()}


@dataclass(frozen=True)
class TreeRow:
    """One line of a tree: guides (`│   ├── `), then `name v<version>`, maybe `(*)`."""

    guides: str
    name: PackageName
    repeated: bool  # its subtree was shown above and is not shown again


def tree_roots(graph: Mapping[PackageName, Sequence[PackageName]]) -> list[PackageName]:
    """Distributions nothing points to, and the first (by name) of each cycle that nothing
    outside it reaches, so that every distribution is shown; sorted by name."""
    pointed_to = {dependency for dependencies in graph.values() for dependency in dependencies}
    roots = [name for name in graph if name not in pointed_to]
    reached = _reachable(graph, roots)
    for name in sorted(graph):
        if name not in reached:
            roots.append(name)
            reached |= _reachable(graph, [name])
    return sorted(roots)


def _reachable(
    graph: Mapping[PackageName, Sequence[PackageName]], starts: Iterable[PackageName]
) -> set[PackageName]:
    seen: set[PackageName] = set()
    stack = list(starts)
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack.extend(graph.get(name, ()))
    return seen


def render_tree(
    graph: Mapping[PackageName, Sequence[PackageName]],
    roots: Sequence[PackageName],
    *,
    depth: int,
) -> list[TreeRow]:
    """Each root, then its dependencies `depth` levels down.

    A distribution whose dependencies were already shown (above, or on the way down in a
    cycle) is marked repeated and not expanded again; one without dependencies never is.
    """
    rows: list[TreeRow] = []
    expanded: set[PackageName] = set()

    def visit(name: PackageName, guides: str, below: str, level: int) -> None:
        children = graph.get(name, ())
        repeated = bool(children) and name in expanded
        rows.append(TreeRow(guides, name, repeated))
        if repeated or level >= depth:
            return
        expanded.add(name)
        for index, child in enumerate(children):
            last = index == len(children) - 1
            visit(
                child,
                below + ("└── " if last else "├── "),
                below + ("    " if last else "│   "),
                level + 1,
            )

    for root in roots:
        visit(root, "", "", 0)
    return rows
