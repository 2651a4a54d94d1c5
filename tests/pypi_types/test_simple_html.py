"""PEP 503 HTML project pages and find-links pages, parsed with the stdlib HTML parser."""

from __future__ import annotations

import pytest

from puffin.errors import IndexError_
from puffin.pypi_types.file_record import FileRecord, InvalidField
from puffin.pypi_types.simple_html import parse_find_links_html, parse_project_html

PAGE_URL = "https://example.org/simple/foo/"
SHA = "a" * 64


def test_anchor_attributes_become_record_fields() -> None:
    html = f"""<!DOCTYPE html><html><head>
    <meta name="pypi:repository-version" content="1.0"></head><body>
    <a href="https://files.example.org/foo-1.0.tar.gz#sha256={SHA}"
       data-requires-python="&gt;=3.8,&lt;4" data-yanked="bad &amp; broken"
       data-core-metadata="sha256={"b" * 64}">foo-1.0.tar.gz</a>
    </body></html>"""
    assert parse_project_html(html, PAGE_URL).files == (
        FileRecord(
            filename="foo-1.0.tar.gz",
            url="https://files.example.org/foo-1.0.tar.gz",
            hashes={"sha256": SHA},
            requires_python=">=3.8,<4",
            yanked="bad & broken",
            core_metadata={"sha256": "b" * 64},
        ),
    )


def test_a_plain_anchor_has_no_optional_fields() -> None:
    html = '<a href="https://x/foo-1.0-py3-none-any.whl">foo-1.0-py3-none-any.whl</a>'
    assert parse_project_html(html, PAGE_URL).files == (
        FileRecord(
            filename="foo-1.0-py3-none-any.whl",
            url="https://x/foo-1.0-py3-none-any.whl",
            hashes={},
        ),
    )


@pytest.mark.parametrize("attribute", ["data-yanked", 'data-yanked=""'])
def test_yanked_without_a_reason(attribute: str) -> None:
    html = f'<a href="https://x/foo-1.0.tar.gz" {attribute}>foo</a>'
    assert parse_project_html(html, PAGE_URL).files[0].yanked is True


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ('data-core-metadata="true"', True),
        ("data-core-metadata", True),
        (f'data-dist-info-metadata="sha256={SHA}"', {"sha256": SHA}),
        (f'data-core-metadata="true" data-dist-info-metadata="sha256={SHA}"', True),
        (
            'data-core-metadata="maybe"',
            InvalidField("maybe", "expected `true` or `<hashname>=<hexdigest>`"),
        ),
    ],
)
def test_core_metadata_and_its_legacy_spelling(attributes: str, expected: object) -> None:
    html = f'<a href="https://x/foo-1.0-py3-none-any.whl" {attributes}>foo</a>'
    assert parse_project_html(html, PAGE_URL).files[0].core_metadata == expected


def test_relative_links_resolve_against_base_href_or_the_page() -> None:
    plain = '<a href="../../files/foo-1.0.tar.gz">x</a>'
    assert parse_project_html(plain, PAGE_URL).files[0].url == (
        "https://example.org/files/foo-1.0.tar.gz"
    )
    based = '<head><base href="/mirror/pkgs/"></head>' + '<a href="foo-1.0.tar.gz">x</a>'
    assert parse_project_html(based, PAGE_URL).files[0].url == (
        "https://example.org/mirror/pkgs/foo-1.0.tar.gz"
    )


def test_filename_comes_from_the_unquoted_url_path_and_non_hash_fragments_are_ignored() -> None:
    html = '<a href="https://x/a%2Bb/foo-1.0%2Blocal.tar.gz?x=1#egg=foo">text</a>'
    record = parse_project_html(html, PAGE_URL).files[0]
    assert record.filename == "foo-1.0+local.tar.gz"
    assert record.url == "https://x/a%2Bb/foo-1.0%2Blocal.tar.gz?x=1"
    assert record.hashes == {}


def test_anchors_without_href_are_not_files() -> None:
    assert parse_project_html('<a name="top">top</a>', PAGE_URL).files == ()


def test_a_page_from_a_newer_major_api_version_is_refused() -> None:
    html = '<meta name="pypi:repository-version" content="2.0"><a href="f.tar.gz">f</a>'
    with pytest.raises(IndexError_) as info:
        parse_project_html(html, PAGE_URL)
    assert str(info.value) == (
        "Index page https://example.org/simple/foo/ uses repository API version 2.0; "
        "puffin understands version 1.x"
    )


def test_find_links_page_keeps_only_archives() -> None:
    html = f"""<a href="../">parent</a> <a href="README.txt">readme</a>
    <a href="sub/">sub</a> <a href="foo-1.0-py3-none-any.whl">w</a>
    <a href="bar-2.0.tar.gz#sha256={SHA}">s</a> <a href="baz-1.0.ZIP">z</a>"""
    records = parse_find_links_html(html, "https://example.org/links/")
    assert [(r.filename, r.url, r.hashes) for r in records] == [
        ("foo-1.0-py3-none-any.whl", "https://example.org/links/foo-1.0-py3-none-any.whl", {}),
        ("bar-2.0.tar.gz", "https://example.org/links/bar-2.0.tar.gz", {"sha256": SHA}),
        ("baz-1.0.ZIP", "https://example.org/links/baz-1.0.ZIP", {}),
    ]
