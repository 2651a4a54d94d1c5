"""Wheel and sdist file names parse into normalized values or fail with a reason."""

from __future__ import annotations

import pytest
from packaging.tags import Tag
from packaging.version import Version

from puffin.filenames import SdistFilename, WheelFilename, parse_dist_filename


def test_wheel_filename_normalizes_name_and_keeps_tags() -> None:
    wheel = WheelFilename.parse("Jinja2-3.1.6-py3-none-any.whl")
    assert wheel.name == "jinja2"
    assert wheel.version == Version("3.1.6")
    assert wheel.tags == frozenset({Tag("py3", "none", "any")})
    assert wheel.stem == "Jinja2-3.1.6-py3-none-any"


def test_compressed_tag_sets_expand() -> None:
    wheel = WheelFilename.parse("six-1.16.0-py2.py3-none-any.whl")
    assert wheel.tags == frozenset({Tag("py2", "none", "any"), Tag("py3", "none", "any")})


def test_sdist_filenames_including_legacy_suffixes() -> None:
    assert SdistFilename.parse("Django-Allauth-0.51.0.tar.gz").name == "django-allauth"
    assert SdistFilename.parse("foo-1.0.tar.bz2").version == Version("1.0")
    assert isinstance(parse_dist_filename("foo-1.0.zip"), SdistFilename)


@pytest.mark.parametrize("name", ["foo.whl", "foo-1.0.exe", "foo-bar-baz.tar.gz"])
def test_bad_names_raise_value_error(name: str) -> None:
    with pytest.raises(ValueError):
        parse_dist_filename(name)
