"""Credentials leave index URLs at once and come back only as auth for the same origin."""

from __future__ import annotations

from pathlib import Path

from puffin.client.auth import Credentials, CredentialStore, split_credentials


def test_split_credentials_unquotes_and_cleans_the_url() -> None:
    assert split_credentials("https://us%40er:p%3Ass@host:8443/simple") == (
        "https://host:8443/simple",
        Credentials("us@er", "p:ss"),
    )
    assert split_credentials("https://host/simple") == ("https://host/simple", None)


def test_store_hands_credentials_to_the_same_origin_only() -> None:
    store = CredentialStore()
    assert store.strip_url("https://user:pw@host/simple") == "https://host/simple"
    assert store.auth_for("https://host/files/x.whl") == ("user", "pw")
    assert store.auth_for("https://HOST/other") == ("user", "pw")
    assert store.auth_for("http://host/files/x.whl") is None
    assert store.auth_for("https://host:8443/files/x.whl") is None
    assert store.auth_for("https://elsewhere/x.whl") is None


def test_password_is_not_in_the_repr() -> None:
    assert "pw" not in repr(Credentials("user", "pw"))


def test_netrc_supplies_credentials_for_a_host_no_url_names(tmp_path: Path) -> None:
    netrc_file = tmp_path / "netrc"
    netrc_file.write_text("machine private.example login alice password s3cret\n")
    netrc_file.chmod(0o600)
    store = CredentialStore(netrc_path=netrc_file)
    assert store.auth_for("https://private.example/simple/foo/") == ("alice", "s3cret")
    assert store.auth_for("https://other.example/simple/foo/") is None
    store.strip_url("https://bob:pw@private.example/simple")
    assert store.auth_for("https://private.example/x.whl") == ("bob", "pw"), "the URL's own win"


def test_a_missing_or_malformed_netrc_gives_no_credentials(tmp_path: Path) -> None:
    broken = tmp_path / "netrc"
    broken.write_text("machine\n")
    assert CredentialStore(netrc_path=tmp_path / "absent").auth_for("https://h/x") is None
    assert CredentialStore(netrc_path=broken).auth_for("https://h/x") is None
