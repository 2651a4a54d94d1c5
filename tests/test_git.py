"""fetch_git against real repositories the tests create: references, caching, offline, errors."""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from puffin.cache.cache import Cache
from puffin.errors import OfflineError
from puffin.git import GitCheckout, GitError, fetch_git

_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


class Upstream:
    """A repository on disk that plays the remote, with a `main` default branch."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.url = path.as_uri()
        self.git("init", "--quiet", "--initial-branch=main", str(path), cwd=path.parent)

    def git(self, *arguments: str, cwd: Path | None = None) -> str:
        completed = subprocess.run(
            ["git", *arguments],
            cwd=cwd or self.path,
            env={**os.environ, **_IDENTITY},
            capture_output=True,
            text=True,
            check=True,
        )
        return completed.stdout.strip()

    def commit(self, files: dict[str, str], message: str = "change") -> str:
        for name, text in files.items():
            (self.path / name).write_text(text)
        self.git("add", "--all")
        self.git("commit", "--quiet", "--message", message)
        return self.git("rev-parse", "HEAD")


@pytest.fixture
def upstream(tmp_path: Path) -> Upstream:
    return Upstream(tmp_path / "upstream")


@pytest.fixture
def cache(tmp_path: Path) -> Cache:
    return Cache(tmp_path / "cache")


def _read(checkout: GitCheckout, name: str = "version.txt") -> str:
    return (checkout.path / name).read_text()


def _head(checkout: GitCheckout) -> str:
    completed = subprocess.run(
        ["git", "-C", str(checkout.path), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout.strip()


def _checkouts(cache: Cache) -> list[Path]:
    root = cache.root / "git-v0" / "checkouts"
    return sorted(root.glob("*/*")) + sorted(root.glob("*/.*"))


def test_default_branch_is_the_remotes_head(upstream: Upstream, cache: Cache) -> None:
    upstream.commit({"version.txt": "1"})
    upstream.git("checkout", "--quiet", "-b", "other")
    second = upstream.commit({"version.txt": "2"})

    checkout = fetch_git(upstream.url, None, cache)

    assert checkout.commit == second  # the remote's HEAD is `other` now
    assert _read(checkout) == "2"
    assert checkout.path.parent.parent == cache.root / "git-v0" / "checkouts"
    assert checkout.path.name == second
    assert _head(checkout) == second  # a working .git stays, for setuptools-scm and kin


def test_tags_lightweight_and_annotated_with_describe(upstream: Upstream, cache: Cache) -> None:
    first = upstream.commit({"version.txt": "1"})
    upstream.git("tag", "v1")
    second = upstream.commit({"version.txt": "2"})
    upstream.git("tag", "--annotate", "v2", "--message", "release 2")
    upstream.commit({"version.txt": "3"})

    one = fetch_git(upstream.url, "v1", cache)
    two = fetch_git(upstream.url, "v2", cache)

    assert (one.commit, _read(one)) == (first, "1")
    assert (two.commit, _read(two)) == (second, "2")
    describe = subprocess.run(
        ["git", "-C", str(two.path), "describe", "--tags"], capture_output=True, text=True
    )
    assert describe.stdout.strip() == "v2"


def test_a_branch_is_fetched_again_and_moves(upstream: Upstream, cache: Cache) -> None:
    upstream.commit({"version.txt": "1"})
    upstream.git("checkout", "--quiet", "-b", "feature")
    before = upstream.commit({"version.txt": "2"})
    assert fetch_git(upstream.url, "feature", cache).commit == before

    after = upstream.commit({"version.txt": "3"})
    checkout = fetch_git(upstream.url, "feature", cache)

    assert (checkout.commit, _read(checkout)) == (after, "3")


def test_full_and_short_commits(upstream: Upstream, cache: Cache) -> None:
    first = upstream.commit({"version.txt": "1"})
    upstream.commit({"version.txt": "2"})

    full = fetch_git(upstream.url, first, cache)
    short = fetch_git(upstream.url, first[:7], cache)
    upper = fetch_git(upstream.url, first.upper(), cache)

    assert (
        full
        == short
        == upper
        == GitCheckout(
            upstream.url, first, cache.root / "git-v0" / "checkouts" / full.path.parent.name / first
        )
    )
    assert _read(full) == "1"


def test_a_commit_only_a_hidden_ref_reaches_is_fetched_by_name(
    upstream: Upstream, cache: Cache
) -> None:
    upstream.commit({"version.txt": "1"})
    upstream.git("checkout", "--quiet", "-b", "gone")
    hidden = upstream.commit({"version.txt": "hidden"})
    upstream.git("update-ref", "refs/keep/hidden", hidden)
    upstream.git("checkout", "--quiet", "main")
    upstream.git("branch", "--quiet", "-D", "gone")
    upstream.git("config", "uploadpack.allowReachableSHA1InWant", "true")

    checkout = fetch_git(upstream.url, hidden, cache)

    assert _read(checkout) == "hidden"


def test_a_full_ref_name_such_as_a_pull_request(upstream: Upstream, cache: Cache) -> None:
    upstream.commit({"version.txt": "1"})
    upstream.git("checkout", "--quiet", "-b", "pr")
    proposed = upstream.commit({"version.txt": "proposed"})
    upstream.git("update-ref", "refs/pull/7/head", proposed)

    checkout = fetch_git(upstream.url, "refs/pull/7/head", cache)

    assert (checkout.commit, _read(checkout)) == (proposed, "proposed")


def test_offline_with_nothing_cached(upstream: Upstream, cache: Cache) -> None:
    upstream.commit({"version.txt": "1"})

    with pytest.raises(OfflineError) as caught:
        fetch_git(upstream.url, "main", cache, offline=True)
    assert str(caught.value) == (
        f"Git reference 'main' of {upstream.url} is not in the cache, "
        "and --offline forbids fetching it"
    )
    with pytest.raises(OfflineError) as caught:
        fetch_git(upstream.url, None, cache, offline=True)
    assert str(caught.value) == (
        f"The default branch of {upstream.url} is not in the cache, "
        "and --offline forbids fetching it"
    )


def test_offline_uses_what_the_cache_holds(upstream: Upstream, cache: Cache) -> None:
    first = upstream.commit({"version.txt": "1"})
    second = upstream.commit({"version.txt": "2"})
    assert fetch_git(upstream.url, "main", cache).commit == second
    upstream.commit({"version.txt": "3"})

    # The branch as last fetched, and a commit that is in the db but was never checked out.
    assert fetch_git(upstream.url, "main", cache, offline=True).commit == second
    older = fetch_git(upstream.url, first, cache, offline=True)
    assert (older.commit, _read(older)) == (first, "1")
    with pytest.raises(OfflineError):
        fetch_git(upstream.url, "v9", cache, offline=True)


def test_a_cached_tag_is_not_fetched_again_unless_refreshed(
    upstream: Upstream, cache: Cache
) -> None:
    first = upstream.commit({"version.txt": "1"})
    upstream.git("tag", "v1")
    assert fetch_git(upstream.url, "v1", cache).commit == first
    moved = upstream.commit({"version.txt": "2"})
    upstream.git("tag", "--force", "v1")

    assert fetch_git(upstream.url, "v1", cache).commit == first
    assert fetch_git(upstream.url, "v1", cache, refresh=True).commit == moved


def test_an_unknown_reference(upstream: Upstream, cache: Cache) -> None:
    upstream.commit({"version.txt": "1"})

    for reference in ("v9", "0" * 40):
        with pytest.raises(GitError) as caught:
            fetch_git(upstream.url, reference, cache)
        assert str(caught.value) == f"Git reference '{reference}' not found in {upstream.url}"
    with pytest.raises(GitError) as caught:
        fetch_git(upstream.url, "refs/pull/9/head", cache)
    assert str(caught.value) == f"Git reference 'refs/pull/9/head' not found in {upstream.url}"


def test_a_reference_git_would_read_as_something_else(upstream: Upstream, cache: Cache) -> None:
    for reference in ("--upload-pack=touch x", "main:setup.py", "a b"):
        with pytest.raises(GitError) as caught:
            fetch_git(upstream.url, reference, cache)
        assert str(caught.value) == f"Invalid git reference {reference!r} for {upstream.url}"


def test_a_missing_repository_names_it_and_shows_git(tmp_path: Path, cache: Cache) -> None:
    url = (tmp_path / "nowhere").as_uri()

    with pytest.raises(GitError) as caught:
        fetch_git(url, "main", cache)

    assert str(caught.value).startswith(
        f"git fetch failed for {url} at 'main' (exit code 128):\n"
        f"  fatal: '{tmp_path / 'nowhere'}' does not appear to be a git repository\n"
    )


def test_credentials_never_reach_the_message(cache: Cache) -> None:
    # Port 1 on the loopback refuses at once; git itself never gets to ask for a password.
    url = "https://user:s3cret@127.0.0.1:1/repo.git"

    with pytest.raises(GitError) as caught:
        fetch_git(url, None, cache)

    message = str(caught.value)
    assert message.startswith(
        "git fetch failed for https://****@127.0.0.1:1/repo.git at the default branch "
        "(exit code 128):\n  fatal: unable to access"
    )
    assert "s3cret" not in message
    assert "user" not in message


def test_a_checkout_is_reused(upstream: Upstream, cache: Cache) -> None:
    commit = upstream.commit({"version.txt": "1"})
    upstream.git("tag", "v1")
    first = fetch_git(upstream.url, "v1", cache)
    before = (first.path / "version.txt").stat()

    again = fetch_git(upstream.url, "v1", cache)
    by_commit = fetch_git(upstream.url, commit, cache)

    assert again == by_commit == first
    after = (first.path / "version.txt").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert _checkouts(cache) == [first.path]


def test_parallel_fetches_of_one_repository_agree(upstream: Upstream, cache: Cache) -> None:
    commit = upstream.commit({"version.txt": "1"})
    upstream.git("tag", "v1")

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda ref: fetch_git(upstream.url, ref, cache), ["v1"] * 4))

    assert {result.commit for result in results} == {commit}
    assert _checkouts(cache) == [results[0].path]
    assert _read(results[0]) == "1"


def _with_submodule(tmp_path: Path, upstream: Upstream, url: str) -> str:
    upstream.commit({"version.txt": "1"})
    upstream.git("-c", "protocol.file.allow=always", "submodule", "--quiet", "add", url, "vendored")
    return upstream.commit({}, "add submodule")


def test_submodules_are_checked_out(tmp_path: Path, upstream: Upstream, cache: Cache) -> None:
    library = Upstream(tmp_path / "library")
    library.commit({"lib.py": "VALUE = 1\n"})
    commit = _with_submodule(tmp_path, upstream, "../library")

    checkout = fetch_git(upstream.url, "main", cache)

    assert checkout.commit == commit
    assert (checkout.path / "vendored" / "lib.py").read_text() == "VALUE = 1\n"


def test_a_failed_checkout_leaves_nothing_behind(
    tmp_path: Path, upstream: Upstream, cache: Cache
) -> None:
    library = Upstream(tmp_path / "library")
    library.commit({"lib.py": "VALUE = 1\n"})
    _with_submodule(tmp_path, upstream, "../library")
    library.path.rename(tmp_path / "moved")

    with pytest.raises(GitError) as caught:
        fetch_git(upstream.url, "main", cache)

    assert str(caught.value).startswith(
        f"git submodule failed for {upstream.url} at 'main' (exit code 1):"
    )
    assert _checkouts(cache) == []
