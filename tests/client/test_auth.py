"""Credentials leave index URLs at once, come back only as auth for their origin; 401 texts."""

from __future__ import annotations

from pathlib import Path

from puffin.client.auth import (
    Credentials,
    CredentialSource,
    CredentialStore,
    SentCredentials,
    split_credentials,
)


def sent(store: CredentialStore, url: str) -> tuple[str, str, str] | None:
    """(username, password, source) of what a request to `url` would carry."""
    found = store.credentials_for(url)
    if found is None:
        return None
    return found.credentials.username, found.credentials.password, found.source.name


def netrc_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "netrc"
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_split_credentials_unquotes_and_cleans_the_url() -> None:
    assert split_credentials("https://us%40er:p%3Ass@host:8443/simple") == (
        "https://host:8443/simple",
        Credentials("us@er", "p:ss"),
    )
    assert split_credentials("https://host/simple") == ("https://host/simple", None)


def test_store_hands_credentials_to_the_same_origin_only(tmp_path: Path) -> None:
    store = CredentialStore(netrc_path=tmp_path / "absent")
    assert store.strip_url("https://user:pw@host/simple") == "https://host/simple"
    assert sent(store, "https://host/files/x.whl") == ("user", "pw", "URL")
    assert sent(store, "https://HOST/other") == ("user", "pw", "URL")
    assert sent(store, "http://host/files/x.whl") is None
    assert sent(store, "https://host:8443/files/x.whl") is None
    assert sent(store, "https://elsewhere/x.whl") is None


def test_password_is_not_in_the_repr() -> None:
    assert "pw" not in repr(Credentials("user", "pw"))
    assert "pw" not in repr(SentCredentials(Credentials("user", "pw"), CredentialSource.URL))


def test_netrc_supplies_credentials_for_a_host_no_url_names(tmp_path: Path) -> None:
    path = netrc_file(tmp_path, "machine private.example login alice password s3cret\n")
    store = CredentialStore(netrc_path=path)
    assert sent(store, "https://private.example/simple/foo/") == ("alice", "s3cret", "NETRC")
    assert sent(store, "https://other.example/simple/foo/") is None
    store.strip_url("https://bob:pw@private.example/simple")
    assert sent(store, "https://private.example/x.whl") == ("bob", "pw", "URL"), "the URL's own win"


def test_a_user_name_alone_takes_the_netrc_password_of_that_user_only(tmp_path: Path) -> None:
    path = netrc_file(tmp_path, "machine a.example login alice password s3cret\n")
    store = CredentialStore(netrc_path=path)
    store.add_index("https://alice@a.example/simple")
    assert sent(store, "https://a.example/simple/foo/") == ("alice", "s3cret", "NETRC")
    other = CredentialStore(netrc_path=path)
    other.add_index("https://__token__@a.example/simple")
    # Another user: the user name alone is sent (a token many indexes take without a password).
    assert sent(other, "https://a.example/simple/foo/") == ("__token__", "", "URL")


def test_a_missing_or_malformed_netrc_gives_no_credentials(tmp_path: Path) -> None:
    broken = netrc_file(tmp_path, "machine\n")
    assert CredentialStore(netrc_path=tmp_path / "absent").credentials_for("https://h/x") is None
    assert CredentialStore(netrc_path=broken).credentials_for("https://h/x") is None


def test_a_401_names_the_credentials_that_failed(tmp_path: Path) -> None:
    path = netrc_file(tmp_path, "machine n.example login alice password s3cret\n")
    store = CredentialStore(netrc_path=path)
    store.add_index("https://u:p@u.example/simple")
    for url, source in [("https://u.example/x", "the URL"), ("https://n.example/x", ".netrc")]:
        assert store.unauthorized_reason(url, store.credentials_for(url)) == (
            f"authentication failed with the credentials from {source}"
        )
    keyring = SentCredentials(Credentials("u", "k"), CredentialSource.KEYRING)
    assert store.unauthorized_reason("https://k.example/x", keyring) == (
        "authentication failed with the credentials from the keyring"
    )


def test_a_401_without_a_password_says_how_to_give_one(tmp_path: Path) -> None:
    store = CredentialStore(netrc_path=tmp_path / "absent")
    store.add_index("https://bob@b.example/simple")
    for url in ("https://a.example/simple/foo/", "https://b.example/simple/foo/"):
        assert store.unauthorized_reason(url, store.credentials_for(url)) == (
            "credentials are missing: no password in the URL or .netrc, and keyring lookup is"
            " disabled (--keyring-provider subprocess enables it)"
        )


def test_secrets_a_compiled_file_redacted_count_as_not_given(tmp_path: Path) -> None:
    path = netrc_file(tmp_path, "machine a.example login alice password s3cret\n")
    store = CredentialStore(netrc_path=path)
    # pip-compile writes `alice:****@` and `****@`; pip-sync reading them back asks .netrc.
    assert store.add_index("https://alice:****@a.example/simple") == "https://a.example/simple"
    assert sent(store, "https://a.example/simple/foo/") == ("alice", "s3cret", "NETRC")
    anonymous = CredentialStore(netrc_path=tmp_path / "absent")
    anonymous.add_index("https://****@b.example/simple")
    assert anonymous.credentials_for("https://b.example/simple/foo/") is None
