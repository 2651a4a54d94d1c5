"""A private index (401 without basic auth) reached with URL, .netrc and keyring credentials.

pip-compile and pip-sync are run for each source; the password must never show: not in any
output, the compiled file, the cache or the venv.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.fake_keyring import STDERR_LINE, FakeKeyring
from tests.support.index_server import PackageIndex
from tests.support.run import Result, installed, make_venv, run_puffin

USER, PASSWORD = "alice", "pr1vate-pw"


@pytest.fixture
def private() -> Iterator[PackageIndex]:
    with PackageIndex(auth=(USER, PASSWORD)) as index:
        index.add_wheel("alpha", "1.0", requires_dist=["beta>=2"])
        index.add_wheel("beta", "2.0")
        yield index
    assert not index.server_errors


@dataclass(frozen=True)
class Source:
    """How one run is given the credentials: an index URL and the environment."""

    index_url: str
    env: dict[str, str]
    options: tuple[str, ...] = ()


def with_user(index: PackageIndex, userinfo: str) -> str:
    return index.url.replace("http://", f"http://{userinfo}@", 1)


def no_netrc(tmp_path: Path) -> dict[str, str]:
    return {"NETRC": str(tmp_path / "no-netrc")}


def leaks(data: bytes) -> list[str]:
    """Which forms of the password `data` holds: plain, or inside a basic-auth header value."""
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode())
    return [
        name for name, form in [("password", PASSWORD.encode()), ("token", token)] if form in data
    ]


def files_under(root: Path) -> Iterator[Path]:
    for directory, _dirs, names in os.walk(root):
        for name in names:
            path = Path(directory, name)
            if not path.is_symlink():
                yield path


def compile_and_sync(
    work: Path, compile_source: Source, sync_source: Source, *, sync_verbose: bool = False
) -> tuple[Result, Result]:
    """pip-compile then pip-sync in `work`; check the pins, the venv, and that the password
    shows nowhere: outputs, the compiled file, the venv, the cache."""
    work.mkdir()
    (work / "requirements.in").write_text("alpha\n")
    compiled = run_puffin(
        "pip-compile", "--index-url", compile_source.index_url, *compile_source.options,
        "--no-header", "-o", "requirements.txt", "requirements.in",
        cwd=work, env=compile_source.env,
    )  # fmt: skip
    assert compiled.returncode == 0, compiled.stderr
    assert pins(work / "requirements.txt") == ["alpha==1.0", "beta==2.0"]
    venv = make_venv(work / "venv")
    # The compiled file names the index without its password: the command line gives it back.
    synced = run_puffin(
        "pip-sync", "--python", venv, "--index-url", sync_source.index_url,
        *sync_source.options, *(["-v"] if sync_verbose else []), "requirements.txt",
        cwd=work, env=sync_source.env,
    )  # fmt: skip
    assert synced.returncode == 0, synced.stderr
    assert installed(venv) == {"alpha": "1.0", "beta": "2.0"}
    for run in (compiled, synced):
        assert leaks((run.stdout + run.stderr).encode()) == []
    for root in (work, Path(os.environ["PUFFIN_CACHE_DIR"])):
        for path in files_under(root):
            assert leaks(path.read_bytes()) == [], path
            assert leaks(str(path).encode()) == [], path
    return compiled, synced


def pins(compiled: Path) -> list[str]:
    return [line for line in compiled.read_text().splitlines() if line.endswith(("1.0", "2.0"))]


def test_credentials_in_the_index_url(private: PackageIndex, tmp_path: Path) -> None:
    source = Source(with_user(private, f"{USER}:{PASSWORD}"), no_netrc(tmp_path))
    compile_and_sync(tmp_path / "work", source, source)
    compiled = (tmp_path / "work" / "requirements.txt").read_text()
    assert f"--index-url {with_user(private, f'{USER}:****')}\n" in compiled


def test_credentials_from_netrc(private: PackageIndex, tmp_path: Path) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login {USER} password {PASSWORD}\n")
    netrc.chmod(0o600)
    source = Source(private.url, {"NETRC": str(netrc)})
    compile_and_sync(tmp_path / "work", source, source)
    assert f"--index-url {private.url}\n" in (tmp_path / "work" / "requirements.txt").read_text()


def test_credentials_from_the_keyring_asked_once_per_run(
    private: PackageIndex, tmp_path: Path
) -> None:
    keyring = FakeKeyring.install(tmp_path / "bin", {(private.url, USER): PASSWORD})
    env = {**no_netrc(tmp_path), **keyring.env}
    compile_source = Source(with_user(private, USER), env, ("--keyring-provider", "subprocess"))
    # pip-sync takes the provider from the environment.
    sync_source = Source(with_user(private, USER), {**env, "PUFFIN_KEYRING_PROVIDER": "subprocess"})
    compiled, synced = compile_and_sync(
        tmp_path / "work", compile_source, sync_source, sync_verbose=True
    )
    # One call per run: the compile's pages, then the sync's downloads, each got one 401 first.
    assert keyring.calls() == [["get", private.url, USER]] * 2
    assert STDERR_LINE not in compiled.stderr, "keyring's stderr shows only with -v"
    assert STDERR_LINE in synced.stderr


def test_wrong_credentials_fail_with_one_line(private: PackageIndex, tmp_path: Path) -> None:
    (tmp_path / "requirements.in").write_text("alpha\n")
    # One line: with two, whichever page fails first would be the one named.
    (tmp_path / "requirements.txt").write_text("alpha==1.0\n")
    venv = make_venv(tmp_path / "venv")
    wrong = with_user(private, f"{USER}:not-it")
    page = private.project_url("alpha")
    runs = [
        run_puffin("pip-compile", "-i", wrong, "-o", "-", "requirements.in", cwd=tmp_path),
        run_puffin("pip-sync", "-p", venv, "-i", wrong, "requirements.txt", cwd=tmp_path),
    ]
    for run in runs:
        assert run.returncode == 1
        assert run.stderr == (
            f"error: Request to {page} failed: HTTP 401 Unauthorized:"
            " authentication failed with the credentials from the URL\n"
        )
    assert installed(venv) == {}


def test_missing_credentials_fail_with_one_line(private: PackageIndex, tmp_path: Path) -> None:
    (tmp_path / "requirements.in").write_text("alpha\n")
    result = run_puffin(
        "pip-compile", "-i", private.url, "-o", "-", "requirements.in",
        cwd=tmp_path, env=no_netrc(tmp_path),
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr == (
        f"error: Request to {private.project_url('alpha')} failed: HTTP 401 Unauthorized:"
        " credentials are missing: no password in the URL or .netrc, and keyring lookup is"
        " disabled (--keyring-provider subprocess enables it)\n"
    )


def test_a_compiled_file_with_a_redacted_password_syncs_with_the_netrc_one(
    private: PackageIndex, tmp_path: Path
) -> None:
    """The file keeps `alice:****@`; pip-sync reads `****` as "not given here" and asks .netrc."""
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login {USER} password {PASSWORD}\n")
    netrc.chmod(0o600)
    (tmp_path / "requirements.txt").write_text(
        f"--index-url {with_user(private, f'{USER}:****')}\nalpha==1.0\nbeta==2.0\n"
    )
    venv = make_venv(tmp_path / "venv")
    synced = run_puffin(
        "pip-sync", "-p", venv, "requirements.txt", cwd=tmp_path, env={"NETRC": str(netrc)}
    )
    assert synced.returncode == 0, synced.stderr
    assert installed(venv) == {"alpha": "1.0", "beta": "2.0"}
