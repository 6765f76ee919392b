"""Evaluation: each syntax tree becomes a chain of small closures, built once per pattern.

It runs on every log event (a million of them in the store), so the work that does not depend on
the event happens here, once: regexes compiled, selectors turned into key lookups, wildcards and
numbers classified, comparisons specialized to their shape. An event's JSON is parsed only when
it can be JSON and holds what the pattern needs (filter_prefilter), and once for all the
patterns that meet the event in a row (load_object). A JSON pattern's conditions run as one
generated function (filter_codegen); the closures here (json_leaf, expr_test) are its
definition and its fallback. bench/bench_filter_patterns.py measures it.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable
from typing import Any

import orjson

from hakobu.logs.filter_ast import (
    WILDCARD,
    And,
    Check,
    Compare,
    Expr,
    Number,
    Or,
    Regex,
    Selector,
    Step,
    TermsPattern,
    Text,
    Value,
)
from hakobu.logs.filter_prefilter import json_keys, json_literals, lacks_any

Test = Callable[[Any], bool]
MISSING: Any = object()  # a selector that leads nowhere; distinct from JSON null (None)
_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
# A numeric string, as CloudWatch reads one: "Strings don't support scientific notation".
_NUMERIC_STRING = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


# -- unstructured text ----------------------------------------------------------------------------


def terms_matcher(ast: TermsPattern) -> Callable[[str], bool]:
    """Substring tests, case-sensitive. A quoted blank (``" "``) matches everything, as the
    documentation's "Match everything" example says, so it is dropped from the tests."""
    if ast.regex is not None:
        return regex_matcher(ast.regex)
    if any(not term.strip() for term in ast.excluded):
        return lambda message: False
    required = tuple(term for term in ast.required if term.strip())
    excluded = ast.excluded
    if not ast.required and not excluded and ast.optional:
        if any(not term.strip() for term in ast.optional):
            return lambda message: True
        return _any_of(ast.optional)
    return _all_but(required, excluded)


def _any_of(terms: tuple[str, ...]) -> Callable[[str], bool]:
    if len(terms) == 2:
        first, second = terms
        return lambda message: first in message or second in message

    def matches(message: str) -> bool:
        return any(term in message for term in terms)

    return matches


def _all_but(required: tuple[str, ...], excluded: tuple[str, ...]) -> Callable[[str], bool]:
    # The common shapes get closures without loops: this is the hot path of `hakobu logs`. The
    # longest term is looked for first: it is the likeliest to be missing, which ends the test.
    required = tuple(sorted(required, key=len, reverse=True))
    if not excluded and len(required) == 1:
        (only,) = required
        return lambda message: only in message
    if not excluded and len(required) == 2:
        first, second = required
        return lambda message: first in message and second in message
    if not excluded and len(required) == 3:
        first, second, third = required
        return lambda message: first in message and second in message and third in message
    if not excluded and len(required) == 4:  # "Failed to process request"
        first, second, third, fourth = required
        return lambda message: (
            first in message and second in message and third in message and fourth in message
        )
    if not required and len(excluded) == 1:
        (never,) = excluded
        return lambda message: never not in message
    if len(required) == 1 and len(excluded) == 1:
        (only,), (never,) = required, excluded
        return lambda message: only in message and never not in message

    def matches(message: str) -> bool:
        for term in required:
            if term not in message:
                return False
        return all(term not in message for term in excluded)

    return matches


# -- values ---------------------------------------------------------------------------------------


def value_test(op: str, value: Value) -> Test:
    """``candidate op value`` for one candidate (a JSON value or a space-delimited field). A
    string compares as it is, a number by its text (``repr``); null, booleans, arrays, objects
    and MISSING match no comparison. Inlined in each closure: this runs for every JSON leaf."""
    if isinstance(value, Number):
        return _number_test(op, value)
    if op == "=" and isinstance(value, Text):
        return _equals_text(value)
    match = regex_matcher(value) if isinstance(value, Regex) else string_matcher(value)
    if op == "=":

        def equal(candidate: Any) -> bool:
            kind = type(candidate)
            if kind is str:
                return match(candidate)
            return (kind is int or kind is float) and match(repr(candidate))

        return equal

    def differ(candidate: Any) -> bool:
        kind = type(candidate)
        if kind is str:
            return not match(candidate)
        return (kind is int or kind is float) and not match(repr(candidate))

    return differ


def _equals_text(value: Text) -> Test:
    """``candidate = value`` with string_matcher's rules, each shape in one closure: the most
    common JSON condition, and a call saved on every event it meets."""
    text = value.value
    core = text.strip("*")
    leading, trailing = text.startswith("*"), text.endswith("*")
    if not value.glob or not (leading or trailing):

        def exact(candidate: Any) -> bool:
            kind = type(candidate)
            if kind is str:
                return candidate == text  # type: ignore[no-any-return]
            return (kind is int or kind is float) and repr(candidate) == text

        return exact
    if leading and trailing:

        def within(candidate: Any) -> bool:
            kind = type(candidate)
            if kind is str:
                return core in candidate
            return (kind is int or kind is float) and core in repr(candidate)

        return within
    if leading:

        def ending(candidate: Any) -> bool:
            kind = type(candidate)
            if kind is str:
                return candidate.endswith(core)  # type: ignore[no-any-return]
            return (kind is int or kind is float) and repr(candidate).endswith(core)

        return ending

    def starting(candidate: Any) -> bool:
        kind = type(candidate)
        if kind is str:
            return candidate.startswith(core)  # type: ignore[no-any-return]
        return (kind is int or kind is float) and repr(candidate).startswith(core)

    return starting


def field_test(op: str, value: Value) -> Callable[[str], bool]:
    """value_test for a candidate that is always a string: a space-delimited field."""
    if isinstance(value, Number):
        return _number_test(op, value)
    match = regex_matcher(value) if isinstance(value, Regex) else string_matcher(value)
    if op == "=":
        return match
    return lambda text: not match(text)


def regex_matcher(regex: Regex) -> Callable[[str], bool]:
    """Whether the regex matches anywhere. A literal every match holds is looked for first: a
    substring scan is far cheaper than starting the regex engine, and most events lack it."""
    search = regex.compiled.search
    literals = regex.literals
    if len(literals) == 1:
        (literal,) = literals
        if regex.pure:
            return lambda text: literal in text
        return lambda text: literal in text and search(text) is not None
    if len(literals) == 2:
        first, second = literals
        if regex.pure:
            return lambda text: first in text or second in text
        return lambda text: (first in text or second in text) and search(text) is not None
    if literals:
        if regex.pure:
            return lambda text: any(literal in text for literal in literals)
        return lambda text: any(lit in text for lit in literals) and search(text) is not None
    return lambda text: search(text) is not None


def string_matcher(value: Text) -> Callable[[str], bool]:
    """Exact equality; a leading and/or trailing ``*`` matches any text there. An inner ``*``
    is literal, as the documentation says: "Ev*ent will only match the actual string Ev*ent"."""
    text = value.value
    core = text.strip("*")
    leading, trailing = text.startswith("*"), text.endswith("*")
    if not value.glob or not (leading or trailing):
        return lambda candidate: candidate == text
    if not core:
        return lambda candidate: True
    if leading and trailing:
        return lambda candidate: core in candidate
    if leading:
        return lambda candidate: candidate.endswith(core)
    return lambda candidate: candidate.startswith(core)


def _number_test(op: str, value: Number) -> Test:
    compare = _OPERATORS[op]
    wanted, written = value.value, value.text
    textual = op in ("=", "!=")

    def number_test(candidate: Any) -> bool:
        kind = type(candidate)
        if kind is int or kind is float:
            return compare(candidate, wanted)
        if kind is not str:
            return False
        if candidate.isdigit() and candidate.isascii():  # the usual field: no regex needed
            return compare(int(candidate), wanted)
        if _NUMERIC_STRING.fullmatch(candidate):
            return compare(float(candidate) if "." in candidate else int(candidate), wanted)
        # A string that is not a number can still equal the literal's text ("1e3" = 1e3).
        return textual and compare(candidate, written)

    return number_test


# -- expressions ----------------------------------------------------------------------------------


def expr_test(expr: Expr, leaf: Callable[[Compare | Check], Test]) -> Test:
    """``&&`` / ``||`` over leaves; ``leaf`` builds the JSON or the space-delimited leaf test."""
    if isinstance(expr, And | Or):
        tests = tuple(expr_test(item, leaf) for item in expr.items)
        return _combine(tests, isinstance(expr, And))
    return leaf(expr)


def _combine(tests: tuple[Test, ...], conjunction: bool) -> Test:
    if len(tests) == 2:
        first, second = tests
        if conjunction:
            return lambda subject: first(subject) and second(subject)
        return lambda subject: first(subject) or second(subject)
    if conjunction:
        return lambda subject: all(test(subject) for test in tests)
    return lambda subject: any(test(subject) for test in tests)


# -- JSON -----------------------------------------------------------------------------------------


# The last event parsed: the router tests each event against every subscription and metric
# filter, and extract follows matches, so one event meets several JSON patterns in a row. One
# tuple, replaced whole, so that concurrent readers see a consistent pair.
_last_parsed: tuple[str, dict[str, Any] | None] = ("", None)


def load_object(message: str) -> dict[str, Any] | None:
    """The event as a JSON object, or None: a JSON pattern never matches anything else."""
    global _last_parsed
    last_message, last_document = _last_parsed
    if message is last_message:
        return last_document
    document = parse_object(message)
    _last_parsed = (message, document)
    return document


# The C scanner json.loads runs, called without json.loads' Python layers, on the same settings:
# json.loads(s) is this scan plus JSON's whitespace around it. parse_object's reference.
_scan_json: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
_JSON_SPACE = " \t\n\r"

# orjson, with the guard below, parses a log line in about 3/4 of the time of json's scanner
# (1.8 us against 2.3 on the bench's JSON line), and gives the same values
# (float bits, key order, the last of duplicate keys; tests/logs/test_parse_object_orjson.py)
# but for integers beyond 64 bits, which it reads as floats. Any such integer has 19 digits or
# more, so a run of 19 digits anywhere sends the line to json's scanner (inside a string too:
# slower, never wrong); one translate makes every digit "0" for a single substring search.
# What orjson refuses (NaN, Infinity, 1e400, lone surrogates, trailing data) json decides too.
_DIGITS_AND_OPENERS = bytes.maketrans(b"123456789[", b"000000000{")
_LONG_DIGIT_RUN = b"0" * 19
# json's scanner nests as deep as Python's recursion limit lets it (1000 frames by default, the
# caller's included; deeper: RecursionError, not an object), orjson to 1024. A line that could
# nest deeper than this (more openers; a line of n characters nests n/2 at most) goes to json.
_ORJSON_DEPTH = 200
_CAN_NEST_DEEPER = 2 * _ORJSON_DEPTH  # characters


def parse_object(message: str) -> dict[str, Any] | None:
    """``json.loads(message)`` if that is an object, else None (not JSON, or another value)."""
    start = 0
    if message[:1] != "{":
        start = len(message) - len(message.lstrip(_JSON_SPACE))
        if message[start : start + 1] != "{":
            return None
    try:
        data = message.encode()
    except UnicodeEncodeError:  # a lone surrogate: orjson reads UTF-8 only
        return _scan_object(message, start)
    guard = data.translate(_DIGITS_AND_OPENERS)
    # find, not in: bytes.__contains__ tries the needle as an int first, at the cost of an error
    if guard.find(_LONG_DIGIT_RUN) >= 0 or (
        len(data) > _CAN_NEST_DEEPER and guard.count(b"{") > _ORJSON_DEPTH
    ):
        return _scan_object(message, start)
    try:
        return orjson.loads(data)  # type: ignore[no-any-return]  # "{" first: an object
    except orjson.JSONDecodeError:
        return _scan_object(message, start)


def _parse_object_json(message: str) -> dict[str, Any] | None:
    """parse_object with json's scanner alone: what parse_object answers, by definition."""
    start = 0 if message[:1] == "{" else len(message) - len(message.lstrip(_JSON_SPACE))
    if message[start : start + 1] != "{":
        return None
    return _scan_object(message, start)


def _scan_object(message: str, start: int) -> dict[str, Any] | None:
    """``json.loads(message)``, the object at ``start`` being its first non-space character."""
    try:
        document, end = _scan_json(message, start)
    except (ValueError, StopIteration, RecursionError):
        return None
    if end != len(message) and message[end:].strip(_JSON_SPACE):
        return None  # more after the object: json.loads says "Extra data"
    return document  # type: ignore[no-any-return]


def json_leaf(node: Compare | Check) -> Test:
    """The test of one condition on a parsed event. A selector that leads nowhere fails every
    test but NOT EXISTS (a comparison or IS check of MISSING is false), so one walk serves both
    plain and wildcard selectors: does some value the selector reaches pass?"""
    selector = node.target
    assert isinstance(selector, Selector)
    if isinstance(node, Check) and node.check == "NOT EXISTS":
        reaches = any_value(selector.steps, _anything)
        return lambda document: not reaches(document)
    test = value_test(node.op, node.value) if isinstance(node, Compare) else _CHECKS[node.check]
    return any_value(selector.steps, test)


def _anything(value: Any) -> bool:
    return True


def any_value(steps: tuple[Step, ...], test: Test) -> Test:
    """Whether ``test`` holds for some value the steps lead to: the values ``collector`` would
    list, visited without building the list, and no further than the first that passes.

    The definition filter_codegen's generated tests are checked against, and their fallback for
    selectors too deep to generate: kept plain, as the speed is the generated code's."""
    if not steps:
        return test
    keys = 0
    while keys < len(steps) and type(steps[keys]) is str:
        keys += 1
    if keys:
        return _keys_step(tuple(str(step) for step in steps[:keys]), any_value(steps[keys:], test))
    step, rest = steps[0], any_value(steps[1:], test)
    if step is WILDCARD:

        def any_child(node: Any) -> bool:
            kind = type(node)
            if kind is dict:
                node = node.values()
            elif kind is not list:
                return False
            return any(map(rest, node))

        return any_child
    assert type(step) is int

    def index_step(node: Any) -> bool:
        return type(node) is list and step < len(node) and rest(node[step])

    return index_step


def _keys_step(keys: tuple[str, ...], rest: Test) -> Test:
    """``.a.b.c``: dictionary lookups in a row."""

    def key_path(node: Any) -> bool:
        for key in keys:
            if type(node) is not dict:
                return False
            node = node.get(key, MISSING)
        return node is not MISSING and rest(node)

    return key_path


def json_matcher(expr: Expr, test: Test) -> Callable[[str], bool]:
    """``matches`` of a JSON pattern: refusals that cost no parsing first, then ``test`` (the
    pattern's, filter_codegen.json_test) on the event's JSON object, parsed once for every
    pattern that meets the event (load_object)."""
    # Values before keys: most events of a log have the keys, few have the value.
    lacks = lacks_any(json_literals(expr), common=json_keys(expr))

    def matches(message: str) -> bool:
        head = message[:1]
        if head != "{" and (head > " " or message.lstrip(_JSON_SPACE)[:1] != "{"):
            return False  # most text lines end here (JSON's spaces are all below "!")
        global _last_parsed
        last_message, document = _last_parsed
        if message is not last_message:  # not parsed for an earlier pattern
            # Unescaped JSON holds its keys and strings as written: refuse before json.loads.
            if lacks is not None and lacks(message) and "\\" not in message:
                return False
            document = parse_object(message)  # load_object, inlined: a call less per event
            _last_parsed = (message, document)
        return document is not None and test(document)

    return matches


_CHECKS: dict[str, Test] = {
    "NULL": lambda value: value is None,
    "TRUE": lambda value: value is True,
    "FALSE": lambda value: value is False,
    "NOT EXISTS": lambda value: value is MISSING,
}


def getter(selector: Selector) -> Callable[[dict[str, Any]], Any]:
    """The value a selector without wildcards points to, or MISSING."""
    steps = selector.steps
    if all(type(step) is str for step in steps):
        return _key_getter(tuple(str(step) for step in steps))

    def get(document: dict[str, Any]) -> Any:
        node: Any = document
        for step in steps:
            node = _step(node, step)
            if node is MISSING:
                break
        return node

    return get


def _key_getter(keys: tuple[str, ...]) -> Callable[[dict[str, Any]], Any]:
    """``$.a.b.c``, the usual selector: dictionary lookups and nothing else."""
    if len(keys) == 1:
        (key,) = keys
        return lambda document: document.get(key, MISSING)

    def get(document: dict[str, Any]) -> Any:
        node: Any = document
        for key in keys:
            if type(node) is not dict:
                return MISSING
            node = node.get(key, MISSING)
        return node

    return get


def _step(node: Any, step: str | int | object) -> Any:
    if type(step) is str:
        return node.get(step, MISSING) if type(node) is dict else MISSING
    if type(node) is list and step < len(node):  # type: ignore[operator]
        return node[step]  # type: ignore[index]
    return MISSING


def collector(selector: Selector) -> Callable[[dict[str, Any]], list[Any]]:
    """Every value a selector with a wildcard points to (any element, any field)."""
    steps = selector.steps

    def collect(document: dict[str, Any]) -> list[Any]:
        nodes: list[Any] = [document]
        for step in steps:
            if step is WILDCARD:
                nodes = [child for node in nodes for child in _children(node)]
            else:
                nodes = [found for node in nodes if (found := _step(node, step)) is not MISSING]
        return nodes

    return collect


def _children(node: Any) -> list[Any]:
    if type(node) is dict:
        return list(node.values())
    return node if type(node) is list else []


def scalar_text(value: Any) -> str | None:
    """How an extracted JSON value is shown: strings as they are, other scalars as JSON."""
    if type(value) is str:
        return str(value)
    if type(value) in (int, float, bool):
        return json.dumps(value)
    return None
