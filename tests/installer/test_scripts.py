"""Shebang rules and entry-point parsing for generated scripts."""

from __future__ import annotations

import pytest

from puffin.installer.scripts import (
    ScriptEntryPoint,
    parse_script_entry_points,
    rewrite_python_shebang,
    shebang,
)


def test_a_plain_short_path_goes_on_the_shebang_line() -> None:
    assert shebang("/venv/bin/python") == b"#!/venv/bin/python\n"


def test_the_shebang_length_limit_is_127_bytes_with_the_newline() -> None:
    longest = "/" + "p" * 123  # "#!" + 124 + "\n" == 127
    assert shebang(longest) == f"#!{longest}\n".encode()
    assert shebang(longest + "p").startswith(b"#!/bin/sh\n")


def test_a_path_with_a_space_uses_the_sh_trampoline() -> None:
    assert shebang("/my venv/bin/python") == (
        b"#!/bin/sh\n'''exec' \"/my venv/bin/python\" \"$0\" \"$@\"\n' '''\n"
    )


def test_only_a_hash_bang_python_first_line_is_rewritten() -> None:
    assert rewrite_python_shebang(b"#!python -u\r\nprint(1)\n", "/v/bin/python") == (
        b"#!/v/bin/python\nprint(1)\n"
    )
    assert rewrite_python_shebang(b"#!/usr/bin/env python\n", "/v/bin/python") is None


def test_entry_points_of_both_script_groups_are_parsed() -> None:
    text = (
        "[console_scripts]\n"
        "tool = pkg.cli:main [extra]\n"
        "# a comment\n"
        "[gui_scripts]\n"
        "window=pkg.gui:App.run\n"
        "[other.group]\n"
        "ignored = nothing here\n"
    )

    assert parse_script_entry_points(text) == [
        ScriptEntryPoint("tool", "pkg.cli", "main", gui=False),
        ScriptEntryPoint("window", "pkg.gui", "App.run", gui=True),
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("a/b = pkg:main", "entry point script name 'a/b' is not a plain file name"),
        ("bad = pkg.main", "entry point 'bad' has target 'pkg.main'; expected 'module:function'"),
        ("bad = pkg:1x", "entry point 'bad' has target 'pkg:1x'; expected 'module:function'"),
        ("novalue", "entry point line 'novalue' in [console_scripts] has no '='"),
    ],
)
def test_bad_entry_points_are_named(line: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_script_entry_points(f"[console_scripts]\n{line}\n")
    assert str(caught.value) == message
