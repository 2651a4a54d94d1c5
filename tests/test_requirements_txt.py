"""Requirements files: lines, comments, continuations, includes, options and their errors."""

from __future__ import annotations

import codecs
import locale
from collections.abc import Callable
from pathlib import Path

import pytest

from puffin.errors import RequirementsFileError
from puffin.hashes import HashAlgorithm, HashDigest
from puffin.requirements_txt import (
    OriginKind,
    RequirementsTxt,
    merge,
    parse_requirements_file,
    parse_requirements_text,
)

SHA_A = "a" * 64
SHA_B = "b" * 64
BENCHMARKS = Path("/work/shared/benchmarks/requirements")


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(name: str, text: str) -> Path:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def parse(
    text: str,
    name: str = "req.txt",
    *,
    environ: dict[str, str] | None = None,
    fetch_url: Callable[[str], str] | None = None,
    constraint: bool = False,
) -> RequirementsTxt:
    write(name, text)
    return parse_requirements_file(
        name, environ=environ or {}, fetch_url=fetch_url, constraint=constraint
    )


def error_of(text: str, name: str = "req.txt") -> str:
    with pytest.raises(RequirementsFileError) as caught:
        parse(text, name)
    return str(caught.value)


def make_project(path: str) -> Path:
    directory = Path(path)
    directory.mkdir(parents=True)
    (directory / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    return directory.resolve()


# --- requirement specifiers -----------------------------------------------------------------------


def test_name_extras_specifier_and_marker_are_parsed_and_normalized() -> None:
    (line,) = parse('Foo_Bar[Extra_One, two] >=1.0,<2 ; python_version < "3.11"\n').requirements
    assert line.name == "foo-bar"
    assert line.extras == {"extra-one", "two"}
    assert str(line.specifier) == "<2,>=1.0"
    assert str(line.marker) == 'python_version < "3.11"'
    assert (line.url, line.given, line.editable, line.hashes) == (None, None, False, ())


def test_origin_renders_like_pip_comes_from() -> None:
    result = parse("\n# comment\nflask==3.0.0\n")
    (line,) = result.requirements
    assert (line.origin.path, line.origin.line, line.origin.kind) == (
        "req.txt",
        3,
        OriginKind.REQUIREMENT,
    )
    assert str(line.origin) == "-r req.txt (line 3)"


@pytest.mark.parametrize(
    ("text", "pinned"),
    [
        ("foo==1.0", True),
        ("foo===1.0", True),
        ("foo==1.*", False),
        ("foo>=1.0", False),
        ("foo==1.0,<2", False),
        ("foo", False),
    ],
)
def test_is_pinned_means_exactly_one_exact_version(text: str, pinned: bool) -> None:
    (line,) = parse(text).requirements
    assert line.is_pinned() is pinned


def test_applies_to_evaluates_the_marker_without_an_extra() -> None:
    old, new, any_python = parse(
        'a; python_version < "3.11"\nb; python_version >= "3.11"\nc\n'
    ).requirements
    environment = {"python_version": "3.12", "python_full_version": "3.12.1"}
    assert not old.applies_to(environment)
    assert new.applies_to(environment)
    assert any_python.applies_to(environment)


def test_marker_referring_to_an_extra_is_false_in_a_requirements_file() -> None:
    (line,) = parse('a; extra == "test"').requirements
    assert not line.applies_to({"python_version": "3.12"})


def test_pinned_lines_without_packaging_fast_path_equal_the_full_parse() -> None:
    fast, full = parse("Foo.Bar==1.0.post1\nFoo.Bar[x]==1.0.post1\n").requirements
    assert (fast.name, fast.specifier) == (full.name, full.specifier)


def test_single_equals_gets_a_hint() -> None:
    assert error_of("foo=1\n") == (
        "req.txt:1: Invalid requirement 'foo=1': = is not a valid operator. Did you mean == ?"
    )


def test_packaging_message_is_reported_on_its_first_line() -> None:
    assert error_of("ok\nfoo >= \n") == (
        "req.txt:2: Invalid requirement 'foo >=': "
        "Expected semicolon (after name with no version specifier) or end"
    )


def test_invalid_marker_is_reported() -> None:
    assert error_of("foo; python_version >< '3'\n") == (
        "req.txt:1: Invalid marker \"python_version >< '3'\": "
        "Expected a marker variable or quoted string"
    )


def test_text_that_looks_like_a_missing_path_says_so(in_tmp: Path) -> None:
    assert error_of("sub/missing\n") == (
        "req.txt:1: Invalid requirement 'sub/missing': "
        f"It looks like a path. File '{in_tmp / 'sub' / 'missing'}' does not exist."
    )


def test_requirements_file_named_as_a_requirement_suggests_dash_r(in_tmp: Path) -> None:
    write("other/dev.txt", "foo\n")
    assert error_of("other/dev.txt\n") == (
        "req.txt:1: Invalid requirement 'other/dev.txt': It looks like a path. "
        f"'{in_tmp / 'other' / 'dev.txt'}' exists but is neither a project directory nor a "
        "distribution archive (use -r to include a requirements file)."
    )


# --- comments, continuations, variables, encodings ------------------------------------------------


def test_comments_need_whitespace_before_the_hash() -> None:
    result = parse(
        "# whole line\n"
        "   # indented comment\n"
        "foo==1.0  # trailing comment\n"
        "https://example.com/pkg.zip#egg=pkg\n"
    )
    foo, pkg = result.requirements
    assert (foo.name, str(foo.specifier)) == ("foo", "==1.0")
    assert pkg.name == "pkg"
    assert pkg.url == "https://example.com/pkg.zip#egg=pkg"


def test_backslash_joins_lines_without_a_space_and_keeps_the_first_number() -> None:
    result = parse("first\nfoo\\\n>=1.0\\\n,<2\nbar\n")
    _, foo, bar = result.requirements
    assert (foo.name, str(foo.specifier), foo.origin.line) == ("foo", "<2,>=1.0", 2)
    assert bar.origin.line == 5


def test_comment_line_ends_a_pending_continuation() -> None:
    foo, bar = parse("foo==1.0 \\\n# comment \\\nbar\n").requirements
    assert (foo.name, str(foo.specifier), foo.origin.line) == ("foo", "==1.0", 1)
    assert (bar.name, bar.origin.line) == ("bar", 3)


def test_backslash_on_the_last_line_is_dropped() -> None:
    (foo,) = parse("foo==1.0 \\").requirements
    assert str(foo.specifier) == "==1.0"


def test_crlf_line_ends() -> None:
    Path("req.txt").write_bytes(
        b"foo==1.0 \\\r\n  --hash=sha256:" + SHA_A.encode() + b"\r\nbar\r\n"
    )
    foo, bar = parse_requirements_file("req.txt", environ={}).requirements
    assert foo.hashes == (HashDigest(HashAlgorithm.SHA256, SHA_A),)
    assert (bar.name, bar.origin.line) == ("bar", 3)


def test_braced_uppercase_variables_are_expanded_from_environ() -> None:
    result = parse(
        "-i https://${USER_1}:${TOKEN}@example.com/simple\n",
        environ={"USER_1": "me", "TOKEN": "s3cret"},
    )
    assert result.index_url == "https://me:s3cret@example.com/simple"


def test_unset_empty_lowercase_and_unbraced_variables_stay_verbatim() -> None:
    result = parse(
        "--extra-index-url https://x/${UNSET}/\n"
        "--extra-index-url https://x/${EMPTY}/\n"
        "--extra-index-url https://x/${lower}/\n"
        "--extra-index-url https://x/$PLAIN/\n",
        environ={"EMPTY": "", "lower": "no", "PLAIN": "no"},
    )
    assert result.extra_index_urls == (
        "https://x/${UNSET}/",
        "https://x/${EMPTY}/",
        "https://x/${lower}/",
        "https://x/$PLAIN/",
    )


def test_default_environ_is_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUFFIN_TEST_INDEX", "https://from-env/simple")
    write("req.txt", "-i ${PUFFIN_TEST_INDEX}\n")
    assert parse_requirements_file("req.txt").index_url == "https://from-env/simple"


def test_given_keeps_the_variable_while_the_url_is_resolved(in_tmp: Path) -> None:
    project = make_project("projects/app")
    path, editable = parse(
        "${ROOT}/app\n-e ${ROOT}/app\n", environ={"ROOT": str(in_tmp / "projects")}
    ).requirements
    assert path.url == editable.url == project.as_uri()
    assert path.given == editable.given == "${ROOT}/app"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be", "utf-32", "utf-32-be"])
def test_byte_order_mark_selects_the_encoding(encoding: str) -> None:
    text = "# café\nfoo==1.0\n"
    data = text.encode(encoding)
    if encoding in ("utf-16-be", "utf-32-be"):
        bom = codecs.BOM_UTF16_BE if encoding == "utf-16-be" else codecs.BOM_UTF32_BE
        data = bom + data
    Path("req.txt").write_bytes(data)
    (foo,) = parse_requirements_file("req.txt", environ={}).requirements
    assert (foo.name, foo.origin.line) == ("foo", 2)


def test_pep_263_coding_line_is_honoured() -> None:
    Path("req.txt").write_bytes(
        "# -*- coding: latin-1 -*-\nfoo; platform_version == 'é'\n".encode("latin-1")
    )
    (foo,) = parse_requirements_file("req.txt", environ={}).requirements
    assert str(foo.marker) == 'platform_version == "é"'


def test_unknown_coding_is_an_error() -> None:
    Path("req.txt").write_bytes(b"# coding: klingon\nfoo\n")
    with pytest.raises(RequirementsFileError) as caught:
        parse_requirements_file("req.txt", environ={})
    assert str(caught.value) == "req.txt: unknown encoding 'klingon' in the coding line"


def test_undecodable_file_names_the_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(locale, "getpreferredencoding", lambda do_setlocale=True: "UTF-8")
    Path("req.txt").write_bytes(b"foo\nbar\xff\n")
    with pytest.raises(RequirementsFileError) as caught:
        parse_requirements_file("req.txt", environ={})
    assert str(caught.value) == (
        "req.txt:2: could not decode the file as utf-8: invalid start byte (bytes ff)"
    )


def test_non_utf8_file_falls_back_to_the_locale_encoding_with_a_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(locale, "getpreferredencoding", lambda do_setlocale=True: "latin-1")
    Path("req.txt").write_bytes("foo; platform_version == 'é'\n".encode("latin-1"))
    result = parse_requirements_file("req.txt", environ={})
    assert str(result.requirements[0].marker) == 'platform_version == "é"'
    assert result.warnings == (
        "req.txt: the file is not valid UTF-8; it was decoded as latin-1, the locale's encoding",
    )


# --- includes -------------------------------------------------------------------------------------


def test_nested_requirement_files_are_relative_to_the_including_file() -> None:
    write("reqs/base.txt", "-r common/shared.txt\nbase\n")
    write("reqs/common/shared.txt", "--requirement=../more.txt\nshared\n")
    write("reqs/more.txt", "more\n")
    result = parse("first\n-r reqs/base.txt\nlast\n")
    assert [(line.name, str(line.origin)) for line in result.requirements] == [
        ("first", "-r req.txt (line 1)"),
        ("more", "-r reqs/more.txt (line 1)"),
        ("shared", "-r reqs/common/shared.txt (line 2)"),
        ("base", "-r reqs/base.txt (line 2)"),
        ("last", "-r req.txt (line 3)"),
    ]


def test_constraint_files_fill_constraints_including_their_nested_files() -> None:
    write("c.txt", "foo<2\n-r nested.txt\n")
    write("nested.txt", "bar<3\n")
    result = parse("foo\n-c c.txt\n")
    assert [line.name for line in result.requirements] == ["foo"]
    assert [(line.name, str(line.origin)) for line in result.constraints] == [
        ("foo", "-c c.txt (line 1)"),
        ("bar", "-c nested.txt (line 1)"),
    ]
    assert result.constraints[0].origin.kind is OriginKind.CONSTRAINT


def test_top_file_parsed_as_constraints() -> None:
    result = parse("foo<2\n", name="constraints.txt", constraint=True)
    assert result.requirements == ()
    assert str(result.constraints[0].origin) == "-c constraints.txt (line 1)"


def test_include_cycle_is_an_error_naming_both_files() -> None:
    write("a.txt", "foo\n-r b.txt\n")
    write("b.txt", "\n\n-r a.txt\n")
    with pytest.raises(RequirementsFileError) as caught:
        parse_requirements_file("a.txt", environ={})
    assert str(caught.value) == "b.txt:3: a.txt recursively references itself in b.txt"


def test_a_file_including_itself_is_a_cycle() -> None:
    assert (
        error_of("-c ./req.txt\n") == "req.txt:1: req.txt recursively references itself in req.txt"
    )


def test_a_file_included_twice_without_a_cycle_is_read_twice() -> None:
    write("b.txt", "-r d.txt\n")
    write("c.txt", "-r d.txt\n")
    write("d.txt", "shared\n")
    result = parse("-r b.txt\n-r c.txt\n")
    assert [str(line.origin) for line in result.requirements] == [
        "-r d.txt (line 1)",
        "-r d.txt (line 1)",
    ]


def test_missing_included_file() -> None:
    assert error_of("foo\n-r x.txt\n") == (
        "req.txt:2: could not open requirements file: [Errno 2] No such file or directory: 'x.txt'"
    )


def test_missing_top_file() -> None:
    with pytest.raises(RequirementsFileError) as caught:
        parse_requirements_file("missing.txt", environ={})
    assert str(caught.value) == (
        "missing.txt: could not open requirements file: "
        "[Errno 2] No such file or directory: 'missing.txt'"
    )


def test_remote_include_is_fetched_and_its_relative_includes_are_url_joined() -> None:
    pages = {
        "https://example.com/reqs/main.txt": "remote\n-r other.txt\n",
        "https://example.com/reqs/other.txt": "other==1.0\n",
    }
    result = parse("-r https://example.com/reqs/main.txt\n", fetch_url=pages.__getitem__)
    assert [(line.name, str(line.origin)) for line in result.requirements] == [
        ("remote", "-r https://example.com/reqs/main.txt (line 1)"),
        ("other", "-r https://example.com/reqs/other.txt (line 1)"),
    ]


def test_remote_include_without_a_fetcher_is_a_clear_error() -> None:
    assert error_of("-r https://user:pw@example.com/r.txt\n") == (
        "req.txt:1: could not open requirements file: https://****@example.com/r.txt is a URL, "
        "and fetching URLs is not available here"
    )


def test_include_given_as_a_file_url(in_tmp: Path) -> None:
    write("sub/other.txt", "other\n")
    url = (in_tmp / "sub" / "other.txt").as_uri()
    (line,) = parse(f"-r {url}\n").requirements
    assert line.name == "other"
    assert line.origin.path == url


def test_top_file_given_as_a_file_url(in_tmp: Path) -> None:
    write("sub/top.txt", "top\n")
    url = (in_tmp / "sub" / "top.txt").as_uri()
    (line,) = parse_requirements_file(url, environ={}).requirements
    assert (line.name, line.origin.path) == ("top", url)


def test_top_file_given_as_an_http_url() -> None:
    pages = {"https://example.com/r.txt": "\ufeffremote\n"}
    result = parse_requirements_file(
        "https://example.com/r.txt", environ={}, fetch_url=pages.__getitem__
    )
    assert str(result.requirements[0].origin) == "-r https://example.com/r.txt (line 1)"


def test_parse_text_resolves_includes_against_base_dir(in_tmp: Path) -> None:
    write("elsewhere/inc.txt", "included\n")
    result = parse_requirements_text(
        "top\n-r inc.txt\n", path="-", base_dir=in_tmp / "elsewhere", environ={}
    )
    assert [(line.name, str(line.origin)) for line in result.requirements] == [
        ("top", "-r - (line 1)"),
        ("included", "-r inc.txt (line 1)"),
    ]


# --- global options -------------------------------------------------------------------------------


def test_index_options() -> None:
    result = parse(
        "-i https://first/simple\n"
        "--index-url=https://second/simple\n"
        "--extra-index-url https://extra-1/simple --extra-index-url=https://extra-2/simple\n"
        "--extra-index https://extra-1/simple\n"
        "--no-index\n"
        "--trusted-host internal:8080\n"
        "--use-feature truststore\n"
    )
    assert result.index_url == "https://second/simple"
    assert result.extra_index_urls == ("https://extra-1/simple", "https://extra-2/simple")
    assert result.no_index
    assert result.trusted_hosts == ("internal:8080",)
    assert result.warnings == ()


def test_defaults_without_options() -> None:
    result = parse("foo\n")
    assert (result.index_url, result.extra_index_urls, result.find_links) == (None, (), ())
    assert not (result.no_index or result.prefer_binary or result.pre or result.require_hashes)
    assert result.binary_policy.allows_wheel("foo") and result.binary_policy.allows_sdist("foo")


def test_find_links_relative_to_the_file_when_it_exists_there(in_tmp: Path) -> None:
    (in_tmp / "reqs" / "wheels").mkdir(parents=True)
    write("reqs/r.txt", "-f wheels\n--find-links=not-there\n-f https://host/links/\n")
    result = parse_requirements_file("reqs/r.txt", environ={})
    assert result.find_links == (
        str(in_tmp / "reqs" / "wheels"),
        str(in_tmp / "not-there"),
        "https://host/links/",
    )


def test_flags() -> None:
    result = parse("--pre\n--prefer-binary --require-hashes\n")
    assert result.pre and result.prefer_binary and result.require_hashes


def test_global_option_on_a_requirement_line_is_ignored_with_a_warning() -> None:
    result = parse("foo --pre -i https://x/simple\n")
    assert not result.pre and result.index_url is None
    assert result.warnings == (
        "req.txt:1: --pre is ignored on a requirement line; put it on a line of its own",
        "req.txt:1: --index-url is ignored on a requirement line; put it on a line of its own",
    )


def test_quoted_option_values_are_shell_split() -> None:
    (line,) = parse("foo --config-settings 'key=a value' -C \"k2=b c\"\n").requirements
    assert line.config_settings == (("key", "a value"), ("k2", "b c"))


def test_unbalanced_quotes_in_options() -> None:
    assert error_of("foo -C 'key=a\n") == (
        'req.txt:1: could not split options "-C \'key=a": No closing quotation'
    )


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("--frobnicate", "no such option: --frobnicate"),
        ("foo==1.0 --frobnicate=1", "no such option: --frobnicate"),
        ("-x foo", "no such option: -x"),
        ("--no x", "ambiguous option: --no (--no-binary, --no-index?)"),
        ("--pre=yes", "--pre option does not take a value"),
        ("-r", "-r option requires 1 argument"),
        ("--index-url", "--index-url option requires 1 argument"),
    ],
)
def test_option_errors_use_optparse_wording(line: str, reason: str) -> None:
    assert error_of(f"{line}\n") == f"req.txt:1: {reason}"


# --- binary policy --------------------------------------------------------------------------------


def test_no_binary_all_with_an_only_binary_exception() -> None:
    policy = parse("--no-binary :all:\n--only-binary Foo_Bar\n").binary_policy
    assert not policy.allows_wheel("other") and policy.allows_sdist("other")
    assert policy.allows_wheel("foo-bar") and not policy.allows_sdist("foo-bar")


def test_only_binary_all_with_a_no_binary_exception() -> None:
    policy = parse("--only-binary=:all: --no-binary a,b\n").binary_policy
    assert policy.allows_wheel("c") and not policy.allows_sdist("c")
    assert not policy.allows_wheel("a") and policy.allows_sdist("a")
    assert not policy.allows_wheel("b") and policy.allows_sdist("b")


def test_later_binary_option_for_the_same_name_wins() -> None:
    policy = parse("--no-binary foo\n--only-binary foo\n").binary_policy
    assert (policy.no_binary, policy.only_binary) == (frozenset(), frozenset({"foo"}))


def test_none_clears_and_all_clears_both() -> None:
    policy = parse("--no-binary a\n--no-binary :none:,b\n").binary_policy
    assert policy.no_binary == {"b"}
    policy = parse("--no-binary a --only-binary b --no-binary :all:\n").binary_policy
    assert (policy.no_binary, policy.only_binary) == (frozenset({":all:"}), frozenset())


def test_binary_option_without_a_value() -> None:
    assert error_of("--no-binary --pre\n") == "req.txt:1: --no-binary option requires 1 argument"


def test_merge_replays_binary_options_in_file_order() -> None:
    first = parse("--no-binary foo\n--only-binary bar\n", name="a.txt")
    second = parse("--no-binary :none:\n", name="b.txt")
    policy = merge([first, second]).binary_policy
    assert policy.allows_wheel("foo") and not policy.allows_sdist("bar")
    third = parse("--only-binary :all:\n", name="c.txt")
    policy = merge([first, third]).binary_policy
    assert policy.allows_wheel("foo") and not policy.allows_sdist("foo")


# --- hashes and per-requirement options -----------------------------------------------------------


def test_repeated_hashes_on_continuation_lines_turn_on_hash_mode() -> None:
    result = parse(
        f"foo==1.0 \\\n    --hash=sha256:{SHA_A} \\\n    --hash sha256:{SHA_B.upper()}\n"
        f"bar==2.0 --hash=sha256:{SHA_A} --hash=sha256:{SHA_A}\n"
    )
    foo, bar = result.requirements
    assert foo.hashes == (
        HashDigest(HashAlgorithm.SHA256, SHA_A),
        HashDigest(HashAlgorithm.SHA256, SHA_B),
    )
    assert bar.hashes == (HashDigest(HashAlgorithm.SHA256, SHA_A),)
    assert result.require_hashes


def test_sha512_hash() -> None:
    (line,) = parse(f"foo==1 --hash=sha512:{'c' * 128}\n").requirements
    assert line.hashes == (HashDigest(HashAlgorithm.SHA512, "c" * 128),)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (
            f"md5:{'a' * 32}",
            f"Invalid --hash 'md5:{'a' * 32}': md5 is not allowed; use sha256, sha384 or sha512",
        ),
        (
            f"sha1:{'a' * 40}",
            f"Invalid --hash 'sha1:{'a' * 40}': sha1 is not allowed; use sha256, sha384 or sha512",
        ),
        (
            f"sha256={SHA_A}",
            f"Invalid --hash 'sha256={SHA_A}': expected ALGORITHM:DIGEST, "
            "like --hash=sha256:abcde...",
        ),
        ("sha256:abc", "Invalid --hash 'sha256:abc': a sha256 digest is 64 hexadecimal digits"),
        (
            f"sha256:{'g' * 64}",
            f"Invalid --hash 'sha256:{'g' * 64}': a sha256 digest is 64 hexadecimal digits",
        ),
    ],
)
def test_bad_hashes_are_rejected(value: str, reason: str) -> None:
    assert error_of(f"foo==1.0 --hash={value}\n") == f"req.txt:1: {reason}"


def test_hash_on_an_option_line_is_a_warning_and_does_not_turn_on_hash_mode() -> None:
    result = parse(f"--hash=sha256:{SHA_A}\nfoo\n")
    assert not result.require_hashes
    assert result.warnings == ("req.txt:1: --hash on a line without a requirement is ignored",)


def test_config_settings_repeat_in_order() -> None:
    (line,) = parse("foo -C key=1 --config-settings=other=x=y -C key=2\n").requirements
    assert line.config_settings == (("key", "1"), ("other", "x=y"), ("key", "2"))


def test_config_settings_need_key_and_value() -> None:
    assert error_of("foo -C novalue\n") == (
        "req.txt:1: Arguments to --config-settings must be of the form KEY=VAL, got 'novalue'"
    )


def test_stray_words_after_options_are_reported() -> None:
    write("other.txt", "")
    result = parse("-r other.txt extra words\n")
    assert result.warnings == ("req.txt:1: ignored unexpected argument(s): extra words",)


# --- URLs -----------------------------------------------------------------------------------------


def test_wheel_url_gives_name_and_exact_version() -> None:
    (line,) = parse("https://host/files/Foo_Bar-1.2.3-py3-none-any.whl\n").requirements
    assert (line.name, str(line.specifier), line.is_pinned()) == ("foo-bar", "==1.2.3", True)
    assert line.url == line.given == "https://host/files/Foo_Bar-1.2.3-py3-none-any.whl"


def test_invalid_wheel_url_filename() -> None:
    assert error_of("https://host/not-a-wheel.whl\n").startswith(
        "req.txt:1: Invalid wheel filename 'not-a-wheel.whl': "
    )


def test_sdist_url_is_named_by_its_egg_fragment_or_left_unnamed() -> None:
    named, unnamed = parse(
        "https://host/pkg-1.0.tar.gz#egg=Pkg&subdirectory=sub/dir\nhttps://host/other-1.0.tar.gz\n"
    ).requirements
    assert named.name == "pkg"
    assert named.url == "https://host/pkg-1.0.tar.gz#egg=Pkg&subdirectory=sub/dir"
    assert (unnamed.name, str(unnamed.specifier)) == (None, "")


def test_invalid_egg_fragment() -> None:
    assert error_of("https://host/pkg.zip#egg=pkg==1.0\n") == (
        "req.txt:1: Invalid #egg=pkg==1.0 in 'https://host/pkg.zip#egg=pkg==1.0': "
        "it must be a project name"
    )


def test_credentials_in_urls_never_reach_messages() -> None:
    assert error_of("https://me:secret@host/pkg.zip#egg=pkg==1\n") == (
        "req.txt:1: Invalid #egg=pkg==1 in 'https://****@host/pkg.zip#egg=pkg==1': "
        "it must be a project name"
    )


def test_hash_fragment_becomes_a_hash_without_hash_mode() -> None:
    result = parse(f"https://host/pkg-1.0-py3-none-any.whl#sha256={SHA_A}\n")
    assert result.requirements[0].hashes == (HashDigest(HashAlgorithm.SHA256, SHA_A),)
    assert not result.require_hashes


def test_weak_hash_fragment_is_ignored_with_a_warning() -> None:
    result = parse(f"https://host/pkg-1.0.tar.gz#md5={'a' * 32}\n")
    assert result.requirements[0].hashes == ()
    assert result.warnings == (
        f"req.txt:1: the #md5= fragment of https://host/pkg-1.0.tar.gz#md5={'a' * 32} "
        "is ignored: md5 is too weak to check",
    )


def test_url_marker_needs_semicolon_and_space() -> None:
    (line,) = parse("https://host/pkg-1.0-py3-none-any.whl ; python_version > '3'\n").requirements
    assert str(line.marker) == 'python_version > "3"'


def test_vcs_url_with_egg() -> None:
    (line,) = parse("git+https://github.com/org/repo@v1.0#egg=repo\n").requirements
    assert (line.name, line.url) == ("repo", "git+https://github.com/org/repo@v1.0#egg=repo")


def test_named_direct_reference_keeps_the_url_as_given() -> None:
    (line,) = parse(
        "flask[async] @ git+https://github.com/pallets/flask.git@d92b64a ; python_version > '3'\n"
    ).requirements
    assert (line.name, line.extras) == ("flask", frozenset({"async"}))
    assert line.url == line.given == "git+https://github.com/pallets/flask.git@d92b64a"
    assert str(line.marker) == 'python_version > "3"'


def test_relative_file_url_is_resolved_against_the_file(in_tmp: Path) -> None:
    project = make_project("reqs/pkg")
    write("reqs/r.txt", "pkg @ file:./pkg\nfile:../reqs/pkg#egg=pkg\n")
    named, bare = parse_requirements_file("reqs/r.txt", environ={}).requirements
    assert named.url == project.as_uri()
    assert bare.url == f"{project.as_uri()}#egg=pkg"
    assert (named.given, bare.given) == ("file:./pkg", "file:../reqs/pkg#egg=pkg")


# --- local paths ----------------------------------------------------------------------------------


def test_directory_paths_are_relative_to_the_file_not_the_working_directory(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project("reqs/projects/app")
    (project / "setup.py").write_text("")
    write("reqs/r.txt", "./projects/app[Extra] ; os_name == 'posix'\nprojects/app/\n")
    monkeypatch.chdir(in_tmp / "reqs" / "projects")
    first, second = parse_requirements_file(in_tmp / "reqs" / "r.txt", environ={}).requirements
    assert (first.name, first.extras, first.url, first.given) == (
        None,
        frozenset({"extra"}),
        project.as_uri(),
        "./projects/app",
    )
    assert str(first.marker) == 'os_name == "posix"'
    assert (second.url, second.given) == (project.as_uri(), "projects/app/")


def test_current_directory_and_absolute_paths(in_tmp: Path) -> None:
    project = make_project("app")
    write("app/req.txt", f".\n{project}\n")
    here, absolute = parse_requirements_file("app/req.txt", environ={}).requirements
    assert here.url == absolute.url == project.as_uri()


def test_directory_without_a_build_file_is_not_installable() -> None:
    Path("docs").mkdir()
    assert error_of("./docs\n") == (
        "req.txt:1: Directory './docs' is not installable. "
        "Neither 'setup.py' nor 'pyproject.toml' found."
    )


def test_wheel_path_gives_name_version_and_file_url(in_tmp: Path) -> None:
    write("dist/My_Pkg-2.0-py3-none-any.whl", "")
    (line,) = parse("./dist/My_Pkg-2.0-py3-none-any.whl\n").requirements
    assert (line.name, str(line.specifier)) == ("my-pkg", "==2.0")
    assert line.url == (in_tmp / "dist" / "My_Pkg-2.0-py3-none-any.whl").as_uri()
    assert line.given == "./dist/My_Pkg-2.0-py3-none-any.whl"


def test_sdist_path_is_unnamed_with_a_file_url(in_tmp: Path) -> None:
    write("dist/pkg-1.0.tar.gz", "")
    write("dist/pkg-1.0.zip", "")
    gz, zipped = parse("dist/pkg-1.0.tar.gz\ndist/pkg-1.0.zip[x]\n").requirements
    assert (gz.name, gz.url) == (None, (in_tmp / "dist" / "pkg-1.0.tar.gz").as_uri())
    assert (zipped.url, zipped.extras) == (
        (in_tmp / "dist" / "pkg-1.0.zip").as_uri(),
        frozenset({"x"}),
    )


def test_missing_archive_path_is_kept_with_a_warning(in_tmp: Path) -> None:
    result = parse("./dist/pkg-1.0.tar.gz\n")
    assert result.requirements[0].url == (in_tmp / "dist" / "pkg-1.0.tar.gz").as_uri()
    assert result.warnings == (
        "req.txt:1: requirement './dist/pkg-1.0.tar.gz' looks like a file name, "
        f"but {in_tmp / 'dist' / 'pkg-1.0.tar.gz'} does not exist",
    )


def test_named_requirement_with_a_relative_path(in_tmp: Path) -> None:
    project = make_project("pkg")
    (line,) = parse("pkg @ ./pkg\n").requirements
    assert (line.name, line.url, line.given) == ("pkg", project.as_uri(), "./pkg")
    assert error_of("pkg @ ./nothing.whl\n") == (
        "req.txt:1: Invalid requirement 'pkg @ ./nothing.whl': "
        "'./nothing.whl' is neither a URL nor an existing path"
    )


# --- editables ------------------------------------------------------------------------------------


def test_editable_local_directories(in_tmp: Path) -> None:
    project = make_project("pkg")
    result = parse(
        "-e ./pkg[Dev]\n--editable=pkg\n-e file:pkg --config-settings editable_mode=compat\n"
    )
    first, second, third = result.requirements
    assert (first.editable, first.name, first.extras, first.url, first.given) == (
        True,
        None,
        frozenset({"dev"}),
        project.as_uri(),
        "./pkg",
    )
    assert (second.url, third.url) == (project.as_uri(), project.as_uri())
    assert third.config_settings == (("editable_mode", "compat"),)


def test_editable_dot_is_the_directory_of_the_file(in_tmp: Path) -> None:
    project = make_project("app")
    write("app/req.txt", "-e .\n")
    (line,) = parse_requirements_file("app/req.txt", environ={}).requirements
    assert (line.url, line.given) == (project.as_uri(), ".")


def test_editable_vcs_urls_need_a_name() -> None:
    named_by_egg, named_by_pep508, quoted = parse(
        "-e git+https://github.com/org/repo@main#egg=Repo&subdirectory=py\n"
        "-e repo[x] @ git+https://github.com/org/repo\n"
        "-e 'repo @ git+https://github.com/org/repo'\n"
    ).requirements
    assert (named_by_egg.name, named_by_egg.url) == (
        "repo",
        "git+https://github.com/org/repo@main#egg=Repo&subdirectory=py",
    )
    assert (named_by_pep508.name, named_by_pep508.extras) == ("repo", frozenset({"x"}))
    assert named_by_pep508.url == quoted.url == "git+https://github.com/org/repo"
    assert error_of("-e git+https://github.com/org/repo\n") == (
        "req.txt:1: Could not detect requirement name for 'git+https://github.com/org/repo', "
        "please specify one with #egg=your_package_name"
    )


def test_editable_that_is_neither_a_directory_nor_vcs(in_tmp: Path) -> None:
    assert error_of("-e https://host/pkg.zip\n") == (
        "req.txt:1: Invalid editable requirement 'https://host/pkg.zip': only a local project "
        "directory or a VCS URL (git+, hg+, svn+ or bzr+) can be editable"
    )
    assert error_of("-e ./missing\n") == (
        f"req.txt:1: Invalid editable requirement './missing': {in_tmp / 'missing'} is not a "
        "directory (an editable must be a local project directory or a VCS URL such as "
        "git+https://...)"
    )


def test_editable_directory_must_be_a_project() -> None:
    Path("empty").mkdir()
    assert error_of("-e empty\n") == (
        "req.txt:1: Directory 'empty' is not installable. "
        "Neither 'setup.py' nor 'pyproject.toml' found."
    )


def test_hash_on_an_editable_is_ignored_with_a_warning() -> None:
    make_project("pkg")
    result = parse(f"-e ./pkg --hash=sha256:{SHA_A}\n")
    assert result.requirements[0].hashes == ()
    assert result.warnings == ("req.txt:1: --hash is ignored on an editable requirement",)


# --- constraints restrictions, merge, real-world files --------------------------------------------


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("https://host/pkg-1.0.tar.gz", "Unnamed requirements are not allowed as constraints"),
        ("-e git+https://h/r#egg=r", "Editable requirements are not allowed as constraints"),
        ("foo[bar]<2", "Constraints cannot have extras"),
    ],
)
def test_constraints_must_be_named_plain_and_without_extras(line: str, reason: str) -> None:
    write("c.txt", f"{line}\n")
    assert error_of("-c c.txt\n") == f"c.txt:1: {reason}"


def test_merge_concatenates_in_order_and_later_index_wins() -> None:
    first = parse("-i https://one/simple\n--extra-index-url https://x\na\n", name="a.txt")
    write("c.txt", "b<2\n")
    second = parse(
        "--extra-index-url https://x\n--extra-index-url https://y\n--pre\nb\n-c c.txt\n",
        name="b.txt",
    )
    third = parse("-i https://three/simple\n--no-index\nc\n", name="d.txt")
    merged = merge([first, second, third])
    assert [line.name for line in merged.requirements] == ["a", "b", "c"]
    assert [line.name for line in merged.constraints] == ["b"]
    assert merged.index_url == "https://three/simple"
    assert merged.extra_index_urls == ("https://x", "https://y")
    assert merged.pre and merged.no_index and not merged.prefer_binary
    assert merge([first]) is first


def _real_world_files() -> list[Path]:
    if not BENCHMARKS.is_dir():
        return []
    compiled = sorted((BENCHMARKS / "compiled").glob("*"))
    return compiled + sorted(BENCHMARKS.glob("*.in"))


@pytest.mark.parametrize("path", _real_world_files(), ids=lambda path: path.name)
def test_real_world_files_parse(path: Path) -> None:
    result = parse_requirements_file(path, environ={})
    assert result.requirements
    assert result.warnings == ()
    assert all(line.name is not None for line in result.requirements)
