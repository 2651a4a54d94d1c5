"""Planning a sync: keep, install, reinstall (and why), remove; source keys on both sides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from puffin.installer.plan import (
    Desired,
    Plan,
    Reinstall,
    ReinstallReason,
    plan_sync,
    same_source,
    source_key_of_direct_url,
    source_key_of_installed,
    source_key_of_url,
)
from puffin.installer.site_packages import InstalledDistribution
from puffin.names import PackageName

SITE = Path("/venv/lib/python3.12/site-packages")
WHEEL_URL = "https://files.example/six-1.16.0-py2.py3-none-any.whl"
SHA = "8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254"


def installed(
    name: str, version: str, direct_url: dict[str, object] | None = None
) -> InstalledDistribution:
    text = None if direct_url is None else json.dumps(direct_url)
    editable = bool(direct_url and direct_url.get("dir_info") == {"editable": True})
    return InstalledDistribution(
        PackageName(name), version, SITE / f"{name}-{version}.dist-info", text, editable
    )


def desired(name: str, version: str, key: str | None = None, editable: bool = False) -> Desired:
    return Desired(PackageName(name), version, key, editable)


def plan(
    wanted: list[Desired],
    present: list[InstalledDistribution],
    *,
    reinstall_all: bool = False,
    reinstall: frozenset[PackageName] = frozenset(),
) -> Plan:
    return plan_sync(
        wanted,
        {dist.name: dist for dist in present},
        reinstall_all=reinstall_all,
        reinstall=reinstall,
    )


def test_equal_versions_are_kept_and_compared_as_versions() -> None:
    six, idna = installed("six", "1.16.0"), installed("idna", "3.0")

    result = plan([desired("six", "1.16"), desired("idna", "3.0.0")], [six, idna])

    assert result == Plan(keep=(idna, six), install=(), reinstall=(), remove=())
    assert result.is_empty


def test_missing_ones_are_installed_and_extraneous_ones_removed_sorted_by_name() -> None:
    extra_b, extra_a = installed("zeta", "1.0"), installed("alpha", "2.0")
    wanted = [desired("pkg-b", "1.0"), desired("pkg-a", "2.0")]

    result = plan(wanted, [extra_b, extra_a])

    assert result == Plan(
        keep=(), install=(wanted[1], wanted[0]), reinstall=(), remove=(extra_a, extra_b)
    )


def test_a_version_change_is_a_reinstall() -> None:
    old = installed("six", "1.15.0")
    wanted = desired("six", "1.16.0")

    result = plan([wanted], [old])

    assert result.reinstall == (Reinstall(wanted, old, ReinstallReason.VERSION_CHANGE),)
    assert (result.keep, result.install, result.remove) == ((), (), ())


def test_registry_to_url_is_a_source_change() -> None:
    from_registry = installed("six", "1.16.0")
    wanted = desired("six", "1.16.0", source_key_of_url(WHEEL_URL))

    result = plan([wanted], [from_registry])

    assert result.reinstall == (Reinstall(wanted, from_registry, ReinstallReason.SOURCE_CHANGE),)


def test_url_to_registry_is_a_source_change() -> None:
    from_url = installed("six", "1.16.0", {"url": WHEEL_URL, "archive_info": {}})

    result = plan([desired("six", "1.16.0")], [from_url])

    assert [change.reason for change in result.reinstall] == [ReinstallReason.SOURCE_CHANGE]


def test_the_same_url_is_kept_whether_or_not_the_requirement_states_the_hash() -> None:
    from_url = installed(
        "six",
        "1.16.0",
        {"url": WHEEL_URL, "archive_info": {"hash": f"sha256={SHA}", "hashes": {"sha256": SHA}}},
    )

    for url in (WHEEL_URL, f"{WHEEL_URL}#sha256={SHA}"):
        result = plan([desired("six", "1.16.0", source_key_of_url(url))], [from_url])
        assert result.keep == (from_url,), url
    other_hash = f"{WHEEL_URL}#sha256={'0' * 64}"
    result = plan([desired("six", "1.16.0", source_key_of_url(other_hash))], [from_url])
    assert [change.reason for change in result.reinstall] == [ReinstallReason.SOURCE_CHANGE]


def test_editable_is_kept_only_when_still_editable_from_the_same_directory() -> None:
    editable = installed("mine", "0.1", {"url": "file:///src/mine", "dir_info": {"editable": True}})
    same = desired("mine", "0.1", source_key_of_url("file:///src/mine/", editable=True), True)
    not_editable = desired("mine", "0.1", source_key_of_url("file:///src/mine"), False)
    elsewhere = desired("mine", "0.1", source_key_of_url("file:///src/other", editable=True), True)

    assert plan([same], [editable]).keep == (editable,)
    for wanted in (not_editable, elsewhere):
        reasons = [change.reason for change in plan([wanted], [editable]).reinstall]
        assert reasons == [ReinstallReason.SOURCE_CHANGE], wanted


def test_git_commit_keys_match_on_the_commit() -> None:
    commit = "0123456789abcdef0123456789abcdef01234567"
    from_git = installed(
        "lib",
        "1.0",
        {
            "url": "https://git.example/lib.git",
            "vcs_info": {"vcs": "git", "commit_id": commit, "requested_revision": "main"},
            "subdirectory": "python",
        },
    )
    key = f"git+https://git.example/lib.git@{commit}#subdirectory=python"

    assert source_key_of_installed(from_git) == key
    assert source_key_of_url(f"git+https://git.example/lib.git@{commit}#subdirectory=python") == key
    assert not same_source(
        source_key_of_url("git+https://git.example/lib.git@main#subdirectory=python"), key
    )


def test_reinstall_flags_reinstall_what_would_be_kept() -> None:
    six, idna = installed("six", "1.16.0"), installed("idna", "3.0")
    wanted = [desired("six", "1.16.0"), desired("idna", "3.0")]

    only_six = plan(wanted, [six, idna], reinstall=frozenset({PackageName("six")}))
    everything = plan(wanted, [six, idna], reinstall_all=True)

    assert only_six.keep == (idna,)
    assert only_six.reinstall == (Reinstall(wanted[0], six, ReinstallReason.REQUESTED),)
    assert [(c.desired.name, c.reason) for c in everything.reinstall] == [
        ("idna", ReinstallReason.REQUESTED),
        ("six", ReinstallReason.REQUESTED),
    ]


def test_a_version_change_outranks_a_reinstall_request() -> None:
    old = installed("six", "1.15.0")

    result = plan([desired("six", "1.16.0")], [old], reinstall_all=True)

    assert [change.reason for change in result.reinstall] == [ReinstallReason.VERSION_CHANGE]


def test_an_invalid_direct_url_never_matches() -> None:
    broken = InstalledDistribution(
        PackageName("x"), "1.0", SITE / "x-1.0.dist-info", "{oops", False
    )

    assert source_key_of_installed(broken) == "invalid direct_url.json: {oops"
    assert [c.reason for c in plan([desired("x", "1.0")], [broken]).reinstall] == [
        ReinstallReason.SOURCE_CHANGE
    ]


def test_keys_ignore_credentials_and_case_of_scheme_and_host() -> None:
    text = json.dumps({"url": "https://files.example/pkg.whl", "archive_info": {}})

    assert source_key_of_direct_url(text) == source_key_of_url(
        "HTTPS://user:secret@Files.Example/pkg.whl#egg=pkg"
    )


def test_a_name_desired_twice_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="six is desired twice"):
        plan([desired("six", "1.0"), desired("six", "2.0")], [])
