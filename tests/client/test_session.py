"""Session.get and range reads: through LeanClient when nothing else is needed, through
httpx's client (redirects, credentials, proxies) when it is."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from puffin.client.session import Session
from tests.support.index_server import PackageIndex


def get(session: Session, url: str) -> tuple[int, str]:
    async def run() -> tuple[int, str]:
        try:
            response = await session.get(url)
            return response.status, response.text
        finally:
            await session.aclose()

    return asyncio.run(run())


def test_a_plain_get_goes_straight_through_with_the_clients_headers(
    index: PackageIndex,
) -> None:
    index.serve_raw("/plain/", "hello")
    session = Session()
    assert get(session, f"{index.base_url}/plain/") == (200, "hello")
    assert session.direct_allowed(f"{index.base_url}/plain/")
    assert session._client is None  # httpx's client was never needed, so never built
    [request] = index.requests
    assert request.headers["user-agent"].startswith("puffin/")
    assert "authorization" not in request.headers


def test_a_redirect_is_followed_by_the_client(index: PackageIndex) -> None:
    index.serve_raw("/moved/", "", status=301, headers={"Location": "/plain/"})
    index.serve_raw("/plain/", "hello")
    assert get(Session(), f"{index.base_url}/moved/") == (200, "hello")
    # The direct attempt saw the 301 and handed over; the client then followed it.
    assert index.request_paths() == ["/moved/", "/moved/", "/plain/"]


def test_an_origin_with_credentials_always_goes_through_the_client(
    index: PackageIndex,
) -> None:
    index.serve_raw("/plain/", "hello")
    session = Session()
    session.credentials.add_index(index.base_url.replace("://", "://alice:s3cret@"))
    assert not session.direct_allowed(f"{index.base_url}/plain/")
    assert get(session, f"{index.base_url}/plain/") == (200, "hello")
    [request] = index.requests
    assert request.headers["authorization"].startswith("Basic ")


@pytest.mark.parametrize(
    ("variables", "direct"),
    [
        ({"HTTPS_PROXY": "http://127.0.0.1:9"}, False),
        ({"all_proxy": "socks5://127.0.0.1:9"}, False),
        ({"NO_PROXY": "*"}, True),  # not a proxy: nothing to go through
        ({"http_proxy": ""}, True),  # empty: none
    ],
)
def test_a_proxy_in_the_environment_keeps_requests_on_the_client(
    variables: dict[str, str], direct: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [name for name in os.environ if name.lower().endswith("_proxy")]:
        monkeypatch.delenv(name)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert Session().direct_allowed("https://pypi.org/simple/foo/") is direct


def test_a_server_error_is_retried_on_the_direct_path(index: PackageIndex) -> None:
    index.serve_raw("/plain/", "hello")
    index.fail("/plain/", status=503, times=1)
    session = Session(retries=2)
    assert get(session, f"{index.base_url}/plain/") == (200, "hello")
    assert index.request_paths() == ["/plain/", "/plain/"]


def test_a_compile_served_by_plain_gets_never_imports_httpx_or_urllib_request(
    index: PackageIndex, tmp_path: Path
) -> None:
    # httpx costs ~25 ms to import, urllib.request ~5 ms; LeanClient serves pages and
    # metadata without them.
    index.add_wheel("demo", "1.0", requires_dist=["dep"])
    index.add_wheel("dep", "2.0")
    (tmp_path / "requirements.in").write_text("demo\n")
    program = (
        "import runpy, sys\n"
        "sys.argv = ['puffin', *sys.argv[1:]]\n"
        "try:\n"
        "    runpy.run_module('puffin', run_name='__main__')\n"
        "except SystemExit as done:\n"
        "    print('httpx' in sys.modules, 'urllib.request' in sys.modules, done.code,"
        " file=sys.stderr)\n"
    )
    arguments = [
        "pip-compile", "-q", "--python-version", "3.12", "--index-url", index.url,
        "--cache-dir", str(tmp_path / "cache"), "-o", str(tmp_path / "requirements.txt"),
        str(tmp_path / "requirements.in"),
    ]  # fmt: skip
    completed = subprocess.run(
        [sys.executable, "-c", program, *arguments], capture_output=True, text=True, check=False
    )
    assert completed.stderr == "False False 0\n"
    assert "demo==1.0" in (tmp_path / "requirements.txt").read_text()
