"""Git sources: resolve a reference in a cached bare clone and check its commit out once."""

from __future__ import annotations

import enum
import os
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from puffin.cache.cache import Cache, CacheBucket, digest
from puffin.client.urls import redact_text, redact_url
from puffin.errors import GitError, OfflineError
from puffin.fs import temp_dir_in


@dataclass(frozen=True)
class GitCheckout:
    """One commit of a repository, materialized as a tree that keeps its own `.git`."""

    repository: str  # as the user gave it to git, credentials included: redact before showing
    commit: str  # full 40-hex sha
    path: Path  # git-v0/checkouts/<digest(repository)>/<commit>


class _Kind(enum.Enum):
    DEFAULT_BRANCH = "default branch"
    BRANCH = "branch"
    TAG = "tag"
    COMMIT = "commit"
    REF = "ref"  # a full ref name such as refs/pull/1/head, fetched by name


# Tags and commits do not move, so once in the db they need no network. A tag can be re-pointed
# upstream, but pip and git treat that as the publisher's error; `refresh` picks it up.
_IMMUTABLE = frozenset({_Kind.TAG, _Kind.COMMIT})

_FULL_COMMIT = re.compile(r"[0-9a-fA-F]{40}")
_SHORT_COMMIT = re.compile(r"[0-9a-fA-F]{7,40}")
# The characters and sequences git's check-ref-format forbids; also keeps a reference from
# being read as an option or breaking cat-file's line protocol.
_BAD_REFERENCE = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//|^[-/.]|[/.]$|\.lock$")

# All branches and tags, mirrored: backends such as setuptools-scm read the tags in the checkout.
_EVERYTHING = ("+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*")
_DEFAULT_BRANCH_REF = "refs/remotes/origin/HEAD"

# Variables that point git at some other repository (set when puffin runs from a git hook or
# alias); `git rev-parse --local-env-vars` lists them. User config variables are kept.
_REPOSITORY_VARIABLES = (
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_OBJECT_DIRECTORY",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_IMPLICIT_WORK_TREE",
    "GIT_GRAFT_FILE",
    "GIT_INDEX_FILE",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_REPLACE_REF_BASE",
    "GIT_PREFIX",
    "GIT_INTERNAL_SUPER_PREFIX",
    "GIT_SHALLOW_FILE",
    "GIT_COMMON_DIR",
)
_STDERR_LINES = 10


def fetch_git(
    repository: str,
    reference: str | None,
    cache: Cache,
    *,
    offline: bool = False,
    refresh: bool = False,
) -> GitCheckout:
    """Resolve `reference` (None: the remote's default branch) and return its checkout.

    Branches are fetched on every call unless `offline`; tags and commits already in the db
    are used as they are unless `refresh`. Raises GitError, or OfflineError when `offline`
    and the cache cannot answer.
    """
    source = _Source(repository, reference)
    if reference is not None and _BAD_REFERENCE.search(reference):
        raise GitError(f"Invalid git reference {reference!r} for {source.shown}")
    bucket = cache.bucket(CacheBucket.GIT)
    # Keyed without credentials, so a rotated token keeps its clone.
    key = digest(_without_credentials(repository))
    checkouts = bucket / "checkouts" / key
    if reference is not None and _FULL_COMMIT.fullmatch(reference) and not refresh:
        # The hot path of a re-sync from pinned output: a checkout is never changed once
        # renamed in, so its existence is the whole answer, without a lock or a git process.
        ready = checkouts / reference.lower()
        if ready.is_dir():
            return GitCheckout(repository, reference.lower(), ready)
    locks = bucket / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    # One lock per repository covers the db and its checkouts: parallel processes never run
    # two fetches into one db, and a commit is checked out once.
    with FileLock(locks / f"{key}.lock"):
        db = bucket / "db" / key
        commit = _resolve(source, db, offline=offline, refresh=refresh)
        path = checkouts / commit
        if not path.is_dir():
            _check_out(source, db, commit, path, offline=offline)
    return GitCheckout(repository, commit, path)


@dataclass(frozen=True)
class _Source:
    """What every git invocation and error message needs to know."""

    repository: str
    reference: str | None

    @property
    def shown(self) -> str:
        return redact_url(self.repository)

    @property
    def subject(self) -> str:
        return "the default branch" if self.reference is None else f"'{self.reference}'"

    def not_found(self) -> GitError:
        if self.reference is None:
            return GitError(f"Git repository {self.shown} has no default branch")
        return GitError(f"Git reference '{self.reference}' not found in {self.shown}")


@dataclass(frozen=True)
class _Found:
    commit: str
    kind: _Kind


def _resolve(source: _Source, db: Path, *, offline: bool, refresh: bool) -> str:
    """The commit `source.reference` names, fetching into the db only when it must."""
    found = _lookup(source, db) if db.is_dir() else None
    if found is not None and (offline or (found.kind in _IMMUTABLE and not refresh)):
        return found.commit
    if offline:
        what = (
            "The default branch" if source.reference is None else f"Git reference {source.subject}"
        )
        raise OfflineError(
            f"{what} of {source.shown} is not in the cache, and --offline forbids fetching it"
        )
    if not db.is_dir():
        _create_db(source, db)
    _fetch(source, db, _refspecs(source.reference))
    found = _lookup(source, db)
    if found is None and source.reference is not None and _FULL_COMMIT.fullmatch(source.reference):
        # A commit no branch or tag reaches (a deleted branch, a pull request): ask for it by
        # name. Servers may refuse, and then it is simply not found.
        commit = source.reference.lower()
        try:
            _fetch(source, db, [f"+{commit}:refs/puffin/commits/{commit}"])
        except GitError:
            raise source.not_found() from None
        found = _lookup(source, db)
    if found is None:
        raise source.not_found()
    return found.commit


def _refspecs(reference: str | None) -> list[str]:
    if reference is None:
        # Only asked for when needed: a bare remote whose HEAD names a missing branch (a
        # `master` default with only `main` pushed) makes any fetch of HEAD fail.
        return [*_EVERYTHING, f"+HEAD:{_DEFAULT_BRANCH_REF}"]
    if reference.startswith("refs/"):
        return [*_EVERYTHING, f"+{reference}:refs/puffin/{reference}"]
    return list(_EVERYTHING)


def _candidates(reference: str | None) -> list[tuple[str, _Kind]]:
    """The db refs that may hold `reference`, in the order pip tries them."""
    if reference is None:
        return [(_DEFAULT_BRANCH_REF, _Kind.DEFAULT_BRANCH)]
    if reference.startswith("refs/"):
        return [(f"refs/puffin/{reference}", _Kind.REF)]
    named = [(f"refs/heads/{reference}", _Kind.BRANCH), (f"refs/tags/{reference}", _Kind.TAG)]
    if _FULL_COMMIT.fullmatch(reference):
        return [(reference.lower(), _Kind.COMMIT), *named]
    if _SHORT_COMMIT.fullmatch(reference):
        return [*named, (reference.lower(), _Kind.COMMIT)]
    return named


def _lookup(source: _Source, db: Path) -> _Found | None:
    """Ask the db for every candidate at once; the first that peels to a commit wins."""
    candidates = _candidates(source.reference)
    query = "".join(f"{name}^{{commit}}\n" for name, _ in candidates)
    output = _git(source, ["cat-file", "--batch-check"], cwd=db, input=query)
    for (_name, kind), line in zip(candidates, output.splitlines(), strict=True):
        fields = line.split()
        if len(fields) == 3 and fields[1] == "commit":
            return _Found(fields[0], kind)
        if fields[-1] == "ambiguous":
            raise GitError(
                f"Git reference {source.subject} is ambiguous in {source.shown}: "
                "give more digits of the commit"
            )
    return None


def _create_db(source: _Source, db: Path) -> None:
    """`git init --bare` in a temp dir renamed into place, so a crash leaves no half a db."""
    db.parent.mkdir(parents=True, exist_ok=True)
    with temp_dir_in(db.parent, prefix=".tmp-") as temp:
        _git(source, ["init", "--quiet", "--bare", "--template=", str(temp)], cwd=None)
        os.rename(temp, db)


def _fetch(source: _Source, db: Path, refspecs: Sequence[str]) -> None:
    # `--` keeps a repository URL that starts with `-` from being read as an option.
    command = ["fetch", "--quiet", "--prune", "--no-tags", "--", source.repository, *refspecs]
    try:
        _git(source, command, cwd=db)
    except GitError as error:
        if "couldn't find remote ref" in error.message and source.reference is not None:
            raise source.not_found() from None
        raise


def _check_out(source: _Source, db: Path, commit: str, path: Path, *, offline: bool) -> None:
    """Materialize `commit` in a temp dir next to `path` and rename it in.

    A plain local clone hard-links the db's objects, so the checkout keeps a working `.git`
    (setuptools-scm reads its tags) that does not depend on the db staying as it is.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with temp_dir_in(path.parent, prefix=".tmp-") as temp:
        clone = ["clone", "--quiet", "--no-checkout", "--template=", "--", str(db), str(temp)]
        _git(source, clone, cwd=None)
        _git(source, ["checkout", "--quiet", "--detach", commit, "--"], cwd=temp)
        if (temp / ".gitmodules").is_file():
            _update_submodules(source, temp, commit, offline=offline)
        try:
            os.rename(temp, path)
        except OSError:
            # Someone without our lock (a cache on a file system where locks do not hold)
            # finished first; commits are immutable, so theirs is as good as ours.
            if not path.is_dir():
                raise


def _update_submodules(source: _Source, tree: Path, commit: str, *, offline: bool) -> None:
    if offline:
        raise OfflineError(
            f"Commit {commit} of {source.shown} has git submodules, "
            "and --offline forbids fetching them"
        )
    # Relative submodule URLs count from the superproject's remote, which must be the real
    # repository, not the db the checkout was cloned from.
    _git(source, ["config", "remote.origin.url", source.repository], cwd=tree)
    options: list[str] = []
    if _is_local(source.repository):
        # git refuses file:// submodules by default (CVE-2022-39253); a repository the user
        # named on this machine may use its neighbours.
        options = ["-c", "protocol.file.allow=always"]
    _git(source, [*options, "submodule", "update", "--init", "--recursive", "--quiet"], cwd=tree)
    if _without_credentials(source.repository) != source.repository:
        _scrub_credentials(tree / ".git")


def _scrub_credentials(git_dir: Path) -> None:
    """Credentials never stay in the cache: git wrote the remote URLs into these configs."""
    for config in [git_dir / "config", *(git_dir / "modules").rglob("config")]:
        text = config.read_text()
        redacted = redact_text(text)
        if redacted != text:
            config.write_text(redacted)


def _git(source: _Source, arguments: Sequence[str], *, cwd: Path | None, input: str = "") -> str:
    """Run git with no prompts and no stray repository variables; raise GitError on failure."""
    command = [
        "git",
        "-c",
        "advice.detachedHead=false",
        # A user's CRLF conversion must not change what gets built from a commit.
        "-c",
        "core.autocrlf=false",
        # An automatic gc runs inside our lock, not in a detached process that outlives it.
        "-c",
        "gc.autoDetach=false",
        *arguments,
    ]
    try:
        completed = subprocess.run(
            command,
            cwd=cwd,
            env=_environment(),
            input=input.encode(),
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        raise GitError(
            f"Cannot fetch {source.shown}: the `git` command is not installed or not on PATH"
        ) from None
    if completed.returncode != 0:
        lines = completed.stderr.decode(errors="replace").strip().splitlines()
        tail = "\n".join(f"  {line}" for line in lines[-_STDERR_LINES:])
        subcommand = next(a for a in arguments if not a.startswith("-") and "=" not in a)
        raise GitError(
            f"git {subcommand} failed for {source.shown} at {source.subject} "
            f"(exit code {completed.returncode})" + (f":\n{redact_text(tail)}" if tail else "")
        )
    return completed.stdout.decode(errors="replace")


def _environment() -> dict[str, str]:
    environment = {
        name: value for name, value in os.environ.items() if name not in _REPOSITORY_VARIABLES
    }
    # Never wait on a password prompt: a missing credential is an error the user sees.
    environment["GIT_TERMINAL_PROMPT"] = "0"
    environment["GIT_CONFIG_NOSYSTEM"] = "1"
    return environment


_USERINFO = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/\s?#]*@")


def _without_credentials(url: str) -> str:
    return _USERINFO.sub(r"\g<scheme>", url, count=1)


def _is_local(repository: str) -> bool:
    return repository[:7].lower() == "file://" or (
        "://" not in repository and ":" not in repository
    )
