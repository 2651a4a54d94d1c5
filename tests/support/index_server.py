"""A real package index on 127.0.0.1 (PEP 503/691/658/700/714, ranges, ETags, faults) for tests.

    with PackageIndex() as index:
        index.add_wheel("foo", "1.0", requires_dist=["bar>=2"])
        index.add_wheel("bar", "2.0")
        index.fail("/simple/bar/", status=503)      # the next request of that page fails once
        run_puffin("--index-url", index.url, ...)
        assert index.request_paths("/simple/") == ["/simple/foo/", "/simple/bar/", "/simple/bar/"]

URL layout: `/simple/` (project list), `/simple/<normalized name>/` (project page; other spellings
get a 301 to it), `/files/<filename>` (downloads, byte ranges), `/files/<filename>.metadata`
(PEP 658), `/links/` (a find-links page of every file). Standard library only; one daemon thread
accepts connections and one thread serves each connection (HTTP/1.1 keep-alive).
"""

from __future__ import annotations

import base64
import contextlib
import email.utils
import enum
import hashlib
import html
import io
import json
import selectors
import shutil
import socket
import socketserver
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from packaging.version import Version

from puffin.filenames import parse_dist_filename
from puffin.names import PackageName, normalize_name
from tests.support.wheels import build_sdist, build_wheel

JSON_V1 = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"
API_VERSION = "1.1"  # PEP 700: adds `versions`, `size` and `upload-time`
FILE_CACHE_CONTROL = "max-age=365000000, immutable, public"  # files never change once uploaded
BYTERANGES_BOUNDARY = "puffin-test-byteranges"

# A media type a client may ask for -> (format, the Content-Type we answer with).
_MEDIA_TYPES = {
    JSON_V1: ("json", JSON_V1),
    "application/vnd.pypi.simple.latest+json": ("json", JSON_V1),
    HTML_V1: ("html", HTML_V1),
    "application/vnd.pypi.simple.latest+html": ("html", HTML_V1),
    "text/html": ("html", "text/html"),
}


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server received it, before auth or faults; header names lower-cased."""

    method: str
    path: str  # the request target as sent, query string included
    headers: Mapping[str, str]


class FaultKind(enum.Enum):
    FAIL = "fail"
    TRUNCATE = "truncate"
    DELAY = "delay"


@dataclass
class _Fault:
    """An injected fault; mutable because `remaining` counts down as requests consume it."""

    kind: FaultKind
    prefix: str
    remaining: int | None  # None: every matching request
    status: int = 500
    seconds: float = 0.0
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Entry:
    filename: str
    project: PackageName
    version: Version | None
    path: Path
    hashes: Mapping[str, str]
    size: int
    yanked: bool | str
    requires_python: str | None
    upload_time: datetime | None
    metadata: bytes | None  # the wheel's METADATA, served as `<file>.metadata` (PEP 658)
    added: float  # time.time() when added: the Last-Modified of its file and project page

    @property
    def metadata_sha256(self) -> str | None:
        return None if self.metadata is None else hashlib.sha256(self.metadata).hexdigest()


@dataclass(frozen=True)
class _Response:
    status: int
    headers: Mapping[str, str]
    body: bytes = b""


def _text(status: int, message: str, headers: Mapping[str, str] | None = None) -> _Response:
    return _Response(
        status, {"Content-Type": "text/plain; charset=utf-8", **(headers or {})}, message.encode()
    )


def _redirect(location: str) -> _Response:
    return _text(301, f"moved to {location}\n", {"Location": location})


def negotiate(accept: str, formats: Collection[str]) -> tuple[str, str] | None:
    """Choose (format, Content-Type) for an Accept header value (PEP 691); None if none fits.

    The highest q wins; on equal q the type listed first wins. No Accept header (or `*/*`)
    gets HTML when it is served, as PyPI does for old clients.
    """
    default = ("html", "text/html") if "html" in formats else ("json", JSON_V1)
    if not accept.strip():
        return default
    best: tuple[str, str] | None = None
    best_q = 0.0
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        media = media.lower()
        if media == "*/*":
            candidate: tuple[str, str] | None = default
        elif media == "application/*":
            candidate = ("json", JSON_V1) if "json" in formats else ("html", HTML_V1)
        elif media == "text/*":
            candidate = ("html", "text/html")
        else:
            candidate = _MEDIA_TYPES.get(media)
        if candidate is not None and candidate[0] in formats and quality > best_q:
            best, best_q = candidate, quality
    return best


def parse_byte_ranges(header: str, size: int) -> list[tuple[int, int]] | None:
    """Inclusive (first, last) ranges of a `Range: bytes=...` header for a body of `size` bytes.

    None when the header is not a byte-range set we understand (RFC 9110: then it is ignored
    and the whole body is sent); an empty list when no range is satisfiable (416).
    """
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes":
        return None
    ranges = []
    for part in spec.split(","):
        first, dash, last = part.strip().partition("-")
        if not dash or not (first + last).isdigit():  # one or both bounds, digits only
            return None
        if not first:
            suffix = int(last)
            if suffix == 0 or size == 0:
                continue
            ranges.append((max(size - suffix, 0), size - 1))
            continue
        start = int(first)
        if last and int(last) < start:
            return None
        if start < size:
            ranges.append((start, min(int(last), size - 1) if last else size - 1))
    return ranges


def _not_modified(headers: Mapping[str, str], etag: str, last_modified: float) -> bool:
    # RFC 9110 13.2.2: If-None-Match is evaluated instead of If-Modified-Since when both are sent.
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip() for tag in if_none_match.split(",")}
        return "*" in tags or etag in tags or f"W/{etag}" in tags
    if_modified_since = headers.get("if-modified-since")
    if if_modified_since is None:
        return False
    try:
        since = email.utils.parsedate_to_datetime(if_modified_since).timestamp()
    except (TypeError, ValueError):
        return False
    return int(last_modified) <= since


def _wheel_metadata(content: bytes) -> bytes | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = [
                name
                for name in archive.namelist()
                if name.count("/") == 1 and name.endswith(".dist-info/METADATA")
            ]
            return archive.read(names[0]) if len(names) == 1 else None
    except (zipfile.BadZipFile, KeyError):
        return None


def _format_upload_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _html_document(title: str, body_lines: list[str]) -> bytes:
    lines = [
        "<!DOCTYPE html>",
        "<html>",
        "  <head>",
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">',
        f"    <title>{html.escape(title)}</title>",
        "  </head>",
        "  <body>",
        f"    <h1>{html.escape(title)}</h1>",
        *(f"    {line}" for line in body_lines),
        "  </body>",
        "</html>",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _anchor(href: str, text: str, attributes: Mapping[str, str] | None = None) -> str:
    attributes = attributes or {}
    attrs = "".join(f' {key}="{html.escape(value)}"' for key, value in attributes.items())
    return f'<a href="{html.escape(href)}"{attrs}>{html.escape(text)}</a><br/>'


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a handler stuck in a client's keep-alive never delays close()
    timeout = 0  # handle_request() never waits: the serve loop calls it only when one is pending

    def __init__(self, index: PackageIndex) -> None:
        self.index = index
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name with getfqdn(), a DNS round trip that
        # can take seconds; the name is never used here.
        socketserver.TCPServer.server_bind(self)
        self.server_name = "127.0.0.1"
        self.server_port = self.server_address[1]

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        # A client that hangs up (or one cut off by close()) is normal; anything else is a bug
        # in this server, kept for the `index` fixture to report.
        if error is not None and not isinstance(error, (ConnectionError, TimeoutError)):
            self.index.server_errors.append(error)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # an idle keep-alive connection frees its thread after this many seconds
    # Headers and body go out in two writes; with Nagle on, the body of every answer after the
    # first on a kept-alive connection waits ~40 ms for the client's delayed ACK.
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        self._handle(head=False)

    def do_HEAD(self) -> None:
        self._handle(head=True)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: tests read `PackageIndex.requests` instead of a log on stderr."""

    def _handle(self, head: bool) -> None:
        index = self.server.index
        headers = {name.lower(): value for name, value in self.headers.items()}
        index.requests.append(RequestRecord(self.command, self.path, headers))
        target = urlsplit(self.path)
        path = unquote(target.path)
        response = index._respond(path, target.query, headers)
        if response is None:  # the index closed while this request was delayed
            self.close_connection = True
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status != 304:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if head or response.status == 304:
            return
        if index._take_fault(FaultKind.TRUNCATE, path) is not None:
            self.wfile.write(response.body[: len(response.body) // 2])
            self.close_connection = True
            return
        self.wfile.write(response.body)


class PackageIndex:
    """A package index served over real HTTP on 127.0.0.1 (random port) until `close()`.

    Options:
    - `root`: the directory holding the served files (`files_dir`); default a temporary
      directory removed by `close()`.
    - `formats`: which page formats it serves, a subset of {"json", "html"}; a client whose
      Accept header allows none of them gets 406.
    - `metadata_files`: serve `<wheel>.metadata` (PEP 658) and advertise it on pages
      (`core-metadata` and the older `dist-info-metadata`, PEP 714). May be changed at any time.
    - `max_age`: `Cache-Control: max-age=N` on pages; None sends no Cache-Control.
    - `validators`: False sends no ETag or Last-Modified (and so never a 304), as some mirrors.
    - `auth`: ("user", "password"); every request without that basic auth gets 401.
    - `relative_urls`: page links are relative (`../../files/x.whl`) instead of absolute.
    Each option is kept in the attribute of the same name, which a test may change at any time.

    Pages and files carry an ETag (304 on a matching If-None-Match) and Last-Modified (304 on
    If-Modified-Since) unless `validators` is False; files support byte ranges
    (`Accept-Ranges: bytes`, 206, 416, multipart for several ranges) and HEAD. Every request
    is appended to `requests`.
    """

    def __init__(
        self,
        root: Path | None = None,
        *,
        formats: Collection[str] = ("json", "html"),
        metadata_files: bool = True,
        max_age: int | None = 600,
        auth: tuple[str, str] | None = None,
        relative_urls: bool = False,
        validators: bool = True,
    ) -> None:
        unknown = set(formats) - {"json", "html"}
        if unknown or not formats:
            raise ValueError(f"formats must be a non-empty subset of json, html; got {formats!r}")
        self.formats = frozenset(formats)
        self.metadata_files = metadata_files
        self.max_age = max_age
        self.auth = auth
        self.relative_urls = relative_urls
        self.validators = validators
        self._owns_root = root is None
        self.files_dir = Path(tempfile.mkdtemp(prefix="puffin-index-")) if root is None else root
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self.requests: list[RequestRecord] = []
        self.server_errors: list[BaseException] = []
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self._faults: list[_Fault] = []
        self._raw: dict[str, _Response] = {}
        self._started = time.time()
        self._closed = threading.Event()
        self._server = _Server(self)
        self._wake_reader, self._wake_writer = socket.socketpair()
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._serve, name=self.base_url, daemon=True)
        self._thread.start()

    # -- URLs ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The index URL to give a client: `http://127.0.0.1:PORT/simple` (no trailing slash)."""
        return f"{self.base_url}/simple"

    @property
    def files_url(self) -> str:
        return f"{self.base_url}/files"

    @property
    def find_links_url(self) -> str:
        """A flat HTML page linking every file (a `--find-links` URL)."""
        return f"{self.base_url}/links/"

    @property
    def url_with_auth(self) -> str:
        """`url` with the `auth` credentials in it: `http://user:pass@127.0.0.1:PORT/simple`."""
        if self.auth is None:
            raise ValueError("this index has no auth")
        user, password = (quote(part, safe="") for part in self.auth)
        return self.url.replace("http://", f"http://{user}:{password}@", 1)

    def project_url(self, name: str) -> str:
        return f"{self.url}/{normalize_name(name)}/"

    def file_url(self, filename: str) -> str:
        return f"{self.files_url}/{quote(filename)}"

    # -- content ---------------------------------------------------------------------------

    def add(
        self,
        path: Path,
        *,
        yanked: bool | str = False,
        requires_python: str | None = None,
        upload_time: datetime | None = None,
        hashes: Mapping[str, str] | None = None,
        project: str | None = None,
    ) -> Path:
        """Serve the file at `path` (copied into `files_dir` if elsewhere); return its served path.

        - `yanked`: True, or a reason string (even "" means yanked) (PEP 592).
        - `requires_python`: the page's `data-requires-python` / `requires-python`, which
          need not match the file's own metadata.
        - `upload_time`: PEP 700 `upload-time` (naive means UTC); omitted when None.
        - `hashes`: the digests pages advertise, default `{"sha256": <true digest>}`; give a
          wrong one to test hash checking, or {} to advertise none.
        - `project`: the project it is listed under; default parsed from the file name (needed
          when the name does not parse).
        Adding a file name again replaces its entry (to yank it later, say).
        """
        source = Path(path)
        target = self.files_dir / source.name
        if not (target.exists() and target.samefile(source)):
            shutil.copyfile(source, target)
        content = target.read_bytes()
        try:
            dist = parse_dist_filename(source.name)
            name, version = dist.name, dist.version
        except ValueError as error:
            if project is None:
                raise ValueError(
                    f"cannot tell the project of {source.name!r} ({error}); pass project="
                ) from None
            version = None
        if project is not None:
            name = normalize_name(project)
        entry = _Entry(
            filename=source.name,
            project=name,
            version=version,
            path=target,
            hashes=dict(hashes)
            if hashes is not None
            else {"sha256": hashlib.sha256(content).hexdigest()},
            size=len(content),
            yanked=yanked,
            requires_python=requires_python,
            upload_time=upload_time,
            metadata=_wheel_metadata(content) if source.name.endswith(".whl") else None,
            added=time.time(),
        )
        with self._lock:
            self._entries[entry.filename] = entry
        return target

    def add_wheel(
        self,
        name: str,
        version: str,
        *,
        yanked: bool | str = False,
        upload_time: datetime | None = None,
        **build_wheel_kwargs: Any,
    ) -> Path:
        """Build a wheel with `build_wheel` into `files_dir` and serve it; return its path.

        `requires_python` goes into the wheel's METADATA and onto the pages alike; to make
        them disagree, build with `build_wheel` and call `add`.
        """
        path = build_wheel(self.files_dir, name, version, **build_wheel_kwargs)
        return self.add(
            path,
            yanked=yanked,
            upload_time=upload_time,
            requires_python=build_wheel_kwargs.get("requires_python"),
        )

    def add_sdist(
        self,
        name: str,
        version: str,
        *,
        yanked: bool | str = False,
        upload_time: datetime | None = None,
        **build_sdist_kwargs: Any,
    ) -> Path:
        """Build an sdist with `build_sdist` into `files_dir` and serve it; return its path."""
        path = build_sdist(self.files_dir, name, version, **build_sdist_kwargs)
        return self.add(
            path,
            yanked=yanked,
            upload_time=upload_time,
            requires_python=build_sdist_kwargs.get("requires_python"),
        )

    # -- faults ----------------------------------------------------------------------------

    def fail(
        self,
        path_prefix: str,
        status: int = 500,
        times: int | None = 1,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer the next `times` (None: every) requests under `path_prefix` with `status`.

        `headers` are added to the answer (`Retry-After`, or `Location` for a redirect).
        """
        self._add_fault(_Fault(FaultKind.FAIL, path_prefix, times, status, 0, headers or {}))

    def truncate(self, path_prefix: str, times: int | None = 1) -> None:
        """Send the full Content-Length but only half the body, then close the connection."""
        self._add_fault(_Fault(FaultKind.TRUNCATE, path_prefix, times))

    def delay(self, path_prefix: str, seconds: float, times: int | None = None) -> None:
        """Wait `seconds` before answering requests under `path_prefix` (default: every time)."""
        self._add_fault(_Fault(FaultKind.DELAY, path_prefix, times, seconds=seconds))

    def serve_raw(
        self,
        path: str,
        body: bytes | str,
        content_type: str = "text/html",
        status: int = 200,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer every request for exactly `path` (query ignored) with this, instead of the index.

        For broken JSON/HTML, wrong content types, or redirect loops
        (`serve_raw("/simple/a/", "", status=302, headers={"Location": "/simple/a/"})`).
        """
        content = body.encode("utf-8") if isinstance(body, str) else body
        response = _Response(status, {"Content-Type": content_type, **(headers or {})}, content)
        with self._lock:
            self._raw[path] = response

    def clear_faults(self) -> None:
        """Forget every fault and raw answer."""
        with self._lock:
            self._faults.clear()
            self._raw.clear()

    # -- observation -----------------------------------------------------------------------

    def request_paths(self, prefix: str = "") -> list[str]:
        """The targets of GET and HEAD requests so far that start with `prefix`, in order."""
        return [record.path for record in self.requests if record.path.startswith(prefix)]

    def clear_requests(self) -> None:
        self.requests.clear()

    # -- lifetime --------------------------------------------------------------------------

    def close(self) -> None:
        """Stop serving, cut open connections, and remove `files_dir` if this index made it."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._wake_writer.send(b"x")
        self._thread.join()
        self._server.server_close()
        with self._server.connections_lock:
            connections = list(self._server.connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # the client may have hung up first
                connection.shutdown(socket.SHUT_RDWR)
        self._wake_reader.close()
        self._wake_writer.close()
        if self._owns_root:
            shutil.rmtree(self.files_dir, ignore_errors=True)

    def __enter__(self) -> PackageIndex:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _serve(self) -> None:
        # Our own loop instead of serve_forever(): its shutdown() waits up to a poll interval,
        # while a byte on the wake socket stops this one at once.
        with selectors.DefaultSelector() as selector:
            selector.register(self._server, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            while True:
                for key, _ in selector.select():
                    if key.fileobj is self._wake_reader:
                        return
                self._server.handle_request()

    # -- answering (called from handler threads) -------------------------------------------

    def _add_fault(self, fault: _Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def _take_fault(self, kind: FaultKind, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.kind is kind and path.startswith(fault.prefix):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def _authorized(self, headers: Mapping[str, str]) -> bool:
        if self.auth is None:
            return True
        scheme, _, token = headers.get("authorization", "").partition(" ")
        expected = base64.b64encode(":".join(self.auth).encode("utf-8")).decode("ascii")
        return scheme.lower() == "basic" and token.strip() == expected

    def _respond(self, path: str, query: str, headers: Mapping[str, str]) -> _Response | None:
        if not self._authorized(headers):
            return _text(
                401, "authentication required\n", {"WWW-Authenticate": 'Basic realm="puffin"'}
            )
        delay = self._take_fault(FaultKind.DELAY, path)
        if delay is not None and self._closed.wait(delay.seconds):
            return None
        failure = self._take_fault(FaultKind.FAIL, path)
        if failure is not None:
            return _text(
                failure.status, f"injected failure: HTTP {failure.status}\n", failure.headers
            )
        with self._lock:
            raw = self._raw.get(path)
        if raw is not None:
            return raw
        return self._route(path, query, headers)

    def _route(self, path: str, query: str, headers: Mapping[str, str]) -> _Response:
        suffix = f"?{query}" if query else ""
        if path in ("/simple", "/links"):
            return _redirect(f"{path}/{suffix}")
        if path == "/simple/":
            return self._page(headers, query, None)
        if path.startswith("/simple/"):
            name = path[len("/simple/") :].rstrip("/")
            if not name or "/" in name:
                return _text(404, f"no page at {path}\n")
            project = normalize_name(name)
            if path != f"/simple/{project}/":
                return _redirect(f"/simple/{project}/{suffix}")
            return self._page(headers, query, project)
        if path == "/links/":
            return self._links_page(headers)
        if path.startswith("/files/"):
            return self._file(path[len("/files/") :], headers)
        return _text(404, f"no page at {path}\n")

    def _snapshot(self, project: PackageName | None = None) -> list[_Entry]:
        with self._lock:
            entries = list(self._entries.values())
        return [entry for entry in entries if project is None or entry.project == project]

    def _cacheable(
        self,
        headers: Mapping[str, str],
        body: bytes,
        content_type: str,
        last_modified: float,
        cache_control: str | None,
        extra: Mapping[str, str],
    ) -> _Response:
        etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        out = {}
        if self.validators:
            out = {
                "ETag": etag,
                "Last-Modified": email.utils.formatdate(last_modified, usegmt=True),
            }
        if cache_control is not None:
            out["Cache-Control"] = cache_control
        out.update(extra)
        if self.validators and _not_modified(headers, etag, last_modified):
            return _Response(304, out)
        return _Response(200, {"Content-Type": content_type, **out}, body)

    def _page(
        self, headers: Mapping[str, str], query: str, project: PackageName | None
    ) -> _Response:
        # PEP 691 lets a `format` query parameter stand in for the Accept header.
        accept = parse_qs(query).get("format", [headers.get("accept", "")])[0]
        chosen = negotiate(accept, self.formats)
        if chosen is None:
            served = ", ".join(sorted(self.formats))
            return _text(406, f"this index serves only {served}; Accept was {accept!r}\n")
        page_format, content_type = chosen
        entries = self._snapshot(project)
        if project is not None and not entries:
            return _text(404, f"no project named {project!r}\n")
        if project is None:
            body = self._root_json(entries) if page_format == "json" else self._root_html(entries)
        elif page_format == "json":
            body = self._project_json(project, entries)
        else:
            body = self._project_html(project, entries)
        last_modified = max((entry.added for entry in entries), default=self._started)
        cache_control = None if self.max_age is None else f"max-age={self.max_age}"
        return self._cacheable(
            headers, body, content_type, last_modified, cache_control, {"Vary": "Accept"}
        )

    def _file_href(self, entry: _Entry, from_depth: int) -> str:
        """A file's link with `#<algorithm>=<digest>`; a relative one climbs `from_depth` dirs."""
        prefix = "../" * from_depth + "files" if self.relative_urls else self.files_url
        href = f"{prefix}/{quote(entry.filename)}"
        for algorithm, digest in entry.hashes.items():
            return f"{href}#{algorithm}={digest}"
        return href

    def _metadata_sha256(self, entry: _Entry) -> str | None:
        return entry.metadata_sha256 if self.metadata_files else None

    def _root_json(self, entries: list[_Entry]) -> bytes:
        projects = sorted({entry.project for entry in entries})
        document = {
            "meta": {"api-version": API_VERSION},
            "projects": [{"name": p} for p in projects],
        }
        return json.dumps(document, indent=1).encode("utf-8")

    def _root_html(self, entries: list[_Entry]) -> bytes:
        projects = sorted({entry.project for entry in entries})
        base = "" if self.relative_urls else f"{self.url}/"
        return _html_document("Simple index", [_anchor(f"{base}{p}/", p) for p in projects])

    def _project_json(self, project: PackageName, entries: list[_Entry]) -> bytes:
        versions = sorted({entry.version for entry in entries if entry.version is not None})
        files = []
        for entry in entries:
            record: dict[str, Any] = {
                "filename": entry.filename,
                "url": self._file_href(entry, 2).partition("#")[0],
                "hashes": dict(entry.hashes),
            }
            if entry.requires_python is not None:
                record["requires-python"] = entry.requires_python
            record["yanked"] = _json_yanked(entry.yanked)
            metadata_sha256 = self._metadata_sha256(entry)
            metadata = {"sha256": metadata_sha256} if metadata_sha256 is not None else False
            record["core-metadata"] = metadata
            record["dist-info-metadata"] = metadata
            record["size"] = entry.size
            if entry.upload_time is not None:
                record["upload-time"] = _format_upload_time(entry.upload_time)
            files.append(record)
        document = {
            "meta": {"api-version": API_VERSION},
            "name": project,
            "versions": [str(version) for version in versions],
            "files": files,
        }
        return json.dumps(document, indent=1).encode("utf-8")

    def _project_html(self, project: PackageName, entries: list[_Entry]) -> bytes:
        lines = []
        for entry in entries:
            attributes = {}
            if entry.requires_python is not None:
                attributes["data-requires-python"] = entry.requires_python
            if entry.yanked is not False:
                attributes["data-yanked"] = entry.yanked if isinstance(entry.yanked, str) else ""
            metadata_sha256 = self._metadata_sha256(entry)
            if metadata_sha256 is not None:
                attributes["data-dist-info-metadata"] = f"sha256={metadata_sha256}"
                attributes["data-core-metadata"] = f"sha256={metadata_sha256}"
            lines.append(_anchor(self._file_href(entry, 2), entry.filename, attributes))
        return _html_document(f"Links for {project}", lines)

    def _links_page(self, headers: Mapping[str, str]) -> _Response:
        entries = self._snapshot()
        body = _html_document(
            "Links", [_anchor(self._file_href(entry, 1), entry.filename) for entry in entries]
        )
        last_modified = max((entry.added for entry in entries), default=self._started)
        return self._cacheable(headers, body, "text/html", last_modified, None, {})

    def _file(self, filename: str, headers: Mapping[str, str]) -> _Response:
        with self._lock:
            entry = self._entries.get(filename)
            metadata_of = self._entries.get(filename.removesuffix(".metadata"))
        if entry is not None:
            try:
                body = entry.path.read_bytes()
            except FileNotFoundError:
                return _text(404, f"{filename} was deleted from {self.files_dir}\n")
        elif (
            filename.endswith(".metadata")
            and metadata_of is not None
            and metadata_of.metadata is not None
            and self.metadata_files
        ):
            entry, body = metadata_of, metadata_of.metadata
        else:
            return _text(404, f"no file named {filename!r}\n")
        response = self._cacheable(
            headers,
            body,
            "application/octet-stream",
            entry.added,
            FILE_CACHE_CONTROL,
            {"Accept-Ranges": "bytes"},
        )
        if response.status != 200 or "range" not in headers:
            return response
        return _ranged(response, headers["range"])


def _json_yanked(yanked: bool | str) -> bool | str:
    """PEP 691: a reason string, or true when yanked without one, or false."""
    if isinstance(yanked, str):
        return yanked or True
    return yanked


def _ranged(response: _Response, range_header: str) -> _Response:
    body = response.body
    ranges = parse_byte_ranges(range_header, len(body))
    if ranges is None:
        return response
    if not ranges:
        return _text(416, "range not satisfiable\n", {"Content-Range": f"bytes */{len(body)}"})
    headers = dict(response.headers)
    if len(ranges) == 1:
        first, last = ranges[0]
        headers["Content-Range"] = f"bytes {first}-{last}/{len(body)}"
        return _Response(206, headers, body[first : last + 1])
    parts = []
    for first, last in ranges:
        part_head = (
            f"--{BYTERANGES_BOUNDARY}\r\n"
            f"Content-Type: {headers['Content-Type']}\r\n"
            f"Content-Range: bytes {first}-{last}/{len(body)}\r\n\r\n"
        )
        parts.append(part_head.encode("ascii") + body[first : last + 1] + b"\r\n")
    parts.append(f"--{BYTERANGES_BOUNDARY}--\r\n".encode("ascii"))
    headers["Content-Type"] = f"multipart/byteranges; boundary={BYTERANGES_BOUNDARY}"
    return _Response(206, headers, b"".join(parts))
