"""The exception tree: every failure a user can meet is a PuffinError carrying its data.

    PuffinError                      exit code 1 unless stated
    ├── UsageError                   exit code 2: bad flags or bad requirement lines
    │   ├── RequirementsFileError    `file:line: what is wrong`
    │   └── InvalidSource            a direct reference puffin cannot install from
    ├── InterpreterError             no interpreter found, or it could not be queried
    ├── NetworkError                 a request failed after its retries
    ├── IndexError_                  an index page was unusable (bad JSON/HTML, 404 on a file)
    ├── NoMatchingDistribution       nothing on the indexes satisfies a requirement
    ├── HashMismatch                 a file's digest is not one the user allowed
    ├── HashesRequired               --require-hashes and a requirement without a hash
    ├── InvalidWheel                 a wheel that breaks the format or our safety rules
    ├── InstallError                 installing or uninstalling in the environment failed
    ├── CacheError                   the cache directory is unusable
    ├── OfflineError                 --offline and something is not in the cache
    ├── ConflictingRequirements      the input's own requirements exclude each other
    ├── UnsupportedSource            a source kind this build of puffin cannot handle yet
    ├── GitError                     a git command failed, or a reference names nothing
    ├── BuildError                   a source tree could not be built (backend output included)
    │   ├── InvalidSdist             an sdist that cannot be read or breaks the extraction rules
    │   └── BuildForbidden           a build was needed and --no-build forbids it
    └── LockFileError                a pylock.toml cannot be written from the resolution

`cli/` renders `str(error)`; nothing below it prints.
"""

from __future__ import annotations


class PuffinError(Exception):
    """Root of every error puffin reports to a user."""

    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(PuffinError):
    """The command line or an input file is malformed."""

    exit_code = 2


class RequirementsFileError(UsageError):
    """A requirements file line that cannot be understood."""

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        location = f"{path}:{line}" if line is not None else path
        super().__init__(f"{location}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


class InvalidSource(UsageError):
    """A direct reference (URL, git URL or path) that puffin cannot install from."""


class InterpreterError(PuffinError):
    """No usable Python interpreter, or one that could not be queried."""


class NetworkError(PuffinError):
    """A request failed after its bounded retries."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"Request to {url} failed: {reason}")
        self.url = url
        self.reason = reason


class IndexError_(PuffinError):
    """An index answered with something that cannot be used."""


class NoMatchingDistribution(PuffinError):
    """No file on any index satisfies a requirement for the target interpreter."""


class HashMismatch(PuffinError):
    """A file's digest is not among the hashes the user allowed."""

    def __init__(self, what: str, expected: list[str], actual: str) -> None:
        lines = "\n".join(f"    Expected: {digest}" for digest in expected)
        super().__init__(f"Hash mismatch for {what}:\n{lines}\n    Got:      {actual}")
        self.what = what
        self.expected = expected
        self.actual = actual


class HashesRequired(PuffinError):
    """Hash-checking mode is on and a requirement carries no usable hash."""


class InvalidWheel(PuffinError):
    """A wheel file breaks the wheel format or puffin's safety rules."""

    def __init__(self, filename: str, reason: str) -> None:
        super().__init__(f"Invalid wheel {filename}: {reason}")
        self.filename = filename
        self.reason = reason


class InstallError(PuffinError):
    """Installing into, or removing from, the target environment failed."""


class CacheError(PuffinError):
    """The cache directory cannot be used."""


class OfflineError(PuffinError):
    """`--offline` was given and what is needed is not in the cache."""


class ConflictingRequirements(PuffinError):
    """First-party requirements (and constraints) that no version satisfies together; the
    message is a report sentence, as the resolver's failures are."""


class UnsupportedSource(PuffinError):
    """A requirement names a source kind that this version cannot install yet."""


class GitError(PuffinError):
    """A git command failed, or a reference names nothing in the repository."""


class BuildError(PuffinError):
    """A source tree could not be built: bad `[build-system]`, a failing backend, no backend."""


class InvalidSdist(BuildError):
    """An sdist archive that cannot be read or that breaks puffin's extraction rules."""

    def __init__(self, filename: str, reason: str) -> None:
        super().__init__(f"Invalid sdist {filename}: {reason}")
        self.filename = filename
        self.reason = reason


class BuildForbidden(BuildError):
    """A source needs a build and the user forbade building (--no-build)."""


class LockFileError(PuffinError):
    """A lock file (pylock.toml) cannot be written from what was resolved."""
