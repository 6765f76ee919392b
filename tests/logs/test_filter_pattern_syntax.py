"""Filter patterns beyond the documentation's examples: the API, error messages and their columns,
CloudWatch's regex subset, the rules the pages state without an example, and a property test
that no input crashes the parser or the evaluation."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hakobu.errors import InputError
from hakobu.logs import filter_pattern
from hakobu.logs.filter_ast import And, Check, Expr, JsonPattern, Or, Selector, TermsPattern
from hakobu.logs.filter_eval import (
    MISSING,
    collector,
    expr_test,
    getter,
    json_leaf,
    parse_object,
    regex_matcher,
    value_test,
)
from hakobu.logs.filter_pattern import FilterPattern, FilterPatternError, compile_pattern
from hakobu.logs.filter_space import _FIELD as _FIELD_RUNS
from hakobu.logs.filter_space import (
    SpaceMatcher,
    _leaf,
    _rest,
    edge_fields,
    quoted_reader,
    split_fields,
)


def matches(pattern: str, message: str) -> bool:
    return compile_pattern(pattern).matches(message)


def rejects(pattern: str) -> FilterPatternError:
    with pytest.raises(FilterPatternError) as raised:
        compile_pattern(pattern)
    return raised.value


# -- API -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "kind"),
    [
        ("", "text"),
        ("  ", "text"),
        ("ERROR -x ?y", "text"),
        ("%ERR%", "text"),
        (" { $.a = 1 } ", "json"),
        ("[a, ..., b]", "space-delimited"),
    ],
)
def test_kind(pattern: str, kind: str) -> None:
    compiled = compile_pattern(pattern)
    assert isinstance(compiled, FilterPattern)
    assert compiled.kind == kind
    assert compiled.text == pattern


def test_public_names() -> None:
    assert sorted(filter_pattern.__all__) == [
        "FilterPattern",
        "FilterPatternError",
        "Kind",
        "compile_pattern",
        "metric_filter_matches",
    ]
    assert all(hasattr(filter_pattern, name) for name in filter_pattern.__all__)


def test_metric_filter_matches_is_shaped_like_test_metric_filter() -> None:
    pattern = compile_pattern("[level = ERROR, rest]")
    assert filter_pattern.metric_filter_matches(pattern, ["INFO a", "ERROR b c"]) == {
        "matches": [
            {
                "eventNumber": 2,
                "eventMessage": "ERROR b c",
                "extractedValues": {"$level": "ERROR", "$rest": "b c"},
            }
        ]
    }


def test_error_is_an_input_error_with_the_column_and_the_fix() -> None:
    error = rejects("ERROR (x)")
    assert isinstance(error, InputError)
    assert error.exit_code == 2
    assert error.pattern_column == 7
    assert str(error) == (
        "filter pattern: Invalid character(s) in term '(' at column 7 "
        "(put terms with characters other than letters, digits and _ in double quotes)"
    )


def test_error_names_the_file_line_and_field_when_given() -> None:
    with pytest.raises(FilterPatternError) as raised:
        compile_pattern("{ $.a == 1 }", file="hakobu.toml", line=12, field="subscriptions.pattern")
    assert str(raised.value) == (
        "hakobu.toml:12: subscriptions.pattern: '==' is not an operator at column 7 (use =)"
    )


def test_extract_is_none_when_the_event_does_not_match() -> None:
    for pattern in ("ERROR", "{ $.a = 1 }", "[a = 1, b]"):
        assert compile_pattern(pattern).extract("nothing here") is None


def test_json_extract_gives_the_selected_scalars_as_text() -> None:
    pattern = compile_pattern(
        '{ $.latency > 100 && $.path = "/x" && $.ok IS TRUE && $.gone IS NULL && $.a[*] = 2 }'
    )
    event = '{"latency": 150, "path": "/x", "ok": true, "gone": null, "a": [1, 2]}'
    assert pattern.extract(event) == {
        "$.latency": "150",
        "$.path": "/x",
        "$.ok": "true",
        "$.a[*]": "1",
    }


def test_text_extract_is_empty() -> None:
    assert compile_pattern("ERROR").extract("ERROR x") == {}


# -- unstructured text -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "fragment", "column"),
    [
        ('"ERROR', "unterminated quoted string", 1),
        ('"ERROR"WARN', "expected a space after the closing quote", 8),
        ("- ERROR", "'-' must be followed by a term", 1),
        ("ERR*", "Invalid character(s) in term '*'", 4),
        ("Status: timeout", "Invalid character(s) in term ':'", 7),
        ("a-b", "Invalid character(s) in term '-'", 2),
        ("ERROR %WARN%", "must be the whole pattern", 7),
        ("?%WARN%", "must be the whole pattern", 1),
        ("%WARN", "unterminated regular expression", 1),
        ("café", "Invalid character(s) in term 'é'", 4),
    ],
)
def test_invalid_terms(pattern: str, fragment: str, column: int) -> None:
    error = rejects(pattern)
    assert fragment in str(error)
    assert error.pattern_column == column


def test_quoted_terms_take_any_character_and_backslash_escapes() -> None:
    assert matches('"a-b: (c)"', "x a-b: (c) y")
    assert matches(r'"say \"hi\""', 'they say "hi"')
    assert matches(r'"C:\\temp"', r"in C:\temp now")
    assert not matches('-"two words"', "two words here")


def test_only_optional_terms_are_an_or_and_are_ignored_next_to_exclusions() -> None:
    assert matches("?ERROR ?WARN", "WARN x")
    assert not matches("?ERROR ?WARN", "INFO x")
    assert matches("?ERROR -timeout", "INFO x")  # "all question mark terms will be ignored"
    assert not matches("-ERROR", "ERROR")
    assert not matches('-" "', "anything")


# -- regular expressions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        ("%%", "empty regular expression"),
        ("%a+?%", "a repetition cannot follow another one"),
        ("%a++%", "a repetition cannot follow another one"),
        ("%a{2}*%", "a repetition cannot follow another one"),
        ("%*a%", "nothing to repeat"),
        ("%^*%", "nothing to repeat"),
        (r"%\p{L}%", "unsupported escape '\\p'"),
        (r"%\t%", "unsupported escape '\\t'"),
        (r"%\(ab\)%", "no groups"),
        ("%ERROR(?= 500)%", "no groups"),
        ("%[z-a]%", "out of order"),
        ("%[abc%", "unclosed '['"),
        ("%[]%", "empty character class"),
        ("%a{3,%", "unclosed '{'"),
        ("%a{x}%", "invalid repetition"),
        ("%a{5,3}%", "minimum above its maximum"),
        ("%a{99999}%", "repetition count above"),
        (r"%\xFF%", "not an ASCII character"),
        (r"%\x4%", "two hexadecimal digits"),
        ("%a\\%", "cannot end with"),
        ("%a]%", "unmatched ']'"),
        ("%[a&&b]%", "Invalid character(s) in term '&'"),
        ("%a\tb%", "Invalid character(s) in term"),
        ("%[\\d-z]%", "a range cannot start or end with a class"),
    ],
)
def test_regex_outside_cloudwatchs_subset_is_rejected(pattern: str, fragment: str) -> None:
    """Python's re would accept most of these: CloudWatch does not."""
    assert fragment in str(rejects(pattern))


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (r"%a\-b%", "a-b"),
        (r"%\\%", "back\\slash"),
        ("%[a-]%", "-"),
        ("%^a{,3}$%", "aa"),
        ("%^a{3, 5}$%", "aaaa"),  # the documentation writes {m, n}
        ("%^a{3}$%", "aaa"),
        ("%^a{2,}$%", "aaaaaaa"),
        (r"%[\]]%", "]"),
        ("%[.*+?{}|$^]%", "|"),
        (r"%\x3a%", "k:v"),
        ("%^shutting down%", "shutting down now"),
        ("%ERROR|%", "anything"),
    ],
)
def test_regex_inside_the_subset(pattern: str, message: str) -> None:
    assert matches(pattern, message)


def test_regex_classes_are_ascii_and_case_sensitive() -> None:
    assert not matches(r"%\d%", "٣")  # an Arabic-Indic digit is not [0-9]
    assert not matches("%error%", "ERROR")


def test_regex_column_points_into_the_whole_pattern() -> None:
    assert rejects("{ $.a = %ab!% }").pattern_column == 12


# -- JSON ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        ("{}", "expected a condition"),
        ("{ $.a = }", "expected a value after '='"),
        ("{ $.a }", "expected =, !=, <, <=, >, >=, IS or NOT EXISTS"),
        ("{ $.a = 1", "the closing '}'"),
        ("{ $.a = 1 } x", "nothing after the closing '}'"),
        ("{ a = 1 }", "expected a property selector"),
        ("{ $[0] = 1 }", "starts with '$.'"),
        ("{ $..a = 1 }", "Invalid character(s) in term '.'"),
        ("{ $.a[x] = 1 }", "expected [N], [*] or ['name']"),
        ("{ $.a[-1] = 1 }", "expected [N], [*] or ['name']"),
        ("{ $.a[0:2] = 1 }", "expected [N], [*] or ['name']"),
        ("{ $.x[99999999999] = 1 }", "expected [N], [*] or ['name']"),
        ('{ $.a = "open }', "unterminated quoted string"),
        ("{ $.a is null }", "IS NULL, IS TRUE, IS FALSE or NOT EXISTS in upper case"),
        ("{ $.a IS MAYBE }", "expected NULL or TRUE or FALSE after IS"),
        ("{ !($.a = 1) }", "'!' negation is not supported"),
        ("{ $.a = 1 AND $.b = 2 }", "'AND' is not an operator"),
        ("{ $.a = 1 && }", "expected a property selector"),
        ("{ ($.a = 1 }", "expected '&&', '||' or ')'"),
        ("{ $.a = 1, $.b = 2 }", "Invalid character(s) in term ','"),
        ('{ "v": [1] }', "Invalid character(s) in term ':'"),
        ('{ $."sc-status" = 5* }', "Invalid character(s) in term '\"'"),
        ("{ $.a > foo }", "expected a number after '>'"),
        ("{ $.a >= 4* }", "expected a number after '>='"),
        ("{ $.a < %1% }", "expected a number after '<'"),
        ("{ $.a = a:b }", "Invalid character(s) in term ':'"),
    ],
)
def test_invalid_json_patterns(pattern: str, fragment: str) -> None:
    assert fragment in str(rejects(pattern))


@pytest.mark.parametrize(
    ("pattern", "event", "expected"),
    [
        ("{ $.a NOT EXISTS }", "not json", False),  # a JSON pattern only looks at JSON events
        ("{ $.a NOT EXISTS }", "[1, 2]", False),
        ("{ $.a NOT EXISTS }", '{"a": 1} trailing', False),
        ("{ $.a NOT EXISTS }", '  {"b": 1}  ', True),
        ("{ $.a = true }", '{"a": true}', False),  # comparisons see strings and numbers only
        ("{ $.a = true }", '{"a": "true"}', True),
        ("{ $.a IS TRUE }", '{"a": "true"}', False),
        ("{ $.a != 1 }", "{}", False),  # a missing field satisfies no comparison
        ("{ $.a != 1 }", '{"a": null}', False),
        ("{ $.a != 1 }", '{"a": {"b": 1}}', False),
        ("{ $.a = * }", '{"a": null}', False),
        ("{ $.a = 3 }", '{"a": "3"}', True),  # a numeric string compares as a number
        ("{ $.a = 3 }", '{"a": "3.0"}', True),
        ("{ $.a = 1e3 }", '{"a": "1e3"}', True),  # no scientific notation in strings: by text
        ("{ $.a = 1e3 }", '{"a": 1000}', True),
        ("{ $.a = 1.0 }", '{"a": 1}', True),
        ("{ $.a = 9007199254740993 }", '{"a": 9007199254740992}', False),
        ('{ $.a = "3" }', '{"a": 3}', True),
        ("{ $.a > 1 }", '{"a": "abc"}', False),
        ("{ $.a != 1 }", '{"a": "abc"}', True),
        ("{ $.a = 4* }", '{"a": 404}', True),
        ("{ $.a = %^4% }", '{"a": 404}', True),
        ("{ $.a != %x% }", '{"a": "abc"}', True),
        ("{ $.coordinates[1][2] = 6 }", '{"coordinates": [[0, 1, 2], [4, 5, 6]]}', True),
        ("{ $.a[5] = 1 }", '{"a": [1]}', False),
        ("{ $.a.* = 2 }", '{"a": {"x": 1, "y": 2}}', True),
        ("{ $.a[*].b = 2 }", '{"a": [{"b": 1}, {"b": 2}]}', True),
        ("{ $.a[*] NOT EXISTS }", '{"a": []}', True),
        ("{ $.a[*] NOT EXISTS }", '{"a": [1]}', False),
        ("{ $.a[*] IS NULL }", '{"a": [null, 2]}', True),
        ("{ $.a[*] != 2 }", '{"a": [2, 3]}', True),  # any element
        ("{ $.['a.b'] = 2 }", '{"a.b": 2, "a": {"b": 3}}', True),
        ("{ $.a.b = 2 }", '{"a.b": 2}', False),
        ("{ $.a['b'] = 2 }", '{"a": {"b": 2}}', True),
        ("{ $.detail-type = x }", '{"detail-type": "x"}', True),
        ("{ $.a = 1 || $.b = 2 && $.c = 3 }", '{"a": 1, "b": 0, "c": 0}', True),
        ("{ ($.a = 1 || $.b = 2) && $.c = 3 }", '{"a": 1, "b": 0, "c": 0}', False),
        ("{ $.a = 1 && $.b = 1 && $.c = 1 }", '{"a": 1, "b": 1, "c": 1}', True),
        ("{ $.a = 1 || $.b = 1 || $.c = 1 }", '{"c": 1}', True),
        ('{ $.a = "Ev*ent" }', '{"a": "Ev*ent"}', True),
        ('{ $.a = "*" }', '{"a": ""}', True),
        ('{ $.a = "" }', '{"a": ""}', True),
    ],
)
def test_json_rules(pattern: str, event: str, expected: bool) -> None:
    assert matches(pattern, event) is expected


def test_json_pattern_survives_deeply_nested_events() -> None:
    assert not matches("{ $.a NOT EXISTS }", "{" + '"a":[' * 100_000)
    assert not matches("{ $.a NOT EXISTS }", '{"a":' + "[" * 100_000 + "]" * 100_000 + "}")


# -- space-delimited -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        ("[a, ..., b, ...]", "more than one '...'"),
        ("[a, a]", "field name 'a' is used twice"),
        ("[a = ]", "expected a value after '='"),
        ("[a, b", "',' or the closing ']'"),
        ("[a, b] x", "nothing after the closing ']'"),
        ("[a = 1 ||]", "expected a field name"),
        ("[1a]", "invalid field name '1a'"),
        ("[a, b=x || c=y]", "one field's conditions test b and c"),
        ("[a == 1]", "'==' is not an operator"),
        ("[w1=ERROR AND w1=x, w2]", "'AND' is not an operator"),
        ("[w1=ERROR && || w1=WARNING, w2]", "expected a field name, found '||'"),
        ("[a > x]", "expected a number after '>'"),
        ("[$.a = 1]", "Invalid character(s) in term '$'"),
        ("[a = {x}]", "Invalid character(s) in term '{'"),
    ],
)
def test_invalid_space_delimited_patterns(pattern: str, fragment: str) -> None:
    assert fragment in str(rejects(pattern))


@pytest.mark.parametrize(
    ("pattern", "event", "expected"),
    [
        ("[]", "", True),
        ("[]", "anything at all", True),
        ("[a]", "", False),
        ("[w1=ERROR]", "ERROR x", False),  # without a blank w2, w1 is the whole event
        ("[w1=ERROR, w2]", "ERROR", False),  # a blank indicator still needs a field
        ("[a, b, c]", "x y", False),
        ("[a, ..., b]", "x", False),
        ("[a, ...]", "x", True),
        ("[..., b]", "x", True),
        ("[a, b=%^\\d+$%]", "x 12", True),
        ("[a=1, rest]", "1.0 x", True),
        ('[a="1", rest]', "1.0 x", False),
        ("[a, b > 100]", "x many", False),
        ("[a, b < 100]", "x -5", True),
        ('[a, b="two words", c]', 'x "two words" y', True),
        ("[a, b = %two%, c]", "x [two words] y", True),
        ("[a, b, c = y]", 'x "unclosed y', True),  # an unterminated quote is an ordinary word
        ("[a, b = x*]", "1  xyz  ", True),
        ("[a, (b = 1 || b = 2) && b != 2]", "x 1", True),
        ("[a, b = 1 && (b = 2 || b = 3)]", "x 1", False),
    ],
)
def test_space_delimited_rules(pattern: str, event: str, expected: bool) -> None:
    assert matches(pattern, event) is expected


def test_space_delimited_extraction() -> None:
    event = 'ERROR 09/25/2014 12:00:02 "Failed to process" request'
    assert compile_pattern("[level, date, rest]").extract(event) == {
        "$level": "ERROR",
        "$date": "09/25/2014",
        "$rest": '12:00:02 "Failed to process" request',
    }
    assert compile_pattern("[level, ..., , last]").extract(event) == {
        "$level": "ERROR",
        "$2": "09/25/2014",
        "$3": "12:00:02",
        "$4": "Failed to process",
        "$last": "request",
    }
    assert compile_pattern("[a, b]").extract("x y") == {"$a": "x", "$b": "y"}


# -- limits ----------------------------------------------------------------------------------------


def test_length_limit_is_1024_characters() -> None:
    compile_pattern("a" * 1024)
    assert "at most 1024" in str(rejects("a" * 1025))


def test_two_regexes_are_allowed_in_json_and_space_delimited_patterns() -> None:
    compile_pattern("{ $.a = %x% || $.b = %y% }")
    compile_pattern("[a=%x%, b=%y%, c]")


def test_three_wildcard_selectors_are_allowed() -> None:
    compile_pattern("{ $.a[*] = 1 || $.b[*] = 1 || $.* = 1 }")


# -- the parser never crashes ----------------------------------------------------------------------

SYNTAX_CHARS = st.sampled_from(list("{}[]()$.*%\"=!<>&|,?-_ \\'aZ09eE+:/^@\t\né"))
EVENTS = [
    "",
    "ERROR 09/25/2014 x",
    '{"a": 1, "b": [null, {"c": "x"}], "d": true}',
    '127.0.0.1 - frank [10/Oct/2000] "GET / HTTP/1.0" 404 1534',
    "[[[",
]


def _never_crashes(text: str) -> None:
    try:
        pattern = compile_pattern(text)
    except FilterPatternError as e:
        assert str(e) and "\n" not in str(e)
        assert e.pattern_column is None or 1 <= e.pattern_column <= len(text) + 1
        return
    for event in [*EVENTS, text]:
        assert isinstance(pattern.matches(event), bool)
        extracted = pattern.extract(event)
        assert extracted is None or all(isinstance(v, str) for v in extracted.values())
        json.dumps(extracted)


@settings(max_examples=600, deadline=None)
@given(st.text(max_size=120))
def test_arbitrary_text_compiles_or_raises_filter_pattern_error(text: str) -> None:
    _never_crashes(text)


@settings(max_examples=1000, deadline=None)
@given(
    st.sampled_from(["", "{ ", "[", "{ $.a", "[a", "%", '"', "{ $.a = %"]),
    st.text(SYNTAX_CHARS, max_size=60),
)
def test_syntax_like_text_compiles_or_raises_filter_pattern_error(prefix: str, text: str) -> None:
    _never_crashes(prefix + text)


# -- the fast paths answer as the slow ones -------------------------------------------------------


# Spaces str.split() and the regexes both take: ASCII, the separators \x1c-\x1f, Unicode.
FIELD_CHARS = st.sampled_from(list('ab" []\t\n\x1f\u3000'))


@settings(max_examples=1500, deadline=None)
@given(st.text(FIELD_CHARS, max_size=30), st.integers(0, 3), st.integers(0, 3), st.booleans())
def test_the_quoted_reader_agrees_with_splitting_the_whole_event(
    message: str, first: int, last: int, rest: bool
) -> None:
    full = split_fields(message)
    read = quoted_reader(first, 0 if rest else last, rest)(message)
    if not rest:
        if len(full) < first + last:
            assert read is None
        else:
            assert read == (full[:first] + full[len(full) - last :], None)
    elif len(full) < first + 1:
        assert read is None
    else:
        expected = full[-1] if len(full) == first + 1 else _rest(message, first)
        assert read == (full[:first], expected)


@settings(max_examples=800, deadline=None)
@given(st.text(FIELD_CHARS, max_size=30), st.integers(0, 3), st.integers(0, 3))
def test_edge_fields_agree_with_splitting_the_whole_event(
    message: str, first: int, last: int
) -> None:
    if '"' not in message and "[" not in message:
        return
    edges = edge_fields(message, first, last)
    if edges is not None:
        full = split_fields(message)
        assert len(full) > first + last
        assert edges == full[:first] + full[len(full) - last :]


def _split_and_test(pattern: str, message: str) -> bool:
    """The space-delimited rules the plain way, as the oracle of the fast paths: split the whole
    event, bind the fields, test them."""
    matcher = SpaceMatcher(compile_pattern(pattern).ast)  # type: ignore[arg-type]
    tokens = split_fields(message)
    if len(tokens) < matcher.needed:
        return False
    bound = [(tokens[i], field) for i, field in enumerate(matcher.prefix)]
    bound += [
        (tokens[len(tokens) - len(matcher.suffix) + i], f) for i, f in enumerate(matcher.suffix)
    ]
    if matcher.rest:
        last = tokens[-1] if len(tokens) == matcher.needed else _rest(message, len(matcher.prefix))
        bound.append((last, matcher.rest[0]))
    return all(
        field.condition is None or expr_test(field.condition, _leaf)(value)
        for value, field in bound
    )


SPACE_PATTERNS = [
    "[a = ab, b]",
    "[a = a*, ...]",
    "[..., b = *b, c]",
    "[a, b = ab*, ..., c = *ba]",
    '[a, b = "a b"]',
    "[a = *b* && a != ab, b = a* || b = b]",
    "[a, b = %a+b%, c]",
    "[..., a = b]",
    "[a = a]",
    # the text a field needs at its start or end, at the field's place (filter_prefilter)
    "[..., b = a*, c]",
    "[..., b = ab, c]",
    "[..., b = *b, c, d]",
    "[..., b = a* || b = b*, c]",
    '[..., b = "a b", c]',
    '[..., b = "[a", c, d]',
    "[a, ..., b = b*, c]",
    "[a, b = a*, c]",
    "[a, b, c = ab]",
    '[a = "[a", b, c = b*]',
]


@settings(max_examples=1500, deadline=None)
@given(
    st.sampled_from(SPACE_PATTERNS), st.text(st.sampled_from(list('ab" []\t\u3000')), max_size=24)
)
def test_the_space_delimited_prefilters_never_refuse_a_match(pattern: str, message: str) -> None:
    assert matches(pattern, message) is _split_and_test(pattern, message)


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from(list("ab \t")), max_size=20), st.integers(0, 3))
def test_the_rest_of_a_plain_event_is_read_as_with_quotes(message: str, skip: int) -> None:
    if len(message.split()) > skip:
        expected = message[list(_FIELD_RUNS.finditer(message))[skip].start() :].rstrip()
        assert _rest(message, skip) == expected


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.sampled_from([3.0, 1e3, 0.5])
    | st.text(st.sampled_from(list('xyé3.0"\\/ ')), max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("abc"), inner),
    max_leaves=8,
)
JSON_PATTERNS = [
    '{ $.a = "x" }',
    "{ $.a = x* }",
    "{ $.a.b = *y }",
    "{ $.a IS TRUE }",
    "{ $.a IS NULL || $.b = y }",
    '{ $.a = "3.0" }',
    '{ $.a[*] = "é" }',
    '{ $.a = "x/y" && $.b != 1 }',
    '{ $.* = "x" }',
    '{ $.a.c = "\\"" }',
]


@settings(max_examples=800, deadline=None)
@given(
    st.sampled_from(JSON_PATTERNS),
    st.dictionaries(st.sampled_from("abc"), JSON_VALUES),
    st.booleans(),
)
def test_the_json_prefilter_never_refuses_a_match(
    pattern: str, document: dict[str, object], ascii_only: bool
) -> None:
    compiled = compile_pattern(pattern)
    assert isinstance(compiled.ast, JsonPattern)
    message = json.dumps(document, ensure_ascii=ascii_only)
    assert compiled.matches(message) is expr_test(compiled.ast.expr, json_leaf)(document)


@settings(max_examples=800, deadline=None)
@given(
    st.sampled_from(["", " ", "\t\n", "\u3000", "\ufeff", "x"]),
    JSON_VALUES,
    st.sampled_from(["", " \r\n", "\u3000", "}", " 1", "x"]),
)
def test_parse_object_reads_as_json_loads(before: str, value: object, after: str) -> None:
    message = before + json.dumps(value) + after
    try:
        loaded = json.loads(message)
    except ValueError:
        loaded = None
    assert parse_object(message) == (loaded if isinstance(loaded, dict) else None)


def test_json_escapes_in_events_are_read_as_the_characters_they_stand_for() -> None:
    pattern = '{ $.logType = "ErrorLog" }'
    assert matches(pattern, '{"logType": "\\u0045rrorLog"}')
    assert matches(pattern, '{"log\\u0054ype": "ErrorLog"}')
    assert not matches(pattern, '{"logType": "\\u0045rrorLogs"}')


def _walk_every_value(expr: Expr, document: dict[str, object]) -> bool:
    """JSON conditions the plain way, as the oracle of the compiled walk (json_leaf): list every
    value the selector reaches (collector, getter), then test each."""
    if isinstance(expr, And | Or):
        results = [_walk_every_value(item, document) for item in expr.items]
        return all(results) if isinstance(expr, And) else any(results)
    assert isinstance(expr.target, Selector)
    values = (
        collector(expr.target)(document)
        if expr.target.wildcards
        else [value for value in [getter(expr.target)(document)] if value is not MISSING]
    )
    if isinstance(expr, Check):
        if expr.check == "NOT EXISTS":
            return not values
        return any(
            value is {"NULL": None, "TRUE": True, "FALSE": False}[expr.check] for value in values
        )
    test = value_test(expr.op, expr.value)
    return any(test(value) for value in values)


WALKED_PATTERNS = [
    *JSON_PATTERNS,
    "{ $.a[0] = 1 || $.b.c[1].a != x }",
    "{ $.a.b.c > 2 && $.c[*].a <= 3 }",
    "{ $.*.b NOT EXISTS || $.a[*].b = *x* }",
    "{ $.a.b IS FALSE || $.b[0] IS NULL }",
    "{ $.c = *0 && $.a >= 0.5 }",
    "{ $.a.* = 1 || $.b[*] NOT EXISTS || $.c[*][0] IS TRUE }",
]


@settings(max_examples=1000, deadline=None)
@given(
    st.sampled_from(WALKED_PATTERNS),
    st.dictionaries(st.sampled_from("abc"), JSON_VALUES),
)
def test_the_compiled_json_walk_agrees_with_listing_every_value(
    pattern: str, document: dict[str, object]
) -> None:
    ast = compile_pattern(pattern).ast
    assert isinstance(ast, JsonPattern)
    expected = _walk_every_value(ast.expr, document)
    assert expr_test(ast.expr, json_leaf)(document) is expected
    assert matches(pattern, json.dumps(document)) is expected


REGEX_CHARS = st.sampled_from([*"ab.^$?*+|[]{},0-2", "\\d", "\\.", "\\x61"])


@settings(max_examples=800, deadline=None)
@given(st.lists(REGEX_CHARS, min_size=1, max_size=10), st.text("ab.1 ", max_size=12))
def test_the_regex_prefilter_never_refuses_a_match(parts: list[str], message: str) -> None:
    try:
        compiled = compile_pattern("%" + "".join(parts) + "%")
    except FilterPatternError:
        return
    assert isinstance(compiled.ast, TermsPattern) and compiled.ast.regex is not None
    expected = compiled.ast.regex.compiled.search(message) is not None
    assert regex_matcher(compiled.ast.regex)(message) is expected
