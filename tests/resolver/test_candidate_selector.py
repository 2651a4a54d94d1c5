"""Wheel choice for a target interpreter: versions, tags, Requires-Python, yanked, binaries."""

from __future__ import annotations

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from puffin.dist_types import File, IndexLocation
from puffin.filenames import parse_dist_filename
from puffin.names import PackageName
from puffin.resolver.candidate_selector import (
    NotSelected,
    Selected,
    SelectorSettings,
    explain,
    select_file,
)

TAGS = (
    "cp312-cp312-manylinux_2_17_x86_64",
    "cp312-abi3-manylinux_2_17_x86_64",
    "cp312-none-any",
    "py3-none-any",
)
FOO = PackageName("foo")


def file(filename: str, *, yanked: str | None = None, requires_python: str | None = None) -> File:
    return File(
        dist=parse_dist_filename(filename),
        url=f"https://files.example/{filename}",
        hashes=(),
        requires_python=SpecifierSet(requires_python) if requires_python else None,
        yanked=yanked,
        size=None,
        upload_time=None,
        has_metadata_file=False,
        metadata_hashes=(),
        index=IndexLocation("https://index.example/simple"),
    )


def settings(**kwargs: object) -> SelectorSettings:
    defaults: dict[str, object] = {
        "allows_wheel": lambda name: True,
        "allows_sdist": lambda name: True,
    }
    defaults.update(kwargs)
    return SelectorSettings.from_tags(TAGS, Version("3.12.1"), **defaults)


def chosen(result: Selected | NotSelected) -> str:
    assert isinstance(result, Selected), result
    return result.file.filename


def test_newest_matching_version_wins_and_most_specific_tag_within_it() -> None:
    files = [
        file("foo-1.0-py3-none-any.whl"),
        file("foo-2.0-py3-none-any.whl"),
        file("foo-2.0-cp312-abi3-manylinux_2_17_x86_64.whl"),
        file("foo-2.0-cp312-cp312-manylinux_2_17_x86_64.whl"),
        file("foo-2.0.tar.gz"),
        file("foo-3.0-cp313-cp313-manylinux_2_17_x86_64.whl"),
    ]
    assert chosen(select_file(FOO, SpecifierSet(), files, settings())) == (
        "foo-2.0-cp312-cp312-manylinux_2_17_x86_64.whl"
    )
    assert chosen(select_file(FOO, SpecifierSet("<2"), files, settings())) == (
        "foo-1.0-py3-none-any.whl"
    )


def test_higher_build_tag_wins_among_equal_tags() -> None:
    files = [file("foo-1.0-1-py3-none-any.whl"), file("foo-1.0-2-py3-none-any.whl")]
    assert chosen(select_file(FOO, SpecifierSet("==1.0"), files, settings())) == (
        "foo-1.0-2-py3-none-any.whl"
    )


def test_yanked_only_for_an_exact_pin() -> None:
    files = [file("foo-1.0-py3-none-any.whl"), file("foo-1.1-py3-none-any.whl", yanked="bad")]
    assert chosen(select_file(FOO, SpecifierSet(">=1"), files, settings())) == (
        "foo-1.0-py3-none-any.whl"
    )
    assert chosen(select_file(FOO, SpecifierSet("==1.1"), files, settings())) == (
        "foo-1.1-py3-none-any.whl"
    )


def test_requires_python_excludes_and_is_explained() -> None:
    files = [file("foo-1.0-py3-none-any.whl", requires_python=">=3.13")]
    result = select_file(FOO, SpecifierSet("==1.0"), files, settings())
    assert isinstance(result, NotSelected)
    assert explain(FOO, SpecifierSet("==1.0"), result, Version("3.12.1")) == (
        "Cannot install foo==1.0: foo==1.0 requires Python >=3.13, but the target is Python 3.12.1"
    )


def test_prereleases_only_when_allowed_named_or_alone() -> None:
    files = [file("foo-1.0-py3-none-any.whl"), file("foo-2.0b1-py3-none-any.whl")]
    assert chosen(select_file(FOO, SpecifierSet(), files, settings())) == "foo-1.0-py3-none-any.whl"
    assert chosen(select_file(FOO, SpecifierSet(), files, settings(allow_prereleases=True))) == (
        "foo-2.0b1-py3-none-any.whl"
    )
    assert chosen(select_file(FOO, SpecifierSet(">=2.0b1"), files, settings())) == (
        "foo-2.0b1-py3-none-any.whl"
    )
    only_pre = [file("foo-2.0b1-py3-none-any.whl")]
    assert chosen(select_file(FOO, SpecifierSet(), only_pre, settings())) == (
        "foo-2.0b1-py3-none-any.whl"
    )


def test_incompatible_wheels_and_binary_policies_are_explained() -> None:
    files = [file("foo-1.0-cp313-cp313-win_amd64.whl")]
    result = select_file(FOO, SpecifierSet(), files, settings())
    assert isinstance(result, NotSelected)
    assert explain(FOO, SpecifierSet(), result, Version("3.12.1")) == (
        "Cannot install foo: foo==1.0 has no wheel compatible with this interpreter"
    )
    sdist_only = [file("foo-1.0.tar.gz")]
    result = select_file(FOO, SpecifierSet(), sdist_only, settings(allows_sdist=lambda n: False))
    assert isinstance(result, NotSelected)
    assert explain(FOO, SpecifierSet(), result, Version("3.12.1")) == (
        "Cannot install foo: foo==1.0 has only a source distribution, which --only-binary or"
        " --no-build rules out"
    )


def test_newer_sdist_beats_older_wheel_unless_binaries_are_preferred() -> None:
    files = [file("foo-1.0-py3-none-any.whl"), file("foo-2.0.tar.gz")]
    assert chosen(select_file(FOO, SpecifierSet(), files, settings())) == "foo-2.0.tar.gz"
    assert chosen(select_file(FOO, SpecifierSet(), files, settings(prefer_binary=True))) == (
        "foo-1.0-py3-none-any.whl"
    )


def test_no_matching_version_lists_what_exists() -> None:
    files = [file("foo-1.0-py3-none-any.whl"), file("foo-1.1-py3-none-any.whl")]
    result = select_file(FOO, SpecifierSet("==3.0"), files, settings())
    assert isinstance(result, NotSelected)
    assert explain(FOO, SpecifierSet("==3.0"), result, Version("3.12.1")) == (
        "No version of foo matches foo==3.0 (available: 1.0, 1.1)"
    )
    empty = select_file(FOO, SpecifierSet(), [], settings())
    assert isinstance(empty, NotSelected)
    assert explain(FOO, SpecifierSet(), empty, Version("3.12.1")) == (
        "No files for foo were found on the package index"
    )


def test_an_sdist_gets_the_nearest_incompatible_wheel_as_its_metadata_stand_in() -> None:
    files = [
        file("foo-1.0.tar.gz"),
        file("foo-1.0-cp38-cp38-manylinux_2_17_x86_64.whl"),
        file("foo-1.0-cp311-cp311-win_amd64.whl"),
        file("foo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"),
        file("foo-1.0-cp310-cp310-manylinux_2_17_x86_64.whl"),
    ]
    result = select_file(FOO, SpecifierSet(), files, settings())
    assert isinstance(result, Selected)
    assert result.file.filename == "foo-1.0.tar.gz"
    # The target's platform first, then the interpreter nearest 3.12.
    assert result.metadata_file == files[3]


def test_a_wheel_choice_or_a_lone_sdist_has_no_stand_in() -> None:
    wheel = select_file(FOO, SpecifierSet(), [file("foo-1.0-py3-none-any.whl")], settings())
    assert isinstance(wheel, Selected) and wheel.metadata_stand_in is None
    assert wheel.metadata_file == wheel.file
    sdist = select_file(FOO, SpecifierSet(), [file("foo-1.0.tar.gz")], settings())
    assert isinstance(sdist, Selected) and sdist.metadata_file is None
