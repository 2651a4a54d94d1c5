"""Credentials leave index URLs at once and come back only as auth for the same origin."""

from __future__ import annotations

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
