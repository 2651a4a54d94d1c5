"""Direct sources: what each requirement location parses into, its cache key, its PEP 610
record and how pip-compile output writes it back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from packaging.direct_url import DirectUrl

from puffin.dist_types.source import (
    ArchiveKind,
    GitSource,
    PathSource,
    UrlSource,
    digest,
    parse_source,
)
from puffin.errors import InvalidSource, UsageError
from puffin.hashes import HashAlgorithm, HashDigest
from puffin.names import ExtraName, PackageName
from puffin.requirements_txt import parse_requirements_text

BASE = Path("/home/user/proj")
COMMIT = "0123456789abcdef0123456789abcdef01234567"
SHA = "8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254"
SIX = (
    "https://files.pythonhosted.org/packages/d9/5a/e7c31adbe875f2abbb91bd84cf2dc52d792b5a"
    "01506781dbcf25c91daf11/six-1.16.0-py2.py3-none-any.whl"
)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (SIX, UrlSource(SIX, None, "six-1.16.0-py2.py3-none-any.whl", ArchiveKind.WHEEL)),
        (
            f"https://h.example/werkzeug-3.0.1.tar.gz#sha256={SHA.upper()}&egg=werkzeug",
            UrlSource(
                "https://h.example/werkzeug-3.0.1.tar.gz",
                None,
                "werkzeug-3.0.1.tar.gz",
                ArchiveKind.SDIST,
                (HashDigest(HashAlgorithm.SHA256, SHA),),
            ),
        ),
        (
            "https://github.com/o/r/archive/master.zip#egg=r&subdirectory=pkgs/r",
            UrlSource(
                "https://github.com/o/r/archive/master.zip",
                "pkgs/r",
                "master.zip",
                ArchiveKind.UNKNOWN_ARCHIVE,
            ),
        ),
        (
            "http://user:token@h.example/get/my%20archive.zip?x=1",
            UrlSource(
                "http://user:token@h.example/get/my%20archive.zip?x=1",
                None,
                "my archive.zip",
                ArchiveKind.UNKNOWN_ARCHIVE,
            ),
        ),
        (
            "git+https://github.com/pallets/flask.git@3.0.0#egg=flask&subdirectory=src",
            GitSource("https://github.com/pallets/flask.git", "3.0.0", "src"),
        ),
        (
            "git+ssh://git@github.com/org/repo.git@feature/x",
            GitSource("ssh://git@github.com/org/repo.git", "feature/x", None),
        ),
        (
            "git+ssh://git@github.com/org/repo.git",
            GitSource("ssh://git@github.com/org/repo.git", None, None),
        ),
        (
            "git+https://user:secret@h.example/repo@v1",
            GitSource("https://user:secret@h.example/repo", "v1", None),
        ),
        ("git+file:///srv/repo@v1.0", GitSource("file:///srv/repo", "v1.0", None)),
        ("git+http://h.example/repo", GitSource("http://h.example/repo", None, None)),
        (
            f"git+git://h.example/repo@{COMMIT.upper()}",
            GitSource("git://h.example/repo", COMMIT.upper(), None, commit=COMMIT),
        ),
        ("./localpkg", PathSource(BASE / "localpkg", "./localpkg", False, False)),
        ("../x", PathSource(Path("/home/user/x"), "../x", False, False)),
        ("pkg/", PathSource(BASE / "pkg", "pkg/", False, False)),
        ("/abs/pkg", PathSource(Path("/abs/pkg"), "/abs/pkg", False, False)),
        (
            "dist/pkg-1.0-py3-none-any.whl",
            PathSource(
                BASE / "dist/pkg-1.0-py3-none-any.whl", "dist/pkg-1.0-py3-none-any.whl", False, True
            ),
        ),
        ("./x-1.0.TAR.GZ", PathSource(BASE / "x-1.0.TAR.GZ", "./x-1.0.TAR.GZ", False, True)),
        ("file:///abs/pkg", PathSource(Path("/abs/pkg"), "file:///abs/pkg", False, False)),
        (
            "file://localhost/abs/my%20pkg#egg=my-pkg&subdirectory=sub",
            PathSource(
                Path("/abs/my pkg"),
                "file://localhost/abs/my%20pkg#egg=my-pkg&subdirectory=sub",
                False,
                False,
                "sub",
            ),
        ),
        ("file:../pkg", PathSource(Path("/home/user/pkg"), "file:../pkg", False, False)),
        ("file:/abs/x.zip", PathSource(Path("/abs/x.zip"), "file:/abs/x.zip", False, True)),
    ],
)
def test_parse_source(given: str, expected: UrlSource | GitSource | PathSource) -> None:
    assert parse_source(given, editable=False, base_dir=BASE) == expected


def test_editable_directory_and_git() -> None:
    assert parse_source("./localpkg", editable=True, base_dir=BASE) == PathSource(
        BASE / "localpkg", "./localpkg", True, False
    )
    assert parse_source("git+https://h.example/r@v1#egg=r", editable=True, base_dir=BASE) == (
        GitSource("https://h.example/r", "v1", None, editable=True)
    )


def test_given_keeps_what_the_user_wrote() -> None:
    source = parse_source(
        "file:///home/user/proj/localpkg", editable=True, base_dir=BASE, given="${PKGS}/localpkg"
    )
    assert source == PathSource(BASE / "localpkg", "${PKGS}/localpkg", True, False)


@pytest.mark.parametrize(
    ("given", "editable", "message"),
    [
        (
            "hg+https://h.example/repo",
            False,
            "Mercurial source 'hg+https://h.example/repo' is not supported: "
            "puffin installs from git only",
        ),
        (
            "svn+ssh://user:pw@h.example/trunk",
            True,
            "Subversion source 'svn+ssh://****@h.example/trunk' is not supported: "
            "puffin installs from git only",
        ),
        (
            "svn://h.example/trunk",
            False,
            "Subversion source 'svn://h.example/trunk' is not supported: "
            "puffin installs from git only",
        ),
        (
            "bzr+lp:project",
            False,
            "Bazaar source 'bzr+lp:project' is not supported: puffin installs from git only",
        ),
        (
            "https://h.example/pkg-1.0.tar.gz",
            True,
            "Cannot install 'https://h.example/pkg-1.0.tar.gz' in editable mode: "
            "only a local project directory or a git URL can be editable",
        ),
        (
            "./dist/pkg-1.0-py3-none-any.whl",
            True,
            "Cannot install './dist/pkg-1.0-py3-none-any.whl' in editable mode: "
            "only a local project directory or a git URL can be editable",
        ),
        (
            "file:///abs/pkg-1.0.zip",
            True,
            "Cannot install 'file:///abs/pkg-1.0.zip' in editable mode: "
            "only a local project directory or a git URL can be editable",
        ),
        (
            "file://fileserver/share/pkg",
            False,
            "Cannot install from 'file://fileserver/share/pkg': a file: URL must name a "
            "local path, and its host 'fileserver' is not localhost",
        ),
        (
            "ftp://h.example/pkg-1.0.tar.gz",
            False,
            "Unsupported URL scheme 'ftp' in 'ftp://h.example/pkg-1.0.tar.gz': puffin installs "
            "from http(s) and file: URLs, git+https, git+ssh, git+http, git+git and git+file "
            "URLs, and local paths",
        ),
        (
            "s3://bucket/pkg-1.0.tar.gz",
            False,
            "Unsupported URL scheme 's3' in 's3://bucket/pkg-1.0.tar.gz': puffin installs "
            "from http(s) and file: URLs, git+https, git+ssh, git+http, git+git and git+file "
            "URLs, and local paths",
        ),
        (
            "git+git@github.com:org/repo.git",
            False,
            "Invalid git URL 'git+git@github.com:org/repo.git': write it as "
            "git+https://host/path, git+ssh://user@host/path, git+http://, git+git:// or "
            "git+file:///path (an scp-like user@host:path is not a URL)",
        ),
        (
            "git+svn://h.example/repo",
            False,
            "Invalid git URL 'git+svn://h.example/repo': write it as "
            "git+https://host/path, git+ssh://user@host/path, git+http://, git+git:// or "
            "git+file:///path (an scp-like user@host:path is not a URL)",
        ),
        (
            "git+https://h.example/repo@",
            False,
            "Invalid git URL 'git+https://h.example/repo@': nothing follows the '@'; "
            "name a tag, branch or commit after it, or remove it",
        ),
        (
            "https://h.example/",
            False,
            "Cannot install from 'https://h.example/': the URL names no archive file",
        ),
        (
            "https://h.example/not-a-wheel.whl",
            False,
            "Cannot install from 'https://h.example/not-a-wheel.whl': invalid wheel file name: "
            "Invalid wheel filename (wrong number of parts): 'not-a-wheel'",
        ),
        (
            "https://u:p@h.example/pkg-1.0.tar.gz#sha256=abc",
            False,
            "Invalid #sha256= fragment in 'https://****@h.example/pkg-1.0.tar.gz#sha256=abc': "
            "'sha256:abc' is not a valid sha256 digest",
        ),
    ],
)
def test_unusable_sources_are_usage_errors(given: str, editable: bool, message: str) -> None:
    with pytest.raises(InvalidSource) as info:
        parse_source(given, editable=editable, base_dir=BASE)
    assert str(info.value) == message
    assert isinstance(info.value, UsageError)
    assert info.value.exit_code == 2


def test_weak_hash_fragments_are_not_hashes() -> None:
    source = parse_source("https://h.example/a-1.0.tar.gz#md5=abc", editable=False, base_dir=BASE)
    assert isinstance(source, UrlSource)
    assert source.hashes == ()


def test_digest_is_the_cache_digest() -> None:
    from puffin.cache.cache import digest as cache_digest

    text = "https://h.example/a-1.0.tar.gz"
    assert digest(text) == cache_digest(text) == "bdbbcc9d323738e8"


def test_cache_keys_are_stable() -> None:
    url = parse_source(f"{SIX}#sha256={SHA}&egg=six", editable=False, base_dir=BASE)
    git = parse_source(
        "git+https://github.com/pallets/flask.git@3.0.0", editable=False, base_dir=BASE
    )
    path = parse_source("./localpkg", editable=False, base_dir=BASE)
    assert isinstance(git, GitSource)
    assert url.cache_key() == f"url/{digest(SIX)}" == "url/8f5fb1d1e803d270"
    assert git.with_commit(COMMIT).cache_key() == (
        f"git/{digest('https://github.com/pallets/flask.git')}/{COMMIT}"
    )
    assert path.cache_key() == f"path/{digest('/home/user/proj/localpkg')}"
    assert path.cache_key() == "path/4eacb09496ee49b2"


def test_cache_keys_ignore_credentials_and_editability() -> None:
    def key(given: str, editable: bool = False) -> str:
        return parse_source(given, editable=editable, base_dir=BASE).cache_key()

    assert key("https://u:old@h.example/a-1.0.tar.gz") == key(
        "https://u:new@h.example/a-1.0.tar.gz#sha256=" + SHA
    )
    assert key(f"git+https://u:old@h.example/r@{COMMIT}") == key(
        f"git+https://h.example/r@{COMMIT}"
    )
    assert key("./localpkg", editable=True) == key("/home/user/proj/localpkg")


def test_cache_keys_tell_subdirectories_apart() -> None:
    def key(given: str) -> str:
        return parse_source(given, editable=False, base_dir=BASE).cache_key()

    assert key("https://h.example/mono.zip#subdirectory=a") != key(
        "https://h.example/mono.zip#subdirectory=b"
    )
    assert key(f"git+https://h.example/r@{COMMIT}#subdirectory=a") != key(
        f"git+https://h.example/r@{COMMIT}"
    )
    assert key("file:///repo#subdirectory=a") != key("file:///repo")


def test_git_needs_its_resolved_commit() -> None:
    source = parse_source("git+https://u:pw@h.example/r@main", editable=False, base_dir=BASE)
    assert isinstance(source, GitSource)
    message = "git reference main of https://****@h.example/r is not resolved to a commit yet"
    for unresolved in (
        source.cache_key,
        source.direct_url,
        lambda: source.requirement_text(PackageName("r")),
    ):
        with pytest.raises(ValueError) as info:
            unresolved()
        assert str(info.value) == message
    with pytest.raises(ValueError) as info:
        source.with_commit("abc123")
    assert str(info.value) == "'abc123' is not a full git commit hash"
    pinned = source.with_commit(COMMIT.upper())
    assert (pinned.reference, pinned.commit) == ("main", COMMIT)


def _round_trip(text: str) -> dict[str, object]:
    record = json.loads(text)
    assert DirectUrl.from_dict(record).to_dict() == record
    return dict(record)


def test_direct_url_of_an_archive_url() -> None:
    source = parse_source(
        f"https://u:p@h.example/mono.zip#sha256={SHA}&subdirectory=a", editable=False, base_dir=BASE
    )
    assert isinstance(source, UrlSource)
    assert _round_trip(source.direct_url()) == {
        "url": "https://h.example/mono.zip",
        "archive_info": {"hashes": {"sha256": SHA}},
        "subdirectory": "a",
    }
    actual = HashDigest(HashAlgorithm.SHA256, "f" * 64)
    assert _round_trip(source.direct_url([actual]))["archive_info"] == {
        "hashes": {"sha256": "f" * 64}
    }
    bare = parse_source("https://h.example/a-1.0.tar.gz", editable=False, base_dir=BASE)
    assert isinstance(bare, UrlSource)
    assert _round_trip(bare.direct_url()) == {
        "url": "https://h.example/a-1.0.tar.gz",
        "archive_info": {},
    }


def test_direct_url_of_git() -> None:
    source = parse_source(
        "git+ssh://git@github.com/org/repo.git@v1.0#subdirectory=sub",
        editable=False,
        base_dir=BASE,
    )
    assert isinstance(source, GitSource)
    assert _round_trip(source.with_commit(COMMIT).direct_url()) == {
        "url": "ssh://git@github.com/org/repo.git",
        "vcs_info": {"vcs": "git", "commit_id": COMMIT, "requested_revision": "v1.0"},
        "subdirectory": "sub",
    }
    secret = parse_source("git+https://u:pw@h.example/r", editable=False, base_dir=BASE)
    assert isinstance(secret, GitSource)
    assert _round_trip(secret.with_commit(COMMIT).direct_url()) == {
        "url": "https://h.example/r",
        "vcs_info": {"vcs": "git", "commit_id": COMMIT},
    }


def test_direct_url_of_an_editable_git_checkout() -> None:
    source = parse_source("git+https://h.example/r@v1#egg=r", editable=True, base_dir=BASE)
    assert isinstance(source, GitSource)
    pinned = source.with_commit(COMMIT)
    assert _round_trip(pinned.direct_url(checkout=Path("/cache/git-v0/checkouts/x"))) == {
        "url": "file:///cache/git-v0/checkouts/x",
        "dir_info": {"editable": True},
    }
    with pytest.raises(ValueError) as info:
        pinned.direct_url()
    assert str(info.value) == "the checkout of editable https://h.example/r is needed"


def test_direct_url_of_local_paths() -> None:
    def record(given: str, editable: bool = False, hashes: tuple[HashDigest, ...] = ()) -> object:
        source = parse_source(given, editable=editable, base_dir=BASE)
        assert isinstance(source, PathSource)
        return _round_trip(source.direct_url(hashes))

    assert record("./localpkg", editable=True) == {
        "url": "file:///home/user/proj/localpkg",
        "dir_info": {"editable": True},
    }
    assert record("../my pkg") == {"url": "file:///home/user/my%20pkg", "dir_info": {}}
    assert record("dist/a-1.0.tar.gz", hashes=(HashDigest(HashAlgorithm.SHA256, SHA),)) == {
        "url": "file:///home/user/proj/dist/a-1.0.tar.gz",
        "archive_info": {"hashes": {"sha256": SHA}},
    }


def _text(given: str, name: str, *extras: str, editable: bool = False, commit: bool = False) -> str:
    source = parse_source(given, editable=editable, base_dir=BASE)
    if commit:
        assert isinstance(source, GitSource)
        source = source.with_commit(COMMIT)
    return source.requirement_text(PackageName(name), [ExtraName(e) for e in extras])


def test_requirement_text_as_pip_compile_writes_it() -> None:
    # pip-formats.md 1.4.4: a wheel URL, `-e ./localpkg[cli]`, a non-editable local directory.
    assert _text(SIX, "six") == f"six @ {SIX}"
    assert _text("./localpkg", "localpkg", "cli", editable=True) == "-e ./localpkg[cli]"
    assert _text("./localpkg", "localpkg", editable=True) == "-e ./localpkg"
    assert _text("./localpkg", "localpkg") == "localpkg @ file:///home/user/proj/localpkg"


def test_requirement_text_of_urls_drops_egg_and_keeps_the_rest() -> None:
    assert _text(
        f"https://h.example/mono.zip#egg=a&sha256={SHA}&subdirectory=pkgs/a", "a", "x", "b"
    ) == (f"a[b,x] @ https://h.example/mono.zip#sha256={SHA}&subdirectory=pkgs/a")
    # Credentials stay: the output file must still download; the writer redacts for display.
    assert _text("https://u:t@h.example/a-1.0.zip", "a") == "a @ https://u:t@h.example/a-1.0.zip"


def test_requirement_text_of_git_is_pinned_to_the_commit() -> None:
    given = "git+https://github.com/pallets/flask.git@3.0.0#egg=flask&subdirectory=src"
    assert _text(given, "flask", "dotenv", commit=True) == (
        f"flask[dotenv] @ git+https://github.com/pallets/flask.git@{COMMIT}#subdirectory=src"
    )
    assert _text("git+ssh://git@h.example/r.git?x=1", "r", commit=True) == (
        f"r @ git+ssh://git@h.example/r.git@{COMMIT}?x=1"
    )
    assert _text(given, "flask", "dotenv", editable=True, commit=True) == (
        f"-e git+https://github.com/pallets/flask.git@{COMMIT}#subdirectory=src&egg=flask[dotenv]"
    )


def test_requirement_text_of_local_sources_keeps_relative_file_urls() -> None:
    assert _text("file:../pkg#egg=pkg", "pkg") == "pkg @ file:../pkg"
    assert _text("file:../pkg#egg=pkg&subdirectory=s", "pkg") == "pkg @ file:../pkg#subdirectory=s"
    assert _text("file:///abs/pkg#egg=pkg", "pkg", editable=True) == "-e file:///abs/pkg"
    assert _text("/abs/pkg", "pkg", "x") == "pkg[x] @ file:///abs/pkg"
    assert _text("dist/a-1.0.tar.gz", "a") == "a @ file:///home/user/proj/dist/a-1.0.tar.gz"


def test_requirement_text_reads_back_as_the_same_source(tmp_path: Path) -> None:
    """What pip-compile output says is what the next pip-sync reads: through the real
    requirements-file parser and back to an equal source."""
    project = tmp_path / "localpkg"
    project.mkdir()
    (project / "pyproject.toml").write_text("[project]\nname = 'localpkg'\n")
    sources = [
        parse_source("./localpkg", editable=True, base_dir=tmp_path),
        parse_source("./localpkg", editable=False, base_dir=tmp_path),
        parse_source(f"{SIX}#sha256={SHA}", editable=False, base_dir=tmp_path),
        parse_source(
            f"git+https://h.example/r@{COMMIT}#subdirectory=s", editable=False, base_dir=tmp_path
        ),
        parse_source(f"git+https://h.example/r@{COMMIT}", editable=True, base_dir=tmp_path),
    ]
    names = ["localpkg", "localpkg", "six", "r", "r"]
    # `-e ./localpkg` names no project: its name comes from the built metadata, as in pip.
    read_names = [None, "localpkg", "six", "r", "r"]
    lines = [
        source.requirement_text(PackageName(name), [ExtraName("cli")])
        for source, name in zip(sources, names, strict=True)
    ]
    parsed = parse_requirements_text(
        "\n".join(lines), path="requirements.txt", base_dir=tmp_path, environ={}
    ).requirements
    assert [(line.name, line.extras, line.editable) for line in parsed] == [
        (name, frozenset({ExtraName("cli")}), source.editable)
        for source, name in zip(sources, read_names, strict=True)
    ]
    for source, line in zip(sources, parsed, strict=True):
        assert line.url is not None
        again = parse_source(line.url, editable=line.editable, base_dir=tmp_path, given=line.given)
        if isinstance(source, PathSource):
            assert isinstance(again, PathSource)
            assert (again.path, again.editable) == (source.path, source.editable)
        else:
            assert again == source
