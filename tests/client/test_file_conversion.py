"""Wire records become strict Files; a record that cannot be used is skipped with a log line."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from puffin.client.file_conversion import file_from_record
from puffin.dist_types import IndexLocation
from puffin.filenames import SdistFilename, WheelFilename
from puffin.hashes import HashAlgorithm, HashDigest
from puffin.names import normalize_name
from puffin.pypi_types.file_record import FileRecord, InvalidField

INDEX = IndexLocation("https://example.org/simple")
SHA256 = "a" * 64
SHA512 = "b" * 128


def record(filename: str = "foo-1.0-py3-none-any.whl", **fields: Any) -> FileRecord:
    defaults: dict[str, Any] = {"url": f"https://x/{filename}", "hashes": {}}
    return FileRecord(filename=filename, **{**defaults, **fields})


def test_a_complete_record() -> None:
    file = file_from_record(
        record(
            hashes={"sha256": SHA256.upper(), "sha512": SHA512, "md5": "c" * 32},
            requires_python=">=3.8",
            yanked="broken",
            size=10,
            upload_time="2024-01-02T03:04:05.000006Z",
            core_metadata={"sha256": SHA256},
        ),
        INDEX,
    )
    assert file is not None
    assert file.dist == WheelFilename.parse("foo-1.0-py3-none-any.whl")
    assert file.url == "https://x/foo-1.0-py3-none-any.whl"
    assert file.hashes == (
        HashDigest(HashAlgorithm.SHA256, SHA256),
        HashDigest(HashAlgorithm.SHA512, SHA512),
    )
    assert file.requires_python == SpecifierSet(">=3.8")
    assert file.yanked == "broken"
    assert file.size == 10
    assert file.upload_time == datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
    assert file.has_metadata_file is True
    assert file.metadata_hashes == (HashDigest(HashAlgorithm.SHA256, SHA256),)
    assert file.index == INDEX


def test_a_bare_sdist_record() -> None:
    file = file_from_record(record("Foo_Bar-2.0.tar.gz"), INDEX)
    assert file is not None
    assert file.dist == SdistFilename(
        "Foo_Bar-2.0.tar.gz", normalize_name("foo-bar"), Version("2.0")
    )
    assert (file.hashes, file.requires_python, file.yanked, file.size) == ((), None, None, None)
    assert (file.upload_time, file.has_metadata_file, file.metadata_hashes) == (None, False, ())


@pytest.mark.parametrize(("yanked", "expected"), [(True, ""), (False, None), ("why", "why")])
def test_yanked(yanked: bool | str, expected: str | None) -> None:
    file = file_from_record(record(yanked=yanked), INDEX)
    assert file is not None and file.yanked == expected


def test_core_metadata_true_has_no_hashes() -> None:
    file = file_from_record(record(core_metadata=True), INDEX)
    assert file is not None and (file.has_metadata_file, file.metadata_hashes) == (True, ())


@pytest.mark.parametrize(
    ("filename", "reason"),
    [
        ("foo-1.0.exe", "not a wheel or source distribution"),
        (
            "foo-1.0-py3-none.whl",
            "Invalid wheel filename (wrong number of parts): 'foo-1.0-py3-none'",
        ),
        ("foo.tar.gz", "Invalid sdist filename: 'foo.tar.gz'"),
    ],
)
def test_unusable_names_are_skipped_and_logged(
    filename: str, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="puffin.client"):
        assert file_from_record(record(filename), INDEX) is None
    assert caplog.messages == [f"Skipping {filename} on https://example.org/simple: {reason}"]


def test_an_invalid_url_skips_the_file(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="puffin.client"):
        assert file_from_record(record(url=InvalidField(3, "url is not a string")), INDEX) is None
    assert caplog.messages == [
        "Skipping a file entry on https://example.org/simple: url is not a string (3)"
    ]


def test_bad_optional_fields_are_dropped_and_the_file_kept(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG, logger="puffin.client"):
        file = file_from_record(
            record(
                hashes={"sha256": "xyz", "sha384": "0" * 96},
                requires_python=">=3.8.*",
                yanked=InvalidField(1, "bad"),
                size=InvalidField("big", "size is not a non-negative integer"),
                upload_time="yesterday",
                core_metadata=InvalidField("yes", "bad"),
            ),
            INDEX,
        )
    assert file is not None
    assert file.hashes == (HashDigest(HashAlgorithm.SHA384, "0" * 96),)
    assert (file.requires_python, file.yanked, file.size, file.upload_time) == (
        None,
        None,
        None,
        None,
    )
    assert (file.has_metadata_file, file.metadata_hashes) == (False, ())
    name = "foo-1.0-py3-none-any.whl"
    assert caplog.messages == [
        f"Ignoring the core-metadata of {name}: bad",
        f"Ignoring a hash of {name}: 'sha256:xyz' is not a valid sha256 digest",
        f"Ignoring the invalid requires-python '>=3.8.*' of {name}",
        f"Ignoring the yanked flag of {name}: bad",
        f"Ignoring the size of {name}: size is not a non-negative integer ('big')",
        f"Ignoring the invalid upload time 'yesterday' of {name}",
    ]
