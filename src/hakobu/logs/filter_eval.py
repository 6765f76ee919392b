"""Evaluation: each syntax tree becomes a chain of small closures, built once per pattern.

It runs on every log event (a million of them in the store), so the work that does not depend on
the event happens here, once: regexes compiled, selectors turned into key lookups, wildcards and
numbers classified. An event's JSON is parsed once per evaluation, and only when it can be JSON.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable
from typing import Any

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
    TermsPattern,
    Text,
    Value,
)

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
    # The common shapes get closures without loops: this is the hot path of `hakobu logs`.
    if not excluded and len(required) == 1:
        (only,) = required
        return lambda message: only in message
    if not excluded and len(required) == 2:
        first, second = required
        return lambda message: first in message and second in message
    if not required and len(excluded) == 1:
        (never,) = excluded
        return lambda message: never not in message

    def matches(message: str) -> bool:
        for term in required:
            if term not in message:
                return False
        return all(term not in message for term in excluded)

    return matches


# -- values ---------------------------------------------------------------------------------------


def text_of(value: Any) -> str | None:
    """The text a string or number compares by; None for what no comparison matches."""
    kind = type(value)
    if kind is str:
        return str(value)
    if kind is int or kind is float:
        return repr(value)
    return None  # null, booleans, arrays, objects, MISSING: not value nodes


def number_of(value: Any) -> int | float | None:
    kind = type(value)
    if kind is int or kind is float:
        return value  # type: ignore[no-any-return]
    if kind is str and _NUMERIC_STRING.fullmatch(value):
        return float(value) if "." in value else int(value)
    return None


def value_test(op: str, value: Value) -> Test:
    """``candidate op value`` for one candidate (a JSON value or a space-delimited field)."""
    if isinstance(value, Number):
        return _number_test(op, value)
    wanted = op == "="
    if isinstance(value, Regex):
        search = regex_matcher(value)

        def regex_test(candidate: Any) -> bool:
            text = text_of(candidate)
            return text is not None and search(text) is wanted

        return regex_test
    match = string_matcher(value)

    def string_test(candidate: Any) -> bool:
        text = text_of(candidate)
        return text is not None and match(text) is wanted

    return string_test


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

    def number_test(candidate: Any) -> bool:
        number = number_of(candidate)
        if number is not None:
            return compare(number, wanted)
        # A string that is not a number can still equal the literal's text ("1e3" = 1e3).
        if op in ("=", "!=") and type(candidate) is str:
            return compare(candidate, written)
        return False

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


def may_be_object(message: str) -> bool:
    """Cheap refusal before json.loads: most text lines end here."""
    return message.startswith("{") or message.lstrip().startswith("{")


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
    if not may_be_object(message):
        return None
    try:
        parsed = json.loads(message)
    except (ValueError, RecursionError):
        parsed = None
    document = parsed if type(parsed) is dict else None
    _last_parsed = (message, document)
    return document


def json_leaf(node: Compare | Check) -> Test:
    selector = node.target
    assert isinstance(selector, Selector)
    test = value_test(node.op, node.value) if isinstance(node, Compare) else _CHECKS[node.check]
    if selector.wildcards:
        collect = collector(selector)
        if isinstance(node, Check) and node.check == "NOT EXISTS":
            return lambda document: not collect(document)
        return lambda document: any(test(value) for value in collect(document))
    get = getter(selector)
    return lambda document: test(get(document))


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
