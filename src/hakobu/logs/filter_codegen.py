"""JSON conditions compiled to one generated Python function per pattern.

filter_eval builds a JSON pattern's test as a tree of closures (json_leaf, expr_test): a call per
selector step, per leaf and per ``&&``/``||``, about seven for ``{ $.user.id = 42 ||
$.items[*].sku = ABC* }``. Here the same tree becomes the source of one function (as namedtuple
and dataclasses build theirs), so ``$.a.b = 42`` is two dictionary gets and a comparison. The
source is built from the parsed syntax tree only, never from the pattern's text: keys and indexes
are written by ``repr`` of a str or an int, and every other value (numbers, texts, the closures
of unusual comparisons) is a constant the function is given by name. filter_eval's closures stay
the definition: tests/logs/test_filter_codegen.py checks that both answer alike on generated
patterns and events.
"""

from __future__ import annotations

from typing import Any

from hakobu.logs.filter_ast import (
    WILDCARD,
    And,
    Check,
    Compare,
    Expr,
    Number,
    Or,
    Selector,
    Step,
    Text,
    selectors_of,
)
from hakobu.logs.filter_eval import MISSING, Test, expr_test, json_leaf, value_test

# Characters the repr of an int or a float can hold (inf and nan too): a text with any other
# character never equals a number's text, so ``= text`` is then plain equality.
_NUMBER_TEXT = frozenset("0123456789.+-eEinfa")
_PYTHON_OPERATORS = {"=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_CHECK_EXPRESSIONS = {"NULL": "{0} is None", "TRUE": "{0} is True", "FALSE": "{0} is False"}


class _Source:
    """The function being written: its helper functions, its constants, fresh local names."""

    def __init__(self) -> None:
        self.helpers: list[str] = []
        self.constants: dict[str, Any] = {"MISSING": MISSING}
        self.names = 0

    def name(self, prefix: str) -> str:
        self.names += 1
        return f"{prefix}{self.names}"

    def constant(self, value: Any) -> str:
        name = self.name("c")
        self.constants[name] = value
        return name


def json_test(expr: Expr) -> Test:
    """The test of ``expr`` on a parsed JSON object (a dict): what ``expr_test(expr,
    json_leaf)`` answers, in one generated function."""
    if any(len(selector.steps) > _MAX_STEPS for selector in selectors_of(expr)):
        return expr_test(expr, json_leaf)
    source = _Source()
    body = _expression(expr, source)
    code = "\n".join([*source.helpers, f"def test(document):\n    return {body}\n"])
    if _nesting(code) > _MAX_NESTING:
        return expr_test(expr, json_leaf)
    namespace = dict(source.constants)
    try:
        exec(compile(code, "<filter pattern>", "exec"), namespace)  # from the tree only
    except (SyntaxError, RecursionError, MemoryError):  # nested beyond what Python compiles
        return expr_test(expr, json_leaf)
    test: Test = namespace["test"]
    return test


# Python's tokenizer refuses more than 200 nested parentheses, and a selector of a 1024-character
# pattern can have 500 steps (two frames each to write, two parentheses each): such a pattern
# keeps filter_eval's closures. Real selectors have a few steps.
_MAX_NESTING = 150
_MAX_STEPS = 40


def _nesting(code: str) -> int:
    """The deepest parenthesis nesting of ``code``, counting those in its strings too."""
    depth = deepest = 0
    for character in code:
        if character == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif character == ")":
            depth -= 1
    return deepest


def _expression(expr: Expr, source: _Source) -> str:
    if isinstance(expr, And | Or):
        joiner = " and " if isinstance(expr, And) else " or "
        return "(" + joiner.join(_expression(item, source) for item in expr.items) + ")"
    selector = expr.target
    assert isinstance(selector, Selector)
    if isinstance(expr, Check) and expr.check == "NOT EXISTS":
        # Some value reached, JSON null included: MISSING is what a missing key gives.
        return f"not {_root(selector.steps, '{0} is not MISSING', True, source)}"
    if isinstance(expr, Check):
        final, null_passes = _CHECK_EXPRESSIONS[expr.check], expr.check == "NULL"
    else:
        final, null_passes = _comparison(expr, source), False
    return _root(selector.steps, final, null_passes, source)


def _root(steps: tuple[Step, ...], final: str, null_passes: bool, src: _Source) -> str:
    """The walk from the document, a dict: no type check before a key."""
    if steps and type(steps[0]) is str:
        return _walk("document", steps, final, null_passes, src)
    return _checked("document", steps, final, null_passes, src)


def _comparison(node: Compare, source: _Source) -> str:
    """``node`` on a candidate, as a format string of it (``{0}``: its first use is the first
    evaluated, where _reach binds it). What value_test answers; false for null and MISSING."""
    op, value = node.op, node.value
    if isinstance(value, Number):
        # number_test's int/float case inline (bool is neither); strings go to number_test.
        test, wanted = source.constant(value_test(op, value)), source.constant(value.value)
        kind = source.name("k")
        return (
            f"((({kind} := type({{0}})) is int or {kind} is float) and "
            f"{{0}} {_PYTHON_OPERATORS[op]} {wanted} or {kind} is str and {test}({{0}}))"
        )
    if op == "=" and isinstance(value, Text):
        return _equals_text(value, source) or f"{source.constant(value_test(op, value))}({{0}})"
    return f"{source.constant(value_test(op, value))}({{0}})"


def _equals_text(value: Text, source: _Source) -> str | None:
    """``= text`` (_equals_text of filter_eval) when no number's text can pass: the text a
    candidate must hold has a character no number's text has. None otherwise."""
    text = value.value
    core = text.strip("*")
    leading, trailing = text.startswith("*"), text.endswith("*")
    if not value.glob or not (leading or trailing):
        if set(text) <= _NUMBER_TEXT:
            return None
        return f"{{0}} == {source.constant(text)}"  # a non-str never equals a str
    if set(core) <= _NUMBER_TEXT:  # the empty core too: ``*`` passes any number
        return None
    if leading and trailing:
        return f"(type({{0}}) is str and {source.constant(core)} in {{0}})"
    method = "endswith" if leading else "startswith"
    return f"(type({{0}}) is str and {{0}}.{method}({source.constant(core)}))"


def _walk(node: str, steps: tuple[Step, ...], final: str, null_passes: bool, src: _Source) -> str:
    """Whether ``final`` holds for some value the steps lead to from ``node``, a local name
    whose type the first step needs (dict for a key, list for an index) is already checked:
    any_value of filter_eval, written out."""
    if not steps:
        return final.format(node)
    step, rest = steps[0], steps[1:]
    if step is WILDCARD:
        return f"{_any_child(rest, final, null_passes, src)}({node})"
    if type(step) is int:
        walk = _reach(f"{node}[{step!r}]", rest, final, null_passes, src)
        return f"({step!r} < len({node}) and {walk})"
    assert type(step) is str
    default = ", MISSING" if not rest and null_passes else ""
    return _reach(f"{node}.get({step!r}{default})", rest, final, null_passes, src)


def _reach(value: str, rest: tuple[Step, ...], final: str, null_passes: bool, src: _Source) -> str:
    """The walk on from ``value`` (an expression, evaluated once: bound to a local name where
    first used), with the type check the next step needs. A missing key gives None (MISSING
    where null passes ``final``), which no type check and no comparison lets through."""
    if rest and rest[0] is WILDCARD:
        return f"{_any_child(rest[1:], final, null_passes, src)}({value})"
    if not rest and final.count("{0}") == 1:
        return "(" + final.replace("{0}", value) + ")"
    found = src.name("v")
    if not rest:
        first, *others = final.split("{0}")
        return "(" + first + f"({found} := {value})" + found.join(others) + ")"
    kind = "list" if type(rest[0]) is int else "dict"
    walk = _walk(found, rest, final, null_passes, src)
    return f"(type({found} := {value}) is {kind} and {walk})"


def _checked(
    node: str, steps: tuple[Step, ...], final: str, null_passes: bool, src: _Source
) -> str:
    """_walk from a node of any type."""
    if not steps or steps[0] is WILDCARD:
        return _walk(node, steps, final, null_passes, src)
    kind = "list" if type(steps[0]) is int else "dict"
    return f"(type({node}) is {kind} and {_walk(node, steps, final, null_passes, src)})"


def _any_child(rest: tuple[Step, ...], final: str, null_passes: bool, src: _Source) -> str:
    """A helper function: whether some element of a list, or some value of a dict, leads on."""
    name = src.name("any_child")
    child = src.name("v")
    test = _checked(child, rest, final, null_passes, src)
    src.helpers.append(
        f"def {name}(node):\n"
        "    kind = type(node)\n"
        "    if kind is dict:\n"
        "        node = node.values()\n"
        "    elif kind is not list:\n"
        "        return False\n"
        f"    for {child} in node:\n"
        f"        if {test}:\n"
        "            return True\n"
        "    return False\n"
    )
    return name
