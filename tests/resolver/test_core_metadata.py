"""Reading Requires-Dist and Requires-Python out of METADATA without the email parser."""

from __future__ import annotations

from packaging.metadata import parse_email
from packaging.specifiers import SpecifierSet

from puffin.resolver.core_metadata import CoreMetadata, header_fields, read_core_metadata
from puffin.resolver.pubgrub import Unavailable

# A License folded over several lines, one of them only blanks (as jupyterlab's is): that line
# continues the header, it does not start the body.
METADATA = b"""\
Metadata-Version: 2.4
Name: demo
Version: 1.0
License: Copyright (c) 2026
        All rights reserved.
       \x20
        Redistribution is permitted.
Requires-Python: >=3.9
Requires-Dist: click>=8
requires-dist: rich;
  extra == 'fancy'
Requires-Dist: tomli; python_version < "3.11"

Requires-Dist: not-a-header (this is the description)
"""


def test_fields_match_the_email_parser_with_folded_and_blank_continuations() -> None:
    raw, _ = parse_email(METADATA)
    fields = header_fields(METADATA, frozenset({"requires-dist", "requires-python"}))
    # The email parser keeps the fold's line break (which packaging then cannot parse).
    assert fields["requires-dist"] == [" ".join(r.split()) for r in raw["requires_dist"]]
    assert fields["requires-dist"] == [
        "click>=8",
        "rich; extra == 'fancy'",
        'tomli; python_version < "3.11"',
    ]
    assert fields["requires-python"] == [">=3.9"]


def test_core_metadata_parses_requirements_and_requires_python() -> None:
    core = read_core_metadata(METADATA)
    assert isinstance(core, CoreMetadata)
    assert [str(r) for r in core.requires_dist] == [
        "click>=8",
        'rich; extra == "fancy"',
        'tomli; python_version < "3.11"',
    ]
    assert core.requires_python == SpecifierSet(">=3.9")


def test_a_bad_requirement_makes_the_version_unavailable_with_the_reason() -> None:
    core = read_core_metadata(b"Name: demo\nRequires-Dist: click >= = 8\n")
    assert isinstance(core, Unavailable)
    assert core.reason.startswith("invalid Requires-Dist 'click >= = 8': ")


def test_crlf_line_endings_read_the_same_fields_and_stop_at_the_body() -> None:
    wanted = frozenset({"requires-dist", "requires-python"})
    assert header_fields(METADATA.replace(b"\n", b"\r\n"), wanted) == header_fields(
        METADATA, wanted
    )


def test_an_invalid_requires_python_makes_the_version_unavailable() -> None:
    core = read_core_metadata(b"Name: demo\nRequires-Python: >=3.x\n")
    assert core == Unavailable("invalid Requires-Python '>=3.x': Invalid specifier: '>=3.x'")
