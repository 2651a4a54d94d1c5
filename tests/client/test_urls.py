"""Credentials never show in a URL we print or log."""

from __future__ import annotations

from pathlib import Path

import pytest

from puffin.client.urls import file_url_to_path, is_file_url, redact_text, redact_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:s3cret@host/simple", "https://****@host/simple"),
        ("https://__token__@host:8080/simple/", "https://****@host:8080/simple/"),
        ("https://user:p@ss@host/x", "https://****@host/x"),
        ("https://host/path?email=a@b", "https://host/path?email=a@b"),
        ("https://host/simple", "https://host/simple"),
        ("/local/path", "/local/path"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_redact_text_covers_every_url_in_a_message() -> None:
    text = "tried http://a:b@one/x then https://c@two/y"
    assert redact_text(text) == "tried http://****@one/x then https://****@two/y"


def test_file_urls() -> None:
    assert is_file_url("FILE:///tmp/x.whl")
    assert not is_file_url("https://x/file.whl")
    assert file_url_to_path("file:///tmp/a%20b/x.whl") == Path("/tmp/a b/x.whl")
