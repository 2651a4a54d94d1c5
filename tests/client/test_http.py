"""The run's HTTP client and requests with retries: what a user sees when the network fails."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from puffin import __version__
from puffin.client.attempts import raise_for_status
from puffin.client.http import create_client, get_capped, get_with_retries
from puffin.client.lean_http import HttpAnswer
from puffin.errors import NetworkError, UsageError
from tests.support.index_server import PackageIndex


def get(url: str, *, retries: int = 3, timeout: float | None = None) -> HttpAnswer:
    async def run() -> HttpAnswer:
        async with create_client(timeout=timeout) as client:
            return await get_with_retries(client, url, retries=retries)

    return asyncio.run(run())


def test_client_identifies_itself_and_reads_the_timeout_from_the_environment(
    index: PackageIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUFFIN_HTTP_TIMEOUT", "2.5")
    client = create_client()
    assert (client.timeout.connect, client.timeout.read, client.timeout.pool) == (2.5, 2.5, None)
    asyncio.run(client.aclose())
    monkeypatch.delenv("PUFFIN_HTTP_TIMEOUT")
    assert create_client().timeout.read == 30.0
    get(f"{index.base_url}/links/")
    assert index.requests[-1].headers["user-agent"] == f"puffin/{__version__}"


def test_a_bad_timeout_setting_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUFFIN_HTTP_TIMEOUT", "soon")
    with pytest.raises(UsageError) as info:
        create_client()
    assert str(info.value) == "PUFFIN_HTTP_TIMEOUT must be a positive number of seconds, got 'soon'"


def test_5xx_and_429_are_retried_and_retry_after_is_honoured(index: PackageIndex) -> None:
    index.fail("/links/", status=502, times=1)
    index.fail("/links/", status=429, times=1, headers={"Retry-After": "1"})
    started = time.monotonic()
    assert get(index.find_links_url).status == 200
    assert time.monotonic() - started >= 1.0
    assert index.request_paths() == ["/links/"] * 3


def test_other_answers_are_returned_for_the_caller(index: PackageIndex) -> None:
    response = get(f"{index.base_url}/nothing")
    assert response.status == 404
    assert index.request_paths() == ["/nothing"]
    with pytest.raises(NetworkError) as info:
        raise_for_status(response, "http://u:p@127.0.0.1/nothing")
    assert str(info.value) == "Request to http://****@127.0.0.1/nothing failed: HTTP 404 Not Found"


def test_giving_up_names_the_status(index: PackageIndex) -> None:
    index.fail("/links/", status=500, times=None)
    with pytest.raises(NetworkError) as info:
        get(index.find_links_url, retries=2)
    assert str(info.value) == (
        f"Request to {index.find_links_url} failed: HTTP 500 Internal Server Error"
    )
    assert index.request_paths() == ["/links/"] * 3


def test_a_refused_connection_is_retried_then_reported() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://alice:s3cret@127.0.0.1:{port}/simple/"
    with pytest.raises(NetworkError) as info:
        get(url, retries=1)
    assert str(info.value) == (
        f"Request to http://****@127.0.0.1:{port}/simple/ failed: connection refused"
    )


def test_a_slow_server_times_out(index: PackageIndex) -> None:
    index.delay("/links/", 2.0)
    with pytest.raises(NetworkError) as info:
        get(index.find_links_url, retries=0, timeout=0.2)
    assert str(info.value) == f"Request to {index.find_links_url} failed: timed out after 0.2s"


def test_a_truncated_body_is_fetched_again(index: PackageIndex) -> None:
    index.add_wheel("foo", "1.0")
    index.truncate("/links/", times=1)
    response = get(index.find_links_url)
    assert response.text.endswith("</html>\n")
    assert index.request_paths() == ["/links/"] * 2


def test_a_redirect_loop_is_reported_not_retried(index: PackageIndex) -> None:
    index.serve_raw("/loop/", "", status=302, headers={"Location": "/loop/"})
    with pytest.raises(NetworkError) as info:
        get(f"{index.base_url}/loop/")
    assert str(info.value) == f"Request to {index.base_url}/loop/ failed: too many redirects"
    assert len(index.request_paths("/loop/")) == 21  # httpx follows 20 redirects


def test_a_capped_get_follows_redirects_and_leaves_a_larger_body_unread(
    index: PackageIndex,
) -> None:
    # Session.get's way through the client for a range read that met a redirect: a server
    # beyond it that ignores the range must not have the whole file read into memory.
    index.serve_raw("/moved/", "", status=302, headers={"Location": "/big/"})
    index.serve_raw("/big/", "x" * 100_000, "application/octet-stream")
    index.serve_raw("/small/", "hello", "text/plain")

    async def run() -> list[tuple[int, bytes | None, str]]:
        async with create_client() as client:
            answers = [
                await get_capped(
                    client, url, headers=None, auth=None, max_body=1000, decode_content=False
                )
                for url in (f"{index.base_url}/moved/", f"{index.base_url}/small/")
            ]
        return [(answer.status, answer.body, answer.url) for answer in answers]

    assert asyncio.run(run()) == [
        (200, None, f"{index.base_url}/big/"),
        (200, b"hello", f"{index.base_url}/small/"),
    ]
