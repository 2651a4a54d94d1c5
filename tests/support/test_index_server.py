"""The test package index speaks PEP 503/691/658/700/714 and HTTP caching, and injects faults."""

from __future__ import annotations

import email.utils
import hashlib
import time
import zipfile
from collections.abc import Iterator
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

from tests.support.index_server import HTML_V1, JSON_V1, PackageIndex
from tests.support.wheels import build_wheel

PIP_ACCEPT = f"{JSON_V1}, {HTML_V1}; q=0.1, text/html; q=0.01"


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _metadata_sha256(wheel: Path) -> str:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = (n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return hashlib.sha256(archive.read(name)).hexdigest()


class _Anchors(HTMLParser):
    """Every <a> of a page (its attributes and text) and every <meta>."""

    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[tuple[dict[str, str | None], str]] = []
        self.meta: list[dict[str, str | None]] = []
        self._open: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open = dict(attrs)
        elif tag == "meta":
            self.meta.append(dict(attrs))

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self.anchors.append((self._open, data))
            self._open = None


def _parse_html(text: str) -> _Anchors:
    parser = _Anchors()
    parser.feed(text)
    parser.close()
    return parser


def test_json_project_page_follows_pep_691_and_700(index: PackageIndex, http: httpx.Client) -> None:
    uploaded = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=timezone.utc)
    wheel = index.add_wheel("Foo.Bar", "1.0", requires_python=">=3.8", upload_time=uploaded)
    sdist = index.add_sdist("foo_bar", "1.0", yanked="broken build")
    old = index.add_wheel("foo-bar", "0.9", yanked=True)

    response = http.get(index.project_url("foo-bar"), headers={"Accept": JSON_V1})

    assert response.status_code == 200
    assert response.headers["content-type"] == JSON_V1
    assert response.json() == {
        "meta": {"api-version": "1.1"},
        "name": "foo-bar",
        "versions": ["0.9", "1.0"],
        "files": [
            {
                "filename": "foo_bar-1.0-py3-none-any.whl",
                "url": f"{index.files_url}/foo_bar-1.0-py3-none-any.whl",
                "hashes": {"sha256": _sha256(wheel)},
                "requires-python": ">=3.8",
                "yanked": False,
                "core-metadata": {"sha256": _metadata_sha256(wheel)},
                "dist-info-metadata": {"sha256": _metadata_sha256(wheel)},
                "size": wheel.stat().st_size,
                "upload-time": "2024-05-06T07:08:09.123456Z",
            },
            {
                "filename": "foo_bar-1.0.tar.gz",
                "url": f"{index.files_url}/foo_bar-1.0.tar.gz",
                "hashes": {"sha256": _sha256(sdist)},
                "yanked": "broken build",
                "core-metadata": False,
                "dist-info-metadata": False,
                "size": sdist.stat().st_size,
            },
            {
                "filename": "foo_bar-0.9-py3-none-any.whl",
                "url": f"{index.files_url}/foo_bar-0.9-py3-none-any.whl",
                "hashes": {"sha256": _sha256(old)},
                "yanked": True,
                "core-metadata": {"sha256": _metadata_sha256(old)},
                "dist-info-metadata": {"sha256": _metadata_sha256(old)},
                "size": old.stat().st_size,
            },
        ],
    }


def test_html_project_page_carries_pep_503_592_658_714_attributes(
    index: PackageIndex, http: httpx.Client
) -> None:
    wheel = index.add_wheel("html-pkg", "2.0", requires_python=">=3.9,<4")
    sdist = index.add_sdist("html-pkg", "1.0", yanked='bad "quote" <tag>')

    response = http.get(index.project_url("html-pkg"), headers={"Accept": "text/html"})

    assert response.headers["content-type"] == "text/html"
    page = _parse_html(response.text)
    assert {"name": "pypi:repository-version", "content": "1.1"} in page.meta
    metadata = f"sha256={_metadata_sha256(wheel)}"
    assert page.anchors == [
        (
            {
                "href": f"{index.files_url}/html_pkg-2.0-py3-none-any.whl#sha256={_sha256(wheel)}",
                "data-requires-python": ">=3.9,<4",
                "data-dist-info-metadata": metadata,
                "data-core-metadata": metadata,
            },
            "html_pkg-2.0-py3-none-any.whl",
        ),
        (
            {
                "href": f"{index.files_url}/html_pkg-1.0.tar.gz#sha256={_sha256(sdist)}",
                "data-yanked": 'bad "quote" <tag>',
            },
            "html_pkg-1.0.tar.gz",
        ),
    ]


def test_root_page_lists_normalized_project_names(index: PackageIndex, http: httpx.Client) -> None:
    index.add_wheel("Zeta_Pkg", "1")
    index.add_wheel("alpha", "1")
    index.add_wheel("alpha", "2")

    as_json = http.get(f"{index.url}/", headers={"Accept": JSON_V1}).json()
    as_html = _parse_html(http.get(f"{index.url}/").text)

    assert as_json == {
        "meta": {"api-version": "1.1"},
        "projects": [{"name": "alpha"}, {"name": "zeta-pkg"}],
    }
    assert as_html.anchors == [
        ({"href": f"{index.url}/alpha/"}, "alpha"),
        ({"href": f"{index.url}/zeta-pkg/"}, "zeta-pkg"),
    ]


@pytest.mark.parametrize(
    ("formats", "accept", "status", "content_type"),
    [
        (("json", "html"), "", 200, "text/html"),
        (("json", "html"), "*/*", 200, "text/html"),
        (("json", "html"), PIP_ACCEPT, 200, JSON_V1),
        (("json", "html"), f"text/html; q=0.5, {JSON_V1}; q=0.4", 200, "text/html"),
        (("json", "html"), f"{HTML_V1}, {JSON_V1}", 200, HTML_V1),
        (("json", "html"), "application/vnd.pypi.simple.latest+json", 200, JSON_V1),
        (("html",), PIP_ACCEPT, 200, HTML_V1),
        (("json",), "*/*", 200, JSON_V1),
        (("json",), "text/html", 406, "text/plain; charset=utf-8"),
        (("html",), f"{JSON_V1}, {HTML_V1}; q=0", 406, "text/plain; charset=utf-8"),
    ],
)
def test_the_accept_header_picks_the_page_format(
    tmp_path: Path,
    http: httpx.Client,
    formats: tuple[str, ...],
    accept: str,
    status: int,
    content_type: str,
) -> None:
    with PackageIndex(tmp_path, formats=formats) as index:
        index.add_wheel("pkg", "1")
        response = http.get(index.project_url("pkg"), headers={"Accept": accept})
    assert (response.status_code, response.headers["content-type"]) == (status, content_type)
    assert response.headers.get("vary") == ("Accept" if status == 200 else None)


def test_the_format_query_parameter_overrides_accept(
    index: PackageIndex, http: httpx.Client
) -> None:
    index.add_wheel("pkg", "1")
    response = http.get(
        index.project_url("pkg"), params={"format": JSON_V1}, headers={"Accept": "text/html"}
    )
    assert response.headers["content-type"] == JSON_V1


def test_406_names_what_the_index_serves(tmp_path: Path, http: httpx.Client) -> None:
    with PackageIndex(tmp_path, formats={"json"}) as index:
        index.add_wheel("pkg", "1")
        response = http.get(index.project_url("pkg"), headers={"Accept": "text/html"})
    assert response.text == "this index serves only json; Accept was 'text/html'\n"


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/simple", "/simple/"),
        ("/simple/My.Pkg/", "/simple/my-pkg/"),
        ("/simple/my_pkg", "/simple/my-pkg/"),
        ("/simple/my-pkg?format=x", "/simple/my-pkg/?format=x"),
        ("/links", "/links/"),
    ],
)
def test_other_spellings_redirect_to_the_canonical_page(
    index: PackageIndex, http: httpx.Client, path: str, location: str
) -> None:
    index.add_wheel("my-pkg", "1")
    response = http.get(f"{index.base_url}{path}")
    assert (response.status_code, response.headers["location"]) == (301, location)


def test_unknown_projects_and_files_are_404(index: PackageIndex, http: httpx.Client) -> None:
    index.add_wheel("known", "1")
    missing_project = http.get(index.project_url("unknown"))
    missing_file = http.get(index.file_url("known-2-py3-none-any.whl"))
    assert (missing_project.status_code, missing_project.text) == (
        404,
        "no project named 'unknown'\n",
    )
    assert (missing_file.status_code, missing_file.text) == (
        404,
        "no file named 'known-2-py3-none-any.whl'\n",
    )


def test_metadata_file_is_the_wheels_metadata(index: PackageIndex, http: httpx.Client) -> None:
    wheel = index.add_wheel("meta", "1.0", requires_dist=["dep<2"])
    response = http.get(index.file_url(wheel.name) + ".metadata")
    with zipfile.ZipFile(wheel) as archive:
        assert response.content == archive.read("meta-1.0.dist-info/METADATA")
    assert hashlib.sha256(response.content).hexdigest() == _metadata_sha256(wheel)


def test_without_metadata_files_pages_advertise_none(tmp_path: Path, http: httpx.Client) -> None:
    with PackageIndex(tmp_path, metadata_files=False) as index:
        wheel = index.add_wheel("meta", "1.0")
        page = http.get(index.project_url("meta"), headers={"Accept": JSON_V1}).json()
        html_page = _parse_html(http.get(index.project_url("meta")).text)
        metadata = http.get(index.file_url(wheel.name) + ".metadata")
    assert page["files"][0]["core-metadata"] is False
    assert page["files"][0]["dist-info-metadata"] is False
    assert set(html_page.anchors[0][0]) == {"href"}
    assert metadata.status_code == 404


def test_relative_urls_resolve_against_the_page(tmp_path: Path, http: httpx.Client) -> None:
    with PackageIndex(tmp_path / "index", relative_urls=True) as index:
        wheel = index.add_wheel("rel", "1")
        page_url = index.project_url("rel")
        json_url = http.get(page_url, headers={"Accept": JSON_V1}).json()["files"][0]["url"]
        html_href = _parse_html(http.get(page_url).text).anchors[0][0]["href"]
        links_href = _parse_html(http.get(index.find_links_url).text).anchors[0][0]["href"]
        assert json_url == f"../../files/{wheel.name}"
        assert html_href == f"../../files/{wheel.name}#sha256={_sha256(wheel)}"
        assert links_href == f"../files/{wheel.name}#sha256={_sha256(wheel)}"
        downloaded = http.get(urljoin(page_url, json_url)).content
        linked = http.get(urljoin(index.find_links_url, links_href)).content
    assert downloaded == linked == wheel.read_bytes()


def test_find_links_page_and_dir_hold_every_file(
    index: PackageIndex, http: httpx.Client, tmp_path: Path
) -> None:
    elsewhere = build_wheel(tmp_path / "elsewhere", "b", "1")
    a = index.add_wheel("a", "1")
    b = index.add(elsewhere)
    response = http.get(index.find_links_url)
    assert response.headers["content-type"] == "text/html"
    assert _parse_html(response.text).anchors == [
        ({"href": f"{index.file_url(a.name)}#sha256={_sha256(a)}"}, a.name),
        ({"href": f"{index.file_url(b.name)}#sha256={_sha256(b)}"}, b.name),
    ]
    assert b == index.files_dir / elsewhere.name
    assert sorted(p.name for p in index.files_dir.iterdir()) == [a.name, b.name]


def test_add_can_advertise_other_hashes_and_an_explicit_project(
    index: PackageIndex, http: httpx.Client, tmp_path: Path
) -> None:
    odd = tmp_path / "not-a-dist-name.bin"
    odd.write_bytes(b"payload")
    index.add(odd, project="Odd_Project", hashes={"sha256": "0" * 64})
    page = http.get(index.project_url("odd-project"), headers={"Accept": JSON_V1}).json()
    assert page["versions"] == []
    assert page["files"][0]["hashes"] == {"sha256": "0" * 64}
    with pytest.raises(ValueError) as error:
        index.add(odd)
    assert str(error.value).startswith("cannot tell the project of 'not-a-dist-name.bin' (")


def test_adding_a_file_again_replaces_its_entry(index: PackageIndex, http: httpx.Client) -> None:
    wheel = index.add_wheel("again", "1")
    index.add(wheel, yanked="superseded")
    page = http.get(index.project_url("again"), headers={"Accept": JSON_V1}).json()
    assert [(f["filename"], f["yanked"]) for f in page["files"]] == [(wheel.name, "superseded")]


def test_downloads_report_length_and_accept_ranges(index: PackageIndex, http: httpx.Client) -> None:
    wheel = index.add_wheel("dl", "1")
    response = http.get(index.file_url(wheel.name))
    head = http.head(index.file_url(wheel.name))
    assert response.content == wheel.read_bytes()
    assert response.headers["content-length"] == str(wheel.stat().st_size)
    assert response.headers["accept-ranges"] == "bytes"
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(wheel.stat().st_size)


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-9", 0, 9),
        ("bytes=100-", 100, None),
        ("bytes=-22", -22, None),
        ("bytes=-999999", 0, None),
        ("bytes=5-999999", 5, None),
        ("BYTES = 3-4", 3, 4),
    ],
)
def test_a_single_range_gets_206_with_that_slice(
    index: PackageIndex, http: httpx.Client, header: str, first: int, last: int | None
) -> None:
    content = index.add_wheel("ranged", "1").read_bytes()
    expected = (
        content[first : None if last is None else last + 1] if first >= 0 else content[first:]
    )
    start = content.index(expected) if first < 0 else first

    response = http.get(index.file_url("ranged-1-py3-none-any.whl"), headers={"Range": header})

    assert response.status_code == 206
    assert response.content == expected
    end = start + len(expected) - 1
    assert response.headers["content-range"] == f"bytes {start}-{end}/{len(content)}"


def test_several_ranges_get_a_multipart_answer(index: PackageIndex, http: httpx.Client) -> None:
    content = index.add_wheel("multi", "1").read_bytes()
    size = len(content)
    response = http.get(
        index.file_url("multi-1-py3-none-any.whl"), headers={"Range": "bytes=0-3, -4"}
    )
    assert response.status_code == 206
    boundary = "puffin-test-byteranges"
    assert response.headers["content-type"] == f"multipart/byteranges; boundary={boundary}"
    assert response.content == (
        f"--{boundary}\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Range: bytes 0-3/{size}\r\n\r\n".encode()
        + content[:4]
        + f"\r\n--{boundary}\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Range: bytes {size - 4}-{size - 1}/{size}\r\n\r\n".encode()
        + content[-4:]
        + f"\r\n--{boundary}--\r\n".encode()
    )


@pytest.mark.parametrize(
    ("header", "status"),
    [("bytes=999999-", 416), ("bytes=-0", 416), ("bytes=9-3", 200), ("items=0-1", 200)],
)
def test_unsatisfiable_ranges_get_416_and_malformed_ones_are_ignored(
    index: PackageIndex, http: httpx.Client, header: str, status: int
) -> None:
    wheel = index.add_wheel("bad-range", "1")
    response = http.get(index.file_url(wheel.name), headers={"Range": header})
    assert response.status_code == status
    if status == 416:
        assert response.headers["content-range"] == f"bytes */{wheel.stat().st_size}"
    else:
        assert response.content == wheel.read_bytes()


def test_pages_revalidate_with_etag_and_last_modified(
    index: PackageIndex, http: httpx.Client
) -> None:
    index.add_wheel("cached", "1")
    url = index.project_url("cached")
    first = http.get(url, headers={"Accept": JSON_V1})
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "max-age=600"
    assert email.utils.parsedate_to_datetime(first.headers["last-modified"]).timestamp() <= (
        time.time()
    )

    unchanged = http.get(url, headers={"Accept": JSON_V1, "If-None-Match": etag})
    by_date = http.get(
        url, headers={"Accept": JSON_V1, "If-Modified-Since": first.headers["last-modified"]}
    )
    other_format = http.get(url, headers={"Accept": "text/html", "If-None-Match": etag})
    index.add_wheel("cached", "2")
    changed = http.get(url, headers={"Accept": JSON_V1, "If-None-Match": etag})

    assert (unchanged.status_code, unchanged.content) == (304, b"")
    assert unchanged.headers["etag"] == etag
    assert unchanged.headers["cache-control"] == "max-age=600"
    assert by_date.status_code == 304
    assert other_format.status_code == 200
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


def test_files_revalidate_with_etag(index: PackageIndex, http: httpx.Client) -> None:
    wheel = index.add_wheel("etagged", "1")
    first = http.get(index.file_url(wheel.name))
    again = http.get(index.file_url(wheel.name), headers={"If-None-Match": first.headers["etag"]})
    assert first.headers["cache-control"] == "max-age=365000000, immutable, public"
    assert again.status_code == 304


@pytest.mark.parametrize(("max_age", "expected"), [(0, "max-age=0"), (None, None)])
def test_max_age_is_configurable(
    tmp_path: Path, http: httpx.Client, max_age: int | None, expected: str | None
) -> None:
    with PackageIndex(tmp_path, max_age=max_age) as index:
        index.add_wheel("aged", "1")
        response = http.get(index.project_url("aged"))
    assert response.headers.get("cache-control") == expected


def test_fail_answers_the_next_requests_with_the_status(
    index: PackageIndex, http: httpx.Client
) -> None:
    index.add_wheel("flaky", "1")
    index.fail("/simple/flaky/", status=503, times=2, headers={"Retry-After": "0"})
    url = index.project_url("flaky")
    statuses = [http.get(url).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    index.fail("/files/", status=500)
    failed = http.get(index.file_url("flaky-1-py3-none-any.whl"))
    assert (failed.status_code, failed.text) == (500, "injected failure: HTTP 500\n")


def test_fail_with_no_limit_fails_every_time(index: PackageIndex, http: httpx.Client) -> None:
    index.add_wheel("down", "1")
    index.fail("/simple/", status=502, times=None)
    assert [http.get(index.project_url("down")).status_code for _ in range(4)] == [502] * 4
    index.clear_faults()
    assert http.get(index.project_url("down")).status_code == 200


def test_truncate_sends_less_than_content_length(index: PackageIndex, http: httpx.Client) -> None:
    wheel = index.add_wheel("cut", "1")
    index.truncate("/files/")
    with pytest.raises(httpx.RemoteProtocolError):
        http.get(index.file_url(wheel.name))
    assert http.get(index.file_url(wheel.name)).content == wheel.read_bytes()


def test_delay_holds_the_answer_back(index: PackageIndex, http: httpx.Client) -> None:
    index.add_wheel("slow", "1")
    index.delay("/simple/slow/", 0.3, times=1)
    started = time.monotonic()
    assert http.get(index.project_url("slow")).status_code == 200
    assert time.monotonic() - started >= 0.3
    index.delay("/simple/slow/", 5)
    with pytest.raises(httpx.ReadTimeout):
        http.get(index.project_url("slow"), timeout=0.1)


def test_serve_raw_answers_with_exactly_what_it_is_given(
    index: PackageIndex, http: httpx.Client
) -> None:
    index.add_wheel("raw", "1")
    index.serve_raw("/simple/raw/", b'{"meta": ', JSON_V1)
    index.serve_raw("/simple/loop/", "", status=302, headers={"Location": "/simple/loop/"})
    broken = http.get(index.project_url("raw"))
    assert (broken.status_code, broken.headers["content-type"], broken.content) == (
        200,
        JSON_V1,
        b'{"meta": ',
    )
    with pytest.raises(httpx.TooManyRedirects):
        http.get(index.project_url("loop"), follow_redirects=True)


def test_basic_auth_is_required_when_configured(tmp_path: Path, http: httpx.Client) -> None:
    with PackageIndex(tmp_path, auth=("alice", "s3cr:t")) as index:
        index.add_wheel("private", "1")
        anonymous = http.get(index.project_url("private"))
        wrong = http.get(index.project_url("private"), auth=("alice", "nope"))
        right = http.get(index.project_url("private"), auth=("alice", "s3cr:t"))
        through_url = http.get(index.url_with_auth + "/private/")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == 'Basic realm="puffin"'
    assert wrong.status_code == 401
    assert right.status_code == 200
    assert through_url.status_code == 200
    assert index.url_with_auth.startswith("http://alice:s3cr%3At@127.0.0.1:")


def test_requests_are_recorded_in_order_with_headers(
    index: PackageIndex, http: httpx.Client
) -> None:
    index.add_wheel("seen", "1")
    http.get(index.project_url("seen"), headers={"Accept": JSON_V1, "X-Probe": "1"})
    http.head(index.file_url("seen-1-py3-none-any.whl"))
    http.get(f"{index.url}/seen/?format=x")

    assert [(r.method, r.path) for r in index.requests] == [
        ("GET", "/simple/seen/"),
        ("HEAD", "/files/seen-1-py3-none-any.whl"),
        ("GET", "/simple/seen/?format=x"),
    ]
    assert index.requests[0].headers["accept"] == JSON_V1
    assert index.requests[0].headers["x-probe"] == "1"
    assert index.request_paths("/files/") == ["/files/seen-1-py3-none-any.whl"]
    index.clear_requests()
    assert index.requests == []


def test_starting_and_closing_takes_milliseconds(tmp_path: Path, http: httpx.Client) -> None:
    started = time.perf_counter()
    for attempt in range(5):
        with PackageIndex(tmp_path / str(attempt)) as index:
            assert http.get(f"{index.url}/").status_code == 200
    assert time.perf_counter() - started < 1.0


def test_close_stops_the_server_and_cuts_kept_alive_connections(
    tmp_path: Path, http: httpx.Client
) -> None:
    index = PackageIndex()
    files_dir = index.files_dir
    assert http.get(f"{index.url}/").status_code == 200  # leaves a kept-alive connection
    index.close()
    index.close()
    with pytest.raises(httpx.TransportError):
        http.get(f"{index.url}/")
    assert not files_dir.exists()
