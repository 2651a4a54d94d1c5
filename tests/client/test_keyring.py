"""The `keyring` command as a source of index passwords: asked after a 401, once per origin."""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from puffin.cache.cache import Cache
from puffin.client.keyring import KeyringNotFound, KeyringProvider, keyring_password
from puffin.client.registry import IndexSettings, RegistryClient
from puffin.dist_types import File
from puffin.errors import NetworkError
from puffin.names import normalize_name
from tests.support.fake_keyring import STDERR_LINE, FakeKeyring
from tests.support.index_server import PackageIndex

PASSWORD = "k3yring-s3cret"
SUBPROCESS = KeyringProvider.SUBPROCESS


@pytest.fixture(autouse=True)
def fresh_answers() -> Iterator[None]:
    """Answers are remembered for the process (one run); each test is a run of its own."""
    keyring_password.cache_clear()
    yield
    keyring_password.cache_clear()


@pytest.fixture
def private() -> Iterator[PackageIndex]:
    with PackageIndex(auth=("alice", PASSWORD)) as index:
        index.add_wheel("foo", "1.0")
        yield index


def as_user(index: PackageIndex, user: str = "alice") -> str:
    return index.url.replace("http://", f"http://{user}@")


def host_of(index: PackageIndex) -> str:
    return index.base_url.removeprefix("http://")


def install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, passwords: dict[tuple[str, str], str]
) -> FakeKeyring:
    keyring = FakeKeyring.install(tmp_path / "bin", passwords)
    monkeypatch.setenv("PATH", keyring.path)
    return keyring


def test_the_command_prints_the_password_of_a_known_pair(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    keyring = install(tmp_path, monkeypatch, {("https://i.example/simple", "alice"): "pw é"})
    with caplog.at_level(logging.DEBUG, logger="puffin"):
        assert keyring_password("https://i.example/simple", "alice") == "pw é"
        assert keyring_password("https://i.example/simple", "bob") is None
        assert keyring_password("https://i.example/simple", "alice") == "pw é"
    assert keyring.calls() == [
        ["get", "https://i.example/simple", "alice"],
        ["get", "https://i.example/simple", "bob"],
    ], "each question is asked once"
    assert STDERR_LINE in caplog.text  # shown with -v only: at debug level
    assert "pw é" not in caplog.text


def test_a_missing_command_is_told_apart_from_a_missing_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(KeyringNotFound):
        keyring_password("https://i.example/simple", "alice")


def test_a_401_asks_the_keyring_once_per_origin_then_every_request_carries_it(
    private: PackageIndex,
    cache: Cache,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("bar", "baz", "qux"):
        private.add_wheel(name, "1.0")
    keyring = install(tmp_path, monkeypatch, {(private.url, "alice"): PASSWORD})
    settings = IndexSettings(as_user(private), keyring_provider=SUBPROCESS)

    async def run() -> None:
        async with RegistryClient(cache=cache, indexes=settings) as registry:
            names = [normalize_name(n) for n in ("foo", "bar", "baz", "qux")]
            projects = await asyncio.gather(*(registry.project_files(n) for n in names))
            [foo] = projects[0]
            await registry.download(foo, tmp_path / foo.filename)

    asyncio.run(run())
    assert keyring.calls() == [["get", private.url, "alice"]]
    downloads = [r for r in private.requests if r.path.startswith("/files/")]
    assert [basic_user_password(r.headers) for r in downloads] == [f"alice:{PASSWORD}"], (
        "once the keyring answered, a request carries its password from the start"
    )


def basic_user_password(headers: Mapping[str, str]) -> str:
    scheme, _, token = headers["authorization"].partition(" ")
    assert scheme == "Basic"
    return base64.b64decode(token).decode()


def test_the_host_is_asked_when_the_index_url_has_no_entry(
    private: PackageIndex,
    fetch_files: Callable[..., list[File]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keyring = install(tmp_path, monkeypatch, {(host_of(private), "alice"): PASSWORD})
    [file] = fetch_files("foo", index_url=as_user(private), keyring_provider=SUBPROCESS)
    assert file.filename == "foo-1.0-py3-none-any.whl"
    assert keyring.calls() == [
        ["get", private.url, "alice"],
        ["get", host_of(private), "alice"],
    ]


def test_the_keyring_cures_a_stale_netrc_password(
    private: PackageIndex,
    fetch_files: Callable[..., list[File]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login alice password old\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    keyring = install(tmp_path, monkeypatch, {(private.url, "alice"): PASSWORD})
    assert len(fetch_files("foo", index_url=as_user(private), keyring_provider=SUBPROCESS)) == 1
    assert keyring.calls() == [["get", private.url, "alice"]]


def failure(fetch_files: Callable[..., list[File]], index_url: str, **options: object) -> str:
    with pytest.raises(NetworkError) as info:
        fetch_files("foo", index_url=index_url, retries=0, **options)
    return str(info.value)


def test_each_way_a_401_stays_unanswered_has_its_own_message(
    private: PackageIndex,
    fetch_files: Callable[..., list[File]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = private.project_url("foo")
    head = f"Request to {page} failed: HTTP 401 Unauthorized: "
    missing = f"{head}credentials are missing: no password in the URL or .netrc, and "
    keyring = install(tmp_path, monkeypatch, {(private.url, "alice"): "wrong"})

    assert failure(fetch_files, as_user(private, "bob"), keyring_provider=SUBPROCESS) == (
        f"{missing}the keyring has no password for this index"
    )
    assert failure(fetch_files, as_user(private), keyring_provider=SUBPROCESS) == (
        f"{head}authentication failed with the credentials from the keyring"
    )
    assert failure(fetch_files, private.url, keyring_provider=SUBPROCESS) == (
        f"{missing}the keyring is asked only when the index URL names the user"
        f" (http://USER@{host_of(private)}/simple)"
    )
    assert failure(fetch_files, as_user(private)) == (
        f"{missing}keyring lookup is disabled (--keyring-provider subprocess enables it)"
    )
    with_password = private.url.replace("http://", "http://alice:nope@")
    assert failure(fetch_files, with_password, keyring_provider=SUBPROCESS) == (
        f"{head}authentication failed with the credentials from the URL"
    )
    assert keyring.calls() == [
        ["get", private.url, "bob"],
        ["get", host_of(private), "bob"],
        ["get", private.url, "alice"],
    ], "no call without a user name, with the provider disabled, or with a password in the URL"

    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    keyring_password.cache_clear()
    assert failure(fetch_files, as_user(private), keyring_provider=SUBPROCESS) == (
        f"{missing}the keyring could not be asked: no `keyring` command on PATH"
    )
