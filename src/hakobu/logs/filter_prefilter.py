"""Literals every matching event must contain, derived from the syntax tree: a cheap refusal before
the expensive part (``json.loads``, splitting into fields) for most events that cannot match.

The semantics stay the parser's and the evaluator's; this only skips work, so it must never
refuse an event that would match. Why each rule is sound:

- A space-delimited field is a piece of the event, so the text a condition requires of a field
  (an exact string, or the part of a glob around its ``*``) is in the event.
- In JSON without a backslash, no string is escaped, so a key ``k`` is written ``"k"`` and a
  string value ``v`` is written ``"v"``. An event with a backslash skips the pre-filter.
- Numbers are left out: ``1e3`` equals ``1000``, and a string literal that could be a number's
  text (``"3.0"`` equals ``3e0``) is left out too.
- ``&&`` needs what each side needs; ``||`` only what every side needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from hakobu.logs.filter_ast import And, Check, Compare, Expr, Field, Or, Selector, Text

# Characters a number's text can hold (repr of int and float, inf and nan included).
_NUMBER_TEXT = frozenset("0123456789.+-eEinfa")


def json_literals(expr: Expr) -> frozenset[str]:
    return _required(expr, _json_leaf)


def space_literals(fields: Iterable[Field]) -> frozenset[str]:
    needed: set[str] = set()
    for field in fields:
        if field.condition is not None:
            needed |= _required(field.condition, _space_leaf)
    return frozenset(needed)


def lacks_any(literals: frozenset[str]) -> Callable[[str], bool] | None:
    """A test that is true when the event lacks one of ``literals``; None when there are none."""
    if not literals:
        return None
    # The longest is usually the rarest; three scans are enough to refuse most events.
    ordered = sorted(literals, key=lambda literal: (-len(literal), literal))[:3]
    first = ordered[0]
    if len(ordered) == 1:
        return lambda message: first not in message
    second = ordered[1]
    if len(ordered) == 2:
        return lambda message: first not in message or second not in message
    third = ordered[2]
    return lambda message: first not in message or second not in message or third not in message


def _required(expr: Expr, leaf: Callable[[Compare | Check], set[str]]) -> frozenset[str]:
    if isinstance(expr, And):
        return frozenset().union(*(_required(item, leaf) for item in expr.items))
    if isinstance(expr, Or):
        return frozenset.intersection(*(_required(item, leaf) for item in expr.items))
    return frozenset(leaf(expr))


def _json_leaf(node: Compare | Check) -> set[str]:
    assert isinstance(node.target, Selector)
    if isinstance(node, Check):
        if node.check == "NOT EXISTS":
            return set()
        return _keys(node.target) | {node.check.lower()}  # null, true, false: never escaped
    needed = _keys(node.target)  # every comparison needs the field to exist
    if node.op == "=" and isinstance(node.value, Text):
        needed |= _text_literal(node.value, quote='"', json=True)
    return needed


def _keys(selector: Selector) -> set[str]:
    return {f'"{step}"' for step in selector.steps if type(step) is str}


def _space_leaf(node: Compare | Check) -> set[str]:
    if isinstance(node, Compare) and node.op == "=" and isinstance(node.value, Text):
        return _text_literal(node.value, quote="", json=False)
    return set()


def _text_literal(value: Text, *, quote: str, json: bool) -> set[str]:
    text = value.value
    core = text.strip("*")
    if not core or '"' in core or "\\" in core:
        return set()
    if json and set(core) <= _NUMBER_TEXT:
        return set()  # a number's text compares too, and it may be written otherwise
    leading = quote if not text.startswith("*") else ""
    trailing = quote if not text.endswith("*") else ""
    return {leading + core + trailing}
