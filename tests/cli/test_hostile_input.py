"""Hostile wheels, sdists, index answers and credentials through the real command line.

Each case runs `puffin pip-sync` (or `pip-compile`) against the test index and checks what a
user and the machine see: one exact error naming the file and the reason, nothing written
outside the test's own files (the venv and every other path under `tmp_path` unchanged, so
nothing half-installed either), and nothing kept in the cache for the hostile package.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import stat
import struct
import sys
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from puffin.errors import InstallError
from puffin.installer.install_wheel import install_wheel
from puffin.installer.link_mode import LinkMode
from puffin.interpreter import Scheme
from puffin.names import normalize_name
from tests.support.index_server import JSON_V1, PackageIndex
from tests.support.run import Result, installed, make_venv, run_puffin
from tests.support.wheels import (
    RawMember,
    build_raw_wheel,
    build_wheel,
    metadata_text,
    record_bytes,
    record_hash,
    wheel_members,
)

WHEEL = "demo-1.0-py3-none-any.whl"
SDIST = "demo-1.0.tar.gz"
RECORD = "demo-1.0.dist-info/RECORD"
INIT = "demo/__init__.py"


# --- what a failed run may leave -------------------------------------------------------------


def snapshot(root: Path) -> dict[str, object]:
    """Every path under `root`, links not followed -> its size, link target, or "dir".

    A venv's `.lock` (the environment lock pip-sync takes) is left out: it is no content.
    """
    found: dict[str, object] = {}
    for directory, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(directory, name)
            relative = os.path.relpath(path, root)
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                found[relative] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                found[relative] = "dir"
            elif name != ".lock":
                found[relative] = info.st_size
    return found


def cache_root() -> Path:
    return Path(os.environ["PUFFIN_CACHE_DIR"])


def kept_in_cache() -> list[str]:
    """Entries no failed run may leave: archive trees, wheel links and their records, built
    wheels and their metadata, and temp dirs (empty bucket directories and locks are fine)."""
    root = cache_root()
    kept = [f"archive-v0/{entry}" for entry in _listing(root / "archive-v0")]
    kept += [f".tmp/{entry}" for entry in _listing(root / ".tmp")]
    for bucket in ("wheels-v0", "built-wheels-v0"):
        kept += [
            f"{bucket}/{path}"
            for path, kind in snapshot(root / bucket).items()
            if kind != "dir" and not path.endswith(".lock")
        ]
    return sorted(kept)


def _listing(directory: Path) -> list[str]:
    return os.listdir(directory) if directory.is_dir() else []


def sync(index: PackageIndex, tmp_path: Path) -> Result:
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("demo==1.0\n")
    venv = make_venv(tmp_path / "venv")
    before = snapshot(tmp_path)
    result = run_puffin("pip-sync", "--python", venv, "--index-url", index.url, reqs)
    assert snapshot(tmp_path) == before, "the run changed files outside the cache"
    return result


def compile_(index: PackageIndex, tmp_path: Path) -> Result:
    reqs = tmp_path / "requirements.in"
    reqs.write_text("demo==1.0\n")
    before = snapshot(tmp_path)
    result = run_puffin(
        "pip-compile", "--index-url", index.url, reqs, "-o", tmp_path / "requirements.txt"
    )
    assert snapshot(tmp_path) == before, "the run changed files outside the cache"
    return result


# --- hostile wheels ----------------------------------------------------------------------------


def demo_members(**kwargs: object) -> list[RawMember]:
    """The members of a valid demo 1.0 wheel (options as for `build_wheel`), RECORD last."""
    return wheel_members("demo", "1.0", **kwargs)  # type: ignore[arg-type]


def with_record(members: list[RawMember]) -> list[RawMember]:
    """`members` with a RECORD that tells the truth about them, so only the rule under test
    is broken."""
    kept = [member for member in members if member.name != RECORD]
    return [*kept, RawMember(RECORD, record_bytes(kept, RECORD))]


def climbing_name(target: Path) -> str:
    """A relative member name that reaches `target` from any directory it is unpacked in."""
    return "../" * 40 + str(target).lstrip("/")


def _central_entry(data: bytes, name: str) -> int:
    (position,) = struct.unpack_from("<L", data, len(data) - 6)  # the end record's cd offset
    while True:
        name_length, extra_length, comment_length = struct.unpack_from("<3H", data, position + 28)
        if data[position + 46 : position + 46 + name_length] == name.encode():
            return position
        position += 46 + name_length + extra_length + comment_length


def dot_dot_member(out: Path, outside: Path) -> tuple[Path, str]:
    name = climbing_name(outside / "evil.py")
    wheel = build_raw_wheel(out / WHEEL, with_record([*demo_members(), RawMember(name, b"x")]))
    return wheel, f"member name {name!r} contains a '..' component"


def absolute_member(out: Path, outside: Path) -> tuple[Path, str]:
    name = str(outside / "evil.py")
    wheel = build_raw_wheel(out / WHEEL, with_record([*demo_members(), RawMember(name, b"x")]))
    return wheel, f"member name {name!r} is an absolute path"


def symlink_member(out: Path, outside: Path) -> tuple[Path, str]:
    # A link out of the tree, then a file written through it.
    link = RawMember("demo/up", str(outside).encode(), symlink=True)
    through = RawMember("demo/up/evil.py", b"x")
    wheel = build_raw_wheel(out / WHEEL, with_record([*demo_members(), link, through]))
    return wheel, "member 'demo/up' is a symbolic link, not a regular file"


def duplicate_member(out: Path, outside: Path) -> tuple[Path, str]:
    members = demo_members()
    wheel = build_raw_wheel(out / WHEEL, [*members[:-1], RawMember(INIT, b"evil"), members[-1]])
    return wheel, f"member {INIT!r} appears more than once"


def headers_disagree(out: Path, outside: Path) -> tuple[Path, str]:
    wheel = build_raw_wheel(out / WHEEL, demo_members())
    with zipfile.ZipFile(wheel) as archive:
        offset = archive.getinfo(INIT).header_offset
    data = bytearray(wheel.read_bytes())
    data[offset + 30 : offset + 30 + len(INIT)] = b"demo/__evil__.py"  # the local header's name
    wheel.write_bytes(bytes(data))
    return wheel, (
        f"member {INIT!r} is called 'demo/__evil__.py' in its local header: "
        "the archive's two directories disagree"
    )


def trailing_data(out: Path, outside: Path) -> tuple[Path, str]:
    wheel = build_raw_wheel(out / WHEEL, demo_members())
    wheel.write_bytes(wheel.read_bytes() + b"appended")
    return wheel, "8 bytes of unexpected data after the end of the zip archive"


def prepended_data(out: Path, outside: Path) -> tuple[Path, str]:
    wheel = build_raw_wheel(out / WHEEL, demo_members())
    wheel.write_bytes(b"#!/bin/sh\n" + wheel.read_bytes())
    return wheel, "10 bytes of unexpected data before the first zip entry"


def lying_record(out: Path, outside: Path) -> tuple[Path, str]:
    members = demo_members()
    hostile = b'__version__ = "6.6"\n'  # as long as the real one: only the digest differs
    wheel = build_raw_wheel(
        out / WHEEL, [RawMember(m.name, hostile) if m.name == INIT else m for m in members]
    )
    said = record_hash(members[0].data).removeprefix("sha256=")
    real = record_hash(hostile).removeprefix("sha256=")
    return wheel, f"member {INIT!r} does not match RECORD: its sha256 is {real}, RECORD says {said}"


def without(required: str) -> Callable[[Path, Path], tuple[Path, str]]:
    def make(out: Path, outside: Path) -> tuple[Path, str]:
        path = f"demo-1.0.dist-info/{required}"
        kept = [member for member in demo_members() if member.name != path]
        return build_raw_wheel(out / WHEEL, kept), f"{path} is missing"

    return make


def script_named_dot_dot(out: Path, outside: Path) -> tuple[Path, str]:
    wheel = build_wheel(out, "demo", "1.0", entry_points={"console_scripts": {"../x": "demo:m"}})
    return wheel, "entry point script name '../x' in [console_scripts] is not a plain file name"


def entry_points_not_utf8(out: Path, outside: Path) -> tuple[Path, str]:
    members = [
        RawMember(m.name, b"[console_scripts]\nx\xff = demo:main\n")
        if m.name.endswith("/entry_points.txt")
        else m
        for m in demo_members(entry_points={"console_scripts": {"x": "demo:main"}})
    ]
    wheel = build_raw_wheel(out / WHEEL, with_record(members))
    return wheel, "demo-1.0.dist-info/entry_points.txt is not valid UTF-8"


def unknown_data_scheme(out: Path, outside: Path) -> tuple[Path, str]:
    wheel = build_wheel(out, "demo", "1.0", data={"evil/x.txt": "x"})
    return wheel, "unknown .data scheme 'evil' in 'demo-1.0.data/evil/x.txt'"


def data_file_for_a_scheme(out: Path, outside: Path) -> tuple[Path, str]:
    wheel = build_wheel(out, "demo", "1.0", data={"scripts": "#!/bin/sh\n"})
    return wheel, "member 'demo-1.0.data/scripts' is a file where a .data scheme directory belongs"


def compression_bomb(out: Path, outside: Path) -> tuple[Path, str]:
    size = 9 << 20  # the ratio limit applies above 8 MiB
    wheel = build_wheel(out, "demo", "1.0", files={INIT: "", "demo/zeros.bin": bytes(size)})
    with zipfile.ZipFile(wheel) as archive:
        compressed = archive.getinfo("demo/zeros.bin").compress_size
    return wheel, (
        f"member 'demo/zeros.bin' would expand from {compressed} to {size} bytes, "
        "more than 200 times (a zip bomb?)"
    )


def declared_size_lies(out: Path, outside: Path) -> tuple[Path, str]:
    wheel = build_wheel(out, "demo", "1.0", files={INIT: "", "demo/zeros.bin": bytes(1 << 20)})
    with zipfile.ZipFile(wheel) as archive:
        local = archive.getinfo("demo/zeros.bin").header_offset
    data = bytearray(wheel.read_bytes())
    struct.pack_into("<L", data, local + 22, 1000)  # both headers claim 1000 bytes
    struct.pack_into("<L", data, _central_entry(bytes(data), "demo/zeros.bin") + 24, 1000)
    wheel.write_bytes(bytes(data))
    return wheel, "member 'demo/zeros.bin' is larger than its declared size of 1000 bytes"


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(dot_dot_member, id="dot-dot-member"),
        pytest.param(absolute_member, id="absolute-member"),
        pytest.param(symlink_member, id="symlink-member"),
        pytest.param(duplicate_member, id="duplicate-member"),
        pytest.param(headers_disagree, id="local-and-central-headers-disagree"),
        pytest.param(trailing_data, id="trailing-data"),
        pytest.param(prepended_data, id="prepended-data"),
        pytest.param(lying_record, id="record-hash-lies"),
        pytest.param(without("RECORD"), id="missing-record"),
        pytest.param(without("WHEEL"), id="missing-wheel"),
        pytest.param(script_named_dot_dot, id="console-script-dot-dot"),
        pytest.param(entry_points_not_utf8, id="entry-points-not-utf8"),
        pytest.param(unknown_data_scheme, id="unknown-data-scheme"),
        pytest.param(data_file_for_a_scheme, id="data-scheme-that-is-a-file"),
        pytest.param(compression_bomb, id="compression-bomb"),
        pytest.param(declared_size_lies, id="member-larger-than-declared"),
    ],
)
def test_a_hostile_wheel_is_refused_and_nothing_is_kept(
    make: Callable[[Path, Path], tuple[Path, str]], index: PackageIndex, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    wheel, reason = make(tmp_path / "built", outside)
    index.add(wheel)

    result = sync(index, tmp_path)
    assert (result.returncode, result.stderr) == (1, f"error: Invalid wheel {WHEEL}: {reason}\n")
    assert kept_in_cache() == []


def test_the_installer_refuses_undecodable_entry_points_in_an_archive_too(tmp_path: Path) -> None:
    # The unpacker refuses such a wheel before it reaches the cache (above); install_wheel
    # is also handed archive trees directly, and must answer with an error, not a traceback.
    wheel, _ = entry_points_not_utf8(tmp_path / "built", tmp_path)
    archive = tmp_path / "archive"
    with zipfile.ZipFile(wheel) as zipped:
        zipped.extractall(archive)
    prefix = tmp_path / "env"
    lib = prefix / "lib" / "site-packages"
    scheme = Scheme(lib, lib, prefix / "bin", prefix, prefix / "include")

    with pytest.raises(InstallError) as raised:
        install_wheel(
            archive,
            name=normalize_name("demo"),
            version="1.0",
            scheme=scheme,
            python_executable=Path(sys.executable),
            link_mode=LinkMode.COPY,
            direct_url=None,
            requested=True,
        )
    assert str(raised.value) == (
        "Invalid wheel demo: demo-1.0.dist-info/entry_points.txt is not valid UTF-8"
    )
    assert not prefix.exists()


# --- hostile sdists ----------------------------------------------------------------------------


def _tar_member(name: str, kind: bytes = tarfile.REGTYPE, target: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(f"demo-1.0/{name}")
    info.type = kind
    info.linkname = target
    if kind == tarfile.CHRTYPE:
        info.devmajor, info.devminor = 1, 3  # /dev/null
    return info


def hostile_sdist(out: Path, member: tarfile.TarInfo, through: str) -> Path:
    """demo 1.0 with `member`, then a file at `through` that would be written via it."""
    out.mkdir()
    path = out / SDIST
    files = {
        "PKG-INFO": metadata_text("demo", "1.0").encode(),
        "pyproject.toml": b'[project]\nname = "demo"\nversion = "1.0"\n',
    }
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = _tar_member(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        tar.addfile(member)
        evil = _tar_member(through)
        evil.size = 4
        tar.addfile(evil, io.BytesIO(b"evil"))
    return path


@pytest.mark.parametrize(
    ("command", "member", "through", "reason"),
    [
        pytest.param(
            "pip-compile",  # metadata is built from the sdist: the same extraction, sooner
            lambda outside: _tar_member("up", tarfile.SYMTYPE, climbing_name(outside)),
            "up/evil.py",
            "member 'demo-1.0/up' is a link pointing outside the source tree",
            id="symlink-leaving-the-tree",
        ),
        pytest.param(
            "pip-sync",
            lambda outside: _tar_member("up", tarfile.SYMTYPE, str(outside)),
            "up/evil.py",
            "member 'demo-1.0/up' is a link to an absolute path",
            id="absolute-symlink",
        ),
        pytest.param(
            "pip-sync",
            lambda outside: _tar_member(
                "hard", tarfile.LNKTYPE, climbing_name(outside / "evil.py")
            ),
            "hard",
            "member 'demo-1.0/hard' is a link pointing outside the source tree",
            id="hardlink-leaving-the-tree",
        ),
        pytest.param(
            "pip-compile",
            lambda outside: _tar_member("null", tarfile.CHRTYPE),
            "null",
            "member 'demo-1.0/null' is a device, FIFO or other special file",
            id="device",
        ),
    ],
)
def test_a_hostile_sdist_is_refused_before_any_build(
    command: str,
    member: Callable[[Path], tarfile.TarInfo],
    through: str,
    reason: str,
    index: PackageIndex,
    tmp_path: Path,
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "evil.py").write_text("untouched\n")
    index.add(hostile_sdist(tmp_path / "built", member(outside), through))

    result = sync(index, tmp_path) if command == "pip-sync" else compile_(index, tmp_path)
    assert (result.returncode, result.stderr) == (1, f"error: Invalid sdist {SDIST}: {reason}\n")
    assert kept_in_cache() == []
    assert _listing(cache_root() / "build-environments-v0") == []


# --- hostile index answers ---------------------------------------------------------------------

PAGE = "/simple/demo/"
FILE = f"/files/{WHEEL}"


@dataclass(frozen=True)
class IndexFault:
    """A broken answer and the error it gives (`{url}`: the index URL, `{base}`: its host)."""

    inject: Callable[[PackageIndex], None]
    error: str

    def expected(self, index: PackageIndex) -> str:
        return f"error: {self.error.format(url=index.url, base=index.base_url)}\n"


NOT_FOUND = (
    "Because demo was not found on the package index and you require demo==1.0,"
    " no solution is possible."
)

PAGE_FAULTS = {
    "broken-json": IndexFault(
        lambda index: index.serve_raw(PAGE, '{"meta": {"api-version": "1.1"}, "files": [', JSON_V1),
        "Index page {url}/demo/ is not valid JSON: Expecting value: line 1 column 44 (char 43)",
    ),
    # HTML is read leniently (pip does too): a truncated page is one without links.
    "broken-html": IndexFault(
        lambda index: index.serve_raw(PAGE, "<html><body><a href='/files/demo-1.0"), NOT_FOUND
    ),
    "wrong-content-type": IndexFault(
        lambda index: index.serve_raw(PAGE, '{"files": []}', "application/octet-stream"),
        "Index page {url}/demo/ has Content-Type 'application/octet-stream';"
        " expected an HTML or JSON simple index page",
    ),
    "page-404": IndexFault(lambda index: index.fail(PAGE, 404, times=None), NOT_FOUND),
    "page-500": IndexFault(
        lambda index: index.fail(PAGE, 500, times=None, headers={"Retry-After": "0"}),
        "Request to {url}/demo/ failed: HTTP 500 Internal Server Error",
    ),
    "redirect-loop": IndexFault(
        lambda index: index.serve_raw(PAGE, "", status=302, headers={"Location": PAGE}),
        "Request to {url}/demo/ failed: too many redirects",
    ),
}


@pytest.mark.parametrize("fault", PAGE_FAULTS.values(), ids=PAGE_FAULTS.keys())
def test_a_broken_index_page_is_a_clear_error_and_is_not_remembered(
    fault: IndexFault, index: PackageIndex, tmp_path: Path
) -> None:
    index.add_wheel("demo", "1.0")
    fault.inject(index)

    result = compile_(index, tmp_path)
    assert (result.returncode, result.stderr) == (1, fault.expected(index))
    assert kept_in_cache() == []

    index.clear_faults()
    again = run_puffin(
        "pip-compile", "--index-url", index.url, tmp_path / "requirements.in", "-o", "-"
    )
    assert again.returncode == 0, again.stderr
    assert "\ndemo==1.0\n" in again.stdout


FILE_FAULTS = {
    "file-404": IndexFault(
        lambda index: index.fail(FILE, 404, times=None),
        "Request to {base}" + FILE + " failed: HTTP 404 Not Found",
    ),
    "file-500": IndexFault(
        lambda index: index.fail(FILE, 500, times=None, headers={"Retry-After": "0"}),
        "Request to {base}" + FILE + " failed: HTTP 500 Internal Server Error",
    ),
    "file-redirect-loop": IndexFault(
        lambda index: index.serve_raw(FILE, "", status=302, headers={"Location": FILE}),
        "Request to {base}" + FILE + " failed: too many redirects",
    ),
}


@pytest.mark.parametrize("fault", FILE_FAULTS.values(), ids=FILE_FAULTS.keys())
def test_a_download_that_fails_is_a_clear_error_and_is_not_cached(
    fault: IndexFault, index: PackageIndex, tmp_path: Path
) -> None:
    index.add_wheel("demo", "1.0")
    fault.inject(index)

    result = sync(index, tmp_path)
    assert (result.returncode, result.stderr) == (1, fault.expected(index))
    assert kept_in_cache() == []


def test_a_wheel_not_matching_the_index_hash_is_refused_and_not_cached(
    index: PackageIndex, tmp_path: Path
) -> None:
    wheel = build_wheel(tmp_path / "built", "demo", "1.0")
    index.add(wheel, hashes={"sha256": "0" * 64})

    result = sync(index, tmp_path)
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert (result.returncode, result.stderr) == (
        1,
        f"error: Hash mismatch for {WHEEL}:\n"
        f"    Expected: sha256:{'0' * 64}\n"
        f"    Got:      sha256:{digest}\n",
    )
    assert kept_in_cache() == []


def test_metadata_not_matching_the_index_hash_is_refused_and_not_cached(
    index: PackageIndex, tmp_path: Path
) -> None:
    index.add_wheel("demo", "1.0")
    index.serve_raw(f"{FILE}.metadata", "Name: demo\nVersion: 1.0\nRequires-Dist: evil\n")

    result = compile_(index, tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"error: Because demo==1.0 is unavailable (its metadata could not be read: Hash mismatch"
        f" for the metadata of {WHEEL}:\n    Expected: sha256:"
    )
    assert list(cache_root().glob("wheel-metadata-v0/**/demo*")) == []


# --- credentials -------------------------------------------------------------------------------

USER, PASSWORD = "puffin-user", "s3cret-pw"


def leaks(text: bytes) -> list[str]:
    """Which forms of the credentials `text` holds: plain, or as a basic-auth header value."""
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode())
    forms = {"user": USER.encode(), "password": PASSWORD.encode(), "basic token": token}
    return [name for name, form in forms.items() if form in text]


def shown_as_pip_compile_does(text: bytes) -> bytes:
    """`text` without the `user:****@` userinfo pip-compile keeps in its output (pip-tools
    shows who logs in, never the password)."""
    return text.replace(f"//{USER}:****@".encode(), b"//")


def test_index_credentials_never_reach_output_compiled_files_the_venv_or_the_cache(
    index: PackageIndex, tmp_path: Path
) -> None:
    index.add_wheel("demo", "1.0", requires_dist=["dep"])
    index.add_wheel("dep", "2.0")
    direct = index.add_wheel("direct", "1.0")
    index.auth = (USER, PASSWORD)
    secret_index = index.url_with_auth
    reqs_in = tmp_path / "requirements.in"
    reqs_in.write_text("demo\n")
    compiled = tmp_path / "requirements.txt"
    venv = make_venv(tmp_path / "venv")

    runs = [
        run_puffin(
            "pip-compile",
            "-v",
            "--generate-hashes",
            "--index-url",
            secret_index,
            reqs_in,
            "-o",
            compiled,
        ),
    ]
    assert runs[0].returncode == 0, runs[0].stderr
    # The compiled file is the user's to keep; a URL requirement with credentials joins it.
    direct_url = secret_index.replace("/simple", f"/files/{direct.name}")
    digest = hashlib.sha256(direct.read_bytes()).hexdigest()
    with_direct = tmp_path / "with-direct.txt"
    with_direct.write_text(f"-r {compiled}\ndirect @ {direct_url} --hash=sha256:{digest}\n")
    runs.append(
        run_puffin("pip-sync", "-v", "--python", venv, "--index-url", secret_index, with_direct)
    )
    assert runs[1].returncode == 0, runs[1].stderr
    # Resolving the URL requirement caches its metadata. (The pin it writes is the user's own
    # line, echoed as given, so that file is not searched.)
    direct_in = tmp_path / "direct.in"
    direct_in.write_text(f"direct @ {direct_url}\n")
    runs.append(run_puffin("pip-compile", direct_in, "-o", tmp_path / "direct.txt"))
    assert runs[2].returncode == 0, runs[2].stderr
    # Failures name the index too: the credentials must not come with it.
    index.fail("/simple/missing/", 500, times=None, headers={"Retry-After": "0"})
    missing = tmp_path / "missing.txt"
    missing.write_text("missing==1.0\n")
    runs.append(
        run_puffin("pip-sync", "-v", "--python", venv, "--index-url", secret_index, missing)
    )
    assert runs[3].stderr.endswith(
        f"error: Request to {index.url}/missing/ failed: HTTP 500 Internal Server Error\n"
    )

    for number, run in enumerate(runs):
        assert leaks((run.stdout + run.stderr).encode()) == [], f"run {number} printed them"
    assert f"--index-url {index.url.replace('//', f'//{USER}:****@')}\n" in compiled.read_text()
    assert leaks(shown_as_pip_compile_does(compiled.read_bytes())) == []
    written = [venv.parent.parent, cache_root()]
    for root in written:
        for path, kind in snapshot(root).items():
            full = root / path
            if isinstance(kind, int):
                assert leaks(full.read_bytes()) == [], f"{full} holds them"
            else:
                assert leaks(str(path).encode()) == [], f"{full} is named with them"


def test_netrc_credentials_reach_a_private_index_and_appear_nowhere(tmp_path: Path) -> None:
    """A private index that requires basic auth, its credentials only in a `.netrc`."""
    with PackageIndex(auth=("alice", "n3trc-s3cret")) as private:
        private.add_wheel("alpha", "1.0")
        netrc_file = tmp_path / "netrc"
        netrc_file.write_text("machine 127.0.0.1 login alice password n3trc-s3cret\n")
        netrc_file.chmod(0o600)
        env = {"NETRC": str(netrc_file)}
        (tmp_path / "requirements.in").write_text("alpha\n")
        cache = tmp_path / "cache"
        compiled = run_puffin(
            "pip-compile", "--index-url", private.url, "--cache-dir", cache,
            "--generate-hashes", "-v", "-o", "requirements.txt", "requirements.in",
            cwd=tmp_path, env=env,
        )  # fmt: skip
        assert compiled.returncode == 0, compiled.stderr
        venv = make_venv(tmp_path / "venv")
        synced = run_puffin(
            "pip-sync", "--python", venv, "--cache-dir", cache, "-v", "requirements.txt",
            cwd=tmp_path, env=env,
        )  # fmt: skip
        assert synced.returncode == 0, synced.stderr
        assert installed(venv) == {"alpha": "1.0"}
        without = run_puffin(
            "pip-compile", "--index-url", private.url, "--cache-dir", tmp_path / "c2",
            "-o", "-", "requirements.in", cwd=tmp_path, env={"NETRC": str(tmp_path / "none")},
        )  # fmt: skip
        assert without.returncode == 1
    texts = [compiled.stdout, compiled.stderr, synced.stdout, synced.stderr]
    texts += [(tmp_path / "requirements.txt").read_text()]
    texts += [p.read_bytes().decode("latin-1") for p in cache.rglob("*") if p.is_file()]
    assert not any("n3trc-s3cret" in text for text in texts)
