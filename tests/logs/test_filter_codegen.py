"""The generated JSON tests (filter_codegen.json_test) answer as filter_eval's closures
(expr_test with json_leaf), the definition, on generated patterns and documents."""

from __future__ import annotations

import json

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from hakobu.logs.filter_ast import JsonPattern
from hakobu.logs.filter_codegen import _MAX_NESTING, _nesting, json_test
from hakobu.logs.filter_eval import expr_test, json_leaf, parse_object
from hakobu.logs.filter_pattern import FilterPatternError, compile_pattern

# Keys and indexes the documents use, a wildcard, and keys Python must read as data.
STEPS = st.sampled_from(
    [".a", ".b", ".c", "[0]", "[1]", "[*]", ".*", "['ab'c']", "['{0}']", "[')\\\"']"]
)
SELECTORS = st.lists(STEPS, min_size=1, max_size=4).map(
    lambda steps: "$." + "".join(steps).removeprefix(".")  # $.a, $.[0], $.['x']
)
# Numbers, texts a number's text could equal, texts none can, globs, regexes, an empty glob.
VALUES = st.sampled_from(
    [
        "1", "-1", "0.5", "1e3", "42", '"3.0"', '"1"', "x", "x*", "*y", "*x*", "*", "ABC*",
        "*0", "1*", "*e*", '"é"', '"x y"', "%x+%", "%[0-9]%", '"Ev*ent"', "inf*", "x_1",
    ]
)  # fmt: skip
CHECKS = st.sampled_from(["IS NULL", "IS TRUE", "IS FALSE", "NOT EXISTS"])
NUMBERS = st.sampled_from(["1", "-1", "0.5", "1e3", "42"])
CONDITIONS = st.one_of(
    st.tuples(SELECTORS, st.sampled_from(["=", "!="]), VALUES).map(" ".join),
    st.tuples(SELECTORS, st.sampled_from(["<", "<=", ">", ">="]), NUMBERS).map(" ".join),
    st.tuples(SELECTORS, CHECKS).map(" ".join),
)
EXPRESSIONS = st.recursive(
    CONDITIONS,
    lambda inner: st.tuples(inner, st.sampled_from(["&&", "||"]), inner).map(
        lambda parts: f"({parts[0]} {parts[1]} {parts[2]})"
    ),
    max_leaves=4,
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-3, 45)
    | st.sampled_from([3.0, 1e3, 0.5, 42.0, -1.0, float("inf")])
    | st.sampled_from(["x", "xy", "yx", "3.0", "1", "42", "ABC1", "Ev*ent", "é", "x y", "1e3"])
    | st.text(st.sampled_from(list("xy10.e")), max_size=4)
)
KEYS = st.sampled_from(["a", "b", "c", "ab'c", "{0}", ')\\"'])
DOCUMENTS = st.dictionaries(
    KEYS,
    st.recursive(
        SCALARS,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner),
        max_leaves=8,
    ),
)


def _json_pattern(text: str) -> JsonPattern:
    try:
        pattern = compile_pattern("{ " + text + " }")
    except FilterPatternError:  # e.g. two wildcards in a selector, as CloudWatch refuses
        assume(False)
        raise
    assert isinstance(pattern.ast, JsonPattern)
    return pattern.ast


@settings(max_examples=1500, deadline=None)
@given(EXPRESSIONS, DOCUMENTS)
def test_the_generated_test_answers_as_the_closures(text: str, document: dict[str, object]) -> None:
    ast = _json_pattern(text)
    assert json_test(ast.expr)(document) is expr_test(ast.expr, json_leaf)(document)


# Each selector shape with a document where it leads to the value.
SHAPES = [
    ("$.a", '{{"a": {}}}'),
    ("$.a.b", '{{"a": {{"b": {}}}}}'),
    ("$.a[0]", '{{"a": [{}, 1]}}'),
    ("$.a[*]", '{{"a": [2, {}]}}'),
    ("$.*", '{{"b": {}}}'),
    ("$.a.*", '{{"a": {{"c": {}}}}}'),
]
# The numbers of NUMBERS and others near them, as ints and floats, and their texts.
NEAR_NUMBER_LIST = [
    0,
    1,
    -1,
    12,
    42,
    1000,
    1.0,
    0.5,
    1000.0,
    42.0,
    -1.0,
    float("inf"),
    float("nan"),
]
NEAR_NUMBERS = st.sampled_from([*NEAR_NUMBER_LIST, "1", "42", "0.5", "1e3", "inf", "-1.0"])

# Texts that a number's text (repr) can equal, start, end or hold.
NUMBER_TEXT_LIST = [
    "1*",
    "*0",
    "*1*",
    "*.5",
    "inf*",
    "*nf",
    "nan",
    "*an*",
    "*.0",
    '"42"',
    '"1.0"',
    "4*",
    "*",
]
NUMBER_TEXTS = st.sampled_from(NUMBER_TEXT_LIST)


@settings(max_examples=1500, deadline=None)
@given(
    st.sampled_from(SHAPES),
    st.sampled_from(SHAPES),
    st.booleans(),
    st.one_of(
        st.tuples(st.sampled_from(["=", "!="]), VALUES | NUMBER_TEXTS).map(" ".join),
        st.tuples(st.sampled_from(["<", "<=", ">", ">="]), NUMBERS).map(" ".join),
        CHECKS,
    ),
    st.one_of(SCALARS, NEAR_NUMBERS),
)
def test_one_condition_answers_as_the_closures(
    shape: tuple[str, str],
    other: tuple[str, str],
    reaches: bool,
    condition: str,
    value: object,
) -> None:
    """Each selector shape and comparison on each kind of scalar, where the selector leads to
    it (or, when not ``reaches``, where another shape does)."""
    selector, where = shape if reaches else (shape[0], other[1])
    ast = _json_pattern(f"{selector} {condition}")
    document = parse_object(where.format(json.dumps(value)))
    assert document is not None
    assert json_test(ast.expr)(document) is expr_test(ast.expr, json_leaf)(document)


def test_every_text_comparison_on_every_kind_of_number() -> None:
    """``=`` and ``!=`` with each text that a number's text can match, on each number (inf and
    nan too, as json reads Infinity and NaN): the fast paths that leave numbers out must not."""
    for text in [*NUMBER_TEXT_LIST, "x*", "*x*", "Ev*ent", '"*"', "ABC*", '"1e3"', '"-1.0"']:
        for op in ["=", "!="]:
            ast = _json_pattern(f"$.a {op} {text}")
            for value in [*NEAR_NUMBER_LIST, True, None, "1", "inf"]:
                document = {"a": value}
                expected = expr_test(ast.expr, json_leaf)(document)
                assert json_test(ast.expr)(document) is expected, (text, op, value)


@settings(max_examples=400, deadline=None)
@given(EXPRESSIONS, DOCUMENTS)
def test_matches_answers_as_the_closures_on_the_parsed_event(
    text: str, document: dict[str, object]
) -> None:
    pattern = compile_pattern("{ " + text + " }") if _json_pattern(text) else None
    assert pattern is not None and isinstance(pattern.ast, JsonPattern)
    message = json.dumps(document)
    parsed = parse_object(message)
    assert parsed is not None
    assert pattern.matches(message) is expr_test(pattern.ast.expr, json_leaf)(parsed)


def test_a_selector_nested_beyond_what_python_compiles_keeps_the_closures() -> None:
    steps = 505  # 1010 characters: within CloudWatch's 1024
    pattern = compile_pattern("{ $" + ".a" * steps + " = 1 }")
    document: object = 1
    for _ in range(steps):
        document = {"a": document}
    assert isinstance(document, dict)
    assert pattern.matches(json.dumps(document)) is True
    assert pattern.matches(json.dumps({"a": {"a": 1}})) is False


def test_nested_conditions_compile_or_keep_the_closures() -> None:
    depth = 60
    text = "$.a = 1"
    for level in range(depth):
        text = f"($.b = {level} {'&&' if level % 2 else '||'} {text})"
    ast = _json_pattern(text)
    for document in [{"a": 1}, {"b": 1, "a": 1}, {"b": 59}, {}]:
        assert json_test(ast.expr)(document) is expr_test(ast.expr, json_leaf)(document)


def test_nesting_counts_the_deepest_parentheses() -> None:
    assert _nesting("f((a) and (b(c)))") == 3
    assert _MAX_NESTING < 200  # Python's tokenizer refuses 200 nested parentheses
